/// Timeouts as a pure state machine over an injected clock (monotonic nanoseconds), so
/// the rules are testable without sockets or sleeps.
///
/// - A slow header section is timed as a whole from its first byte (a slowloris that
///   trickles one byte at a time does not extend it).
/// - A body and a response being written are timed by progress: the deadline moves with every byte.
/// - An idle keep-alive connection is timed from the end of its last response.
/// - While a handler runs, no client timeout applies.
public struct ConnectionTimer: Sendable, Equatable {
    public struct Timeouts: Sendable, Equatable {
        public var idle: Duration
        public var header: Duration
        public var body: Duration
        public var write: Duration
        /// How long a closing connection keeps discarding what the peer still sends.
        public var linger: Duration

        public init(idle: Duration = .seconds(60), header: Duration = .seconds(10), body: Duration = .seconds(10),
                    write: Duration = .seconds(30), linger: Duration = .seconds(2)) {
            self.idle = idle
            self.header = header
            self.body = body
            self.write = write
            self.linger = linger
        }
    }

    public enum State: Sendable, Equatable {
        case idle(since: UInt64)
        case readingHead(since: UInt64)
        case readingBody(lastProgress: UInt64)
        case processing
        case writing(lastProgress: UInt64)
        case lingering(since: UInt64)
    }

    public enum Action: Sendable, Equatable {
        case none
        /// Nothing of a request had arrived: close quietly.
        case close
        /// A request had begun and stalled: answer 408, then close.
        case respondTimeoutAndClose
    }

    public private(set) var state: State
    public let timeouts: Timeouts

    public init(timeouts: Timeouts, now: UInt64) {
        self.timeouts = timeouts
        self.state = .idle(since: now)
    }

    /// Bytes of a request arrived; `phase` is the parser's phase after consuming them.
    public mutating func received(phase: HTTPRequestParser.Phase, now: UInt64) {
        // What a closing connection still receives is discarded; it extends nothing.
        if case .lingering = state { return }
        switch (state, phase) {
        case (.readingHead, .head):
            break // the head's clock keeps running from its first byte
        case (_, .head):
            state = .readingHead(since: now)
        case (_, .body):
            state = .readingBody(lastProgress: now)
        case (_, .idle):
            switch state {
            // Stray empty lines do not keep an idle connection alive.
            case .idle, .processing, .writing, .lingering: return
            case .readingHead, .readingBody: state = .idle(since: now)
            }
        }
    }

    public mutating func startedProcessing() { state = .processing }

    /// Response bytes left, or are waiting for the socket.
    public mutating func wrote(now: UInt64) { state = .writing(lastProgress: now) }

    /// The response went out whole; the connection waits for its next request.
    public mutating func finishedResponse(now: UInt64) { state = .idle(since: now) }

    /// The last response is out and our side is shut; the peer gets a moment to read it.
    public mutating func startedLingering(now: UInt64) { state = .lingering(since: now) }

    /// When, if nothing happens, the connection times out; nil while a handler runs.
    public var deadline: UInt64? {
        switch state {
        case .idle(let since): since &+ timeouts.idle.nanoseconds
        case .readingHead(let since): since &+ timeouts.header.nanoseconds
        case .readingBody(let last): last &+ timeouts.body.nanoseconds
        case .processing: nil
        case .writing(let last): last &+ timeouts.write.nanoseconds
        case .lingering(let since): since &+ timeouts.linger.nanoseconds
        }
    }

    public func check(now: UInt64) -> Action {
        guard let deadline, now >= deadline else { return .none }
        switch state {
        case .readingHead, .readingBody: return .respondTimeoutAndClose
        case .idle, .writing, .lingering: return .close
        case .processing: return .none
        }
    }

    /// At shutdown: idle connections close at once; the others finish their request first.
    public var closesImmediatelyOnShutdown: Bool {
        switch state {
        case .idle, .lingering: return true
        case .readingHead, .readingBody, .processing, .writing: return false
        }
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
