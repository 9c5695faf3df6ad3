import Foundation
import CSQLite
@testable import SQLiteDatabase
import Testing

/// A database file in its own temporary folder, removed afterwards.
final class TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("test.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open(readers: Int = 4) throws -> SQLiteDatabase {
        var configuration = SQLiteDatabase.Configuration()
        configuration.readerCount = readers
        return try SQLiteDatabase(path: path, configuration: configuration)
    }

    /// Opened with a table `blobs` of `count` rows, each a payload of `bytes` zero bytes.
    func openWithBlobs(_ count: Int, bytes: Int) throws -> SQLiteDatabase {
        let db = try open()
        try db.write { db in
            try db.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
            for _ in 0..<count { try db.execute("INSERT INTO blobs (payload) VALUES (zeroblob(?))", [bytes]) }
        }
        return db
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

struct SQLiteDatabaseTests {
    struct Boom: Error {}

    @Test func bindsAndReadsBackEveryKindOfValue() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        let hostile = "x'); DROP TABLE t; --"
        try db.write { db in
            try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
            try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [Int64.max, 0.1, "Ünïcødé ✓ 中文", [0, 1, 0, 255] as [UInt8], Optional<String>.none])
            try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [Int64.min, -1.5, hostile, [UInt8](), "present"])
        }
        let rows = try db.read { try $0.query("SELECT * FROM t ORDER BY rowid") }
        #expect(rows.count == 2)
        #expect(try rows[0].decode("i") == Int64.max)
        #expect(try rows[0].decode("r") == 0.1)
        #expect(try rows[0].decode("s") == "Ünïcødé ✓ 中文")
        #expect(try rows[0].decode("b") == [0, 1, 0, 255] as [UInt8])
        #expect(try rows[0].decodeIfPresent("n", as: String.self) == nil)
        #expect(try rows[1].decode("i") == Int64.min)
        #expect(try rows[1].decode("s") == hostile, "an injection string is stored literally")
        #expect(try rows[1].decode("b") == [UInt8]())
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM t") } == .integer(2))
    }

    @Test func noProcessWideMemoryCountAndThePageCachesMeasuredByConnection() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.openWithBlobs(50, bytes: 2000)
        #expect(try db.read { try $0.scalar("SELECT sum(length(payload)) FROM blobs") } == .integer(100_000))
        // SQLite's own count would need its process-wide mutex on every allocation.
        #expect(sqlite3_memory_used() == 0)
        // The writer and the reader just used hold the table's pages.
        #expect(db.pageCacheBytes > 100_000)
    }

    @Test func reusesPreparedStatements() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        let prepared = try db.write { db -> Int in
            try db.execute("CREATE TABLE t (v INTEGER)")
            let before = db.preparedStatementCount
            for value in 0..<100 { try db.execute("INSERT INTO t (v) VALUES (?)", [value]) }
            return db.preparedStatementCount - before
        }
        #expect(prepared == 1)
    }

    @Test func refusesTheWrongNumberOfArguments() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        #expect(throws: SQLiteError.self) {
            try db.write { db in
                try db.execute("CREATE TABLE t (a, b)")
                try db.execute("INSERT INTO t VALUES (?, ?)", [1])
            }
        }
    }

    @Test func commitsAWriteTransaction() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (v INTEGER)") }
        try db.write { db in
            try db.execute("INSERT INTO t VALUES (1)")
            try db.execute("INSERT INTO t VALUES (2)")
        }
        #expect(try db.read { try $0.scalar("SELECT sum(v) FROM t") } == .integer(3))
    }

    @Test func rollsBackEverythingWhenTheBodyThrows() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (v INTEGER)") }
        #expect(throws: Boom.self) {
            try db.write { db in
                try db.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM t") } == .integer(0))
        // The writer is usable again afterwards.
        try db.write { try $0.execute("INSERT INTO t VALUES (5)") }
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM t") } == .integer(1))
    }

    @Test func rollsBackEarlierStatementsWhenSQLiteFails() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (v INTEGER UNIQUE)") }
        let error = try #require(throws: SQLiteError.self) {
            try db.write { db in
                try db.execute("INSERT INTO t VALUES (?)", [1])
                try db.execute("INSERT INTO t VALUES (?)", [1])
            }
        }
        #expect(error.extendedCode == 2067)
        #expect(error.code == 19)
        #expect(error.isUniqueConstraint)
        #expect(error.message.contains("UNIQUE"))
        #expect(error.sql == "INSERT INTO t VALUES (?)")
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM t") } == .integer(0))
    }

    @Test func enforcesForeignKeys() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { db in
            try db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            try db.execute("CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent(id))")
        }
        let error = try #require(throws: SQLiteError.self) {
            try db.write { try $0.execute("INSERT INTO child VALUES (42)") }
        }
        #expect(error.isForeignKeyConstraint)
    }

    @Test func usesWriteAheadLoggingAndFullSync() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        #expect(try db.withWriter { try $0.scalar("PRAGMA journal_mode") } == .text("wal"))
        #expect(try db.withWriter { try $0.scalar("PRAGMA synchronous") } == .integer(2))
        #expect(try db.read { try $0.scalar("PRAGMA foreign_keys") } == .integer(1))
    }

    @Test func readersCannotWrite() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.execute("CREATE TABLE t (v INTEGER)") }
        let error = try #require(throws: SQLiteError.self) {
            try db.read { try $0.execute("INSERT INTO t VALUES (1)") }
        }
        #expect(error.code == 8) // SQLITE_READONLY
    }

    @Test func readersSeeTheLastCommitWhileAWriteIsUnderWay() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open(readers: 3)
        try db.write { db in
            try db.execute("CREATE TABLE t (v INTEGER)")
            try db.execute("INSERT INTO t VALUES (1)")
        }
        let writing = DispatchSemaphore(value: 0)
        let readersDone = DispatchSemaphore(value: 0)
        let seen = LockedArray()
        let writer = Thread {
            try? db.write { db in
                try db.execute("INSERT INTO t VALUES (2)")
                writing.signal()
                // Hold the uncommitted write until the readers have read.
                _ = readersDone.wait(timeout: .now() + 10)
            }
        }
        writer.start()
        #expect(writing.wait(timeout: .now() + 10) == .success)
        let group = DispatchGroup()
        for _ in 0..<3 {
            group.enter()
            Thread {
                if let count = try? db.read({ try $0.scalar("SELECT count(*) FROM t") }) { seen.append(count) }
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 10) == .success, "readers must not be blocked by the writer")
        readersDone.signal()
        #expect(seen.values == [.integer(1), .integer(1), .integer(1)])
        // After the commit, a new read sees it.
        var committed = false
        for _ in 0..<200 where !committed {
            committed = try db.read { try $0.scalar("SELECT count(*) FROM t") } == .integer(2)
            if !committed { usleep(5_000) }
        }
        #expect(committed)
    }

    @Test func aCommittedWriteIsVisibleToAnIndependentConnection() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { db in
            try db.execute("CREATE TABLE t (v TEXT)")
            try db.execute("INSERT INTO t VALUES ('kept')")
        }
        // Without closing `db`: a separate connection (as after a crash and restart) reads the commit from the WAL.
        #expect(FileManager.default.fileExists(atPath: temp.path + "-wal"))
        let other = try SQLiteConnection(path: temp.path, mode: .readOnly)
        #expect(try other.scalar("SELECT v FROM t") == .text("kept"))
    }

    @Test func columnsAreFoundByNameAsAScanOfTheNamesWouldFindThem() {
        // Enough names that the table's slots collide; one name twice (a join's "id"), and names
        // that differ only in a byte or in case.
        let names = (0..<60).map { "column_\($0)" } + ["id", "Id", "ID ", "id", "", "é", "e\u{301}x"]
        let columns = SQLiteColumns(names)
        for name in Set(names) {
            #expect(columns.position(of: name) == names.firstIndex(of: name), "\(name)")
        }
        for absent in ["column_60", "iD", "column", "x", "column_1 "] {
            #expect(columns.position(of: absent) == nil, "\(absent)")
        }
        #expect(SQLiteColumns([]).position(of: "id") == nil)
    }

    @Test func aMissingNullOrMistypedColumnIsAnErrorNamingTheColumnAndTheQuery() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { db in
            try db.execute("CREATE TABLE t (i INTEGER, s TEXT, n TEXT)")
            try db.execute("INSERT INTO t VALUES (7, '7', NULL)")
        }
        let query = "SELECT i, s, n FROM t"
        let row = try #require(try db.read { try $0.queryFirst(query) })
        func failure(_ decode: () throws -> Any?) -> SQLiteError? {
            do { _ = try decode(); return nil } catch let error as SQLiteError { return error } catch { return nil }
        }
        let cases: [(String, () throws -> Any?, [String])] = [
            ("missing", { try row.decode("version", as: Int.self) }, ["'version'", "no column", "i, s, n"]),
            ("missing, optional", { try row.decodeIfPresent("version", as: Int.self) }, ["'version'", "no column"]),
            ("NULL", { try row.decode("n", as: String.self) }, ["'n'", "NULL", "text"]),
            ("text for integer", { try row.decode("s", as: Int64.self) }, ["'s'", "the text '7'", "an integer"]),
            ("integer for text", { try row.decode("i", as: String.self) }, ["'i'", "the integer 7", "text"]),
            ("integer for boolean", { try row.decode("i", as: Bool.self) }, ["'i'", "boolean"]),
        ]
        for (name, decode, fragments) in cases {
            let error = try #require(failure(decode), "\(name): decoded instead of failing")
            #expect(error.extendedCode == SQLITE_MISMATCH, "\(name)")
            #expect(error.sql == query, "\(name): the error names the query")
            for fragment in fragments { #expect(error.message.contains(fragment), "\(name): '\(error.message)' lacks \(fragment)") }
        }
        #expect(try row.decode("i") == 7)
        #expect(try row.decode("s") == "7")
        #expect(try row.decodeIfPresent("n", as: String.self) == nil, "NULL in an optional column is nil")
    }

    @Test func streamsRowsOneAtATime() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { db in
            try db.execute("CREATE TABLE t (v INTEGER)")
            for value in 1...1000 { try db.execute("INSERT INTO t VALUES (?)", [value]) }
        }
        var sum = 0
        try db.read { db in try db.forEach("SELECT v FROM t WHERE v > ?", [500]) { sum += try $0.decode("v", as: Int.self) } }
        #expect(sum == (501...1000).reduce(0, +))
    }
}

final class LockedArray: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [SQLiteValue] = []
    func append(_ value: SQLiteValue) { lock.lock(); storage.append(value); lock.unlock() }
    var values: [SQLiteValue] { lock.lock(); defer { lock.unlock() }; return storage }
}

/// A thread that holds a connection must not ask for another of the same database: debug
/// builds stop there, naming the call, instead of deadlocking later under load.
struct NestedCheckoutTests {
    @Test func aReadInsideAWriteStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let temp = try! TemporaryDatabase()
            let db = try! temp.open()
            try! db.write { _ in _ = try db.read { try $0.scalar("SELECT 1") } }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("SQLiteDatabase.read called on a thread that already holds a connection"))
    }

    @Test func aWriteInsideAReadStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let temp = try! TemporaryDatabase()
            let db = try! temp.open()
            try! db.read { _ in try db.write { try $0.execute("CREATE TABLE t (v)") } }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("SQLiteDatabase.write called on a thread that already holds a connection"))
    }

    @Test func checkoutsOneAfterAnotherAndOfAnotherDatabaseAreFine() throws {
        let first = try TemporaryDatabase(), second = try TemporaryDatabase()
        let a = try first.open(), b = try second.open()
        try a.write { try $0.execute("CREATE TABLE t (v)") }
        try a.write { try $0.execute("INSERT INTO t VALUES (1)") }
        #expect(try a.read { try $0.scalar("SELECT count(*) FROM t") } == .integer(1))
        // Another database's connection inside: no pool waits on itself.
        try a.write { _ in try b.write { try $0.execute("CREATE TABLE u (v)") } }
        #expect(try b.readStatement { try $0.scalar("SELECT count(*) FROM u") } == .integer(0))
    }

    @Test func statementsBuiltFromRequestsDoNotGrowTheCacheWithoutBound() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.write { try $0.executeScript("CREATE TABLE t (x INTEGER)") }
        try db.read { connection in
            for n in 0..<2_000 {
                // As a list filter builds it: a new SQL string each time.
                _ = try connection.query("SELECT count(*) FROM t WHERE x > \(n)")
                #expect(connection.cachedStatementCount <= SQLiteConnection.statementCacheLimit)
            }
            // A statement still in use survives its eviction: visit rows while others evict it.
            var visited = 0
            try connection.forEach("SELECT 1 UNION ALL SELECT 2") { _ in
                for n in 0..<300 { _ = try connection.query("SELECT \(n)") }
                visited += 1
            }
            #expect(visited == 2)
        }
    }
}
