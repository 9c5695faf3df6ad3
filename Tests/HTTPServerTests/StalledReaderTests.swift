import Foundation
@testable import HTTPServer
import HTTPTestSupport
import Synchronization
import Testing

/// Clients that open a large streamed body and stop reading hold a buffer each, never a
/// worker: everyone else is answered meanwhile, and the stalled ones are closed after the
/// write timeout with everything they held freed.
struct StalledReaderTests {
    static let stream = "GET /stream?lines=400000 HTTP/1.1\r\nHost: t\r\n\r\n" // about 5 MB
    static let lastChunk = Array("0\r\n\r\n".utf8)

    @Test func manyMoreStalledReadersThanWorkersDoNotStallTheServer() throws {
        let workers = 2
        let server = try TestServer {
            $0.workerThreads = workers
            $0.timeouts.write = .seconds(3)
        }
        var stalled: [RawClient] = []
        for _ in 0..<(workers * 8) {
            let client = try RawClient(port: server.port, receiveTimeout: 5, receiveBufferSize: 4096)
            try client.send(Self.stream)
            stalled.append(client)
        }
        usleep(300_000) // every stalled stream has filled its socket

        // A normal client gets a small response, then a whole stream, while the others stall.
        let normal = try server.client(receiveTimeout: 5)
        try normal.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try normal.readResponse().text == "hello")
        try normal.send("GET /stream?lines=20000 HTTP/1.1\r\nHost: t\r\n\r\n")
        let whole = try normal.readResponse()
        #expect(whole.text.split(separator: "\n").count == 20_000)
        // Answered while every stalled client is still connected: no worker waited for them.
        #expect(server.server.connectionCount == stalled.count + 1)

        // After the write timeout the server has closed every stalled client, which never got
        // its whole body (so it really was stalled, not buffered whole by the kernel).
        let deadline = Date().addingTimeInterval(10)
        while server.server.connectionCount > 1 && Date() < deadline { usleep(50_000) }
        #expect(server.server.connectionCount == 1)
        for client in stalled {
            let received = try client.readToEnd()
            #expect(received.count > 0)
            #expect(!received.suffix(5).elementsEqual(Self.lastChunk), "a stalled stream must not have been sent whole")
        }

        // And the server is as before.
        try normal.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try normal.readResponse().text == "hello")
    }

    /// Producing a streamed body is the stream workers' job: with one worker, a stream whose
    /// production is stuck leaves that worker free for everyone else.
    @Test func producingAStreamNeverOccupiesTheWorkers() throws {
        let gate = DispatchSemaphore(value: 0)
        let server = try TestServer(configure: {
            $0.workerThreads = 1
            $0.streamWorkerThreads = 1
        }, routes: { router in
            router.get("/gated") { _ in
                var produced = false
                return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), stream: StreamedBody {
                    guard !produced else { return nil }
                    produced = true
                    _ = gate.wait(timeout: .now() + 20)
                    return Array("released\n".utf8)
                })
            }
        })
        let downloader = try server.client(receiveTimeout: 10)
        try downloader.send("GET /gated HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(200_000) // the stream worker now waits at the gate
        let other = try server.client(receiveTimeout: 3)
        for _ in 0..<3 {
            try other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try other.readResponse().text == "hello")
        }
        gate.signal()
        #expect(try downloader.readResponse().text == "released\n")
    }

    /// A client pipelining without end gets turns like everyone else: with one worker, another
    /// client is answered while most of a flood of pipelined requests is still unanswered.
    @Test func aPipelinedFloodTakesTurnsWithOtherClients() throws {
        let server = try TestServer { $0.workerThreads = 1 }
        let request = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
        let total = 20_000
        final class FloodReader: @unchecked Sendable {
            let client: RawClient
            let answered = Mutex(0)
            let done = DispatchSemaphore(value: 0)
            init(_ client: RawClient) { self.client = client }
        }
        let flood = FloodReader(try RawClient(port: server.port, receiveTimeout: 10))
        try flood.client.send(String(repeating: request, count: total)) // about 700 KB in one write
        Thread {
            while flood.answered.withLock({ $0 }) < total, let response = try? flood.client.readResponse(), response.text == "hello" {
                flood.answered.withLock { $0 += 1 }
            }
            flood.done.signal()
        }.start()
        usleep(2_000)
        let other = try server.client(receiveTimeout: 5)
        try other.send(request)
        #expect(try other.readResponse().text == "hello")
        let answeredMeanwhile = flood.answered.withLock { $0 }
        #expect(flood.done.wait(timeout: .now() + 30) == .success)
        #expect(flood.answered.withLock { $0 } == total, "the flood is answered too, every request in order")
        #expect(answeredMeanwhile < total, "answered while the flood was (answered \(answeredMeanwhile))")
    }

    /// A worker that hands the rest of its batch back after a slow handler must not leave a
    /// pipelining client waiting for input it already has: once the client has sent everything,
    /// its requests are in our buffer, not in the socket, and no readable event will come.
    @Test func aPipelineAlreadyReadIsAnsweredThoughItsTurnIsHandedBack() throws {
        let server = try TestServer { $0.workerThreads = 1 }
        let request = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
        let total = 2_000
        let stop = Mutex(false)
        let port = server.port
        // Slow handlers on other connections, so that batches run past their patience.
        let slowClients = (0..<3).map { _ in Thread {
            guard let client = try? RawClient(port: port, receiveTimeout: 10) else { return }
            while !stop.withLock({ $0 }) {
                guard (try? client.send("GET /slow?ms=3 HTTP/1.1\r\nHost: t\r\n\r\n")) != nil, (try? client.readResponse()) != nil else { return }
            }
        } }
        for thread in slowClients { thread.start() }
        defer { stop.withLock { $0 = true } }
        for round in 0..<3 {
            let flood = try RawClient(port: server.port, receiveTimeout: 10)
            try flood.send(String(repeating: request, count: total)) // about 70 KB: read in one go
            var answered = 0
            while answered < total, let response = try? flood.readResponse(), response.text == "hello" { answered += 1 }
            #expect(answered == total, "round \(round): every pipelined request answered")
            if answered < total { return }
        }
    }

    @Test func clientThatVanishesMidStreamIsClosedAndFreed() throws {
        let server = try TestServer { $0.workerThreads = 2 }
        for _ in 0..<8 {
            let client = try RawClient(port: server.port, receiveTimeout: 5, receiveBufferSize: 4096)
            try client.send(Self.stream)
            _ = try client.readRaw(1000)
            client.reset()
            client.close()
        }
        let deadline = Date().addingTimeInterval(5)
        while server.server.connectionCount > 0 && Date() < deadline { usleep(20_000) }
        #expect(server.server.connectionCount == 0)
        let client = try server.client()
        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == "hello")
    }

    @Test func pulledPiecesArriveInOrderAcrossManyTurns() throws {
        let server = try TestServer { $0.workerThreads = 1 }
        // A slow reader: the body is produced over many writable events, piece by piece.
        let client = try RawClient(port: server.port, receiveTimeout: 5, receiveBufferSize: 4096)
        try client.send("GET /stream?lines=30000 HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(100_000)
        let response = try client.readResponse()
        let lines = response.text.split(separator: "\n")
        #expect(lines.count == 30_000)
        #expect(lines.enumerated().allSatisfy { $0.element == "line \($0.offset)" })
    }
}
