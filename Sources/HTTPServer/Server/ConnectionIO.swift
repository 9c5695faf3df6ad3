#if canImport(Glibc)
import Glibc
#endif
import Logging

/// A connection's I/O: carries out what its state machine decides. Reads into the parser,
/// runs handlers through the responder, writes, pulls streamed bodies, lingers and closes.
/// Every method is called by the connection's current owner, which holds its lock.
final class ConnectionIO: Sendable {
    let epoll: Epoll
    /// Where streaming connections wait, served by the stream workers only.
    let streamEpoll: Epoll
    let table: ConnectionTable
    let responder: Responder
    let metrics: ServerMetrics
    let logger: Logger
    /// Asked when a response's head is written: a draining server closes after it.
    let isDraining: @Sendable () -> Bool
    let blocking: BlockingPool

    /// Bytes read per turn, so one fast sender cannot monopolise a worker.
    static let readBudget = 1 << 20
    /// Streamed pieces produced per turn before the connection goes to the back of the queue.
    static let piecesPerTurn = 4
    /// Pipelined requests answered per turn before the connection goes to the back of the queue.
    static let requestsPerTurn = 16
    /// Buffered bytes beyond which no more is read until what is buffered has been answered:
    /// a client pipelining faster than it reads is held back by TCP, not by our memory.
    static let pipelinedBytesLimit = 256 * 1024

    init(epoll: Epoll, streamEpoll: Epoll, table: ConnectionTable, responder: Responder, metrics: ServerMetrics, logger: Logger,
         blocking: BlockingPool, isDraining: @escaping @Sendable () -> Bool) {
        self.blocking = blocking
        self.epoll = epoll
        self.streamEpoll = streamEpoll
        self.table = table
        self.responder = responder
        self.metrics = metrics
        self.logger = logger
        self.isDraining = isDraining
    }

    /// A worker's turn on a connection whose one-shot event fired.
    func serve(_ connection: Connection, event: Epoll.Event, readBuffer: UnsafeMutableRawBufferPointer, onStreamWorker: Bool) {
        guard !connection.isClosed else { return }
        let action: ConnectionStateMachine.Action
        switch connection.machine.state {
        case .writing, .streaming:
            action = .write
        case .lingering:
            action = discardInput(connection, readBuffer: readBuffer)
        case .closed:
            action = .close
        case .idle, .readingHead, .readingBody, .processing:
            action = readInput(connection, event: event, readBuffer: readBuffer)
        }
        run(action, on: connection, onStreamWorker: onStreamWorker)
    }

    /// Carries out actions until one leaves the connection waiting for the socket, or closed,
    /// or it has had its turn.
    func run(_ first: ConnectionStateMachine.Action, on connection: Connection, onStreamWorker: Bool = false) {
        var action = first
        var pieces = 0, requests = 0
        while true {
            switch action {
            case .none:
                // No event the I/O reports leaves a connection without a next step; closing
                // beats leaving it in no queue at all.
                assertionFailure("connection \(connection.id) in \(connection.machine.state) has nothing to do")
                return close(connection)
            case .waitForReadable:
                return park(connection, .read)
            case .waitForWritable:
                return park(connection, .write)
            case .parse:
                // The socket is writable, so the event comes back at once, after the others'.
                if requests == Self.requestsPerTurn { return park(connection, .write) }
                action = parse(connection)
            case .sendContinue:
                connection.continueSent = true
                connection.enqueue(Self.continueResponse)
                // The client waits for these few bytes; if the socket cannot take them now they go
                // out before the final response, and the client sends its body after its own timeout.
                do { _ = try connection.flush() } catch { action = connection.machine.socketFailed(); continue }
                action = .parse
            case .runHandler:
                requests += 1
                if let method = connection.request?.head.method, blocking.runs(method) {
                    // The connection waits in no epoll meanwhile: the pool's thread answers
                    // and carries on from there, under the connection's lock.
                    return blocking.submit { [self] in
                        connection.lock.lock()
                        defer { connection.lock.unlock() }
                        guard !connection.isClosed else { return }
                        run(runHandler(connection), on: connection)
                    }
                }
                action = runHandler(connection)
            case .sendError(let status):
                let error = connection.failure ?? HTTPError(HTTPStatus(code: status))
                connection.failure = nil
                queue(responder.respond(toError: error, head: connection.currentHead), on: connection)
                action = connection.machine.responseReady(streamed: false, keepAlive: false, now: MonotonicClock.now())
            case .write:
                do {
                    let result = try connection.flush()
                    action = connection.machine.wrote(allSent: result.allSent, progressed: result.progressed, now: MonotonicClock.now())
                } catch {
                    action = connection.machine.socketFailed()
                }
            case .produceChunk:
                // Pieces are produced by the stream workers only (parking hands the connection to
                // them), a few per turn; the socket is writable, so the event comes back at once.
                if !onStreamWorker || pieces == Self.piecesPerTurn { return park(connection, .write) }
                pieces += 1
                action = produce(connection)
            case .linger:
                connection.socket.shutdownWrite()
                return park(connection, .read)
            case .sendTimeoutAndClose:
                // Best effort: one write that does not wait, then close.
                let output = responder.respond(toError: HTTPError(.requestTimeout, detail: "The request was not completed in time."),
                                               head: connection.currentHead)
                let bytes = output.head + output.body
                _ = bytes.withUnsafeBytes { try? connection.socket.write($0) }
                connection.socket.shutdownWrite()
                return close(connection)
            case .close:
                return close(connection)
            }
        }
    }

    // MARK: - Reading

    private func readInput(_ connection: Connection, event: Epoll.Event, readBuffer: UnsafeMutableRawBufferPointer) -> ConnectionStateMachine.Action {
        var received = 0, endOfInput = false
        // Enough buffered to parse a next request (a body in progress is always read on).
        let limits = connection.parser.limits
        let enough = max(Self.pipelinedBytesLimit, limits.maxRequestLineLength + limits.maxHeaderBytes + 4)
        if connection.parser.phase != .body && connection.parser.bufferedByteCount >= enough { return .parse }
        var budget = Self.readBudget
        readLoop: while budget > 0 {
            do {
                switch try connection.socket.read(into: readBuffer) {
                case .bytes(let n):
                    connection.parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                    received += n
                    budget -= n
                    if n < readBuffer.count { break readLoop }
                case .wouldBlock:
                    break readLoop
                case .endOfFile:
                    endOfInput = true
                    break readLoop
                }
            } catch {
                return connection.machine.socketFailed() // reset by the peer, or similar
            }
        }
        if event.hangUp && received == 0 && !endOfInput { return connection.machine.socketFailed() }
        var action = ConnectionStateMachine.Action.parse
        if received > 0 { action = connection.machine.received(phase: connection.parser.phase, bytes: received, now: MonotonicClock.now()) }
        if endOfInput { action = connection.machine.receivedEndOfInput() }
        return action
    }

    private func parse(_ connection: Connection) -> ConnectionStateMachine.Action {
        let result: HTTPRequestParser.Result
        do {
            result = try connection.parser.next()
        } catch {
            connection.failure = error
            return connection.machine.receivedInvalidRequest(status: error.status.code)
        }
        switch result {
        case .needMoreData:
            return connection.machine.needMoreData(phase: connection.parser.phase, now: MonotonicClock.now())
        case .head(let head):
            connection.currentHead = head
            let expectations = head.headers.tokens(for: "Expect")
            if !expectations.isEmpty && expectations != ["100-continue"] {
                connection.failure = HTTPError(.expectationFailed, detail: "Only Expect: 100-continue is supported.")
                return connection.machine.receivedInvalidRequest(status: 417)
            }
            return connection.machine.receivedHead(expectsContinue: head.expectsContinue && !connection.continueSent, now: MonotonicClock.now())
        case .request(let request):
            connection.currentHead = nil
            connection.continueSent = false
            connection.request = request
            return connection.machine.receivedRequest(keepAlive: request.head.keepAlive)
        }
    }

    private func discardInput(_ connection: Connection, readBuffer: UnsafeMutableRawBufferPointer) -> ConnectionStateMachine.Action {
        for _ in 0..<16 {
            switch try? connection.socket.read(into: readBuffer) {
            case .bytes: continue
            case .wouldBlock: return connection.machine.discardedInput(endOfInput: false)
            case .endOfFile, nil: return connection.machine.discardedInput(endOfInput: true)
            }
        }
        return connection.machine.discardedInput(endOfInput: false)
    }

    // MARK: - Responding

    private func runHandler(_ connection: Connection) -> ConnectionStateMachine.Action {
        guard let request = connection.request else { return connection.machine.socketFailed() }
        connection.request = nil
        let output = responder.respond(to: request) { [isDraining] in connection.machine.keepsAlive && !isDraining() }
        queue(output, on: connection)
        return connection.machine.responseReady(streamed: output.stream != nil, keepAlive: output.keepAlive, now: MonotonicClock.now())
    }

    private func queue(_ output: Responder.Output, on connection: Connection) {
        // Small bodies travel with the head in one write.
        if output.body.count <= 16 * 1024 {
            connection.enqueue(output.head + output.body)
        } else {
            connection.enqueue(output.head)
            connection.enqueue(output.body)
        }
        connection.body = output.stream
        connection.bodyIsChunked = output.chunked
    }

    /// The socket took everything queued: the streamed body's next piece.
    private func produce(_ connection: Connection) -> ConnectionStateMachine.Action {
        guard let body = connection.body else { return connection.machine.produced(last: true, now: MonotonicClock.now()) }
        do {
            if let piece = try body.next() {
                connection.enqueue(connection.bodyIsChunked ? StreamedBody.chunk(piece) : piece)
                return connection.machine.produced(last: false, now: MonotonicClock.now())
            }
        } catch {
            // The head is out, so no error response can follow: the only honest end is to close.
            logger.warning("streamed response ended early", metadata: ["error": "\(error)"])
            return connection.machine.socketFailed()
        }
        connection.body = nil
        if connection.bodyIsChunked { connection.enqueue(StreamedBody.lastChunk) }
        return connection.machine.produced(last: true, now: MonotonicClock.now())
    }

    private static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    // MARK: - Waiting and closing

    /// Gives a connection whose event this worker took but will not serve back to epoll: re-armed
    /// for what it waited for, it is reported again at once to the next free worker.
    func requeue(_ connection: Connection) {
        guard !connection.isClosed else { return }
        switch connection.machine.state {
        case .writing, .streaming: park(connection, .write)
        case .closed: return
        case .idle, .readingHead, .readingBody:
            // Input already read but not yet parsed (a client pipelining requests) needs nothing
            // more from the socket: once the client has sent it all, no readable event would
            // ever come. The socket is writable, so that event comes back at once.
            park(connection, connection.parser.bufferedByteCount > 0 ? .write : .read)
        case .processing, .lingering: park(connection, .read)
        }
    }

    private func park(_ connection: Connection, _ interest: Epoll.Interest) {
        if let deadline = connection.machine.deadline { table.schedule(connection.id, at: deadline) }
        let streaming = connection.machine.isStreaming
        do {
            if streaming == connection.servedByStreamWorkers {
                try (streaming ? streamEpoll : epoll).rearm(connection.socket.fd, token: connection.id, interest: interest)
            } else {
                (streaming ? epoll : streamEpoll).remove(connection.socket.fd)
                connection.servedByStreamWorkers = streaming
                try (streaming ? streamEpoll : epoll).add(connection.socket.fd, token: connection.id, interest: interest)
            }
        } catch {
            close(connection)
        }
    }

    /// Leaves epoll and the table before the descriptor is closed: fd numbers are reused at once.
    func close(_ connection: Connection) {
        guard !connection.isClosed else { return }
        connection.isClosed = true
        (connection.servedByStreamWorkers ? streamEpoll : epoll).remove(connection.socket.fd)
        table.remove(connection.id)
        connection.socket.close()
        connection.releaseBuffers()
        metrics.connectionClosed()
    }
}
