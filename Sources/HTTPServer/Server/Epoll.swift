#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims

/// The kernel's readiness queue. Connections are registered one-shot: an event hands the
/// connection to exactly one worker thread, which re-arms it when it is done.
struct Epoll: Sendable {
    let fd: Int32

    struct Event {
        var readable: Bool
        var writable: Bool
        var hangUp: Bool
        var token: UInt64
    }

    enum Interest {
        case read, write
        var mask: UInt32 {
            switch self {
            case .read: CLINUX_EPOLLIN | CLINUX_EPOLLRDHUP | CLINUX_EPOLLONESHOT
            case .write: CLINUX_EPOLLOUT | CLINUX_EPOLLONESHOT
            }
        }
    }

    init() throws(SocketError) {
        let fd = clinux_epoll_create()
        guard fd >= 0 else { throw SocketError("epoll_create1") }
        self.fd = fd
    }

    func add(_ fd: Int32, token: UInt64, interest: Interest) throws(SocketError) {
        guard clinux_epoll_ctl(self.fd, CLINUX_EPOLL_CTL_ADD, fd, interest.mask, token) == 0 else { throw SocketError("epoll_ctl(ADD)") }
    }

    /// Level-triggered and not one-shot: used for the wake-up eventfd, which every worker must see.
    func addPersistent(_ fd: Int32, token: UInt64) throws(SocketError) {
        guard clinux_epoll_ctl(self.fd, CLINUX_EPOLL_CTL_ADD, fd, CLINUX_EPOLLIN, token) == 0 else { throw SocketError("epoll_ctl(ADD)") }
    }

    func rearm(_ fd: Int32, token: UInt64, interest: Interest) throws(SocketError) {
        guard clinux_epoll_ctl(self.fd, CLINUX_EPOLL_CTL_MOD, fd, interest.mask, token) == 0 else { throw SocketError("epoll_ctl(MOD)") }
    }

    func remove(_ fd: Int32) {
        _ = clinux_epoll_ctl(self.fd, CLINUX_EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits for events into `buffer` (its capacity is the batch size); EINTR is not an error, it just returns none.
    func wait(into buffer: inout [clinux_epoll_event], timeoutMilliseconds: Int32) throws(SocketError) -> Int {
        let capacity = Int32(buffer.count)
        let n = buffer.withUnsafeMutableBufferPointer { clinux_epoll_wait(fd, $0.baseAddress, capacity, timeoutMilliseconds) }
        if n < 0 {
            if errno == EINTR { return 0 }
            throw SocketError("epoll_wait")
        }
        return Int(n)
    }

    static func event(_ raw: clinux_epoll_event) -> Event {
        Event(
            readable: raw.events & (CLINUX_EPOLLIN | CLINUX_EPOLLRDHUP) != 0,
            writable: raw.events & CLINUX_EPOLLOUT != 0,
            hangUp: raw.events & (CLINUX_EPOLLHUP | CLINUX_EPOLLERR) != 0,
            token: raw.data
        )
    }

    func close() { _ = Glibc.close(fd) }
}

/// An eventfd that wakes every worker out of `epoll_wait` (used to stop).
struct WakeUpSignal: Sendable {
    let fd: Int32

    init() throws(SocketError) {
        let fd = clinux_eventfd()
        guard fd >= 0 else { throw SocketError("eventfd") }
        self.fd = fd
    }

    func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }

    func close() { _ = Glibc.close(fd) }
}
