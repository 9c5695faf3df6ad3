#if canImport(Glibc)
import Glibc
#endif

/// One client connection. At any moment it is owned by at most one thread: the worker that
/// took its one-shot epoll event, or the timer thread that found it expired. `lock` enforces
/// that hand-off; every field below is read and written only while holding it.
final class Connection: @unchecked Sendable {
    let id: UInt64
    let socket: Socket
    let lock = ConnectionLock()

    var parser: HTTPRequestParser
    var timer: ConnectionTimer
    /// Response bytes the socket has not taken yet, oldest first.
    var pending: [[UInt8]] = []
    var pendingOffset = 0
    /// The head of the request being read, kept for the error answer if it stalls.
    var currentHead: HTTPRequestHead?
    var continueSent = false
    /// Close once `pending` has gone out.
    var closeAfterWrite = false
    /// The peer sent end-of-stream: answer what it sent, then close.
    var peerFinishedSending = false
    /// After our last response: discarding what the peer still sends so that closing
    /// does not reset the connection before it has read that response.
    var lingering = false
    var closed = false

    init(id: UInt64, socket: Socket, limits: HTTPParserLimits, timeouts: ConnectionTimer.Timeouts, now: UInt64) {
        self.id = id
        self.socket = socket
        self.parser = HTTPRequestParser(limits: limits)
        self.timer = ConnectionTimer(timeouts: timeouts, now: now)
    }

    var hasPendingOutput: Bool { !pending.isEmpty }

    func enqueue(_ bytes: [UInt8]) {
        if !bytes.isEmpty { pending.append(bytes) }
    }

    /// Writes all pending output, waiting for the socket when it is full. Used only while this
    /// connection's worker produces a streamed body, which it owns until done.
    func flushWaiting(timeoutMilliseconds: Int32) throws(SocketError) {
        while try !flush() {
            var descriptor = pollfd(fd: socket.fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, timeoutMilliseconds)
            if ready == 0 { throw SocketError("poll (write timed out)", code: ETIMEDOUT) }
            if ready < 0 && errno != EINTR { throw SocketError("poll") }
        }
    }

    /// Writes as much pending output as the socket takes now. True when all of it went out.
    func flush() throws(SocketError) -> Bool {
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
            if written == 0 { return false }
            pendingOffset += written
            if pendingOffset == first.count {
                pending.removeFirst()
                pendingOffset = 0
            }
        }
        return true
    }
}
