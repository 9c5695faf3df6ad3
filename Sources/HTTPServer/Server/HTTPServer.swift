#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// An HTTP/1.1 server on non-blocking sockets and two shared epoll instances (one for the
/// workers, one for the stream workers).
///
/// The parts, each in its own file: `Acceptor` takes new connections, `EventLoop` runs the
/// worker and timer threads, `ConnectionIO` carries out what each connection's
/// `ConnectionStateMachine` decides, and `Responder` turns a request into a response.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    public let metrics: ServerMetrics
    private let logger: Logger
    private let responder: Responder

    private struct Running: Sendable {
        var loop: EventLoop
        var port: Int
    }

    private let running = Mutex<Running?>(nil)
    private let stopping = Atomic<Bool>(false)

    public init(
        configuration: HTTPServerConfiguration,
        router: Router,
        renderError: @escaping HTTPErrorRenderer = { error, _ in error.response },
        metrics: ServerMetrics = ServerMetrics(),
        logger: Logger = Logger(label: "http")
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.responder = Responder(
            router: router, renderError: renderError,
            encoder: ResponseEncoder(gzipMinimumSize: configuration.gzipMinimumSize, dateCache: DateCache()),
            metrics: metrics, logger: logger)
    }

    /// The bound port (useful with port 0); nil before `start`.
    public var port: Int? { running.withLock { $0?.port } }

    /// Open connections right now.
    public var connectionCount: Int { running.withLock { $0?.loop.table.count } ?? 0 }

    /// Binds, listens and starts the worker and timer threads. Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        // A write to a vanished peer must be an error return, never a process-killing signal.
        signal(SIGPIPE, SIG_IGN)
        let listener = try Socket.listen(host: configuration.host, port: configuration.port)
        let epoll = try Epoll()
        let streamEpoll = try Epoll()
        let wakeUp = try WakeUpSignal()
        try epoll.add(listener.fd, token: EventLoop.listenerToken, interest: .read)
        try epoll.addPersistent(wakeUp.fd, token: EventLoop.wakeUpToken)
        try streamEpoll.addPersistent(wakeUp.fd, token: EventLoop.wakeUpToken)
        let port = try listener.localPort()

        let table = ConnectionTable(maximum: configuration.maxConnections)
        let acceptor = Acceptor(listener: listener, epoll: epoll, table: table, configuration: configuration,
                                metrics: metrics, logger: logger)
        let drainingFlag = DrainingFlag()
        let blocking = BlockingPool(threads: max(0, configuration.blockingThreads), methods: configuration.blockingMethods)
        let io = ConnectionIO(epoll: epoll, streamEpoll: streamEpoll, table: table, responder: responder, metrics: metrics, logger: logger,
                              blocking: blocking, isDraining: { drainingFlag.isSet })
        let loop = EventLoop(epoll: epoll, streamEpoll: streamEpoll, wakeUp: wakeUp, table: table, io: io, acceptor: acceptor,
                             draining: drainingFlag, logger: logger)
        running.withLock { $0 = Running(loop: loop, port: port) }
        loop.start(workers: configuration.workerThreads, streamWorkers: configuration.streamWorkerThreads)
        logger.debug("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        return port
    }

    /// Stops accepting, lets requests in flight finish (up to the grace period), closes
    /// every connection and stops the threads. Blocks until done; safe to call twice.
    public func shutdown() {
        guard let loop = running.withLock({ $0?.loop }), !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        loop.draining.set()
        loop.acceptor.stopAccepting()

        let deadline = MonotonicClock.now() &+ configuration.shutdownGracePeriod.nanoseconds
        while MonotonicClock.now() < deadline {
            loop.shutdownConnections()
            if loop.table.isEmpty { break }
            usleep(5_000)
        }
        loop.closeAllConnections()
        loop.io.blocking.stop()
        loop.stop()
        loop.acceptor.close()
        loop.epoll.close()
        loop.streamEpoll.close()
        loop.wakeUp.close()
    }
}

/// Set once when the server begins to drain.
final class DrainingFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
