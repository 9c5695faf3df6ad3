import Foundation
@testable import HTTPServer
import HTTPTestSupport
import Logging

/// A real server on an ephemeral port with a small router of test handlers.
final class TestServer {
    let server: HTTPServer
    let port: Int

    init(configure: (inout HTTPServerConfiguration) -> Void = { _ in }, routes: (inout Router) -> Void = { _ in }) throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workerThreads = 4
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var router = Self.router()
        routes(&router)
        server = HTTPServer(configuration: configuration, router: router, logger: logger)
        port = try server.start()
    }

    deinit { server.shutdown() }

    func client(receiveTimeout: Double = 5) throws -> RawClient {
        try RawClient(port: port, receiveTimeout: receiveTimeout)
    }

    static func router() -> Router {
        var router = Router()
        router.get("/hello") { _ in HTTPResponse(contentType: "text/plain", body: "hello") }
        router.add(.POST, "/echo") { context in
            var headers = HTTPHeaders([("Content-Type", "application/octet-stream")])
            headers.add("X-Trailer-Count", String(context.request.trailers.count))
            return HTTPResponse(status: .ok, headers: headers, body: context.request.body)
        }
        router.add(.POST, "/ignore") { _ in HTTPResponse(status: .noContent) }
        router.get("/big") { context in
            let size = Int(context.query["size"] ?? "") ?? 4096
            let line = Array("The registry holds every ICT project of the government.\n".utf8)
            var body: [UInt8] = []
            body.reserveCapacity(size)
            while body.count < size { body.append(line[body.count % line.count]) }
            return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]), body: body)
        }
        router.get("/slow") { context in
            let ms = Int(context.query["ms"] ?? "") ?? 200
            usleep(UInt32(ms * 1000))
            return HTTPResponse(contentType: "text/plain", body: "slept \(ms)")
        }
        router.get("/page") { _ in HTTPResponse(contentType: "text/html; charset=utf-8", body: "<!doctype html><title>t</title><p>page</p>") }
        router.get("/items/{id}") { context in HTTPResponse(contentType: "text/plain", body: context.parameter("id") ?? "") }
        router.add(.PUT, "/items/{id}") { _ in HTTPResponse(status: .noContent) }
        router.get("/stream") { context in
            let lines = Int(context.query["lines"] ?? "") ?? 3
            // Pieces of 1,000 lines, like an export's pages.
            var next = 0
            return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), stream: StreamedBody {
                guard next < lines else { return nil }
                let end = min(next + 1000, lines)
                defer { next = end }
                return Array((next..<end).map { "line \($0)\n" }.joined().utf8)
            })
        }
        router.get("/conflict") { _ in throw HTTPError(.conflict, detail: "already there") }
        router.get("/quota") { _ in throw QuotaExceeded(retryAfter: 7) }
        router.get("/crash") { _ in
            struct Unexpected: Error {}
            throw Unexpected()
        }
        return router
    }
}

/// An application's own error that knows its status.
struct QuotaExceeded: HTTPResponseError {
    var retryAfter: Int
    var status: HTTPStatus { HTTPStatus(code: 429) }
    var problem: HTTPError {
        HTTPError(status, type: "/problems/quota", detail: "Too many requests.", headers: HTTPHeaders([("Retry-After", String(retryAfter))]))
    }
}

/// Waits on a background thread for a value, so a test can do two things at once.
final class Background<Value: Sendable>: @unchecked Sendable {
    private var value: Result<Value, Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> Value) {
        Thread {
            self.value = Result { try work() }
            self.done.signal()
        }.start()
    }

    func result(timeout: Double = 10) throws -> Value {
        guard done.wait(timeout: .now() + timeout) == .success else {
            throw RawClient.ClientError(description: "background work did not finish in \(timeout) s")
        }
        return try value!.get()
    }
}
