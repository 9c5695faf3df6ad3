/// How long each phase of a connection may take.
public struct ConnectionTimeouts: Sendable, Equatable {
    public var idle: Duration
    public var header: Duration
    public var body: Duration
    public var write: Duration
    /// How long a closing connection keeps discarding what the peer still sends.
    public var linger: Duration
    /// The slowest a body may arrive on average, in bytes a second, after its first `body`
    /// seconds: a sender trickling a byte at a time cannot hold a connection for ever.
    public var minimumBodyRate: Int

    public init(idle: Duration = .seconds(60), header: Duration = .seconds(10), body: Duration = .seconds(10),
                write: Duration = .seconds(30), linger: Duration = .seconds(2), minimumBodyRate: Int = 1024) {
        self.minimumBodyRate = minimumBodyRate
        self.idle = idle
        self.header = header
        self.body = body
        self.write = write
        self.linger = linger
    }
}

/// The life of one connection as a pure state machine over an injected clock (monotonic
/// nanoseconds): events go in, the action the I/O layer must take comes out. It owns no
/// socket, so every path (keep-alive, pipelining, streaming, lingering, timeouts, shutdown)
/// is testable without sockets or sleeps.
///
/// Timeout rules:
/// - A header section is timed as a whole from its first byte (a slowloris that trickles
///   one byte at a time does not extend it).
/// - A body being received and a response being written are timed by progress; a body must
///   also keep an average rate (`minimumBodyRate`) once its first `body` seconds are over.
/// - An idle keep-alive connection is timed from the end of its last response.
/// - While a handler runs, or a streamed body produces its next piece, no client timeout applies.
public struct ConnectionStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Waiting for the next request.
        case idle(since: UInt64)
        case readingHead(since: UInt64)
        /// `since` the head was complete, `bytes` of body so far.
        case readingBody(lastProgress: UInt64, since: UInt64, bytes: Int)
        /// A handler runs.
        case processing
        /// A response (or its last bytes) waits for the socket.
        case writing(lastProgress: UInt64)
        /// A streamed body: its next piece is produced only when the socket has taken the last.
        case streaming(lastProgress: UInt64)
        /// Our side is shut after the last response; what the peer still sends is discarded.
        case lingering(since: UInt64)
        case closed
    }

    public enum Action: Sendable, Equatable {
        /// Nothing to do until the socket is readable.
        case waitForReadable
        /// Nothing to do until the socket can take more.
        case waitForWritable
        /// Parse what is buffered: it may hold the next request (pipelining).
        case parse
        /// Run the handler of the request just parsed.
        case runHandler
        /// Write the queued response bytes.
        case write
        /// Ask the streamed body for its next piece.
        case produceChunk
        /// Queue `100 Continue`, then go on parsing.
        case sendContinue
        /// Queue an error response with this status; the connection closes after it.
        case sendError(status: Int)
        /// Shut our side and discard input until the peer closes or the linger time ends.
        case linger
        /// A request stalled: try once to say 408 without waiting, then close.
        case sendTimeoutAndClose
        case close
        case none
    }

    public private(set) var state: State
    public let timeouts: ConnectionTimeouts
    /// The peer sent end-of-stream: answer what it sent, then close.
    public private(set) var peerFinishedSending = false
    /// The response in flight is the last one.
    public private(set) var closeAfterResponse = false
    public private(set) var shuttingDown = false

    public init(timeouts: ConnectionTimeouts, now: UInt64) {
        self.timeouts = timeouts
        self.state = .idle(since: now)
    }

    // MARK: Reading

    /// `bytes` of a request arrived; `phase` is the parser's phase after taking them.
    public mutating func received(phase: HTTPRequestParser.Phase, bytes: Int = 1, now: UInt64) -> Action {
        switch state {
        case .idle, .readingHead, .readingBody:
            advanceReading(phase: phase, bytes: bytes, now: now)
            return .parse
        case .lingering:
            return .waitForReadable
        case .processing, .writing, .streaming, .closed:
            // Input is read only between responses; these states never ask for it.
            return .none
        }
    }

    /// The peer will send nothing more (end of stream).
    public mutating func receivedEndOfInput() -> Action {
        peerFinishedSending = true
        switch state {
        case .lingering: return close()
        case .closed: return .none
        default: return .parse
        }
    }

    /// The parser needs more bytes before it can say anything further.
    public mutating func needMoreData(phase: HTTPRequestParser.Phase, now: UInt64) -> Action {
        guard case .closed = state else {
            // A half-received request from a peer that has finished cannot be answered.
            if peerFinishedSending { return close() }
            if shuttingDown, phase == .idle { return close() }
            advanceReading(phase: phase, bytes: 0, now: now)
            return .waitForReadable
        }
        return .none
    }

    /// The head of a request with a body is complete.
    public mutating func receivedHead(expectsContinue: Bool, now: UInt64) -> Action {
        state = .readingBody(lastProgress: now, since: now, bytes: 0)
        return expectsContinue ? .sendContinue : .parse
    }

    /// A whole request was parsed; `keepAlive` is what the request itself asks for.
    public mutating func receivedRequest(keepAlive: Bool) -> Action {
        state = .processing
        if !keepAlive || peerFinishedSending || shuttingDown { closeAfterResponse = true }
        return .runHandler
    }

    /// The bytes could not be parsed, or the request cannot be accepted (`status` says why).
    public mutating func receivedInvalidRequest(status: Int) -> Action {
        state = .processing
        closeAfterResponse = true
        return .sendError(status: status)
    }

    private mutating func advanceReading(phase: HTTPRequestParser.Phase, bytes: Int, now: UInt64) {
        switch (state, phase) {
        case (.readingBody(let last, let since, let received), .body):
            state = .readingBody(lastProgress: bytes > 0 ? now : last, since: since, bytes: received + bytes)
        case (.readingHead, .head):
            break // the head's clock keeps running from its first byte
        case (_, .head):
            state = .readingHead(since: now)
        case (_, .body):
            state = .readingBody(lastProgress: now, since: now, bytes: 0)
        case (.readingHead, .idle), (.readingBody, .idle):
            state = .idle(since: now)
        case (_, .idle):
            break // stray empty lines do not keep an idle connection alive
        }
    }

    // MARK: Writing

    /// The handler's response is queued. `keepAlive` is false when the response cannot be
    /// followed by another on this connection (e.g. a body ended by closing).
    public mutating func responseReady(streamed: Bool, keepAlive: Bool, now: UInt64) -> Action {
        if !keepAlive { closeAfterResponse = true }
        state = streamed ? .streaming(lastProgress: now) : .writing(lastProgress: now)
        return .write
    }

    /// Whether the response being written may keep the connection open (asked when its head is encoded).
    public var keepsAlive: Bool { !closeAfterResponse && !shuttingDown && !peerFinishedSending }

    /// A write attempt ended: `allSent` when nothing queued is left, `progressed` when any byte left.
    public mutating func wrote(allSent: Bool, progressed: Bool, now: UInt64) -> Action {
        switch state {
        case .writing(let last):
            if !allSent {
                state = .writing(lastProgress: progressed ? now : last)
                return .waitForWritable
            }
            return responseComplete(now: now)
        case .streaming(let last):
            if !allSent {
                state = .streaming(lastProgress: progressed ? now : last)
                return .waitForWritable
            }
            return .produceChunk
        default:
            return .none
        }
    }

    /// The streamed body produced a piece (queued) or ended (its terminator queued, if any).
    public mutating func produced(last: Bool, now: UInt64) -> Action {
        guard case .streaming = state else { return .none }
        if last { state = .writing(lastProgress: now) }
        return .write
    }

    private mutating func responseComplete(now: UInt64) -> Action {
        if closeAfterResponse || shuttingDown {
            if peerFinishedSending { return close() }
            state = .lingering(since: now)
            return .linger
        }
        state = .idle(since: now)
        return .parse
    }

    // MARK: Lingering, timers, shutdown, errors

    /// While lingering, input was discarded; `endOfInput` when the peer has closed.
    public mutating func discardedInput(endOfInput: Bool) -> Action {
        endOfInput ? close() : .waitForReadable
    }

    /// Sending a streamed body: the stream workers', not the workers', to serve.
    public var isStreaming: Bool {
        if case .streaming = state { return true }
        return false
    }

    /// When, if nothing happens, the connection times out; nil while the server itself works.
    public var deadline: UInt64? {
        switch state {
        case .idle(let since): since &+ timeouts.idle.nanoseconds
        case .readingHead(let since): since &+ timeouts.header.nanoseconds
        case .readingBody(let last, let since, let bytes):
            // Timed by progress, and by the average rate once the first `body` seconds are over.
            min(last &+ timeouts.body.nanoseconds,
                since &+ timeouts.body.nanoseconds &+ UInt64(bytes) &* 1_000_000_000 / UInt64(max(1, timeouts.minimumBodyRate)))
        case .processing, .closed: nil
        case .writing(let last), .streaming(let last): last &+ timeouts.write.nanoseconds
        case .lingering(let since): since &+ timeouts.linger.nanoseconds
        }
    }

    public mutating func timerFired(now: UInt64) -> Action {
        guard let deadline, now >= deadline else { return .none }
        switch state {
        case .readingHead, .readingBody:
            state = .closed
            return .sendTimeoutAndClose
        case .idle, .writing, .streaming, .lingering:
            return close()
        case .processing, .closed:
            return .none
        }
    }

    /// The server stops: an idle connection closes at once; one with a request under way
    /// finishes it and closes after its response.
    public mutating func shutdown() -> Action {
        shuttingDown = true
        switch state {
        case .idle, .lingering: return close()
        case .readingHead, .readingBody, .processing, .writing, .streaming:
            closeAfterResponse = true
            return .none
        case .closed: return .none
        }
    }

    /// The socket failed (reset, hang-up, a write error): nothing more can be said.
    public mutating func socketFailed() -> Action { close() }

    private mutating func close() -> Action {
        state = .closed
        return .close
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
