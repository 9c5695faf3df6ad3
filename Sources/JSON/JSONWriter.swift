extension JSONValue {
    /// Compact JSON text; members in their stored order.
    public var serialized: String {
        String(decoding: serializedBytes, as: UTF8.self)
    }

    /// The same as UTF-8, which is what a response body is: written byte by byte, without
    /// going through `String`'s Unicode-aware appends.
    public var serializedBytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let literal): out.append(contentsOf: literal.utf8)
        case .string(let value): JSONString.quote(value, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.quote(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// JSON string quoting (RFC 8259 §7): quotes, backslashes and control characters escaped.
public enum JSONString {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func quote(_ string: String) -> String {
        var out: [UInt8] = []
        quote(string, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs of bytes that need no escape are copied whole; every byte of a multi-byte UTF-8
    /// sequence is 0x80 or above, so only ASCII needs looking at. Eight bytes are looked at
    /// at once where none of them needs an escape (most of a long text).
    public static func quote(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            var position = 0
            while position < utf8.count {
                if position + 8 <= utf8.count,
                   !needsEscape(UnsafeRawPointer(utf8.baseAddress! + position).loadUnaligned(as: UInt64.self)) {
                    position += 8
                    continue
                }
                let byte = utf8[position]
                position += 1
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position - 1]))
                runStart = position
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
                default:
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether any of the eight bytes of `word` is below 0x20, a quote or a backslash: each test
    /// is the bit trick that finds a zero byte (exact as a whole; bytes of 0x80 and above never match).
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        return (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs != 0
    }
}
