#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// Takes new connections off the listening socket: admits them to the table and epoll, or,
/// beyond the connection limit or out of descriptors, answers 503 and closes.
final class Acceptor: Sendable {
    let listener: Socket
    private let epoll: Epoll
    private let table: ConnectionTable
    private let configuration: HTTPServerConfiguration
    private let metrics: ServerMetrics
    private let logger: Logger
    private let nextConnectionID = Atomic<UInt64>(EventLoop.firstConnectionToken)
    /// Held in reserve so that, when the process runs out of descriptors, one can be freed
    /// to accept and refuse a connection instead of leaving it in the backlog forever.
    private let reserveDescriptor = Mutex<Int32>(-1)
    /// When "out of file descriptors" was last logged: while they stay exhausted the listener
    /// fires again at once, and a line each time would flood the log (and block a server whose
    /// output nobody reads).
    private let exhaustionLoggedAt = Atomic<UInt64>(0)

    init(listener: Socket, epoll: Epoll, table: ConnectionTable, configuration: HTTPServerConfiguration,
         metrics: ServerMetrics, logger: Logger) {
        self.listener = listener
        self.epoll = epoll
        self.table = table
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        reserveDescriptor.withLock { $0 = open("/dev/null", O_RDONLY | O_CLOEXEC) }
    }

    /// Accepts what is waiting, bounded so that a flood of connections does not starve this
    /// worker's other events, and re-arms the listener unless the server is draining.
    func acceptConnections(draining: () -> Bool) {
        guard !draining() else { return }
        for _ in 0..<256 {
            do {
                guard let client = try listener.accept() else { break }
                admit(client)
            } catch where error.code == EMFILE || error.code == ENFILE {
                refuseWithReserveDescriptor()
                break
            } catch {
                logger.error("accept failed", metadata: ["error": "\(error)"])
                break
            }
        }
        if !draining() {
            try? epoll.rearm(listener.fd, token: EventLoop.listenerToken, interest: .read)
        }
    }

    private func admit(_ client: Socket) {
        let now = MonotonicClock.now()
        let id = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        let connection = Connection(id: id, socket: client, limits: configuration.limits, timeouts: configuration.timeouts, now: now)
        guard table.admit(connection) else { return refuse(client) }
        metrics.connectionOpened()
        // Scheduled before the connection is in epoll, so that its first event finds it timed.
        if let deadline = connection.machine.deadline { table.schedule(id, at: deadline) }
        do {
            try epoll.add(client.fd, token: id, interest: .read)
        } catch {
            connection.lock.lock()
            connection.isClosed = true
            table.remove(id)
            client.close()
            metrics.connectionClosed()
            connection.lock.unlock()
        }
    }

    private static let overloadResponse: [UInt8] = {
        let body = #"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"The server has too many open connections; retry shortly."}"#
        return Array("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nContent-Length: \(body.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n\(body)".utf8)
    }()

    /// A short 503 and close, so clients learn why instead of hanging.
    private func refuse(_ client: Socket) {
        metrics.connectionRejected()
        _ = Self.overloadResponse.withUnsafeBytes { try? client.write($0) }
        client.shutdownWrite()
        client.close()
    }

    private func refuseWithReserveDescriptor() {
        reserveDescriptor.withLock { reserve in
            // Another thread may have taken the freed number before it was reopened last time.
            if reserve < 0 { reserve = open("/dev/null", O_RDONLY | O_CLOEXEC) }
            guard reserve >= 0 else { return }
            Glibc.close(reserve)
            if let client = try? listener.accept() { refuse(client) }
            reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        let now = MonotonicClock.now(), last = exhaustionLoggedAt.load(ordering: .relaxed)
        if now &- last >= 1_000_000_000, exhaustionLoggedAt.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged {
            logger.warning("out of file descriptors; refusing connections")
        }
    }

    /// Stops accepting at once (new connections are refused by the kernel); the descriptor is
    /// kept until the workers are gone so that none can touch a reused number.
    func stopAccepting() {
        epoll.remove(listener.fd)
        listener.stopListening()
    }

    func close() {
        listener.close()
        reserveDescriptor.withLock { if $0 >= 0 { Glibc.close($0); $0 = -1 } }
    }
}
