#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims
import Foundation
import Logging
import Synchronization

/// An HTTP/1.1 server on non-blocking sockets and one shared epoll instance.
///
/// A fixed pool of worker threads waits in `epoll_wait`. Every connection is registered
/// one-shot, so an event hands it to exactly one worker, which reads what has arrived,
/// runs the handler for each complete request, writes the response and re-arms the
/// connection. A slow or idle client therefore costs a file descriptor and a buffer,
/// never a thread. A timer thread closes connections whose deadlines pass.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    public let metrics: ServerMetrics
    private let logger: Logger
    private let responder: Responder

    private struct Runtime: Sendable {
        var listener: Socket
        var epoll: Epoll
        var wakeUp: WakeUpSignal
        var port: Int
    }

    private let runtime = Mutex<Runtime?>(nil)
    private let connections = Mutex<[UInt64: Connection]>([:])
    private let nextConnectionID = Atomic<UInt64>(firstConnectionToken)
    private let draining = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let threadCount = Atomic<Int>(0)
    private let finishedThreads = DispatchSemaphore(value: 0)
    /// Held in reserve so that, when the process runs out of descriptors, one can be freed
    /// to accept and refuse a connection instead of leaving it in the backlog forever.
    private let reserveDescriptor = Mutex<Int32>(-1)

    private static let listenerToken: UInt64 = 0
    private static let wakeUpToken: UInt64 = 1
    private static let firstConnectionToken: UInt64 = 2

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
    public var port: Int? { runtime.withLock { $0?.port } }

    /// Binds, listens and starts the worker and timer threads. Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        // A write to a vanished peer must be an error return, never a process-killing signal.
        signal(SIGPIPE, SIG_IGN)
        let listener = try Socket.listen(host: configuration.host, port: configuration.port)
        let epoll = try Epoll()
        let wakeUp = try WakeUpSignal()
        try epoll.add(listener.fd, token: Self.listenerToken, interest: .read)
        try epoll.addPersistent(wakeUp.fd, token: Self.wakeUpToken)
        let port = try listener.localPort()
        runtime.withLock { $0 = Runtime(listener: listener, epoll: epoll, wakeUp: wakeUp, port: port) }
        reserveDescriptor.withLock { $0 = open("/dev/null", O_RDONLY | O_CLOEXEC) }

        var started: [Thread] = []
        for index in 0..<max(1, configuration.workerThreads) {
            let thread = Thread { [self] in
                workerLoop(epoll: epoll, listener: listener)
                finishedThreads.signal()
            }
            thread.name = "http-worker-\(index)"
            started.append(thread)
        }
        let timerThread = Thread { [self] in
            timerLoop()
            finishedThreads.signal()
        }
        timerThread.name = "http-timer"
        started.append(timerThread)
        threadCount.store(started.count, ordering: .releasing)
        for thread in started { thread.start() }
        logger.debug("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        return port
    }

    /// Stops accepting, lets requests in flight finish (up to the grace period), closes
    /// every connection and stops the threads. Blocks until done; safe to call twice.
    public func shutdown() {
        guard let runtime = runtime.withLock({ $0 }), !draining.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Stop accepting at once (new connections are refused by the kernel), but keep the
        // descriptor until the workers are gone so that none can touch a reused number.
        runtime.epoll.remove(runtime.listener.fd)
        runtime.listener.stopListening()

        let deadline = MonotonicClock.now() &+ configuration.shutdownGracePeriod.nanoseconds
        while MonotonicClock.now() < deadline {
            closeConnections(onlyIdle: true, epoll: runtime.epoll)
            if connections.withLock({ $0.isEmpty }) { break }
            usleep(5_000)
        }
        closeConnections(onlyIdle: false, epoll: runtime.epoll)

        stopped.store(true, ordering: .releasing)
        runtime.wakeUp.signal()
        let count = threadCount.load(ordering: .acquiring)
        for _ in 0..<count { finishedThreads.wait() }
        runtime.listener.close()
        runtime.epoll.close()
        runtime.wakeUp.close()
        reserveDescriptor.withLock { if $0 >= 0 { Glibc.close($0); $0 = -1 } }
    }

    // MARK: - Workers

    private func workerLoop(epoll: Epoll, listener: Socket) {
        var events = [clinux_epoll_event](repeating: clinux_epoll_event(), count: 32)
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { readBuffer.deallocate() }

        while !stopped.load(ordering: .acquiring) {
            let count: Int
            do {
                count = try epoll.wait(into: &events, timeoutMilliseconds: -1)
            } catch {
                logger.critical("epoll_wait failed", metadata: ["error": "\(error)"])
                return
            }
            for index in 0..<count {
                let event = Epoll.event(events[index])
                switch event.token {
                case Self.listenerToken:
                    acceptConnections(listener: listener, epoll: epoll)
                case Self.wakeUpToken:
                    break // the loop condition sees `stopped`; the eventfd stays readable for the others
                default:
                    guard let connection = connections.withLock({ $0[event.token] }) else { continue }
                    connection.lock.lock()
                    serve(connection, event: event, epoll: epoll, readBuffer: readBuffer)
                    connection.lock.unlock()
                }
            }
        }
    }

    private func acceptConnections(listener: Socket, epoll: Epoll) {
        guard !draining.load(ordering: .acquiring) else { return }
        // Bounded, so that a flood of connections does not starve this worker's other events.
        for _ in 0..<256 {
            do {
                guard let client = try listener.accept() else { break }
                admit(client, epoll: epoll)
            } catch where error.code == EMFILE || error.code == ENFILE {
                refuseWithReserveDescriptor(listener: listener)
                break
            } catch {
                logger.error("accept failed", metadata: ["error": "\(error)"])
                break
            }
        }
        if !draining.load(ordering: .acquiring) {
            try? epoll.rearm(listener.fd, token: Self.listenerToken, interest: .read)
        }
    }

    private func admit(_ client: Socket, epoll: Epoll) {
        let id = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        let connection = Connection(id: id, socket: client, limits: configuration.limits,
                                    timeouts: configuration.timeouts, now: MonotonicClock.now())
        let admitted = connections.withLock { table -> Bool in
            guard table.count < configuration.maxConnections else { return false }
            table[id] = connection
            return true
        }
        guard admitted else {
            refuse(client)
            return
        }
        metrics.connectionOpened()
        do {
            try epoll.add(client.fd, token: id, interest: .read)
        } catch {
            connection.lock.lock()
            closeConnection(connection, epoll: epoll)
            connection.lock.unlock()
        }
    }

    private static let overloadResponse: [UInt8] = {
        let body = #"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"The server has too many open connections; retry shortly."}"#
        return Array("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nContent-Length: \(body.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n\(body)".utf8)
    }()

    /// Beyond the connection limit: a short 503 and close, so clients learn why instead of hanging.
    private func refuse(_ client: Socket) {
        metrics.connectionRejected()
        _ = Self.overloadResponse.withUnsafeBytes { try? client.write($0) }
        client.shutdownWrite()
        client.close()
    }

    private func refuseWithReserveDescriptor(listener: Socket) {
        reserveDescriptor.withLock { reserve in
            guard reserve >= 0 else { return }
            Glibc.close(reserve)
            if let client = try? listener.accept() { refuse(client) }
            reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        logger.warning("out of file descriptors; refusing connections")
    }

    // MARK: - One connection's turn (the caller holds its lock)

    private func serve(_ connection: Connection, event: Epoll.Event, epoll: Epoll, readBuffer: UnsafeMutableRawBufferPointer) {
        guard !connection.closed else { return }
        let now = MonotonicClock.now()

        if connection.hasPendingOutput {
            let done: Bool
            do { done = try connection.flush() } catch { return closeConnection(connection, epoll: epoll) }
            guard done else {
                connection.timer.wrote(now: now)
                return arm(connection, .write, epoll: epoll)
            }
            if connection.closeAfterWrite { return finishAndLinger(connection, epoll: epoll, now: now) }
            connection.timer.finishedResponse(now: now)
            return process(connection, epoll: epoll)
        }

        if connection.lingering {
            discardInput(connection, readBuffer: readBuffer, epoll: epoll)
            return
        }

        var receivedBytes = false
        // Read what has arrived, bounded so one fast sender cannot monopolise this worker.
        var budget = 1 << 20
        readLoop: while budget > 0 {
            do {
                switch try connection.socket.read(into: readBuffer) {
                case .bytes(let n):
                    connection.parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                    receivedBytes = true
                    budget -= n
                    if n < readBuffer.count { break readLoop }
                case .wouldBlock:
                    break readLoop
                case .endOfFile:
                    connection.peerFinishedSending = true
                    break readLoop
                }
            } catch {
                // Reset by the peer, or similar: nothing more can be said to it.
                return closeConnection(connection, epoll: epoll)
            }
        }
        if receivedBytes { connection.timer.received(phase: connection.parser.phase, now: now) }
        if event.hangUp && !receivedBytes && !connection.peerFinishedSending {
            return closeConnection(connection, epoll: epoll)
        }
        process(connection, epoll: epoll)
    }

    /// Answers every complete request buffered, in order (pipelining), then re-arms.
    private func process(_ connection: Connection, epoll: Epoll) {
        while true {
            let result: HTTPRequestParser.Result
            do {
                result = try connection.parser.next()
            } catch {
                let output = responder.respond(toParseError: error, head: connection.currentHead)
                return send(output, on: connection, epoll: epoll)
            }
            switch result {
            case .needMoreData:
                if connection.peerFinishedSending {
                    // The peer will send nothing more; a half-received request cannot be answered.
                    return closeConnection(connection, epoll: epoll)
                }
                connection.timer.received(phase: connection.parser.phase, now: MonotonicClock.now())
                return arm(connection, .read, epoll: epoll)

            case .head(let head):
                connection.currentHead = head
                let expectations = head.headers.tokens(for: "Expect")
                if !expectations.isEmpty && expectations != ["100-continue"] {
                    let error = HTTPParseError(status: 417, reason: "only Expect: 100-continue is supported")
                    return send(responder.respond(toParseError: error, head: head), on: connection, epoll: epoll)
                }
                if head.expectsContinue && !connection.continueSent {
                    connection.continueSent = true
                    connection.enqueue(Self.continueResponse)
                    let sent: Bool
                    do { sent = try connection.flush() } catch { return closeConnection(connection, epoll: epoll) }
                    if !sent {
                        connection.timer.wrote(now: MonotonicClock.now())
                        return arm(connection, .write, epoll: epoll)
                    }
                }

            case .request(let request):
                connection.currentHead = nil
                connection.continueSent = false
                connection.timer.startedProcessing()
                let output = responder.respond(to: request) {
                    request.head.keepAlive && !draining.load(ordering: .acquiring) && !connection.peerFinishedSending
                }
                send(output, on: connection, epoll: epoll)
                if connection.closed || connection.hasPendingOutput || connection.lingering { return }
                connection.timer.finishedResponse(now: MonotonicClock.now())
            }
        }
    }

    private static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Queues a response and writes what the socket takes. When it does not take all of it,
    /// the connection waits for writability; when the response ends the connection, it lingers.
    private func send(_ output: Responder.Output, on connection: Connection, epoll: Epoll) {
        if let stream = output.stream { return sendStreamed(output, stream, on: connection, epoll: epoll) }
        // Small bodies travel with the head in one write.
        if output.body.count <= 16 * 1024 {
            connection.enqueue(output.head + output.body)
        } else {
            connection.enqueue(output.head)
            connection.enqueue(output.body)
        }
        if !output.keepAlive { connection.closeAfterWrite = true }
        let now = MonotonicClock.now()
        let done: Bool
        do { done = try connection.flush() } catch { return closeConnection(connection, epoll: epoll) }
        if !done {
            connection.timer.wrote(now: now)
            return arm(connection, .write, epoll: epoll)
        }
        if connection.closeAfterWrite { finishAndLinger(connection, epoll: epoll, now: now) }
    }

    /// A streamed body: the worker keeps the connection until the body is out, waiting for
    /// the socket as needed (bounded by the write timeout), so memory stays flat.
    private func sendStreamed(_ output: Responder.Output, _ stream: ResponseBodyWriter.Producer, on connection: Connection, epoll: Epoll) {
        let timeout = Int32(clamping: configuration.timeouts.write.nanoseconds / 1_000_000)
        if !output.keepAlive { connection.closeAfterWrite = true }
        do {
            connection.enqueue(output.head)
            try connection.flushWaiting(timeoutMilliseconds: timeout)
            let writer = ResponseBodyWriter(chunked: output.chunked) { bytes in
                connection.enqueue(bytes)
                try connection.flushWaiting(timeoutMilliseconds: timeout)
            }
            try stream(writer)
            try writer.finish()
        } catch {
            // The head is out, so no error response can follow: the only honest end is to close.
            logger.warning("streamed response ended early", metadata: ["error": "\(error)"])
            return closeConnection(connection, epoll: epoll)
        }
        if connection.closeAfterWrite { finishAndLinger(connection, epoll: epoll, now: MonotonicClock.now()) }
    }

    /// After the last response: shut our side, then discard what the peer still sends until it
    /// closes (or the linger timeout), so the kernel does not reset the connection under the
    /// response the peer has yet to read.
    private func finishAndLinger(_ connection: Connection, epoll: Epoll, now: UInt64) {
        connection.socket.shutdownWrite()
        if connection.peerFinishedSending { return closeConnection(connection, epoll: epoll) }
        connection.lingering = true
        connection.timer.startedLingering(now: now)
        arm(connection, .read, epoll: epoll)
    }

    private func discardInput(_ connection: Connection, readBuffer: UnsafeMutableRawBufferPointer, epoll: Epoll) {
        for _ in 0..<16 {
            switch try? connection.socket.read(into: readBuffer) {
            case .bytes: continue
            case .wouldBlock: return arm(connection, .read, epoll: epoll)
            case .endOfFile, nil: return closeConnection(connection, epoll: epoll)
            }
        }
        arm(connection, .read, epoll: epoll)
    }

    private func arm(_ connection: Connection, _ interest: Epoll.Interest, epoll: Epoll) {
        do {
            try epoll.rearm(connection.socket.fd, token: connection.id, interest: interest)
        } catch {
            closeConnection(connection, epoll: epoll)
        }
    }

    /// Leaves epoll and the table before the descriptor is closed: fd numbers are reused at once.
    private func closeConnection(_ connection: Connection, epoll: Epoll) {
        guard !connection.closed else { return }
        connection.closed = true
        epoll.remove(connection.socket.fd)
        _ = connections.withLock { $0.removeValue(forKey: connection.id) }
        connection.socket.close()
        connection.pending.removeAll()
        metrics.connectionClosed()
    }

    // MARK: - Timeouts

    private func timerLoop() {
        let shortest = [configuration.timeouts.idle, configuration.timeouts.header, configuration.timeouts.body,
                        configuration.timeouts.write, configuration.timeouts.linger].min()!.nanoseconds
        // Check a few times per shortest timeout, but never busier than every 5 ms nor lazier than every second.
        let tick = min(max(shortest / 4, 5_000_000), 1_000_000_000)
        while !stopped.load(ordering: .acquiring) {
            var remaining = tick
            while remaining > 0 && !stopped.load(ordering: .acquiring) {
                let step = min(remaining, 50_000_000)
                usleep(UInt32(step / 1000))
                remaining -= step
            }
            guard let epoll = runtime.withLock({ $0?.epoll }) else { continue }
            expireConnections(epoll: epoll, now: MonotonicClock.now())
        }
    }

    private func expireConnections(epoll: Epoll, now: UInt64) {
        let snapshot = connections.withLock { Array($0.values) }
        for connection in snapshot {
            // A connection whose lock is taken is being served; its deadline is not running.
            guard connection.lock.tryLock() else { continue }
            defer { connection.lock.unlock() }
            guard !connection.closed else { continue }
            switch connection.timer.check(now: now) {
            case .none:
                break
            case .close:
                closeConnection(connection, epoll: epoll)
            case .respondTimeoutAndClose:
                // Best effort: one non-blocking write of a small response, then close.
                let output = responder.respondTimeout()
                let bytes = output.head + output.body
                _ = bytes.withUnsafeBytes { try? connection.socket.write($0) }
                connection.socket.shutdownWrite()
                closeConnection(connection, epoll: epoll)
            }
        }
    }

    private func closeConnections(onlyIdle: Bool, epoll: Epoll) {
        let snapshot = connections.withLock { Array($0.values) }
        for connection in snapshot {
            if onlyIdle {
                guard connection.lock.tryLock() else { continue }
                if connection.timer.closesImmediatelyOnShutdown && !connection.hasPendingOutput {
                    closeConnection(connection, epoll: epoll)
                }
                connection.lock.unlock()
            } else {
                connection.lock.lock()
                closeConnection(connection, epoll: epoll)
                connection.lock.unlock()
            }
        }
    }
}
