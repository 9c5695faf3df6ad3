/// Writes a streamed response body in pieces, so a large body (an export) never sits in
/// memory whole. Bytes are gathered into chunks of about 64 KiB.
public final class ResponseBodyWriter {
    /// Produces a streamed body on the worker thread that serves the request.
    public typealias Producer = @Sendable (ResponseBodyWriter) throws -> Void

    private var buffer: [UInt8] = []
    private let chunked: Bool
    private let sink: ([UInt8]) throws -> Void
    static let chunkSize = 64 * 1024

    init(chunked: Bool, sink: @escaping ([UInt8]) throws -> Void) {
        self.chunked = chunked
        self.sink = sink
        buffer.reserveCapacity(Self.chunkSize + 1024)
    }

    public func write(_ text: String) throws { try write(text.utf8) }

    public func write(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        if chunked {
            try sink(Array((String(buffer.count, radix: 16) + "\r\n").utf8) + buffer + [13, 10])
        } else {
            try sink(buffer)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Sends what is left and, when chunked, the last chunk.
    func finish() throws {
        try flush()
        if chunked { try sink(Array("0\r\n\r\n".utf8)) }
    }
}
