@testable import JSON
import Testing

struct JSONTests {
    @Test func parsesEveryKindOfValueAndKeepsNumbersExact() throws {
        let value = try JSONParser.parse(#" { "a": [1, -0.5, 12500000.50, 1e3, true, false, null], "b": {"c": "d"} } "#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == .array([.number("1"), .number("-0.5"), .number("12500000.50"), .number("1e3"), .bool(true), .bool(false), .null]))
        #expect(object["b"] == .object(["c": .string("d")]))
    }

    @Test func decodesEscapesAndUnicode() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00 中""#) == .string("a\"b\\c/d\n\té😀 中"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "[1 2]",
        "{\"a\" 1}", "\"unterminated", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "{\"a\":1,\"a\":2}",
        "1 2", "// comment\n1", "NaN", "Infinity",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParseError.self, "\(text.debugDescription)") { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? JSONParser.parse(fine)) != nil)
    }

    @Test func namesTheDuplicateMember() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(#"{"title":"a","title":"b"}"#) }
        #expect(error.message.contains("title"))
    }

    @Test func serializesCompactlyInMemberOrderAndRoundTrips() throws {
        let text = #"{"z":1,"a":[true,null,"x\"y\n\u0001"],"m":{"k":-2.50}}"#
        let value = try JSONParser.parse(text)
        #expect(value.serialized == text)
        #expect(try JSONParser.parse(value.serialized) == value)
    }

    /// Quoting looks at eight bytes at once: every byte that needs an escape is found at every
    /// position of a word, among bytes that do not, multi-byte characters included.
    @Test func quotingEscapesEveryByteThatNeedsItWhereverItIs() throws {
        func expected(_ string: String) -> String {
            var quoted = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case "\n": quoted += "\\n"
                case "\r": quoted += "\\r"
                case "\t": quoted += "\\t"
                case _ where scalar.value < 0x20: quoted += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: quoted.unicodeScalars.append(scalar)
                }
            }
            return quoted + "\""
        }
        let fillers = ["a", "é", "中", "😀", " ", "~", "!", "#", "[", "]", "\u{7F}"]
        var checked = 0
        for special in (0..<0x20).map({ String(UnicodeScalar(UInt8($0))) }) + ["\"", "\\", "a"] {
            for filler in fillers {
                for length in 0..<20 {
                    for position in 0...length {
                        let string = String(repeating: filler, count: position) + special + String(repeating: filler, count: length - position)
                        #expect(JSONString.quote(string) == expected(string), "\(Array(string.utf8))")
                        #expect(try JSONParser.parse(JSONString.quote(string)) == .string(string))
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 40_000)
    }

    @Test func objectSubscriptReplacesInPlaceAndRemoves() {
        var object: JSONObject = ["a": .integer(1), "b": .integer(2)]
        object["a"] = .string("x")
        object["c"] = .null
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object["a"] == .string("x"))
    }
}
