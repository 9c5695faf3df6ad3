@testable import HTTPServer
import Testing

/// A connection's whole life on an injected clock: plain numbers of nanoseconds, no sockets, no sleeps.
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    let ms: UInt64 = 1_000_000
    let timeouts = ConnectionTimeouts(idle: .milliseconds(600), header: .milliseconds(100), body: .milliseconds(200),
                                      write: .milliseconds(300), linger: .milliseconds(50))

    /// A request that arrived whole and is answered: the state after its response went out.
    func answered(keepAlive: Bool = true, now: UInt64 = 0) -> (Machine, Machine.Action) {
        var machine = Machine(timeouts: timeouts, now: now)
        let action1 = machine.received(phase: .head, now: now)
        #expect(action1 == .parse)
        let action2 = machine.receivedRequest(keepAlive: keepAlive)
        #expect(action2 == .runHandler)
        let action3 = machine.responseReady(streamed: false, keepAlive: keepAlive, now: now)
        #expect(action3 == .write)
        let action = machine.wrote(allSent: true, progressed: true, now: now)
        return (machine, action)
    }

    // MARK: Keep-alive and pipelining

    @Test func keepAliveResponseGoesBackToParsingForAPipelinedRequest() {
        let (machine, action) = answered()
        #expect(action == .parse)
        #expect(machine.state == .idle(since: 0))
    }

    @Test func idleAfterParsingNothingWaitsForInput() {
        var (machine, _) = answered(now: 5 * ms)
        let action4 = machine.needMoreData(phase: .idle, now: 5 * ms)
        #expect(action4 == .waitForReadable)
        #expect(machine.deadline == 605 * ms)
    }

    @Test func closingResponseLingersThenCloses() {
        var (machine, action) = answered(keepAlive: false, now: 10 * ms)
        #expect(action == .linger)
        #expect(machine.state == .lingering(since: 10 * ms))
        let action5 = machine.discardedInput(endOfInput: false)
        #expect(action5 == .waitForReadable)
        let action6 = machine.discardedInput(endOfInput: true)
        #expect(action6 == .close)
        #expect(machine.state == .closed)
    }

    @Test func lingeringEndsAtTheLingerTimeout() {
        var (machine, _) = answered(keepAlive: false, now: 0)
        let action7 = machine.timerFired(now: 49 * ms)
        #expect(action7 == .none)
        let action8 = machine.timerFired(now: 50 * ms)
        #expect(action8 == .close)
    }

    @Test func peerThatFinishedSendingIsAnsweredThenClosedWithoutLingering() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        let action9 = machine.receivedEndOfInput()
        #expect(action9 == .parse)
        let action10 = machine.receivedRequest(keepAlive: true)
        #expect(action10 == .runHandler)
        #expect(!machine.keepsAlive)
        _ = machine.responseReady(streamed: false, keepAlive: machine.keepsAlive, now: 0)
        let action11 = machine.wrote(allSent: true, progressed: true, now: 0)
        #expect(action11 == .close)
    }

    @Test func halfRequestFromAFinishedPeerIsClosed() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedEndOfInput()
        let action12 = machine.needMoreData(phase: .head, now: 0)
        #expect(action12 == .close)
    }

    @Test func requestAskingToCloseClosesAfterItsResponse() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedRequest(keepAlive: false)
        #expect(!machine.keepsAlive)
    }

    // MARK: Writing and streaming

    @Test func responseTheSocketCannotTakeWaitsForWritabilityTimedByProgress() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedRequest(keepAlive: true)
        _ = machine.responseReady(streamed: false, keepAlive: true, now: 0)
        let action13 = machine.wrote(allSent: false, progressed: true, now: 100 * ms)
        #expect(action13 == .waitForWritable)
        #expect(machine.deadline == 400 * ms)
        // A turn that moved no byte does not extend the deadline.
        let action14 = machine.wrote(allSent: false, progressed: false, now: 350 * ms)
        #expect(action14 == .waitForWritable)
        #expect(machine.deadline == 400 * ms)
        let action15 = machine.timerFired(now: 399 * ms)
        #expect(action15 == .none)
        let action16 = machine.timerFired(now: 400 * ms)
        #expect(action16 == .close)
    }

    @Test func streamedBodyIsPulledOnlyWhenTheSocketTookTheLastPiece() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedRequest(keepAlive: true)
        let action17 = machine.responseReady(streamed: true, keepAlive: true, now: 0)
        #expect(action17 == .write)
        let action18 = machine.wrote(allSent: true, progressed: true, now: 1 * ms)
        #expect(action18 == .produceChunk)
        let action19 = machine.produced(last: false, now: 2 * ms)
        #expect(action19 == .write)
        // The client stops reading: no piece is produced, the connection waits for the socket.
        let action20 = machine.wrote(allSent: false, progressed: true, now: 3 * ms)
        #expect(action20 == .waitForWritable)
        #expect(machine.state == .streaming(lastProgress: 3 * ms))
        let action21 = machine.wrote(allSent: true, progressed: true, now: 4 * ms)
        #expect(action21 == .produceChunk)
        let action22 = machine.produced(last: true, now: 5 * ms)
        #expect(action22 == .write)
        let action23 = machine.wrote(allSent: true, progressed: true, now: 6 * ms)
        #expect(action23 == .parse)
        #expect(machine.state == .idle(since: 6 * ms))
    }

    @Test func streamingClientThatStopsReadingIsClosedAfterTheWriteTimeout() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedRequest(keepAlive: true)
        _ = machine.responseReady(streamed: true, keepAlive: true, now: 0)
        _ = machine.wrote(allSent: false, progressed: true, now: 10 * ms)
        let action24 = machine.timerFired(now: 309 * ms)
        #expect(action24 == .none)
        let action25 = machine.timerFired(now: 310 * ms)
        #expect(action25 == .close)
    }

    @Test func closeDelimitedStreamLingersAfterTheLastPiece() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedRequest(keepAlive: true)
        _ = machine.responseReady(streamed: true, keepAlive: false, now: 0)
        _ = machine.wrote(allSent: true, progressed: true, now: 0)
        _ = machine.produced(last: true, now: 0)
        let action26 = machine.wrote(allSent: true, progressed: true, now: 0)
        #expect(action26 == .linger)
    }

    // MARK: Reading timeouts

    @Test func idleConnectionClosesQuietlyAtTheIdleTimeout() {
        var machine = Machine(timeouts: timeouts, now: 1000 * ms)
        let action27 = machine.timerFired(now: 1599 * ms)
        #expect(action27 == .none)
        let action28 = machine.timerFired(now: 1600 * ms)
        #expect(action28 == .close)
    }

    @Test func headerDeadlineRunsFromTheFirstByteAndIsNotExtendedByTrickling() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 10 * ms)
        _ = machine.needMoreData(phase: .head, now: 10 * ms)
        _ = machine.received(phase: .head, now: 60 * ms)
        _ = machine.needMoreData(phase: .head, now: 105 * ms)
        #expect(machine.deadline == 110 * ms)
        let action29 = machine.timerFired(now: 109 * ms)
        #expect(action29 == .none)
        let action30 = machine.timerFired(now: 110 * ms)
        #expect(action30 == .sendTimeoutAndClose)
        #expect(machine.state == .closed)
    }

    @Test func bodyDeadlineMovesWithProgress() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        let action31 = machine.receivedHead(expectsContinue: false, now: 0)
        #expect(action31 == .parse)
        _ = machine.received(phase: .body, bytes: 1000, now: 50 * ms)
        _ = machine.received(phase: .body, bytes: 1000, now: 200 * ms)
        let action32 = machine.timerFired(now: 399 * ms)
        #expect(action32 == .none)
        let action33 = machine.timerFired(now: 400 * ms)
        #expect(action33 == .sendTimeoutAndClose)
    }

    /// Progress alone does not keep a body alive: a byte every 100 ms never lets the progress
    /// timer fire, but after the first 200 ms the average must be 1 KiB/s.
    @Test func aTrickledBodyIsTimedOutByItsAverageRate() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedHead(expectsContinue: false, now: 0)
        var now: UInt64 = 0
        var action = Machine.Action.none
        while now < 10_000 * ms {
            now += 100 * ms
            action = machine.timerFired(now: now)
            if action != .none { break }
            _ = machine.received(phase: .body, bytes: 1, now: now)
        }
        #expect(action == .sendTimeoutAndClose)
        #expect(now <= 300 * ms, "closed at \(now / ms) ms")

        // A slow but honest upload (2 KiB/s) goes on for as long as it takes.
        var honest = Machine(timeouts: timeouts, now: 0)
        _ = honest.received(phase: .head, now: 0)
        _ = honest.receivedHead(expectsContinue: false, now: 0)
        for step in 1...600 {
            let at = UInt64(step) * 100 * ms
            #expect(honest.timerFired(now: at) == .none, "at \(step * 100) ms")
            _ = honest.received(phase: .body, bytes: 205, now: at)
        }
    }

    @Test func expectContinueIsAnsweredOnce() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        let action34 = machine.receivedHead(expectsContinue: true, now: 0)
        #expect(action34 == .sendContinue)
    }

    @Test func noClientTimeoutWhileAHandlerRuns() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedRequest(keepAlive: true)
        #expect(machine.deadline == nil)
        let action35 = machine.timerFired(now: UInt64.max / 2)
        #expect(action35 == .none)
    }

    @Test func strayEmptyLinesDoNotKeepAnIdleConnectionAlive() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .idle, now: 500 * ms)
        #expect(machine.deadline == 600 * ms)
    }

    @Test func headThatTurnsOutToBeEmptyLinesFallsBackToIdle() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 10 * ms)
        _ = machine.needMoreData(phase: .idle, now: 20 * ms)
        #expect(machine.state == .idle(since: 20 * ms))
    }

    // MARK: Errors

    @Test func unparsableRequestIsAnsweredWithItsStatusThenLingers() {
        for status in [400, 408, 413, 414, 431, 501, 505] {
            var machine = Machine(timeouts: timeouts, now: 0)
            _ = machine.received(phase: .head, now: 0)
            let action36 = machine.receivedInvalidRequest(status: status)
            #expect(action36 == .sendError(status: status))
            #expect(!machine.keepsAlive)
            let action37 = machine.responseReady(streamed: false, keepAlive: false, now: 0)
            #expect(action37 == .write)
            let action38 = machine.wrote(allSent: true, progressed: true, now: 0)
            #expect(action38 == .linger)
        }
    }

    @Test func socketFailureClosesFromAnyState() {
        var reading = Machine(timeouts: timeouts, now: 0)
        _ = reading.received(phase: .head, now: 0)
        let action39 = reading.socketFailed()
        #expect(action39 == .close)
        var (writing, _) = answered()
        let action40 = writing.socketFailed()
        #expect(action40 == .close)
        #expect(writing.state == .closed)
        #expect(writing.deadline == nil)
    }

    // MARK: Shutdown

    @Test func shutdownClosesIdleAndLingeringConnectionsAtOnce() {
        var idle = Machine(timeouts: timeouts, now: 0)
        let action41 = idle.shutdown()
        #expect(action41 == .close)
        var (lingering, _) = answered(keepAlive: false)
        let action42 = lingering.shutdown()
        #expect(action42 == .close)
    }

    @Test func shutdownLetsARequestUnderWayFinishThenCloses() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.receivedRequest(keepAlive: true)
        let action43 = machine.shutdown()
        #expect(action43 == .none)
        #expect(!machine.keepsAlive)
        _ = machine.responseReady(streamed: false, keepAlive: true, now: 0)
        let action44 = machine.wrote(allSent: true, progressed: true, now: 0)
        #expect(action44 == .linger)
    }

    @Test func shutdownWhileReadingAHeadClosesAfterThatRequest() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        let action45 = machine.shutdown()
        #expect(action45 == .none)
        let action46 = machine.receivedRequest(keepAlive: true)
        #expect(action46 == .runHandler)
        #expect(!machine.keepsAlive)
    }

    @Test func drainingConnectionWithNothingBufferedCloses() {
        var machine = Machine(timeouts: timeouts, now: 0)
        _ = machine.received(phase: .head, now: 0)
        _ = machine.shutdown()
        _ = machine.needMoreData(phase: .idle, now: 0)
        #expect(machine.state == .closed)
    }

    /// Every event in every state: the machine never asks for I/O on a closed connection, and
    /// a deadline exists exactly when a client timeout applies.
    @Test func everyEventInEveryStateIsSafe() {
        let builders: [(String, () -> Machine)] = [
            ("idle", { Machine(timeouts: timeouts, now: 0) }),
            ("readingHead", { var m = Machine(timeouts: timeouts, now: 0); _ = m.received(phase: .head, now: 0); return m }),
            ("readingBody", { var m = Machine(timeouts: timeouts, now: 0); _ = m.received(phase: .head, now: 0); _ = m.receivedHead(expectsContinue: false, now: 0); return m }),
            ("processing", { var m = Machine(timeouts: timeouts, now: 0); _ = m.received(phase: .head, now: 0); _ = m.receivedRequest(keepAlive: true); return m }),
            ("writing", { var m = Machine(timeouts: timeouts, now: 0); _ = m.received(phase: .head, now: 0); _ = m.receivedRequest(keepAlive: true); _ = m.responseReady(streamed: false, keepAlive: true, now: 0); return m }),
            ("streaming", { var m = Machine(timeouts: timeouts, now: 0); _ = m.received(phase: .head, now: 0); _ = m.receivedRequest(keepAlive: true); _ = m.responseReady(streamed: true, keepAlive: true, now: 0); return m }),
            ("lingering", { self.answered(keepAlive: false).0 }),
            ("closed", { var m = Machine(timeouts: timeouts, now: 0); _ = m.socketFailed(); return m }),
        ]
        let events: [(String, (inout Machine) -> Machine.Action)] = [
            ("received", { $0.received(phase: .head, now: 1) }),
            ("endOfInput", { $0.receivedEndOfInput() }),
            ("needMoreData", { $0.needMoreData(phase: .idle, now: 1) }),
            ("wrote", { $0.wrote(allSent: true, progressed: true, now: 1) }),
            ("produced", { $0.produced(last: true, now: 1) }),
            ("timer", { $0.timerFired(now: UInt64.max / 2) }),
            ("shutdown", { $0.shutdown() }),
        ]
        for (stateName, build) in builders {
            for (eventName, event) in events {
                var machine = build()
                let wasClosed = machine.state == .closed
                let action = event(&machine)
                if wasClosed {
                    #expect(action == .none, "\(eventName) in \(stateName)")
                    #expect(machine.state == .closed)
                }
                if machine.state == .closed {
                    #expect(machine.deadline == nil, "\(eventName) in \(stateName)")
                    #expect([.close, .none, .sendTimeoutAndClose].contains(action), "\(eventName) in \(stateName) → \(action)")
                }
                switch machine.state {
                case .processing, .closed: #expect(machine.deadline == nil)
                default: #expect(machine.deadline != nil, "\(eventName) in \(stateName)")
                }
            }
        }
    }
}
