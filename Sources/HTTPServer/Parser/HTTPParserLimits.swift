/// Limits that keep a client from making the server buffer without end.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line, in bytes, before 414 URI Too Long.
    public var maxRequestLineLength: Int = 8 * 1024
    /// Largest header section (all field lines, trailers included), in bytes, before 431.
    public var maxHeaderBytes: Int = 64 * 1024
    /// Most header fields before 431.
    public var maxHeaderCount: Int = 100
    /// Largest body, in bytes, before 413 Content Too Large.
    public var maxBodySize: Int = 10 * 1024 * 1024

    public init() {}
}

/// Why a request could not be parsed, with the status to answer before closing.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400, 413, 414, 431, 501 or 505.
    public var status: Int
    /// A short, human-readable reason for the log and the error body.
    public var reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status): \(reason)" }
}
