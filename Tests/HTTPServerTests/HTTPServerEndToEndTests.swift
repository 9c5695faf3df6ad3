import Foundation
import HTTPTestSupport
@testable import HTTPServer
import Testing

/// Every behaviour of the server, over real sockets against a real server on port 0.
@Suite(.serialized) struct HTTPServerEndToEndTests {
    let get = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"

    // MARK: Keep-alive and connection management

    @Test func keepsHTTP11ConnectionsAlive() throws {
        let server = try TestServer()
        let client = try server.client()
        for _ in 0..<3 {
            try client.send(get)
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "hello")
            #expect(response.header("Connection") == "keep-alive")
        }
    }

    @Test func closesOnConnectionClose() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(client.isClosedByPeer())
    }

    @Test func http10ClosesUnlessKeepAlive() throws {
        let server = try TestServer()
        let plain = try server.client()
        try plain.send("GET /hello HTTP/1.0\r\n\r\n")
        #expect(try plain.readResponse().status == 200)
        #expect(plain.isClosedByPeer())

        let kept = try server.client()
        try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = try kept.readResponse()
        #expect(first.header("Connection") == "keep-alive")
        try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try kept.readResponse().status == 200)
    }

    @Test func answersPipelinedRequestsInOrder() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send(
            "GET /items/1 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nsecon"
            + "GET /items/3 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "GET /items/4 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == "1")
        #expect(try client.readResponse().text == "secon")
        #expect(try client.readResponse().text == "3")
        #expect(try client.readResponse().text == "4")
    }

    @Test func unreadBodyDoesNotLeakIntoTheNextRequest() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 28\r\n\r\nGET /items/evil HTTP/1.1\r\n\r\n")
        #expect(try client.readResponse().status == 204)
        try client.send("GET /items/good HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == "good")
    }

    // MARK: Bodies

    @Test func readsContentLengthAndChunkedBodies() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world")
        #expect(try client.readResponse().text == "hello world")

        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n")
        let chunked = try client.readResponse()
        #expect(chunked.text == "hello world")
        #expect(chunked.header("X-Trailer-Count") == "1")
    }

    @Test func answersExpectContinueBeforeTheBody() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("data")
        let final = try client.readResponse()
        #expect(final.status == 200)
        #expect(final.text == "data")
    }

    @Test func refusesAnExpectationItCannotMeet() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: something-else\r\n\r\n")
        #expect(try client.readResponse().status == 417)
    }

    @Test func expectContinueWithAnOversizedBodyGets413WithoutContinue() throws {
        let server = try TestServer { $0.limits.maxBodySize = 100 }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n")
        #expect(try client.readResponse().status == 413)
        #expect(client.isClosedByPeer())
    }

    /// Bodies larger than what the server reads per turn, sent in pieces with pauses, with and
    /// without chunking (a body in progress is always read, however much is buffered).
    @Test func echoesLargeBodiesThatArriveInPieces() throws {
        let server = try TestServer()
        let body = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let client = try server.client(receiveTimeout: 10)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.count)\r\n\r\n")
        for start in stride(from: 0, to: body.count, by: 400_000) {
            try client.send(Array(body[start..<min(start + 400_000, body.count)]))
            usleep(10_000)
        }
        #expect(try client.readResponse().body == body)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        for start in stride(from: 0, to: body.count, by: 500_000) {
            let piece = Array(body[start..<min(start + 500_000, body.count)])
            try client.send(Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + [13, 10])
            usleep(10_000)
        }
        try client.send("0\r\n\r\n")
        #expect(try client.readResponse().body == body)
    }

    @Test func headSendsTheHeadersOfGetWithoutBody() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /big?size=3000 HTTP/1.1\r\nHost: t\r\n\r\n")
        let getResponse = try client.readResponse()
        try client.send("HEAD /big?size=3000 HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(bodyExpected: false)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "3000")
        #expect(head.header("Content-Length") == getResponse.header("Content-Length"))
        // Had a body been sent, it would be read here as the next response's status line.
        try client.send(get)
        #expect(try client.readResponse().text == "hello")
    }

    // MARK: Refusals

    private func expectRefusal(_ request: String, status: Int, configure: (inout HTTPServerConfiguration) -> Void = { _ in },
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let server = try TestServer(configure: configure)
        let client = try server.client()
        try client.send(request)
        let response = try client.readResponse()
        #expect(response.status == status, "\(request.prefix(60))", sourceLocation: sourceLocation)
        #expect(response.header("Connection") == "close", sourceLocation: sourceLocation)
        #expect(client.isClosedByPeer(), "connection should close after \(status)", sourceLocation: sourceLocation)
    }

    @Test func refusesOversizedRequestLineHeadersAndBodies() throws {
        try expectRefusal("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", status: 414)
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + String(repeating: "b", count: 70 * 1024) + "\r\n\r\n", status: 431)
        let many = (0..<101).map { "X-F\($0): v\r\n" }.joined()
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\r\n" + many + "\r\n", status: 431)
        try expectRefusal("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n", status: 413, configure: { $0.limits.maxBodySize = 1000 })
        try expectRefusal("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n", status: 413, configure: { $0.limits.maxBodySize = 1000 })
    }

    @Test func refusesMalformedAndAmbiguousRequests() throws {
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", status: 400)                       // bare CR
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  folded\r\n\r\n", status: 400)       // obs-fold
        try expectRefusal("GET / HTTP/1.1\r\nHost : t\r\n\r\n", status: 400)                           // space before colon
        try expectRefusal("GET / HTTP/1.1\r\n\r\n", status: 400)                                         // missing Host
        try expectRefusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400)                  // repeated Host
        try expectRefusal("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400)
        try expectRefusal("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", status: 400)
        try expectRefusal("GARBAGE\r\n\r\n", status: 400)
    }

    @Test func refusesWhatItDoesNotImplement() throws {
        try expectRefusal("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501)
        try expectRefusal("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", status: 501)
    }

    @Test func answersUnknownPathsAndWrongMethods() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")
        let missing = try client.readResponse()
        #expect(missing.status == 404)
        #expect(missing.header("Content-Type") == "application/problem+json")
        let problem = try JSONSerialization.jsonObject(with: Data(missing.body)) as? [String: Any]
        #expect(problem?["status"] as? Int == 404)
        #expect(problem?["title"] as? String == "Not Found")

        try client.send("DELETE /items/1 HTTP/1.1\r\nHost: t\r\n\r\n")
        let wrong = try client.readResponse()
        #expect(wrong.status == 405)
        #expect(wrong.header("Allow") == "GET, HEAD, OPTIONS, PUT")

        try client.send("OPTIONS /items/1 HTTP/1.1\r\nHost: t\r\n\r\n")
        let options = try client.readResponse()
        #expect(options.status == 204)
        #expect(options.header("Allow") == "GET, HEAD, OPTIONS, PUT")

        // Methods the server knows but no route allows are 405 with Allow, not 501.
        try client.send("TRACE /items/1 HTTP/1.1\r\nHost: t\r\n\r\n")
        let trace = try client.readResponse()
        #expect(trace.status == 405)
        #expect(trace.header("Allow") == "GET, HEAD, OPTIONS, PUT")
        try client.send("PATCH /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        let patch = try client.readResponse()
        #expect(patch.status == 405)
        #expect(patch.header("Allow") == "GET, HEAD, OPTIONS")
        try client.send("QUERY /items/1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        let query = try client.readResponse()
        #expect(query.status == 405)
        #expect(query.header("Allow") == "GET, HEAD, OPTIONS, PUT")
        try client.send("TRACE /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 404)
        try client.send("CONNECT registry.example:443 HTTP/1.1\r\nHost: registry.example:443\r\n\r\n")
        let connect = try client.readResponse()
        #expect(connect.status == 405)
        #expect(connect.header("Allow") == "GET, HEAD, OPTIONS, POST, PUT")
        try client.send("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n")
        let everything = try client.readResponse()
        #expect(everything.status == 204)
        #expect(everything.header("Allow") == "GET, HEAD, OPTIONS, POST, PUT")

        // These are answered and the connection stays usable.
        try client.send(get)
        #expect(try client.readResponse().status == 200)
    }

    @Test func handlerErrorsBecomeProblemDocuments() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /conflict HTTP/1.1\r\nHost: t\r\n\r\n")
        let conflict = try client.readResponse()
        #expect(conflict.status == 409)
        let problem = try JSONSerialization.jsonObject(with: Data(conflict.body)) as? [String: Any]
        #expect(problem?["detail"] as? String == "already there")

        // An error type of the application that knows its status renders itself the same way.
        try client.send("GET /quota HTTP/1.1\r\nHost: t\r\n\r\n")
        let quota = try client.readResponse()
        #expect(quota.status == 429)
        #expect(quota.header("Retry-After") == "7")
        let quotaProblem = try JSONSerialization.jsonObject(with: Data(quota.body)) as? [String: Any]
        #expect(quotaProblem?["type"] as? String == "/problems/quota")

        try client.send("GET /crash HTTP/1.1\r\nHost: t\r\n\r\n")
        let crash = try client.readResponse()
        #expect(crash.status == 500)
        #expect(!crash.text.contains("Unexpected"), "internal error details must not leak")
    }

    // MARK: Timeouts

    @Test func slowHeadersGet408() throws {
        let server = try TestServer { $0.timeouts.header = .milliseconds(300) }
        let client = try server.client()
        try client.send("GET /hello HTTP/1.1\r\nHo")
        // Trickling does not extend the header deadline.
        usleep(150_000)
        try client.send("s")
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(client.isClosedByPeer())
    }

    @Test func stalledBodyGets408() throws {
        let server = try TestServer { $0.timeouts.body = .milliseconds(300) }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(client.isClosedByPeer())
    }

    @Test func idleKeepAliveConnectionIsClosedQuietly() throws {
        let server = try TestServer { $0.timeouts.idle = .milliseconds(300) }
        let client = try server.client()
        try client.send(get)
        #expect(try client.readResponse().status == 200)
        // Nothing more is sent: the server closes without a response.
        #expect(client.isClosedByPeer())
        // The gauge drops just after the descriptor closes; give it a moment.
        var open = server.server.metrics.openConnections
        for _ in 0..<100 where open != 0 {
            usleep(10_000)
            open = server.server.metrics.openConnections
        }
        #expect(open == 0)
    }

    // MARK: Connection limit

    @Test func answers503BeyondTheConnectionLimitAndKeepsAccepting() throws {
        let server = try TestServer { $0.maxConnections = 2 }
        let first = try server.client()
        let second = try server.client()
        try first.send(get)
        #expect(try first.readResponse().status == 200)
        try second.send(get)
        #expect(try second.readResponse().status == 200)

        let third = try server.client()
        let refused = try third.readResponse()
        #expect(refused.status == 503)
        #expect(third.isClosedByPeer())

        try first.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(try first.readResponse().status == 200)
        #expect(first.isClosedByPeer())
        first.close()
        // The slot is free again once the server has closed its side.
        var served = false
        for _ in 0..<50 where !served {
            let fourth = try server.client()
            try fourth.send(get)
            if let response = try? fourth.readResponse(), response.status == 200 { served = true } else { usleep(20_000) }
        }
        #expect(served)
    }

    // MARK: Compression and headers

    @Test func gzipsLargeResponsesWhenAccepted() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /big?size=5000 HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br;q=1, gzip;q=0.5\r\n\r\n")
        let zipped = try client.readResponse()
        #expect(zipped.header("Content-Encoding") == "gzip")
        #expect(zipped.header("Vary") == "Accept-Encoding")
        #expect(zipped.body.count < 5000)
        let inflated = try Gzip.decompress(zipped.body)
        #expect(inflated.count == 5000)

        try client.send("GET /big?size=5000 HTTP/1.1\r\nHost: t\r\n\r\n")
        let plain = try client.readResponse()
        #expect(plain.header("Content-Encoding") == nil)
        #expect(plain.header("Vary") == "Accept-Encoding")
        #expect(plain.body == inflated)

        try client.send("GET /big?size=5000 HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip;q=0, *\r\n\r\n")
        #expect(try client.readResponse().header("Content-Encoding") == nil)

        try client.send("GET /big?size=1023 HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
        let small = try client.readResponse()
        #expect(small.header("Content-Encoding") == nil)
        #expect(small.body.count == 1023)
    }

    @Test func sendsStandardAndSecurityHeaders() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /page HTTP/1.1\r\nHost: t\r\nX-Request-Id: trace-42\r\n\r\n")
        let page = try client.readResponse()
        #expect(page.header("Date")?.hasSuffix(" GMT") == true)
        #expect(page.header("Content-Length") == String(page.body.count))
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.header("X-Request-Id") == "trace-42")
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(page.header("X-Content-Type-Options") == "nosniff")
        #expect(page.header("Referrer-Policy") != nil)

        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Request-Id: <bad id>\r\n\r\n")
        let generated = try client.readResponse().header("X-Request-Id")
        #expect(generated != nil && generated != "<bad id>")
    }

    // MARK: Streamed bodies

    @Test func streamsLargeBodiesChunkedAndKeepsTheConnection() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /stream?lines=200000 HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
        usleep(100_000) // let the socket fill, so the writer has to wait for this reader
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(response.header("Content-Length") == nil)
        let lines = response.text.split(separator: "\n")
        #expect(lines.count == 200_000)
        #expect(lines.last == "line 199999")
        try client.send(get)
        #expect(try client.readResponse().text == "hello")
    }

    @Test func streamsToHTTP10ByClosing() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /stream?lines=3 HTTP/1.0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.header("Connection") == "close")
        #expect(response.text == "line 0\nline 1\nline 2\n")
        #expect(client.isClosedByPeer())
    }

    @Test func headOfAStreamSendsNoBody() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(bodyExpected: false)
        #expect(head.status == 200)
        try client.send(get)
        #expect(try client.readResponse().text == "hello")
    }

    // MARK: Misbehaving peers

    @Test func survivesAPeerThatResetsMidResponse() throws {
        let server = try TestServer()
        for _ in 0..<5 {
            let rude = try server.client()
            try rude.send("GET /big?size=8000000 HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try rude.readRaw(1000)
            rude.reset()
        }
        let polite = try server.client()
        try polite.send(get)
        #expect(try polite.readResponse().status == 200)
    }

    @Test func deliversLargeResponsesToSlowReaders() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /big?size=6000000 HTTP/1.1\r\nHost: t\r\n\r\n")
        // Let the socket buffers fill so the server must wait for writability.
        usleep(200_000)
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.body.count == 6_000_000)
        try client.send(get)
        #expect(try client.readResponse().text == "hello")
    }

    @Test func aSlowClientDoesNotHoldUpOthers() throws {
        let server = try TestServer { $0.workerThreads = 2 }
        // More trickling clients than there are worker threads.
        let slow = try (0..<6).map { _ in try server.client() }
        for client in slow { try client.send("GET /hello HTTP/1.1\r\nHo") }
        let fast = try server.client()
        for _ in 0..<20 {
            try fast.send(get)
            #expect(try fast.readResponse().status == 200)
        }
    }

    // MARK: Shutdown

    @Test func shutdownFinishesRequestsInFlight() throws {
        let server = try TestServer()
        let idle = try server.client()
        try idle.send(get)
        _ = try idle.readResponse()

        let busy = try server.client()
        try busy.send("GET /slow?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(100_000)
        let httpServer = server.server
        let stopping = Background { httpServer.shutdown() }
        let response = try busy.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "slept 400")
        #expect(response.header("Connection") == "close")
        #expect(idle.isClosedByPeer())
        try stopping.result()
        #expect(throws: (any Error).self) { try RawClient(port: server.port) }
    }

    // MARK: Metrics

    @Test func countsRequestsByRouteAndStatus() throws {
        let server = try TestServer()
        let client = try server.client()
        try client.send("GET /items/7 HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try client.readResponse()
        try client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try client.readResponse()
        let text = server.server.metrics.prometheusText()
        #expect(text.contains(#"http_requests_total{method="GET",route="/items/{id}",status="200"} 1"#))
        #expect(text.contains(#"http_requests_total{method="GET",route="not_found",status="404"} 1"#))
        #expect(text.contains("http_open_connections 1"))
        #expect(text.contains(#"http_request_duration_seconds_bucket{le="+Inf"} 2"#))
    }
}

