@testable import HTTPServer
import Testing

/// The timeout rules on an injected clock: plain numbers of nanoseconds, no sockets, no sleeps.
struct ConnectionTimerTests {
    let ms: UInt64 = 1_000_000
    let timeouts = ConnectionTimer.Timeouts(idle: .milliseconds(600), header: .milliseconds(100), body: .milliseconds(200),
                                            write: .milliseconds(300), linger: .milliseconds(50))

    @Test func idleConnectionClosesQuietlyAtTheIdleTimeout() {
        let timer = ConnectionTimer(timeouts: timeouts, now: 1000 * ms)
        #expect(timer.check(now: 1599 * ms) == .none)
        #expect(timer.check(now: 1600 * ms) == .close)
    }

    @Test func headerDeadlineRunsFromTheFirstByteAndIsNotExtendedByTrickling() {
        var timer = ConnectionTimer(timeouts: timeouts, now: 0)
        timer.received(phase: .head, now: 10 * ms)
        timer.received(phase: .head, now: 60 * ms)
        timer.received(phase: .head, now: 105 * ms)
        #expect(timer.deadline == 110 * ms)
        #expect(timer.check(now: 109 * ms) == .none)
        #expect(timer.check(now: 110 * ms) == .respondTimeoutAndClose)
    }

    @Test func bodyDeadlineMovesWithProgress() {
        var timer = ConnectionTimer(timeouts: timeouts, now: 0)
        timer.received(phase: .head, now: 0)
        timer.received(phase: .body, now: 50 * ms)
        timer.received(phase: .body, now: 200 * ms)
        #expect(timer.check(now: 399 * ms) == .none)
        #expect(timer.check(now: 400 * ms) == .respondTimeoutAndClose)
    }

    @Test func noClientTimeoutWhileAHandlerRuns() {
        var timer = ConnectionTimer(timeouts: timeouts, now: 0)
        timer.received(phase: .head, now: 0)
        timer.startedProcessing()
        #expect(timer.deadline == nil)
        #expect(timer.check(now: UInt64.max / 2) == .none)
        // Pipelined bytes arriving meanwhile do not restart a clock.
        timer.received(phase: .idle, now: 10 * ms)
        #expect(timer.state == .processing)
    }

    @Test func aResponseTheClientDoesNotReadTimesOutByProgress() {
        var timer = ConnectionTimer(timeouts: timeouts, now: 0)
        timer.startedProcessing()
        timer.wrote(now: 100 * ms)
        timer.wrote(now: 350 * ms)
        #expect(timer.check(now: 649 * ms) == .none)
        #expect(timer.check(now: 650 * ms) == .close)
    }

    @Test func afterAResponseTheIdleClockStartsAgain() {
        var timer = ConnectionTimer(timeouts: timeouts, now: 0)
        timer.received(phase: .head, now: 0)
        timer.startedProcessing()
        timer.finishedResponse(now: 1000 * ms)
        #expect(timer.check(now: 1599 * ms) == .none)
        #expect(timer.check(now: 1600 * ms) == .close)
    }

    @Test func strayEmptyLinesDoNotKeepAnIdleConnectionAlive() {
        var timer = ConnectionTimer(timeouts: timeouts, now: 0)
        timer.received(phase: .idle, now: 500 * ms)
        #expect(timer.check(now: 600 * ms) == .close)
    }

    @Test func lingeringEndsAtTheLingerTimeout() {
        var timer = ConnectionTimer(timeouts: timeouts, now: 0)
        timer.startedLingering(now: 10 * ms)
        timer.received(phase: .head, now: 20 * ms)
        #expect(timer.check(now: 59 * ms) == .none)
        #expect(timer.check(now: 60 * ms) == .close)
    }

    @Test func shutdownClosesOnlyIdleOrLingeringConnectionsAtOnce() {
        var timer = ConnectionTimer(timeouts: timeouts, now: 0)
        #expect(timer.closesImmediatelyOnShutdown)
        timer.received(phase: .head, now: 0)
        #expect(!timer.closesImmediatelyOnShutdown)
        timer.startedProcessing()
        #expect(!timer.closesImmediatelyOnShutdown)
        timer.wrote(now: 0)
        #expect(!timer.closesImmediatelyOnShutdown)
        timer.startedLingering(now: 0)
        #expect(timer.closesImmediatelyOnShutdown)
    }
}
