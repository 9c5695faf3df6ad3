/// A request method: every method of RFC 9110 §9, PATCH (RFC 5789) and QUERY (the safe method
/// with a body, draft-ietf-httpbis-safe-method-w-body, which clients and API testers now send).
/// A method the server knows but a route does not allow (TRACE, CONNECT, QUERY, PUT on a
/// read-only path) is answered 405 with `Allow`; the parser answers any other token with 501.
public enum HTTPMethod: String, Sendable, CaseIterable, Hashable {
    case GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT, QUERY
}

public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) { self.major = major; self.minor = minor }
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
    public var description: String { "HTTP/\(major).\(minor)" }
}
