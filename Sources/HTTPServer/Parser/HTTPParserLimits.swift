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

