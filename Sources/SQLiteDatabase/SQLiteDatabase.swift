import CSQLite
import Foundation
import Synchronization

/// A database file with one writer connection and a pool of read-only readers (WAL mode lets
/// readers see the last committed state while a write is under way).
///
/// Calls block: they belong on the server's worker threads, never on Swift's cooperative pool.
/// Checkouts do not nest: a thread that holds the writer or a reader must not ask for another
/// connection of the same database (a write that waits for a reader while every reader waits
/// for the writer never ends). Code that reads inside a write reads on the writer's own
/// connection. Debug builds stop at a nested checkout with a precondition failure.
public final class SQLiteDatabase: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var readerCount = 4
        public var busyTimeoutMilliseconds: Int32 = 5000
        public var synchronous = SQLiteConnection.Synchronous.full
        /// Pages of write-ahead log after which SQLite checkpoints by itself (PASSIVE); 0 leaves
        /// checkpoints to another process (Litestream); nil keeps SQLite's default (1000).
        public var autocheckpointPages: Int? = nil
        /// A file another process keeps up to date (a Litestream follower), never written here:
        /// no writer; each read opens its own connection and closes it after, because a
        /// connection held open would block the follower or keep pages it has replaced; and the
        /// generation goes by the files' metadata, since the follower writes pages in place
        /// where `PRAGMA data_version` does not see them.
        public var followsAnotherWriter = false
        /// Asked after each group's COMMIT and before any of its writes is answered: a replica
        /// that must confirm it holds the commit (Litestream's `sync -wait`), so that a write
        /// acknowledged is on another machine too. Asked while the writer is held, so commits
        /// are confirmed in order and the writes queued meanwhile share the next confirmation.
        /// When it throws, the group stays committed here and each of its writes gets an
        /// `UnconfirmedCommit` error instead of its result.
        public var confirmCommit: (@Sendable () throws -> Void)? = nil
        /// Run on the writer at the end of each write transaction, inside it, just before its
        /// COMMIT: upkeep that costs less once a transaction than once a write (the registry's
        /// full-text index). When it throws, the group is rolled back and each of its writes
        /// fails with that error.
        public var beforeCommit: (@Sendable (SQLiteConnection) throws -> Void)? = nil

        public init() {}
    }

    public let path: String
    public let configuration: Configuration
    // `writer` is used only while `writerLock` is held; `idleReaders` only under `readersCondition`.
    private let writer: SQLiteConnection?
    private let writerLock = NSLock()
    private var idleReaders: [SQLiteConnection]
    private let readersCondition = NSCondition()
    private let commits = Atomic<UInt64>(0)
    private let committedWrites = Atomic<UInt64>(0)
    private let readCheckouts = Atomic<UInt64>(0)
    /// Group commit: callers queue their writes here and one thread of the database's own
    /// commits them (see `write`).
    private let writeQueue = WriteQueue()
    /// A connection of its own that only asks `PRAGMA data_version`, which changes when any
    /// other connection, of this process or another, commits; asked at most once a millisecond
    /// (a hot read validates its cache by `generation` on every request).
    private let watcher: SQLiteConnection?
    private let watcherLock = NSLock()
    private let dataVersion = Atomic<UInt64>(0)
    private let dataVersionAskedAt = Atomic<UInt64>(0)
    static let dataVersionInterval: UInt64 = 1_000_000

    /// Changes whenever anything is committed to the file: by this process (counted as it
    /// commits, so a process sees its own writes at once) or by another (the CLI, a restore,
    /// Litestream following a primary), seen by `PRAGMA data_version` within a millisecond.
    /// A value read before a query and unchanged afterwards means no write came in between,
    /// which lets callers cache what they derived.
    public var generation: UInt64 {
        guard let watcher else { return FileGeneration.of(path) }
        let ownCommits = commits.load(ordering: .acquiring)
        let now = DispatchTime.now().uptimeNanoseconds
        // One thread asks; the others meanwhile use what it last found.
        if now &- dataVersionAskedAt.load(ordering: .acquiring) >= Self.dataVersionInterval, watcherLock.try() {
            defer { watcherLock.unlock() }
            askDataVersion(watcher, now: now)
        }
        let dataVersion = dataVersion.load(ordering: .acquiring)
        // Both only grow, so the pair, packed, changes whenever either does.
        return dataVersion << 32 | (ownCommits & 0xFFFF_FFFF)
    }

    /// Asks `PRAGMA data_version` now; `watcherLock` is held.
    private func askDataVersion(_ watcher: SQLiteConnection, now: UInt64) {
        // On failure (never seen) the value changes every time: nothing is served from a cache.
        let version = (try? watcher.scalar("PRAGMA data_version")).flatMap { value -> UInt64? in
            if case .integer(let n) = value { return UInt64(truncatingIfNeeded: n) }
            return nil
        } ?? UInt64.random(in: 0..<UInt64(UInt32.max))
        dataVersion.store(version, ordering: .releasing)
        dataVersionAskedAt.store(now, ordering: .releasing)
    }

    public init(path: String, configuration: Configuration = Configuration()) throws {
        self.path = path
        self.configuration = configuration
        if configuration.followsAnotherWriter {
            guard FileManager.default.fileExists(atPath: path) else {
                throw SQLiteError(extendedCode: SQLITE_CANTOPEN, message: "there is no database at \(path) to follow")
            }
            writer = nil
            watcher = nil
            idleReaders = []
            return
        }
        let writer = try SQLiteConnection(path: path, mode: .readWrite, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        try writer.enableWAL(synchronous: configuration.synchronous)
        if let pages = configuration.autocheckpointPages { try writer.executeScript("PRAGMA wal_autocheckpoint = \(max(0, pages))") }
        self.writer = writer
        // Readers open after WAL is on, read-only, so that a bug cannot write through them.
        idleReaders = try (0..<max(1, configuration.readerCount)).map { _ in
            try SQLiteConnection(path: path, mode: .readOnly, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        }
        watcher = try SQLiteConnection(path: path, mode: .readOnly, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        let queue = writeQueue
        let committer = Thread { [weak self] in
            // Named from inside: on Linux, Foundation names only the thread that sets it.
            Thread.current.name = "sqlite-writer"
            while let group = queue.takeAll() {
                guard let self else {
                    // Cannot happen while callers hold the database as they wait; never left waiting.
                    for job in group { job.error = SQLiteError(extendedCode: SQLITE_MISUSE, message: "the database was closed"); job.finish() }
                    continue
                }
                self.commit(group)
            }
            queue.ended.signal()
        }
        committer.start()
    }

    deinit { writeQueue.close() }

    /// Signalled when the committing thread has ended, after the database is released (tests).
    var committingThreadEnded: DispatchSemaphore { writeQueue.ended }

    /// Runs `body` on the writer inside a transaction: committed, durably, before this returns;
    /// rolled back when it throws (the error is rethrown).
    ///
    /// Group commit: writes that arrive while one is being committed wait together, and the
    /// database's committing thread takes them all into one `BEGIN IMMEDIATE … COMMIT`, each in
    /// its own `SAVEPOINT`, so that one fsync makes the whole group durable. A body that throws
    /// rolls back to its savepoint and leaves the others in the group alone; a body sees the
    /// writes of the bodies before it in the group (they are on the same connection). Bodies run
    /// on that thread, one at a time, while their callers wait: one thread that never hands the
    /// writer on keeps its caches warm, and only the callers of a committed group are woken.
    @discardableResult
    public func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        guard writer != nil else { throw Self.readOnlyError(path) }
        checkOut("write")
        defer { checkIn() }
        var result: T?
        let job = withoutActuallyEscaping(body) { body in
            let job = WriteJob { result = try body($0) }
            writeQueue.append(job)
            job.waitUntilFinished()
            return job
        }
        if let error = job.error { throw error }
        guard let result else { preconditionFailure("a write finished without a result or an error") }
        return result
    }

    /// How many transactions the writer committed and how many writes they carried (their
    /// ratio is the group-commit batch size).
    public var writeStatistics: (transactions: UInt64, writes: UInt64) {
        (commits.load(ordering: .relaxed), committedWrites.load(ordering: .relaxed))
    }

    /// What the page caches of this database's connections hold: the writer's, the watcher's
    /// and those of the readers not in use at the moment (each asked while no one else uses it).
    public var pageCacheBytes: Int {
        var bytes = 0
        if let writer {
            writerLock.lock()
            bytes += writer.pageCacheBytes
            writerLock.unlock()
        }
        if let watcher {
            watcherLock.lock()
            bytes += watcher.pageCacheBytes
            watcherLock.unlock()
        }
        readersCondition.lock()
        bytes += idleReaders.reduce(0) { $0 + $1.pageCacheBytes }
        readersCondition.unlock()
        return bytes
    }

    /// Writes queued behind the one being committed (for tests and diagnostics).
    public var pendingWriteCount: Int { writeQueue.count }

    /// Runs `group` on the committing thread and answers its callers. The thread holds the
    /// writer while it does, so a body that asks for another connection is stopped (debug builds).
    private func commit(_ group: [WriteJob]) {
        checkOut("write")
        commitGroup(group)
        checkIn()
        // The callers wake one another, each the next two, so that this thread wakes one and
        // goes on to the next group: every wake-up it made itself could hand its core to the
        // caller woken.
        for (index, job) in group.enumerated() {
            job.wakesNext = Array(group[min(group.count, 2 * index + 1)..<min(group.count, 2 * index + 3)])
        }
        group.first?.finish()
    }

    /// Runs `group` in one transaction on the writer.
    private func commitGroup(_ group: [WriteJob]) {
        guard let writer else { return }
        writerLock.lock()
        defer { writerLock.unlock() }
        var succeeded: [WriteJob] = []
        var inTransaction = false
        for job in group {
            do {
                if !inTransaction {
                    try writer.execute("BEGIN IMMEDIATE")
                    inTransaction = true
                }
                try writer.execute("SAVEPOINT group_member")
                try job.run(writer)
                try writer.execute("RELEASE group_member")
                succeeded.append(job)
            } catch {
                job.error = error
                guard inTransaction else { continue } // BEGIN failed: the next member tries again
                if writer.isInTransaction {
                    _ = try? writer.execute("ROLLBACK TO group_member")
                    _ = try? writer.execute("RELEASE group_member")
                } else {
                    // SQLite rolled the whole transaction back (disk full, I/O error): the
                    // members before this one lost their work too; the rest start afresh.
                    for earlier in succeeded { earlier.error = error }
                    succeeded.removeAll()
                    inTransaction = false
                }
            }
        }
        guard inTransaction else { return }
        do {
            try configuration.beforeCommit?(writer)
            try writer.execute("COMMIT")
            // The watcher sees this commit as another connection's: asked now, with the count
            // bumped after, `generation` changes once for it rather than again a moment later.
            if let watcher {
                watcherLock.lock()
                askDataVersion(watcher, now: DispatchTime.now().uptimeNanoseconds)
                watcherLock.unlock()
            }
            commits.add(1, ordering: .releasing)
            committedWrites.add(UInt64(succeeded.count), ordering: .relaxed)
        } catch {
            if writer.isInTransaction { _ = try? writer.execute("ROLLBACK") }
            for job in succeeded { job.error = error }
            return
        }
        if let confirm = configuration.confirmCommit {
            do {
                try confirm()
            } catch {
                for job in succeeded { job.error = UnconfirmedCommit(reason: "\(error)") }
            }
        }
    }

    /// How many reads (`read`, `readStatement`) have taken a reader: what a request costs the pool.
    public var readCount: UInt64 { readCheckouts.load(ordering: .relaxed) }

    /// Runs `body` on a reader inside one read transaction, so it sees a single consistent snapshot.
    @discardableResult
    public func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        readCheckouts.add(1, ordering: .relaxed)
        checkOut("read")
        defer { checkIn() }
        let reader = try takeReader()
        defer { returnReader(reader) }
        try reader.execute("BEGIN")
        defer { if reader.isInTransaction { _ = try? reader.execute("COMMIT") } }
        return try body(reader)
    }

    /// Runs `body` on a reader without a transaction: for a single statement, which SQLite
    /// already reads from one snapshot, this saves the BEGIN and COMMIT.
    @discardableResult
    public func readStatement<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        readCheckouts.add(1, ordering: .relaxed)
        checkOut("readStatement")
        defer { checkIn() }
        let reader = try takeReader()
        defer { returnReader(reader) }
        return try body(reader)
    }

    /// Work outside any transaction on the writer (pragmas, checkpoints, the migrator's own transactions).
    public func withWriter<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        guard let writer else { throw Self.readOnlyError(path) }
        checkOut("withWriter")
        defer { checkIn() }
        writerLock.lock()
        defer { writerLock.unlock() }
        return try body(writer)
    }

    static func readOnlyError(_ path: String) -> SQLiteError {
        SQLiteError(extendedCode: SQLITE_READONLY, message: "\(path) is followed read-only; this process never writes to it")
    }

    private func takeReader() throws -> SQLiteConnection {
        if configuration.followsAnotherWriter {
            return try SQLiteConnection(path: path, mode: .readOnly, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        }
        readersCondition.lock()
        defer { readersCondition.unlock() }
        while idleReaders.isEmpty { readersCondition.wait() }
        return idleReaders.removeLast()
    }

    private func returnReader(_ reader: SQLiteConnection) {
        if configuration.followsAnotherWriter { return } // closed as it goes
        readersCondition.lock()
        idleReaders.append(reader)
        readersCondition.signal()
        readersCondition.unlock()
    }

    /// Marks a checkout of this database on the calling thread; stops at a nested one (debug builds).
    @inline(__always)
    private func checkOut(_ call: StaticString) {
        #if DEBUG
        let held = CheckoutMarks.current
        precondition(!held.databases.contains(ObjectIdentifier(self)), """
            SQLiteDatabase.\(call) called on a thread that already holds a connection of \(path) (inside write, read, \
            readStatement or withWriter). A nested checkout can deadlock the pool: pass the SQLiteConnection you hold down instead.
            """)
        held.databases.append(ObjectIdentifier(self))
        #endif
    }

    @inline(__always)
    private func checkIn() {
        #if DEBUG
        let held = CheckoutMarks.current
        if let index = held.databases.lastIndex(of: ObjectIdentifier(self)) { held.databases.remove(at: index) }
        #endif
    }
}

/// A write committed to this database whose commit the replica did not confirm
/// (`Configuration.confirmCommit`): it is here, and not known to be anywhere else.
public struct UnconfirmedCommit: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public var description: String { "committed here, but the replica did not confirm it: \(reason)" }
}

/// One caller's write waiting for its group: its body (dropped once run, so that the caller's
/// non-escaping closure never outlives the call) and how it ended.
private final class WriteJob: @unchecked Sendable {
    // Touched by the committing thread, then read by the caller after `finish()`, which the
    // semaphore orders before the caller's wake-up.
    private var body: ((SQLiteConnection) throws -> Void)?
    var error: (any Error)?
    private let finished = DispatchSemaphore(value: 0)

    init(_ body: @escaping (SQLiteConnection) throws -> Void) { self.body = body }

    func run(_ connection: SQLiteConnection) throws {
        let body = self.body
        self.body = nil
        try body?(connection)
    }

    /// The jobs of the same group whose callers this one's caller wakes when woken.
    var wakesNext: [WriteJob] = []

    /// Wakes only this job's caller: the others of the group, and those queued for the next,
    /// sleep on.
    func finish() {
        body = nil
        finished.signal()
    }

    func waitUntilFinished() {
        finished.wait()
        for job in wakesNext { job.finish() }
        wakesNext = []
    }
}

/// The writes waiting for the committing thread, which takes them all at once.
private final class WriteQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [WriteJob] = []
    private var closed = false
    let ended = DispatchSemaphore(value: 0)

    func append(_ job: WriteJob) {
        condition.lock()
        pending.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Every write queued, once there is one; nil once closed.
    func takeAll() -> [WriteJob]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !closed { condition.wait() }
        if pending.isEmpty { return nil }
        let group = pending
        pending.removeAll(keepingCapacity: true)
        return group
    }

    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }
}

#if DEBUG
/// The databases the calling thread holds a connection of, kept in a thread-specific value:
/// one `pthread_getspecific` and a tiny array per checkout.
private final class CheckoutMarks {
    var databases: [ObjectIdentifier] = []

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<CheckoutMarks>.fromOpaque(pointer).release() }
        }
        precondition(created == 0, "pthread_key_create failed: \(created)")
        return key
    }()

    static var current: CheckoutMarks {
        if let pointer = pthread_getspecific(key) { return Unmanaged<CheckoutMarks>.fromOpaque(pointer).takeUnretainedValue() }
        let marks = CheckoutMarks()
        pthread_setspecific(key, Unmanaged.passRetained(marks).toOpaque())
        return marks
    }
}
#endif

/// The state of a database file and of the files beside it (its write-ahead log, Litestream's
/// `-txid`), as metadata: whatever writes them, in place or appended, changes it.
enum FileGeneration {
    static func of(_ path: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for file in [path, path + "-wal", path + "-txid"] {
            var info = stat()
            let fields: [Int64] = stat(file, &info) == 0
                ? [Int64(info.st_ino), Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)]
                : [-1]
            for field in fields {
                hash = (hash ^ UInt64(bitPattern: field)) &* 0x0000_0100_0000_01B3
            }
        }
        return hash
    }
}
