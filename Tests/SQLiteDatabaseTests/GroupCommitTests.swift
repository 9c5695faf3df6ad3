import Foundation
import Synchronization
@testable import SQLiteDatabase
import Testing

/// Writes that wait while another commits are committed together: each in its own savepoint
/// within one transaction, each acknowledged only after that transaction is durable.
@Suite struct GroupCommitTests {
    struct Refused: Error {}

    /// Holds the writer with one write until `writes` are queued behind it, in their order, so
    /// that they form one group; returns once all have finished, with each one's error.
    static func queueBehindAHeldWrite(_ db: SQLiteDatabase, _ writes: [@Sendable (SQLiteConnection) throws -> Void]) -> [String?] {
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let outcomes = Outcomes(count: writes.count)
        let group = DispatchGroup()
        group.enter()
        Thread {
            defer { group.leave() }
            try? db.write { db in
                try db.execute("INSERT INTO t (name) VALUES ('holder')")
                holding.signal()
                release.wait()
            }
        }.start()
        holding.wait()
        for (index, write) in writes.enumerated() {
            group.enter()
            Thread {
                defer { group.leave() }
                do { try db.write(write); outcomes.set(index, nil) } catch { outcomes.set(index, "\(error)") }
            }.start()
            // Queued in this order (they wait on the queue, not on SQLite) before the holder lets go.
            while db.pendingWriteCount < index + 1 { usleep(200) }
        }
        release.signal()
        group.wait()
        return outcomes.values
    }

    static func names(_ db: SQLiteDatabase) throws -> [String] {
        try db.read { try $0.query("SELECT name FROM t ORDER BY id").map { try $0.decode("name", as: String.self) } }
    }

    @Test func writesQueuedTogetherCommitInOneTransaction() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") }
        let before = db.writeStatistics
        let outcomes = Self.queueBehindAHeldWrite(db, (0..<8).map { index in
            { try $0.execute("INSERT INTO t (name) VALUES (?)", ["w\(index)"]) }
        })
        #expect(outcomes.allSatisfy { $0 == nil })
        let after = db.writeStatistics
        #expect(after.writes - before.writes == 9)
        #expect(after.transactions - before.transactions == 2, "the holder's transaction and one for the eight queued behind it")
        #expect(try Self.names(db).count == 9)
    }

    @Test func theUpkeepBeforeCommitSeesTheGroupAndItsFailureFailsTheGroup() throws {
        let temp = try TemporaryDatabase()
        var configuration = SQLiteDatabase.Configuration()
        // Counts the group's rows into a table of its own; refuses a group with a row named 'refused'.
        configuration.beforeCommit = { db in
            guard try db.scalar("SELECT count(*) FROM t WHERE name = 'refused'") == .integer(0) else { throw Refused() }
            try db.execute("INSERT INTO upkeep (rows) SELECT count(*) FROM t")
        }
        let db = try SQLiteDatabase(path: temp.path, configuration: configuration)
        try db.write { try $0.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE); CREATE TABLE upkeep (rows INTEGER)") }
        let outcomes = Self.queueBehindAHeldWrite(db, [
            { try $0.execute("INSERT INTO t (name) VALUES ('a')") },
            { try $0.execute("INSERT INTO t (name) VALUES ('b')") },
        ])
        #expect(outcomes.allSatisfy { $0 == nil })
        #expect(try db.read { try $0.query("SELECT rows FROM upkeep ORDER BY rowid").map { try $0.decode("rows", as: Int.self) } } == [0, 1, 3],
                "once a transaction, after its last write: the table's creation, the holder's, the two queued")
        #expect(throws: Refused.self) { try db.write { try $0.execute("INSERT INTO t (name) VALUES ('refused')") } }
        #expect(try Self.names(db) == ["holder", "a", "b"], "the refused group left nothing")
    }

    @Test func aReleasedDatabaseEndsItsCommittingThread() throws {
        let temp = try TemporaryDatabase()
        var db: SQLiteDatabase? = try temp.open()
        try db?.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") }
        let ended = try #require(db?.committingThreadEnded)
        #expect(ended.wait(timeout: .now() + 0.2) == .timedOut, "the thread commits for as long as the database is open")
        db = nil
        #expect(ended.wait(timeout: .now() + 10) == .success, "a database released is not kept alive by its own thread")
    }

    @Test func theCommittingThreadIsNamedForOperators() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)") } // the thread has started
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        let names = tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        #expect(names.contains("sqlite-writer\n"), "as top -H and perf show it")
    }

    @Test func aFailingWriteRollsBackAloneAndTheOthersInItsGroupCommit() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") }
        let outcomes = Self.queueBehindAHeldWrite(db, [
            { try $0.execute("INSERT INTO t (name) VALUES ('first')") },
            // Half done, then refused by the code: its first insert goes too.
            { db in try db.execute("INSERT INTO t (name) VALUES ('half')"); throw Refused() },
            // Refused by SQLite (a duplicate).
            { try $0.execute("INSERT INTO t (name) VALUES ('first')") },
            { try $0.execute("INSERT INTO t (name) VALUES ('last')") },
        ])
        #expect(outcomes[0] == nil && outcomes[3] == nil)
        #expect(outcomes[1]?.contains("Refused") == true)
        #expect(outcomes[2]?.contains("UNIQUE") == true)
        #expect(try Self.names(db) == ["holder", "first", "last"])
    }

    @Test func aWriteSeesTheWritesBeforeItInItsGroup() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") }
        let seen = Outcomes(count: 1)
        let outcomes = Self.queueBehindAHeldWrite(db, [
            { try $0.execute("INSERT INTO t (name) VALUES ('earlier')") },
            { db in seen.set(0, "\(try db.query("SELECT name FROM t ORDER BY id").map { try $0.decode("name", as: String.self) })") },
        ])
        #expect(outcomes.allSatisfy { $0 == nil })
        #expect(seen.values[0] == #"["holder", "earlier"]"#)
    }

    /// SQLite's temporary files open in this process (it names them `etilqs_…` and unlinks them at once).
    static func openTemporaryFiles() -> Set<String> {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return Set(descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
            .filter { $0.contains("etilqs_") })
    }

    @Test func whatAWriteMayHaveToUndoIsKeptInMemory() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.openWithBlobs(64, bytes: 4000)
        // Rewriting 64 pages that existed before the write's savepoint puts 256 KiB of them in
        // its sub-journal: past SQLite's default of 64 KiB, that would be a temporary file.
        var opened: Set<String> = []
        try db.write { db in
            let before = Self.openTemporaryFiles()
            try db.execute("UPDATE blobs SET payload = randomblob(4000)")
            #expect(db.isInTransaction)
            opened = Self.openTemporaryFiles().subtracting(before)
        }
        #expect(opened.isEmpty, "the savepoint's undo journal went to \(opened)")
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM blobs WHERE payload != zeroblob(4000)") } == .integer(64))
    }

    @Test func aWriteIsDurableWhenItReturns() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") }
        let outcomes = Self.queueBehindAHeldWrite(db, (0..<4).map { index in
            { db in
                try db.execute("INSERT INTO t (name) VALUES (?)", ["d\(index)"])
            }
        })
        #expect(outcomes.allSatisfy { $0 == nil })
        // Another connection (as another process would) sees every acknowledged write.
        let other = try SQLiteConnection(path: temp.path, mode: .readOnly)
        #expect(try other.scalar("SELECT count(*) FROM t WHERE name LIKE 'd%'") == .integer(4))
    }
}

/// A replica that must confirm each commit (`Configuration.confirmCommit`, Litestream's
/// `sync -wait` in the server) before its writes are answered.
@Suite struct CommitConfirmationTests {
    struct ReplicaDown: Error {}

    @Test func eachGroupIsConfirmedAfterItsCommitAndBeforeItsWritesReturn() throws {
        let temp = try TemporaryDatabase()
        // What the replica sees when asked: the rows another connection reads then.
        let counts = Mutex<[Int64]>([])
        var configuration = SQLiteDatabase.Configuration()
        let path = temp.path
        configuration.confirmCommit = {
            let other = try SQLiteConnection(path: path, mode: .readOnly)
            guard case .integer(let count) = try other.scalar("SELECT count(*) FROM sqlite_master WHERE name = 't'"), count == 1 else { return }
            if case .integer(let rows) = try other.scalar("SELECT count(*) FROM t") { counts.withLock { $0.append(rows) } }
        }
        let db = try SQLiteDatabase(path: temp.path, configuration: configuration)
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") }
        try db.write { try $0.execute("INSERT INTO t (name) VALUES ('one')") }
        #expect(counts.withLock { $0 } == [0, 1], "asked once per commit, after it: the row was already committed when asked")
        let outcomes = GroupCommitTests.queueBehindAHeldWrite(db, (0..<5).map { index in
            { try $0.execute("INSERT INTO t (name) VALUES (?)", ["g\(index)"]) }
        })
        #expect(outcomes.allSatisfy { $0 == nil })
        #expect(counts.withLock { $0 } == [0, 1, 2, 7], "one confirmation for the holder's commit and one for the group of five")
    }

    @Test func anUnconfirmedCommitIsNotAcknowledgedButStaysCommitted() throws {
        let temp = try TemporaryDatabase()
        let replicaUp = Mutex(true)
        var configuration = SQLiteDatabase.Configuration()
        configuration.confirmCommit = { if !replicaUp.withLock({ $0 }) { throw ReplicaDown() } }
        let db = try SQLiteDatabase(path: temp.path, configuration: configuration)
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") }
        replicaUp.withLock { $0 = false }
        #expect(throws: UnconfirmedCommit.self) { try db.write { try $0.execute("INSERT INTO t (name) VALUES ('unconfirmed')") } }
        // It is on this disk (it was committed), only not known to be anywhere else.
        #expect(try GroupCommitTests.names(db) == ["unconfirmed"])
        replicaUp.withLock { $0 = true }
        try db.write { try $0.execute("INSERT INTO t (name) VALUES ('confirmed')") }
        #expect(try GroupCommitTests.names(db) == ["unconfirmed", "confirmed"])
    }
}

final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String?]
    init(count: Int) { storage = Array(repeating: "not finished", count: count) }
    func set(_ index: Int, _ value: String?) { lock.lock(); storage[index] = value; lock.unlock() }
    var values: [String?] { lock.lock(); defer { lock.unlock() }; return storage }
}
