import Foundation
@testable import SQLiteDatabase
import Testing

/// Online backup, the checks a copy passes, the in-use probe and the replacement of a file.
struct BackupTests {
    static func populated(_ temp: TemporaryDatabase) throws -> SQLiteDatabase {
        let db = try temp.open()
        try db.write { try $0.executeScript("CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id));") }
        for n in 1...100 { try db.write { _ = try $0.execute("INSERT INTO parent (id) VALUES (?)", [n]) } }
        return db
    }

    @Test func backupIsAConsistentCopyMadeWhileTheDatabaseIsOpenAndWritten() throws {
        let temp = try TemporaryDatabase()
        let db = try Self.populated(temp)
        let copy = temp.directory.appendingPathComponent("copy.sqlite").path
        // A write transaction of this process is open meanwhile: the backup sees only what was committed.
        try db.write { writer in
            _ = try writer.execute("INSERT INTO parent (id) VALUES (1000)")
            try SQLiteDatabase.backup(temp.path, to: copy)
        }
        #expect(try SQLiteDatabase.problems(in: copy).isEmpty)
        let connection = try SQLiteConnection(path: copy, mode: .readOnly)
        #expect(try connection.scalar("SELECT count(*) FROM parent") == .integer(100))
        #expect(throws: SQLiteError.self) { try SQLiteDatabase.backup(temp.path, to: copy) }
    }

    @Test func problemsNamesBrokenForeignKeysAndRefusesGarbage() throws {
        let temp = try TemporaryDatabase()
        let db = try Self.populated(temp)
        // Outside a transaction: SQLite ignores the pragma inside one.
        try db.withWriter { try $0.executeScript("PRAGMA foreign_keys = OFF; INSERT INTO child (id, parent) VALUES (1, 5000); PRAGMA foreign_keys = ON;") }
        let problems = try SQLiteDatabase.problems(in: temp.path)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("child") == true)

        let garbage = temp.directory.appendingPathComponent("garbage.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: garbage)
        #expect(throws: SQLiteError.self) { _ = try SQLiteDatabase.problems(in: garbage.path) }
    }

    @Test func aDatabaseOpenElsewhereIsInUseAndIsNeverReplaced() throws {
        let temp = try TemporaryDatabase()
        var db: SQLiteDatabase? = try Self.populated(temp)
        let copy = temp.directory.appendingPathComponent("copy.sqlite").path
        try SQLiteDatabase.backup(temp.path, to: copy)
        try db?.write { _ = try $0.execute("INSERT INTO parent (id) VALUES (2000)") }

        #expect(try SQLiteDatabase.isInUse(temp.path))
        #expect(throws: SQLiteError.self) { try SQLiteDatabase.replace(temp.path, with: copy) }
        #expect(!FileManager.default.fileExists(atPath: temp.path + ".restoring"))

        db = nil
        #expect(try !SQLiteDatabase.isInUse(temp.path))
        let aside = try #require(try SQLiteDatabase.replace(temp.path, with: copy))
        // The old database, whole (its log checkpointed into it), is kept; the copy is in place.
        let old = try SQLiteConnection(path: aside, mode: .readOnly)
        #expect(try old.scalar("SELECT count(*) FROM parent") == .integer(101))
        let restored = try SQLiteDatabase(path: temp.path)
        #expect(try restored.read { try $0.scalar("SELECT count(*) FROM parent") } == .integer(100))
    }

    @Test func verifiedMigrationsRefusesAFileThatIsNotMigratedOrIsNewer() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        let migrator = try Migrator(migrations: [Migration(version: 1, name: "0001_a", sql: "CREATE TABLE a (id INTEGER PRIMARY KEY);")])
        let plain = try SQLiteConnection(path: temp.path, mode: .readOnly)
        #expect(throws: MigrationError.notMigrated) { _ = try migrator.verifiedMigrations(of: plain) }

        try migrator.migrate(db)
        #expect(try migrator.verifiedMigrations(of: plain).map(\.name) == ["0001_a"])
        try db.write { _ = try $0.execute("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (2, '0002_future', 'x', 'now')") }
        #expect(throws: MigrationError.unknownApplied(version: 2, name: "0002_future")) { _ = try migrator.verifiedMigrations(of: plain) }
    }
}

/// The generation callers validate caches by sees every commit to the file, not only this
/// database object's own.
struct GenerationTests {
    @Test func changesWithCommitsFromThisAndFromAnyOtherConnection() throws {
        let temp = try TemporaryDatabase()
        let ours = try temp.open()
        try ours.write { try $0.executeScript("CREATE TABLE t (x INTEGER)") }
        let start = ours.generation
        usleep(2_000)
        #expect(ours.generation == start, "nothing committed, nothing changes")

        try ours.write { _ = try $0.execute("INSERT INTO t VALUES (1)") }
        let afterOwn = ours.generation
        #expect(afterOwn != start)

        // Another opening of the file, as another process (the CLI) would have.
        let other = try temp.open()
        try other.write { _ = try $0.execute("INSERT INTO t VALUES (2)") }
        usleep(2_000) // another's commit is seen within a millisecond
        let afterOther = ours.generation
        #expect(afterOther != afterOwn)
        #expect(ours.generation == afterOther)
        // A read by anyone changes nothing.
        _ = try other.read { try $0.scalar("SELECT count(*) FROM t") }
        #expect(ours.generation == afterOther)
    }
}

/// A database followed read-only: never written, every read fresh, changes seen by metadata.
struct FollowerTests {
    @Test func seesAnotherWritersCommitsAndNeverWrites() throws {
        let temp = try TemporaryDatabase()
        let primary = try temp.open()
        try primary.write { try $0.executeScript("CREATE TABLE t (x INTEGER)") }
        var configuration = SQLiteDatabase.Configuration()
        configuration.followsAnotherWriter = true
        let follower = try SQLiteDatabase(path: temp.path, configuration: configuration)

        let before = follower.generation
        #expect(follower.generation == before)
        try primary.write { _ = try $0.execute("INSERT INTO t VALUES (1)") }
        #expect(follower.generation != before)
        #expect(try follower.read { try $0.scalar("SELECT count(*) FROM t") } == .integer(1))

        #expect(throws: SQLiteError.self) { try follower.write { _ = try $0.execute("INSERT INTO t VALUES (2)") } }
        #expect(throws: SQLiteError.self) { try follower.withWriter { _ = try $0.execute("INSERT INTO t VALUES (2)") } }
        #expect(try primary.read { try $0.scalar("SELECT count(*) FROM t") } == .integer(1))

        var missing = configuration
        missing.readerCount = 1
        #expect(throws: SQLiteError.self) { _ = try SQLiteDatabase(path: temp.path + ".absent", configuration: missing) }
    }
}
