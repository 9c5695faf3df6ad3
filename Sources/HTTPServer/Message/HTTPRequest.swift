/// The request line and header section, available before the body has arrived.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: HTTPMethod
    /// The request target as sent, e.g. `/api/v1/projects?status=approved`.
    public var target: String
    /// The path part of the target, still percent-encoded.
    public var path: String
    /// The query part of the target without `?`, still percent-encoded; empty if none.
    public var query: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: HTTPMethod, target: String, version: HTTPVersion, headers: HTTPHeaders) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        if let mark = target.firstIndex(of: "?") {
            self.path = String(target[..<mark])
            self.query = String(target[target.index(after: mark)...])
        } else {
            self.path = target
            self.query = ""
        }
    }

    /// HTTP/1.1 keeps the connection open unless told `close`; HTTP/1.0 closes unless told `keep-alive`.
    public var keepAlive: Bool {
        let tokens = headers.tokens(for: "Connection")
        if version == .http1_0 { return tokens.contains("keep-alive") && !tokens.contains("close") }
        return !tokens.contains("close")
    }

    /// `Expect: 100-continue` was sent: the client waits for an interim response before its body.
    public var expectsContinue: Bool {
        headers.tokens(for: "Expect").contains("100-continue")
    }
}

/// A complete request: head and the whole (de-chunked) body.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// Trailer fields of a chunked body, if any.
    public var trailers: HTTPHeaders

    public init(head: HTTPRequestHead, body: [UInt8] = [], trailers: HTTPHeaders = HTTPHeaders()) {
        self.head = head
        self.body = body
        self.trailers = trailers
    }

    public var method: HTTPMethod { head.method }
    public var path: String { head.path }
    public var headers: HTTPHeaders { head.headers }
}
