import Foundation
@testable import HTTPServer
import HTTPTestSupport
import Logging
import Testing

/// Byte ranges (RFC 9110 §14), large files streamed from disk, gzip kept with the file.
struct StaticFileRangeTests {
    typealias Decision = FileResponseDecision
    let etag = "\"1f-abc\""

    func decide(_ headers: [(String, String)], method: HTTPMethod = .GET, size: Int = 100) -> Decision {
        Decision.decide(method: method, headers: HTTPHeaders(headers), size: size, etag: etag, modifiedSeconds: 1_000_000)
    }

    @Test func rangesResolveAgainstTheFileSize() {
        #expect(decide([("Range", "bytes=0-9")]) == .partial(0...9))
        #expect(decide([("Range", "bytes=90-")]) == .partial(90...99))
        #expect(decide([("Range", "bytes=-10")]) == .partial(90...99))
        #expect(decide([("Range", "bytes=-500")]) == .partial(0...99))    // a suffix longer than the file is all of it
        #expect(decide([("Range", "bytes=50-500")]) == .partial(50...99)) // the end is clipped
        #expect(decide([("Range", " bytes=5-5 ")]) == .partial(5...5))
    }

    @Test func rangesOutsideTheFileAreUnsatisfiable() {
        #expect(decide([("Range", "bytes=100-")]) == .unsatisfiable)
        #expect(decide([("Range", "bytes=200-300")]) == .unsatisfiable)
        #expect(decide([("Range", "bytes=-0")]) == .unsatisfiable)
        #expect(decide([("Range", "bytes=0-")], size: 0) == .unsatisfiable)
        // One satisfiable range among unsatisfiable ones is enough.
        #expect(decide([("Range", "bytes=200-300, 0-1")]) == .partial(0...1))
    }

    @Test func rangesNotUnderstoodAreIgnored() {
        for header in ["items=0-1", "bytes=a-b", "bytes=5-1", "bytes=", "bytes=1", "bytes=--1", "bytes=0-1,", "bytes=1-2-3",
                       "bytes=99999999999999999999-"] {
            #expect(decide([("Range", header)]) == .whole, "\(header)")
        }
        // Several ranges would need multipart/byteranges: the whole file instead.
        #expect(decide([("Range", "bytes=0-1, 5-6")]) == .whole)
        #expect(decide([("Range", Array(repeating: "1-2", count: 17).joined(separator: ",").replacingOccurrences(of: "^", with: "bytes=", options: .regularExpression))]) == .whole)
        #expect(decide([("Range", "bytes=0-1")], method: .HEAD) == .whole)
    }

    @Test func ifRangeSendsTheWholeFileWhenTheClientsCopyIsOld() {
        #expect(decide([("Range", "bytes=0-1"), ("If-Range", etag)]) == .partial(0...1))
        #expect(decide([("Range", "bytes=0-1"), ("If-Range", "\"other\"")]) == .whole)
        #expect(decide([("Range", "bytes=0-1"), ("If-Range", "W/" + etag)]) == .whole) // If-Range compares strongly
        #expect(decide([("Range", "bytes=0-1"), ("If-Range", HTTPDate.format(epochSeconds: 1_000_000))]) == .partial(0...1))
        #expect(decide([("Range", "bytes=0-1"), ("If-Range", HTTPDate.format(epochSeconds: 999_999))]) == .whole)
        #expect(decide([("Range", "bytes=0-1"), ("If-None-Match", etag)]) == .notModified)
    }

    // MARK: Over HTTP

    final class FileSite {
        let root: URL
        let server: HTTPServer
        let port: Int
        let files: StaticFileServer
        static let large = 3 * 1024 * 1024 + 17

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try Data(Self.bytes(count: Self.large)).write(to: root.appendingPathComponent("large.bin"))
            try String(repeating: "The registry holds every ICT project. ", count: 200).write(to: root.appendingPathComponent("small.txt"), atomically: true, encoding: .utf8)
            let files = StaticFileServer(root: root.path)
            self.files = files
            var router = Router()
            router.get("/files/{path...}") { context in try files.respond(to: context.request, relativePath: context.parameter("path") ?? "") }
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            server = HTTPServer(configuration: configuration, router: router, logger: logger)
            port = try server.start()
        }

        deinit {
            server.shutdown()
            try? FileManager.default.removeItem(at: root)
        }

        /// Bytes that differ from position to position, so a misplaced piece shows.
        static func bytes(count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) } }

        func get(_ path: String, _ headers: String = "") throws -> RawClient.Response {
            let client = try RawClient(port: port)
            try client.send("GET \(path) HTTP/1.1\r\nHost: t\r\n\(headers)\r\n")
            return try client.readResponse()
        }
    }

    @Test func largeFileIsStreamedWithItsLengthAndKeepsTheConnection() throws {
        let site = try FileSite()
        let client = try RawClient(port: site.port)
        try client.send("GET /files/large.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == String(FileSite.large))
        #expect(response.header("Transfer-Encoding") == nil)
        #expect(response.header("Accept-Ranges") == "bytes")
        #expect(response.body == FileSite.bytes(count: FileSite.large))
        try client.send("HEAD /files/large.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(bodyExpected: false)
        #expect(head.header("Content-Length") == String(FileSite.large))
    }

    @Test func rangesOfLargeAndSmallFilesAre206WithContentRange() throws {
        let site = try FileSite()
        let all = FileSite.bytes(count: FileSite.large)
        let middle = try site.get("/files/large.bin", "Range: bytes=1048570-2097160\r\n")
        #expect(middle.status == 206)
        #expect(middle.header("Content-Range") == "bytes 1048570-2097160/\(FileSite.large)")
        #expect(middle.header("Content-Length") == "1048591")
        #expect(middle.body == Array(all[1048570...2097160]))

        let tail = try site.get("/files/large.bin", "Range: bytes=-5\r\n")
        #expect(tail.body == Array(all.suffix(5)))

        let small = try site.get("/files/small.txt", "Range: bytes=4-11\r\nAccept-Encoding: gzip\r\n")
        #expect(small.status == 206)
        #expect(small.header("Content-Encoding") == nil) // a part is of the identity bytes
        #expect(small.text == "registry")
    }

    @Test func unsatisfiableRangeIs416WithTheLength() throws {
        let site = try FileSite()
        let response = try site.get("/files/small.txt", "Range: bytes=999999-\r\n")
        #expect(response.status == 416)
        #expect(response.header("Content-Range") == "bytes */7600")
        #expect(response.header("Content-Type") == "application/problem+json")
    }

    @Test func gzipOfASmallFileIsComputedOnceAndKept() throws {
        let site = try FileSite()
        let first = try site.get("/files/small.txt", "Accept-Encoding: gzip\r\n")
        #expect(first.header("Content-Encoding") == "gzip")
        let request = HTTPRequest(head: HTTPRequestHead(method: .GET, target: "/files/small.txt", version: .http1_1, headers: HTTPHeaders()))
        let shared = try #require(try site.files.respond(to: request, relativePath: "small.txt").shared)
        #expect(shared.isCompressed)
        let second = try site.get("/files/small.txt", "Accept-Encoding: gzip\r\n")
        #expect(second.body == first.body)
        #expect(try Gzip.decompress(second.body) == Array(String(repeating: "The registry holds every ICT project. ", count: 200).utf8))
    }
}
