/// Text cells of a CSV that a spreadsheet opens safely (OWASP's CSV-injection rule): a value
/// starting with `=`, `+`, `-`, `@`, tab or CR would run as a formula, so it is written with a
/// leading `'`, which spreadsheets show as text. A value that itself starts with `'` gets one
/// more, so reading strips exactly one and gets back what was written.
public enum SpreadsheetText {
    static let triggers: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13, UInt8(ascii: "'")]

    public static func escape(_ value: String) -> String {
        guard let first = value.utf8.first, triggers.contains(first) else { return value }
        return "'" + value
    }

    public static func unescape(_ cell: String) -> String {
        cell.utf8.first == UInt8(ascii: "'") ? String(cell.dropFirst()) : cell
    }
}
