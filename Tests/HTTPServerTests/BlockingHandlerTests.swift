import Foundation
@testable import HTTPServer
import HTTPTestSupport
import Testing

/// Writes (POST, PUT, PATCH, DELETE) run on the blocking pool: however long they wait, the
/// workers serve everything else, and as many writes can wait at once as the pool has threads.
@Suite struct BlockingHandlerTests {
    /// Every blocked write waits for `gate`; opened once the test has seen a read answered.
    static func server(workers: Int, blocking: Int, gate: DispatchSemaphore, entered: DispatchSemaphore) throws -> TestServer {
        try TestServer(configure: {
            $0.workerThreads = workers
            $0.blockingThreads = blocking
        }, routes: { router in
            router.add(.POST, "/blocked") { _ in
                entered.signal()
                _ = gate.wait(timeout: .now() + 10)
                return HTTPResponse(status: .created, contentType: "text/plain", body: "written")
            }
        })
    }

    @Test func writesWaitingOnTheirStorageLeaveTheWorkersFree() throws {
        let gate = DispatchSemaphore(value: 0), entered = DispatchSemaphore(value: 0)
        let writes = 6
        let server = try Self.server(workers: 1, blocking: writes, gate: gate, entered: entered)
        // More writes waiting at once than there are workers.
        let writers = try (0..<writes).map { _ in
            let client = try server.client(receiveTimeout: 15)
            try client.send("POST /blocked HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
            return client
        }
        for _ in 0..<writes { #expect(entered.wait(timeout: .now() + 5) == .success, "every write runs at once") }

        // The one worker answers a read meanwhile (it would wait behind the writes otherwise).
        let reader = try server.client(receiveTimeout: 5)
        try reader.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try reader.readResponse().text == "hello")

        for _ in 0..<writes { gate.signal() }
        for client in writers {
            let response = try client.readResponse()
            #expect(response.status == 201)
            #expect(response.text == "written")
        }
        // The connections carry on as usual: keep-alive, the next request on the same one.
        try writers[0].send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try writers[0].readResponse().text == "hello")
    }

    @Test func withoutThePoolWritesRunOnTheWorkers() throws {
        let gate = DispatchSemaphore(value: 0), entered = DispatchSemaphore(value: 0)
        let server = try Self.server(workers: 2, blocking: 0, gate: gate, entered: entered)
        gate.signal() // the write does not wait
        let client = try server.client()
        try client.send("POST /blocked HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        #expect(try client.readResponse().status == 201)
        #expect(entered.wait(timeout: .now() + 1) == .success)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi")
        #expect(try client.readResponse().text == "hi")
    }

    @Test func aShutdownFinishesTheWritesUnderWay() throws {
        let gate = DispatchSemaphore(value: 0), entered = DispatchSemaphore(value: 0)
        let server = try Self.server(workers: 1, blocking: 2, gate: gate, entered: entered)
        let client = try server.client(receiveTimeout: 15)
        try client.send("POST /blocked HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        #expect(entered.wait(timeout: .now() + 5) == .success)
        let http = server.server
        let stopping = Background { http.shutdown() }
        usleep(100_000)
        gate.signal()
        let response = try client.readResponse()
        #expect(response.status == 201, "the write in flight is answered before the server stops")
        #expect(response.header("Connection") == "close")
        try stopping.result(timeout: 15)
    }
}
