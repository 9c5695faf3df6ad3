/// What a handler gets: the request, its path parameters and query, and its id.
public struct RequestContext: Sendable {
    public let request: HTTPRequest
    /// Percent-decoded values of the pattern's `{name}` segments.
    public let pathParameters: [String: String]
    public let query: QueryParameters
    public let requestID: String
    /// The matched pattern, e.g. `/api/v1/projects/{id}`, for logs and metrics.
    public let route: String

    public init(request: HTTPRequest, pathParameters: [String: String], query: QueryParameters, requestID: String, route: String) {
        self.request = request
        self.pathParameters = pathParameters
        self.query = query
        self.requestID = requestID
        self.route = route
    }

    public func parameter(_ name: String) -> String? { pathParameters[name] }
}

public typealias HTTPHandler = @Sendable (RequestContext) throws -> HTTPResponse

public enum RouteResolution: Sendable {
    case matched(handler: HTTPHandler, route: String, parameters: [String: String])
    /// The path exists, but not for this method. Sorted; includes HEAD where GET exists.
    case methodNotAllowed(allowed: [HTTPMethod])
    case notFound
}

/// Routes by method and path pattern. Patterns are literal segments, `{name}` parameters
/// and a final catch-all `{name...}`; literal segments win over parameters. Built once at
/// start-up, then only read: resolving is a walk down a tree of segments.
public struct Router: Sendable {
    private final class Node: @unchecked Sendable {
        // Mutated only while routes are added, before the router is shared.
        var literals: [Substring: Node] = [:]
        var parameter: (name: String, node: Node)?
        var catchAll: (name: String, handlers: [HTTPMethod: (HTTPHandler, String)])?
        var handlers: [HTTPMethod: (HTTPHandler, String)] = [:]
    }

    private var root = Node()
    public private(set) var routes: [(method: HTTPMethod, pattern: String)] = []

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {
        precondition(pattern.hasPrefix("/"), "route patterns start with /: \(pattern)")
        var node = root
        let segments = Self.segments(of: pattern)
        for (index, segment) in segments.enumerated() {
            if segment.hasPrefix("{") && segment.hasSuffix("...}") {
                precondition(index == segments.count - 1, "a catch-all must be the last segment: \(pattern)")
                let name = String(segment.dropFirst().dropLast(4))
                var catchAll = node.catchAll ?? (name: name, handlers: [:])
                precondition(catchAll.name == name, "conflicting catch-all names at \(pattern)")
                precondition(catchAll.handlers[method] == nil, "route registered twice: \(method) \(pattern)")
                catchAll.handlers[method] = (handler, pattern)
                node.catchAll = catchAll
                routes.append((method, pattern))
                return
            }
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                if let existing = node.parameter {
                    precondition(existing.name == name, "conflicting parameter names {\(existing.name)} and {\(name)} at \(pattern)")
                    node = existing.node
                } else {
                    let child = Node()
                    node.parameter = (name, child)
                    node = child
                }
            } else if let child = node.literals[segment] {
                node = child
            } else {
                let child = Node()
                node.literals[segment] = child
                node = child
            }
        }
        precondition(node.handlers[method] == nil, "route registered twice: \(method) \(pattern)")
        node.handlers[method] = (handler, pattern)
        routes.append((method, pattern))
    }

    public mutating func get(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.GET, pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.POST, pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.PUT, pattern, handler) }
    public mutating func patch(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.PATCH, pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.DELETE, pattern, handler) }

    /// `path` is still percent-encoded and has no query.
    public func resolve(_ method: HTTPMethod, path: String) -> RouteResolution {
        guard path.hasPrefix("/") else { return .notFound }
        var parameters: [String: String] = [:]
        let segments = Self.segments(of: path)
        guard let (handlers, catchAllValue) = match(root, segments[...], &parameters) else { return .notFound }
        if let catchAllValue { parameters[catchAllValue.name] = catchAllValue.value }
        if let (handler, pattern) = handlers[method] ?? (method == .HEAD ? handlers[.GET] : nil) {
            return .matched(handler: handler, route: pattern, parameters: parameters)
        }
        return .methodNotAllowed(allowed: Self.allowed(Set(handlers.keys)))
    }

    /// What a resource answers: its routes' methods, HEAD where GET is, and OPTIONS (which the server answers itself).
    private static func allowed(_ methods: Set<HTTPMethod>) -> [HTTPMethod] {
        var allowed = methods
        if allowed.contains(.GET) { allowed.insert(.HEAD) }
        allowed.insert(.OPTIONS)
        return allowed.sorted { $0.rawValue < $1.rawValue }
    }

    /// The methods some route allows: what `OPTIONS *` and a CONNECT to the server itself are told.
    public var allowedAnywhere: [HTTPMethod] { Self.allowed(Set(routes.map(\.method))) }

    private typealias Handlers = [HTTPMethod: (HTTPHandler, String)]

    private func match(_ node: Node, _ segments: ArraySlice<Substring>, _ parameters: inout [String: String])
        -> (Handlers, (name: String, value: String)?)? {
        guard let segment = segments.first else {
            if !node.handlers.isEmpty { return (node.handlers, nil) }
            if let catchAll = node.catchAll { return (catchAll.handlers, (catchAll.name, "")) }
            return nil
        }
        let rest = segments.dropFirst()
        if let child = node.literals[segment], let found = match(child, rest, &parameters) { return found }
        if let (name, child) = node.parameter, !segment.isEmpty, let value = PercentEncoding.decode(segment, plusAsSpace: false) {
            let saved = parameters[name]
            parameters[name] = value
            if let found = match(child, rest, &parameters) { return found }
            parameters[name] = saved
        }
        if let catchAll = node.catchAll {
            return (catchAll.handlers, (catchAll.name, segments.joined(separator: "/")))
        }
        return nil
    }

    /// `/a/b` → ["a", "b"]; `/` → []; a trailing slash makes an empty last segment (`/a/` ≠ `/a`).
    private static func segments(of path: String) -> [Substring] {
        if path == "/" { return [] }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    }
}
