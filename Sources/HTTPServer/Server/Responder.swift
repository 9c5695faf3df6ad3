import Logging
import Synchronization

/// Renders an error for a request (or for bytes that never became one).
/// The default is problem+json; an application may answer HTML on its pages.
public typealias HTTPErrorRenderer = @Sendable (HTTPError, _ path: String?) -> HTTPResponse

/// From a parsed request to the bytes of its response: routing, the handler, errors,
/// HEAD and OPTIONS, headers every response carries, the access log and metrics.
final class Responder: Sendable {
    let router: Router
    let renderError: HTTPErrorRenderer
    let encoder: ResponseEncoder
    let metrics: ServerMetrics
    let logger: Logger
    private let requestIDs = RequestIDGenerator()

    init(router: Router, renderError: @escaping HTTPErrorRenderer, encoder: ResponseEncoder, metrics: ServerMetrics, logger: Logger) {
        self.router = router
        self.renderError = renderError
        self.encoder = encoder
        self.metrics = metrics
        self.logger = logger
    }

    struct Output {
        var head: [UInt8]
        var body: [UInt8]
        var keepAlive: Bool
        /// A streamed body to produce after the head; chunked unless the client speaks HTTP/1.0.
        var stream: StreamedBody? = nil
        var chunked = false
    }

    /// `keepAlive` is asked after the handler ran, so a shutdown that began meanwhile closes the connection.
    func respond(to request: HTTPRequest, keepAlive: () -> Bool) -> Output {
        let started = MonotonicClock.now()
        let requestID = requestIDs.id(for: request.headers["X-Request-Id"])
        let (response, route) = route(request, requestID: requestID)
        let stream = request.method == .HEAD ? nil : response.stream
        let chunked = stream != nil && stream?.length == nil && request.head.version == .http1_1
        // A streamed body of unknown length without chunking ends when the connection closes.
        let keepAlive = keepAlive() && (stream == nil || chunked || stream?.length != nil)
        let encoded = encoder.encode(
            response, requestID: requestID, acceptEncoding: request.headers["Accept-Encoding"],
            keepAlive: keepAlive, omitBody: request.method == .HEAD, chunked: chunked)
        finish(method: request.method.rawValue, path: request.path, route: route, status: response.status.code,
               bytes: encoded.body.count, requestID: requestID, started: started)
        return Output(head: encoded.head, body: encoded.body, keepAlive: keepAlive, stream: stream, chunked: chunked)
    }

    /// The answer to bytes that could not be parsed as a request, or to a request refused before
    /// its handler (417, 408); the connection closes after it.
    func respond(toError error: HTTPError, head: HTTPRequestHead?) -> Output {
        let started = MonotonicClock.now()
        let requestID = requestIDs.id(for: nil)
        let response = renderError(error, head?.path)
        let encoded = encoder.encode(response, requestID: requestID, acceptEncoding: nil, keepAlive: false, omitBody: false)
        finish(method: head?.method.rawValue ?? "-", path: head?.path ?? "-", route: "unparsed", status: error.status.code,
               bytes: encoded.body.count, requestID: requestID, started: started)
        return Output(head: encoded.head, body: encoded.body, keepAlive: false)
    }

    private func route(_ request: HTTPRequest, requestID: String) -> (HTTPResponse, String) {
        let path = request.path
        switch router.resolve(request.method, path: path) {
        case .matched(let handler, let route, let parameters):
            do {
                let query = try QueryParameters(parsing: request.head.query)
                let context = RequestContext(request: request, pathParameters: parameters, query: query, requestID: requestID, route: route)
                return (try handler(context), route)
            } catch let error as any HTTPResponseError {
                return (renderError(error.problem, path), route)
            } catch {
                logger.error("handler failed", metadata: ["route": "\(route)", "error": "\(error)", "request_id": "\(requestID)"])
                return (renderError(HTTPError(.internalServerError, detail: "The server could not complete the request."), path), route)
            }
        case .methodNotAllowed(let allowed):
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            if request.method == .OPTIONS {
                return (HTTPResponse(status: .noContent, headers: HTTPHeaders([("Allow", allow)])), "options")
            }
            let error = HTTPError(.methodNotAllowed, detail: "\(request.method.rawValue) is not allowed on \(path); allowed: \(allow).",
                                  headers: HTTPHeaders([("Allow", allow)]))
            return (renderError(error, path), "method_not_allowed")
        case .notFound:
            if request.method == .OPTIONS, path == "*" {
                let allow = router.allowedAnywhere.map(\.rawValue).joined(separator: ", ")
                return (HTTPResponse(status: .noContent, headers: HTTPHeaders([("Allow", allow)])), "options")
            }
            if request.method == .CONNECT {
                // A tunnel to elsewhere (authority-form): this server is no proxy.
                let allow = router.allowedAnywhere.map(\.rawValue).joined(separator: ", ")
                let error = HTTPError(.methodNotAllowed, detail: "CONNECT is not supported: this server is not a proxy.",
                                      headers: HTTPHeaders([("Allow", allow)]))
                return (renderError(error, nil), "method_not_allowed")
            }
            return (renderError(HTTPError(.notFound, detail: "Nothing is at \(path)."), path), "not_found")
        }
    }

    private func finish(method: String, path: String, route: String, status: Int, bytes: Int, requestID: String, started: UInt64) {
        let seconds = Double(MonotonicClock.now() &- started) / 1e9
        metrics.recordRequest(method: method, route: route, status: status, seconds: seconds)
        if logger.logLevel <= .info {
            let micros = Int(seconds * 1e6)
            logger.info("\(method) \(path) \(status) \(bytes)B \(micros / 1000).\(String(micros % 1000 + 1000).dropFirst())ms id=\(requestID)")
        }
    }
}

/// Request ids: the client's own `X-Request-Id` when it is a sane token, otherwise
/// a per-process random prefix and a counter (unique, and cheaper than random bytes per request).
final class RequestIDGenerator: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        let random = generator.next() as UInt64
        prefix = String(random, radix: 16)
    }

    func id(for supplied: String?) -> String {
        if let supplied, Self.isAcceptable(supplied) { return supplied }
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return prefix + "-" + String(n, radix: 16)
    }

    static func isAcceptable(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 64 else { return false }
        return id.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 46 || b == 95
        }
    }
}
