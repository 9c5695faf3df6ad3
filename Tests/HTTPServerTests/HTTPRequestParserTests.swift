import FuzzChecks
@testable import HTTPServer
import Testing

/// The parser on bytes in memory. Every case is fed whole, one byte at a time, and cut in
/// two at every position, and must come out the same each way.
struct HTTPRequestParserTests {
    // The same feeding and comparison as the parser's fuzzer (Sources/FuzzChecks).
    typealias Outcome = HTTPParserCheck.Outcome

    static func feed(_ chunks: [[UInt8]], limits: HTTPParserLimits = HTTPParserLimits(), sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        let outcome = HTTPParserCheck.feed(chunks, limits: limits)
        #expect(outcome.stayedFailed, "a failed parser stays failed", sourceLocation: sourceLocation)
        #expect(HTTPParserCheck.invariantFindings(outcome, limits: limits) == [], sourceLocation: sourceLocation)
        return outcome
    }

    /// Runs `input` whole, byte by byte, and cut at every position; all must agree.
    static func parse(_ input: String, limits: HTTPParserLimits = HTTPParserLimits(), sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        let bytes = Array(input.utf8)
        let whole = feed([bytes], limits: limits)
        let byteByByte = feed(bytes.map { [$0] }, limits: limits)
        #expect(byteByByte == whole, "byte by byte", sourceLocation: sourceLocation)
        for cut in 0...bytes.count {
            let split = feed([Array(bytes[0..<cut]), Array(bytes[cut...])], limits: limits)
            if split != whole {
                Issue.record("cut at \(cut) differs: \(split) vs \(whole)", sourceLocation: sourceLocation)
                break
            }
        }
        return whole
    }

    static func request(_ outcome: Outcome) -> HTTPParserCheck.Parsed? { outcome.firstRequest }

    // MARK: Valid requests

    @Test func parsesASimpleGet() {
        let outcome = Self.parse("GET /api/v1/projects?status=approved&q=a%20b HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n")
        #expect(outcome.errorStatus == nil)
        #expect(outcome.events.count == 1)
        let request = Self.request(outcome)
        #expect(request?.method == .GET)
        #expect(request?.path == "/api/v1/projects")
        #expect(request?.query == "status=approved&q=a%20b")
        #expect(request?.version == .http1_1)
        #expect(request?.headers == ["Host: example.org", "Accept: */*"])
        #expect(request?.keepAlive == true)
    }

    @Test func keepsHeaderOrderCaseAndRepeatsAndTrimsWhitespace() {
        let request = Self.request(Self.parse("GET / HTTP/1.1\r\nHost: h\r\nX-A:  one \t\r\nx-a: two\r\nEmpty:\r\n\r\n"))
        #expect(request?.headers == ["Host: h", "X-A: one", "x-a: two", "Empty: "])
    }

    @Test func acceptsObsTextInValues() {
        let bytes: [UInt8] = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf".utf8) + [0xC3, 0xA9] + Array("\r\n\r\n".utf8)
        let outcome = Self.feed([bytes])
        #expect(outcome.errorStatus == nil)
        #expect(Self.request(outcome)?.headers.last == "X-Name: café")
    }

    @Test func reportsTheHeadBeforeAContentLengthBody() {
        let outcome = Self.parse("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
        #expect(outcome.events.count == 2)
        #expect(outcome.events.first == .head(method: .POST, target: "/echo"))
        #expect(Self.request(outcome)?.body == "hello")
    }

    @Test func acceptsRepeatedIdenticalContentLengths() {
        #expect(Self.request(Self.parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc"))?.body == "abc")
        #expect(Self.request(Self.parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"))?.body == "abc")
    }

    @Test func decodesChunkedBodiesWithExtensionsAndTrailers() {
        let outcome = Self.parse("POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;ext=1\r\nWiki\r\n5 ; name=\"quoted\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Sum: 9\r\nX-Other: y\r\n\r\n")
        #expect(outcome.errorStatus == nil)
        #expect(outcome.events.first == .head(method: .POST, target: "/u"))
        let request = Self.request(outcome)
        #expect(request?.body == "Wikipedia in\r\n\r\nchunks.")
        #expect(request?.trailers == ["X-Sum: 9", "X-Other: y"])
    }

    @Test func acceptsWellFormedHostsAndChunkExtensions() {
        for host in ["example.org", "example.org:8080", "127.0.0.1", "[::1]:80", ""] {
            #expect(Self.parse("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n").errorStatus == nil, "\(host)")
        }
        let extensions = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1 ; a ; b=tok ; c = \"q \\\" s\"\r\nx\r\n0\r\n\r\n"
        #expect(Self.request(Self.parse(extensions))?.body == "x")
    }

    @Test func acceptsTransferEncodingCaseInsensitively() {
        #expect(Self.request(Self.parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n"))?.body == "")
    }

    @Test func http10DefaultsToCloseAndNeedsNoHost() {
        let plain = Self.request(Self.parse("GET / HTTP/1.0\r\n\r\n"))
        #expect(plain?.version == .http1_0)
        #expect(plain?.keepAlive == false)
        #expect(Self.request(Self.parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))?.keepAlive == true)
        #expect(Self.request(Self.parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))?.keepAlive == false)
    }

    @Test func reducesAbsoluteFormToPathAndQuery() {
        #expect(Self.request(Self.parse("GET http://example.org/a/b?c=d HTTP/1.1\r\nHost: example.org\r\n\r\n"))?.path == "/a/b")
        #expect(Self.request(Self.parse("GET http://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n"))?.path == "/")
        #expect(Self.request(Self.parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"))?.path == "*")
    }

    @Test func knowsTraceAndConnectSoThatRoutesCanRefuseThemWith405() {
        #expect(Self.request(Self.parse("TRACE /a HTTP/1.1\r\nHost: h\r\n\r\n"))?.method == .TRACE)
        let connect = Self.request(Self.parse("CONNECT registry.example:443 HTTP/1.1\r\nHost: registry.example:443\r\n\r\n"))
        #expect(connect?.method == .CONNECT)
        #expect(connect?.path == "registry.example:443")
        #expect(Self.parse("CONNECT nohostport HTTP/1.1\r\nHost: h\r\n\r\n").errorStatus == 400)
        #expect(Self.parse("GET registry.example:443 HTTP/1.1\r\nHost: h\r\n\r\n").errorStatus == 400) // authority-form only for CONNECT
    }

    @Test func skipsEmptyLinesBeforeTheRequestLine() {
        #expect(Self.request(Self.parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"))?.path == "/")
    }

    @Test func parsesPipelinedRequestsInOrder() {
        let outcome = Self.parse("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
            + "GET /4 HTTP/1.1\r\nHost: h\r\n\r\n")
        let paths = outcome.events.compactMap { event -> String? in
            if case .request(let r) = event { return r.path + ":" + r.body }
            return nil
        }
        #expect(paths == ["/1:", "/2:abc", "/3:z", "/4:"])
    }

    @Test func leavesBytesOfTheNextRequestBuffered() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HT".utf8))
        guard case .request(let first) = try parser.next() else { Issue.record("no request"); return }
        #expect(first.path == "/a")
        #expect(parser.bufferedByteCount == 9)
        #expect(parser.phase == .head)
        guard case .needMoreData = try parser.next() else { Issue.record("expected to wait"); return }
    }

    @Test func reportsItsPhase() throws {
        var parser = HTTPRequestParser()
        #expect(parser.phase == .idle)
        parser.append(Array("\r\n".utf8))
        _ = try parser.next()
        #expect(parser.phase == .idle)
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n".utf8))
        _ = try parser.next()
        #expect(parser.phase == .head)
        parser.append(Array("\r\nab".utf8))
        guard case .head = try parser.next() else { Issue.record("expected head"); return }
        _ = try parser.next()
        #expect(parser.phase == .body)
        parser.append(Array("cd".utf8))
        guard case .request = try parser.next() else { Issue.record("expected request"); return }
        #expect(parser.phase == .idle)
    }

    @Test func embassyStylePartialHeaders() throws {
        var parser = HTTPRequestParser()
        for piece in ["GET / HTTP/1.1\r\n", "Host: www.exam", "ple.com\r", "\n", "\r\n"] {
            parser.append(Array(piece.utf8))
            if case .request(let request) = try parser.next() {
                #expect(request.headers["host"] == "www.example.com")
                #expect(piece == "\r\n")
                return
            }
        }
        Issue.record("no request parsed")
    }

    // MARK: Refusals

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400),               // bare CR in a field
        ("GET / HTTP/1.1\rHost: h\r\n\r\n", 400),                        // bare CR after the request line
        ("GET / HTTP/1.1\nHost: h\n\n", 400),                            // bare LF
        ("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n folded\r\n\r\n", 400), // obs-fold
        ("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\tfolded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),                     // space before colon
        ("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n: novalue\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{01}b\r\n\r\n", 400),      // control character in a value
        ("GET / HTTP/1.1\r\n\r\n", 400),                                 // missing Host
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),           // repeated Host
        ("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),  // not ending in chunked
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),     // bad chunk size
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400), // data not followed by CRLF
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3 junk\r\nabc\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", 400),
        ("BREW / HTTP/1.1\r\nHost: h\r\n\r\n", 501),                     // unknown method
        ("get / HTTP/1.1\r\nHost: h\r\n\r\n", 501),                      // methods are case-sensitive
        ("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),                      // method not a token
        ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),                     // double space
        ("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400),
        ("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET nopath HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400),                      // asterisk only for OPTIONS
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        ("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505),
        ("GET / HTTPS/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/11\r\nHost: h\r\n\r\n", 400),
        ("GARBAGE\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),                 // invalid Host values
        ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;\r\nx\r\n0\r\n\r\n", 400),        // extension without a name
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\r\nx\r\n0\r\n\r\n", 400),      // nor a value
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"x\r\nx\r\n0\r\n\r\n", 400),    // unclosed quote
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a b\r\nx\r\n0\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n", 400), // framing in a trailer
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHost: evil\r\n\r\n", 400),
    ])
    func refuses(_ input: String, status: Int) {
        #expect(Self.parse(input).errorStatus == status, "\(input.debugDescription)")
    }

    @Test func refusesNonASCIIInTheTarget() {
        let bytes = Array("GET /caf".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        #expect(Self.feed([bytes]).errorStatus == 400)
    }

    // MARK: Limits, exactly at the boundary

    @Test func requestLineLimit() {
        var limits = HTTPParserLimits()
        limits.maxRequestLineLength = 64
        let fits = "GET /" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1"
        #expect(fits.utf8.count == 64)
        #expect(Self.parse(fits + "\r\nHost: h\r\n\r\n", limits: limits).errorStatus == nil)
        let tooLong = "GET /" + String(repeating: "a", count: 64 - 13) + " HTTP/1.1"
        #expect(Self.parse(tooLong + "\r\nHost: h\r\n\r\n", limits: limits).errorStatus == 414)
        // Refused before the line ends.
        #expect(Self.feed([Array(("GET /" + String(repeating: "a", count: 100)).utf8)], limits: limits).errorStatus == 414)
    }

    @Test func theFirstFaultDecidesHoweverTheBytesArrive() {
        var limits = HTTPParserLimits()
        limits.maxRequestLineLength = 20
        // A bare LF after the limit: the line was too long first.
        #expect(Self.parse("GET /" + String(repeating: "a", count: 30) + " HTTP/1.1\nHost: h\r\n\r\n", limits: limits).errorStatus == 414)
        // A bare CR after the limit, likewise; before it, the CR decides.
        #expect(Self.parse("GET /" + String(repeating: "a", count: 30) + "\rb HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits).errorStatus == 414)
        #expect(Self.parse("GET /a\rb" + String(repeating: "a", count: 30) + " HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits).errorStatus == 400)
        #expect(Self.parse("GET /a HTTP/1.1\nHost: h\r\n\r\n", limits: limits).errorStatus == 400)
    }

    @Test func headerCountLimit() {
        var limits = HTTPParserLimits()
        limits.maxHeaderCount = 5
        let four = (0..<4).map { "X-\($0): v\r\n" }.joined()
        #expect(Self.parse("GET / HTTP/1.1\r\nHost: h\r\n" + four + "\r\n", limits: limits).errorStatus == nil)
        let five = (0..<5).map { "X-\($0): v\r\n" }.joined()
        #expect(Self.parse("GET / HTTP/1.1\r\nHost: h\r\n" + five + "\r\n", limits: limits).errorStatus == 431)
    }

    @Test func headerSizeLimit() {
        var limits = HTTPParserLimits()
        limits.maxHeaderBytes = 40
        // "Host: h\r\n" is 9 bytes; "X: " + 26 + CRLF is 31: 40 in all.
        let fits = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "v", count: 26) + "\r\n\r\n"
        #expect(Self.parse(fits, limits: limits).errorStatus == nil)
        let over = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "v", count: 27) + "\r\n\r\n"
        #expect(Self.parse(over, limits: limits).errorStatus == 431)
        // Refused while still arriving.
        #expect(Self.feed([Array(("GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 100)).utf8)], limits: limits).errorStatus == 431)
    }

    @Test func trailersCountAgainstTheHeaderLimits() {
        var limits = HTTPParserLimits()
        limits.maxHeaderCount = 3
        let input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n"
        #expect(Self.parse(input, limits: limits).errorStatus == 431)
    }

    @Test func bodyLimitIsEnforcedAtTheHead() {
        var limits = HTTPParserLimits()
        limits.maxBodySize = 10
        #expect(Self.parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits).errorStatus == nil)
        // No body byte needed: the announced length alone is refused.
        #expect(Self.parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits).errorStatus == 413)
        #expect(Self.parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n", limits: limits).errorStatus == 413)
    }

    @Test func largeBodiesArriveWhole() throws {
        let body = String(repeating: "0123456789", count: 100_000)
        var parser = HTTPRequestParser()
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.utf8.count)\r\n\r\n".utf8))
        guard case .head = try parser.next() else { Issue.record("no head"); return }
        let bytes = Array(body.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + 65536, bytes.count)
            parser.append(Array(bytes[offset..<end]))
            offset = end
            if case .request(let request) = try parser.next() {
                #expect(request.body.count == bytes.count)
                #expect(offset == bytes.count)
                return
            }
        }
        Issue.record("body never completed")
    }
}
