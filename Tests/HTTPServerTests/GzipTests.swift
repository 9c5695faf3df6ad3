import HTTPTestSupport
@testable import HTTPServer
import Testing

struct GzipTests {
    @Test func roundTripsThroughZlib() throws {
        let text = Array(String(repeating: "Portfolio Registry enforces OECD Principles 7 and 8. ", count: 200).utf8)
        let compressed = Gzip.compress(text)
        #expect(compressed.prefix(2) == [0x1f, 0x8b], "gzip magic bytes")
        #expect(compressed.count < text.count / 5)
        #expect(try Gzip.decompress(compressed) == text)
    }

    @Test func handlesEmptyAndIncompressibleInput() throws {
        #expect(try Gzip.decompress(Gzip.compress([])) == [])
        var generator = SystemRandomNumberGenerator()
        let random = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(try Gzip.decompress(Gzip.compress(random)) == random)
    }

    @Test func refusesTruncatedOrOversizedInput() {
        let compressed = Gzip.compress(Array(repeating: 65, count: 10_000))
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Array(compressed.dropLast(10))) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(compressed, maxOutput: 100) }
    }

    @Test(arguments: [
        (nil, false), ("gzip", true), ("GZIP", true), ("x-gzip", true), ("deflate, gzip;q=0.5", true),
        ("gzip;q=0", false), ("gzip;q=0, *", false), ("*", true), ("*;q=0.1", true), ("*;q=0", false),
        ("br, deflate", false), ("identity", false), ("gzip;q=bogus", false), ("gzip ; q=1.0", true), ("", false),
    ] as [(String?, Bool)])
    func negotiatesGzip(_ header: String?, _ expected: Bool) {
        #expect(ContentNegotiation.acceptsGzip(header) == expected, "\(header ?? "nil")")
    }
}
