#if canImport(Glibc)
import Glibc
#endif

/// One client connection: its socket, parser, state machine and the response bytes the socket
/// has not taken yet. At any moment it is owned by at most one thread: the worker that took its
/// one-shot epoll event, the timer thread that found it due, or the shutdown. `lock` enforces
/// that hand-off; every field below is read and written only while holding it.
final class Connection: @unchecked Sendable {
    let id: UInt64
    let socket: Socket
    let lock = ConnectionLock()

    var parser: HTTPRequestParser
    var machine: ConnectionStateMachine
    /// Response bytes the socket has not taken yet, oldest first.
    private var pending: [[UInt8]] = []
    private var pendingOffset = 0
    /// The streamed body being sent, and whether its pieces are framed as chunks.
    var body: StreamedBody?
    var bodyIsChunked = false
    /// The head of the request being read, kept for the error answer if it stalls.
    var currentHead: HTTPRequestHead?
    var continueSent = false
    /// A request parsed and waiting for its handler.
    var request: HTTPRequest?
    /// Why the request in hand is refused, for the error response.
    var failure: HTTPError?
    var isClosed = false
    /// Registered in the stream workers' epoll (while streaming) rather than the workers'.
    var servedByStreamWorkers = false
    /// Its last event was handed back unserved (a slow handler held up the batch it was in):
    /// the next one is served whatever came before it, so that no connection is handed back
    /// for ever.
    var handedBack = false

    init(id: UInt64, socket: Socket, limits: HTTPParserLimits, timeouts: ConnectionTimeouts, now: UInt64) {
        self.id = id
        self.socket = socket
        self.parser = HTTPRequestParser(limits: limits)
        self.machine = ConnectionStateMachine(timeouts: timeouts, now: now)
    }

    var hasPendingOutput: Bool { !pending.isEmpty }

    func enqueue(_ bytes: [UInt8]) {
        if !bytes.isEmpty { pending.append(bytes) }
    }

    /// Writes as much pending output as the socket takes now.
    func flush() throws(SocketError) -> (allSent: Bool, progressed: Bool) {
        var progressed = false
        while let first = pending.first {
            let offset = pendingOffset
            var failure: SocketError?
            let written = first.withUnsafeBytes { buffer -> Int in
                do { return try socket.write(UnsafeRawBufferPointer(rebasing: buffer[offset...])) } catch {
                    failure = (error as? SocketError) ?? SocketError("send", code: EIO)
                    return 0
                }
            }
            if let failure { throw failure }
            if written == 0 { return (false, progressed) }
            progressed = true
            pendingOffset += written
            if pendingOffset == first.count {
                pending.removeFirst()
                pendingOffset = 0
            }
        }
        return (true, progressed)
    }

    /// Lets go of everything the connection holds beyond its socket.
    func releaseBuffers() {
        pending.removeAll()
        pendingOffset = 0
        body = nil
        request = nil
        parser = HTTPRequestParser(limits: parser.limits)
    }
}
