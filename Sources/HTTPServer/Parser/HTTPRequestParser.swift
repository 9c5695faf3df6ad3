/// An incremental (push) parser for HTTP/1.1 requests, RFC 9112.
/// PLACEHOLDER: implemented in the parser work.
public struct HTTPRequestParser: Sendable {
    public enum Phase: Sendable, Equatable {
        /// No byte of the next request has arrived.
        case idle
        /// Part of a request line or header section has arrived.
        case head
        /// The head is complete; the body is still arriving.
        case body
    }

    public enum Result: Sendable {
        /// The buffered bytes do not complete anything further.
        case needMoreData
        /// The head is complete and a body is expected; reported once per request, before `.request`.
        case head(HTTPRequestHead)
        /// A whole request. Bytes after it stay buffered for the next call (pipelining).
        case request(HTTPRequest)
    }

    public let limits: HTTPParserLimits
    public private(set) var phase: Phase = .idle

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Buffers bytes read from the connection.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {}

    /// Parses as far as the buffered bytes allow. After an error the parser is unusable:
    /// answer `error.status` and close the connection.
    public mutating func next() throws(HTTPParseError) -> Result { .needMoreData }

    /// Bytes buffered and not yet consumed by a returned request.
    public var bufferedByteCount: Int { 0 }
}
