/// RFC 4180 reading: quoted fields with doubled quotes and embedded commas and line breaks;
/// records end in CRLF (a bare LF is accepted too, as spreadsheets on some systems write it).
public enum CSVReader {
    public struct Failure: Error, Sendable, Equatable {
        public var line: Int
        public var message: String
    }

    public static func records(_ text: String) throws(Failure) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false, fieldWasQuoted = false
        var line = 1
        var scalars = Substring(text).unicodeScalars[...]
        func endField() { record.append(field); field = ""; fieldWasQuoted = false }
        func endRecord() { endField(); records.append(record); record = [] }
        while let c = scalars.popFirst() {
            if quoted {
                if c == "\"" {
                    if scalars.first == "\"" { field.unicodeScalars.append("\""); scalars.removeFirst() } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty, !fieldWasQuoted else { throw Failure(line: line, message: "a quote inside an unquoted field") }
                quoted = true
                fieldWasQuoted = true
            case ",":
                endField()
            case "\r" where scalars.first == "\n":
                scalars.removeFirst()
                endRecord()
                line += 1
            case "\n":
                endRecord()
                line += 1
            default:
                if fieldWasQuoted { throw Failure(line: line, message: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw Failure(line: line, message: "a quoted field is not closed") }
        if !field.isEmpty || fieldWasQuoted || !record.isEmpty { endRecord() }
        return records
    }
}
