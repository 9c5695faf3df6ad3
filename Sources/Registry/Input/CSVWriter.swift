/// RFC 4180 writing, the counterpart of `CSVReader`: what the export writes, the import reads
/// back. A field with a comma, quote, CR or LF is quoted, quotes doubled; lines end in CRLF.
public enum CSVWriter {
    /// Works on the UTF-8 bytes: an export writes millions of fields.
    public static func line(_ fields: [String]) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(fields.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            let bytes = field.utf8
            guard bytes.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else {
                line.append(contentsOf: bytes)
                continue
            }
            line.append(UInt8(ascii: "\""))
            for byte in bytes {
                line.append(byte)
                if byte == UInt8(ascii: "\"") { line.append(byte) }
            }
            line.append(UInt8(ascii: "\""))
        }
        line.append(contentsOf: [13, 10])
        return line
    }
}
