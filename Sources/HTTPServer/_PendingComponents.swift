// TEMPORARY stand-ins until the components branch is merged. Deleted at merge.
public struct RequestContext: Sendable {
    public let request: HTTPRequest
    public let pathParameters: [String: String]
    public let query: QueryParameters
    public let requestID: String
    public let route: String
    public init(request: HTTPRequest, pathParameters: [String: String], query: QueryParameters, requestID: String, route: String) {
        self.request = request; self.pathParameters = pathParameters; self.query = query; self.requestID = requestID; self.route = route
    }
    public func parameter(_ name: String) -> String? { pathParameters[name] }
}
public typealias HTTPHandler = @Sendable (RequestContext) throws -> HTTPResponse
public struct Router: Sendable {
    public init() {}
    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {}
    public mutating func get(_ pattern: String, _ handler: @escaping HTTPHandler) {}
    public func resolve(_ method: HTTPMethod, path: String) -> RouteResolution { .notFound }
    public var routes: [(method: HTTPMethod, pattern: String)] { [] }
}
public enum RouteResolution: Sendable {
    case matched(handler: HTTPHandler, route: String, parameters: [String: String])
    case methodNotAllowed(allowed: [HTTPMethod])
    case notFound
}
public struct QueryParameters: Sendable, Equatable {
    public init(parsing query: String) throws(HTTPError) {}
    public init() {}
    public subscript(name: String) -> String? { nil }
}
public enum Gzip { public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] { bytes } }
public enum ContentNegotiation { public static func acceptsGzip(_ acceptEncoding: String?) -> Bool { false } }
public final class DateCache: Sendable { public init() {}; public func current() -> String { "" } }
public struct StaticFileServer: Sendable {
    public init(root: String, cacheControl: String = "public, max-age=300") {}
    public func respond(to request: HTTPRequest, relativePath: String) throws(HTTPError) -> HTTPResponse { HTTPResponse() }
}
