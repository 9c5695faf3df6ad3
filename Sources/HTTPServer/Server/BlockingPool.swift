import Foundation

/// Threads for handlers that may block for long (a durable write waits for its group's
/// fsync): the requests of the methods named run here, so the workers go back to their epoll
/// and serve everything else meanwhile, and as many such handlers can wait at once as there
/// are threads here (for the storage's group commit, the more wait together, the more share
/// one fsync). A connection whose handler is queued here is registered nowhere until the
/// handler answers; the thread that ran it then carries on with the connection's I/O.
final class BlockingPool: @unchecked Sendable {
    let methods: Set<HTTPMethod>
    // `jobs` and `stopped` only under `condition`.
    private var jobs: [@Sendable () -> Void] = []
    private var stopped = false
    private let condition = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    private let threadCount: Int

    init(threads: Int, methods: Set<HTTPMethod>) {
        self.methods = methods
        threadCount = threads
        for index in 0..<threads {
            let thread = Thread { [self] in
                Thread.current.name = "http-write-\(index)" // from inside, as EventLoop's
                work()
                finished.signal()
            }
            thread.start()
        }
    }

    func runs(_ method: HTTPMethod) -> Bool { threadCount > 0 && methods.contains(method) }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Finishes the jobs already queued, then stops the threads and waits for them.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        for _ in 0..<threadCount { finished.wait() }
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
