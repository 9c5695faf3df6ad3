#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims
import Foundation
import Logging
import Synchronization

/// The threads: workers that wait in one shared epoll and give each event to its connection,
/// stream workers that wait in a second one and produce streamed bodies (so bulk downloads
/// never occupy the workers), and a timer thread that acts on the connections whose deadline
/// has come.
///
/// Every connection is registered one-shot, so an event hands it to exactly one worker, which
/// does what there is to do without waiting for the client (read what arrived, run a handler,
/// write what the socket takes, produce a streamed piece) and re-arms it. A slow or idle client
/// therefore costs a descriptor and a buffer, never a thread.
final class EventLoop: Sendable {
    static let listenerToken: UInt64 = 0
    static let wakeUpToken: UInt64 = 1
    static let firstConnectionToken: UInt64 = 2
    /// The longest the timer sleeps, so that it notices a stop promptly.
    static let timerMaximumSleep: UInt64 = 25_000_000
    /// A connection busy when its deadline came is looked at again this much later.
    static let busyRetry: UInt64 = 20_000_000
    /// Events taken in one batch wait behind each other's handlers; once a batch has taken this
    /// long, the rest go back to epoll for whichever worker is free.
    static let batchPatience: UInt64 = 2_000_000

    let epoll: Epoll
    let streamEpoll: Epoll
    let wakeUp: WakeUpSignal
    let table: ConnectionTable
    let io: ConnectionIO
    let acceptor: Acceptor
    private let logger: Logger
    let draining: DrainingFlag
    private let stopped = Atomic<Bool>(false)
    private let finishedThreads = DispatchSemaphore(value: 0)
    private let threadCount = Atomic<Int>(0)

    init(epoll: Epoll, streamEpoll: Epoll, wakeUp: WakeUpSignal, table: ConnectionTable, io: ConnectionIO, acceptor: Acceptor, draining: DrainingFlag, logger: Logger) {
        self.draining = draining
        self.epoll = epoll
        self.streamEpoll = streamEpoll
        self.wakeUp = wakeUp
        self.table = table
        self.io = io
        self.acceptor = acceptor
        self.logger = logger
    }

    func start(workers: Int, streamWorkers: Int) {
        var threads: [Thread] = []
        func add(_ name: String, _ body: @escaping @Sendable () -> Void) {
            let thread = Thread { [finishedThreads] in
                // Named from inside: on Linux, Foundation names only the thread that sets it
                // (up to 15 bytes), which is what `top -H` and `perf` show.
                Thread.current.name = name
                body()
                finishedThreads.signal()
            }
            threads.append(thread)
        }
        for index in 0..<max(1, workers) { add("http-worker-\(index)") { [self] in workerLoop(epoll, onStreamWorker: false) } }
        for index in 0..<max(1, streamWorkers) { add("http-stream-\(index)") { [self] in workerLoop(streamEpoll, onStreamWorker: true) } }
        add("http-timer") { [self] in timerLoop() }
        threadCount.store(threads.count, ordering: .releasing)
        for thread in threads { thread.start() }
    }

    /// Stops every thread and waits for them.
    func stop() {
        stopped.store(true, ordering: .releasing)
        wakeUp.signal()
        for _ in 0..<threadCount.load(ordering: .acquiring) { finishedThreads.wait() }
    }

    private func workerLoop(_ epoll: Epoll, onStreamWorker: Bool) {
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
            let batchStarted = MonotonicClock.now()
            for index in 0..<count {
                let event = Epoll.event(events[index])
                switch event.token {
                case Self.listenerToken:
                    acceptor.acceptConnections { draining.isSet }
                case Self.wakeUpToken:
                    break // the loop condition sees `stopped`; the eventfd stays readable for the others
                default:
                    guard let connection = table.connection(event.token) else { continue }
                    connection.lock.lock()
                    if index > 0 && !connection.handedBack && MonotonicClock.now() &- batchStarted > Self.batchPatience {
                        // A slow handler before it (a rebuild, a first build) must not hold it up.
                        connection.handedBack = true
                        io.requeue(connection)
                    } else {
                        connection.handedBack = false
                        io.serve(connection, event: event, readBuffer: readBuffer, onStreamWorker: onStreamWorker)
                    }
                    connection.lock.unlock()
                }
            }
        }
    }

    private func timerLoop() {
        while !stopped.load(ordering: .acquiring) {
            let now = MonotonicClock.now()
            let (due, next) = table.takeDue(now: now)
            for id in due { expire(id, now: now) }
            let wait = min(next.map { $0 > now ? $0 - now : 0 } ?? Self.timerMaximumSleep, Self.timerMaximumSleep)
            if wait > 0 { usleep(UInt32(max(wait / 1000, 1000))) }
        }
    }

    private func expire(_ id: UInt64, now: UInt64) {
        guard let connection = table.connection(id) else { return }
        // Being served: its owner reschedules it when done, but it may have done so already.
        guard connection.lock.tryLock() else { return table.schedule(id, at: now &+ Self.busyRetry) }
        defer { connection.lock.unlock() }
        guard !connection.isClosed else { return }
        let action = connection.machine.timerFired(now: now)
        if action == .none {
            // The deadline moved later since it was scheduled.
            if let deadline = connection.machine.deadline { table.schedule(id, at: deadline) }
            return
        }
        io.run(action, on: connection)
    }

    /// At shutdown: tells every connection not being served; closes those that are idle.
    func shutdownConnections() {
        for connection in table.all {
            guard connection.lock.tryLock() else { continue }
            if !connection.isClosed {
                let action = connection.machine.shutdown()
                if action == .close { io.close(connection) }
            }
            connection.lock.unlock()
        }
    }

    func closeAllConnections() {
        for connection in table.all {
            connection.lock.lock()
            io.close(connection)
            connection.lock.unlock()
        }
    }
}
