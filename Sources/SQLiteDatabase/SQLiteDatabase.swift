import CSQLite
import Foundation
import Synchronization

/// A database file with one writer connection and a pool of read-only readers (WAL mode lets
/// readers see the last committed state while a write is under way).
///
/// Calls block: they belong on the server's worker threads, never on Swift's cooperative pool.
/// Transactions do not nest: do not call `write` or `read` from inside another.
public final class SQLiteDatabase: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var readerCount = 4
        public var busyTimeoutMilliseconds: Int32 = 5000
        public var synchronous = SQLiteConnection.Synchronous.full

        public init() {}
    }

    public let path: String
    // `writer` is used only while `writerLock` is held; `idleReaders` only under `readersCondition`.
    private let writer: SQLiteConnection
    private let writerLock = NSLock()
    private var idleReaders: [SQLiteConnection]
    private let readersCondition = NSCondition()
    private let commits = Atomic<UInt64>(0)

    /// How many write transactions this process has committed. A value read before a query
    /// and unchanged afterwards means no write of this process came in between, which lets
    /// callers cache what they derived (writes from other processes are not counted).
    public var commitCount: UInt64 { commits.load(ordering: .acquiring) }

    public init(path: String, configuration: Configuration = Configuration()) throws {
        self.path = path
        let writer = try SQLiteConnection(path: path, mode: .readWrite, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        try writer.enableWAL(synchronous: configuration.synchronous)
        self.writer = writer
        // Readers open after WAL is on, read-only, so that a bug cannot write through them.
        idleReaders = try (0..<max(1, configuration.readerCount)).map { _ in
            try SQLiteConnection(path: path, mode: .readOnly, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on the writer: committed when it returns,
    /// rolled back when it throws (the error is rethrown). One writer at a time.
    @discardableResult
    public func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        writerLock.lock()
        defer { writerLock.unlock() }
        // Prepared once and reused, like every other statement.
        try writer.execute("BEGIN IMMEDIATE")
        do {
            let result = try body(writer)
            try writer.execute("COMMIT")
            commits.add(1, ordering: .releasing)
            return result
        } catch {
            if writer.isInTransaction { _ = try? writer.execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` on a reader inside one read transaction, so it sees a single consistent snapshot.
    @discardableResult
    public func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let reader = takeReader()
        defer { returnReader(reader) }
        try reader.execute("BEGIN")
        defer { if reader.isInTransaction { _ = try? reader.execute("COMMIT") } }
        return try body(reader)
    }

    /// Runs `body` on a reader without a transaction: for a single statement, which SQLite
    /// already reads from one snapshot, this saves the BEGIN and COMMIT.
    @discardableResult
    public func readStatement<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let reader = takeReader()
        defer { returnReader(reader) }
        return try body(reader)
    }

    /// Work outside any transaction on the writer (pragmas, checkpoints, the migrator's own transactions).
    public func withWriter<T>(_ body: (SQLiteConnection) throws -> T) rethrows -> T {
        writerLock.lock()
        defer { writerLock.unlock() }
        return try body(writer)
    }

    private func takeReader() -> SQLiteConnection {
        readersCondition.lock()
        defer { readersCondition.unlock() }
        while idleReaders.isEmpty { readersCondition.wait() }
        return idleReaders.removeLast()
    }

    private func returnReader(_ reader: SQLiteConnection) {
        readersCondition.lock()
        idleReaders.append(reader)
        readersCondition.signal()
        readersCondition.unlock()
    }
}
