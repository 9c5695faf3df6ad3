#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims

/// An errno turned into a typed error, with the call that failed.
public struct SocketError: Error, Sendable, CustomStringConvertible, Equatable {
    public var call: String
    public var code: Int32

    public init(_ call: String, code: Int32 = errno) {
        self.call = call
        self.code = code
    }

    public var description: String {
        "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// A file descriptor of a socket. Every syscall the server makes on sockets is wrapped here once.
/// A value type: ownership (who closes it) belongs to the connection or listener holding it.
struct Socket: Sendable, Hashable {
    let fd: Int32

    /// What a non-blocking read produced.
    enum ReadResult: Equatable {
        case bytes(Int)
        case wouldBlock
        case endOfFile
    }

    /// Creates a listening, non-blocking TCP socket on `host:port` (port 0 picks a free port).
    static func listen(host: String, port: Int, backlog: Int32 = 1024) throws(SocketError) -> Socket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var info: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &info)
        guard rc == 0, let first = info else { throw SocketError("getaddrinfo(\(host))", code: rc == EAI_SYSTEM ? errno : EINVAL) }
        defer { freeaddrinfo(info) }

        var lastError = SocketError("bind", code: EADDRNOTAVAIL)
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let fd = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { lastError = SocketError("socket"); continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.bind(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
                lastError = SocketError("bind(\(host):\(port))")
                Glibc.close(fd)
                continue
            }
            if Glibc.listen(fd, backlog) != 0 {
                lastError = SocketError("listen")
                Glibc.close(fd)
                continue
            }
            return Socket(fd: fd)
        }
        throw lastError
    }

    /// The port the socket is bound to.
    func localPort() throws(SocketError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw SocketError("getsockname") }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            throw SocketError("getsockname", code: EAFNOSUPPORT)
        }
    }

    /// Accepts one pending connection as a non-blocking socket; nil when none is pending.
    func accept() throws(SocketError) -> Socket? {
        while true {
            let client = clinux_accept4(fd, nil, nil)
            if client >= 0 {
                var one: Int32 = 1
                // Responses are written whole; waiting for more data (Nagle) only adds latency.
                setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return Socket(fd: client)
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            // The peer gave up before we accepted: not our error.
            case ECONNABORTED, EPROTO: continue
            default: throw SocketError("accept4")
            }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> ReadResult {
        while true {
            let n = Glibc.recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw SocketError("recv")
            }
        }
    }

    /// Writes what the socket takes now; returns the count written (0 when it would block).
    /// `MSG_NOSIGNAL`: a vanished peer is an error here, never a SIGPIPE.
    func write(_ buffer: UnsafeRawBufferPointer) throws(SocketError) -> Int {
        while true {
            let n = Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw SocketError("send")
            }
        }
    }

    /// Stops further sends so the peer sees end of stream once our response has left.
    func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// On a listening socket: refuse further connections and wake any pending accept.
    func stopListening() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    func close() {
        _ = Glibc.close(fd)
    }
}
