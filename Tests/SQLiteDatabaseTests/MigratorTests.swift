import Foundation
@testable import SQLiteDatabase
import Testing

struct MigratorTests {
    /// A folder of migration files.
    final class Folder {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func write(_ name: String, _ sql: String) throws {
            try sql.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    @Test func appliesInVersionOrderOnceEachWithChecksums() throws {
        let folder = try Folder()
        // Written out of order, and with files that are not migrations.
        try folder.write("0002_add_column.sql", "ALTER TABLE a ADD COLUMN note TEXT;")
        try folder.write("0010_index.sql", "CREATE INDEX a_note ON a(note);")
        try folder.write("0001_create.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a (id) VALUES (1);")
        try folder.write("README.md", "not a migration")
        try folder.write("draft.sql", "this is not numbered and is ignored")
        let temp = try TemporaryDatabase()
        let db = try temp.open()

        let migrator = try Migrator(directory: folder.url.path)
        let applied = try migrator.migrate(db)
        #expect(applied.map(\.name) == ["0001_create", "0002_add_column", "0010_index"])
        #expect(try migrator.migrate(db).isEmpty, "a second run applies nothing")

        let records = try migrator.appliedMigrations(in: db)
        #expect(records.map(\.version) == [1, 2, 10])
        #expect(records[0].checksum == Migration(version: 1, name: "x", sql: "CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a (id) VALUES (1);").checksum)
        #expect(records[0].checksum.count == 64)
        #expect(records.allSatisfy { $0.appliedAt.hasSuffix("Z") })
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM a") } == .integer(1))
    }

    @Test func refusesAnAppliedMigrationThatChanged() throws {
        let folder = try Folder()
        try folder.write("0001_create.sql", "CREATE TABLE a (id INTEGER);")
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try Migrator(directory: folder.url.path).migrate(db)
        try folder.write("0001_create.sql", "CREATE TABLE a (id INTEGER, extra TEXT);")
        try folder.write("0002_more.sql", "CREATE TABLE b (id INTEGER);")
        let error = try #require(throws: MigrationError.self) { try Migrator(directory: folder.url.path).migrate(db) }
        #expect(error == .changedAfterApplied(name: "0001_create"))
        #expect(error.description.contains("0001_create.sql"))
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'b'") } == .integer(0), "nothing applied after a refusal")
    }

    @Test func refusesADatabaseNewerThanTheCode() throws {
        let folder = try Folder()
        try folder.write("0001_create.sql", "CREATE TABLE a (id INTEGER);")
        try folder.write("0002_more.sql", "CREATE TABLE b (id INTEGER);")
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try Migrator(directory: folder.url.path).migrate(db)
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("0002_more.sql"))
        let error = try #require(throws: MigrationError.self) { try Migrator(directory: folder.url.path).migrate(db) }
        #expect(error == .unknownApplied(version: 2, name: "0002_more"))
        #expect(error.description.contains("newer than this code"))
    }

    @Test func aFailingMigrationLeavesNothingBehindAndEarlierOnesStay() throws {
        let folder = try Folder()
        try folder.write("0001_create.sql", "CREATE TABLE a (id INTEGER);")
        try folder.write("0002_broken.sql", "CREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);")
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        let error = try #require(throws: MigrationError.self) { try Migrator(directory: folder.url.path).migrate(db) }
        guard case .failed(let name, let message) = error else { Issue.record("wrong error \(error)"); return }
        #expect(name == "0002_broken")
        #expect(message.contains("nowhere"))
        let tables = try db.read { try $0.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map { try $0.decode("name", as: String.self) } }
        #expect(tables.contains("a"))
        #expect(!tables.contains("half"), "the failed migration's first statement was rolled back")
        #expect(try Migrator(directory: folder.url.path).appliedMigrations(in: db).map(\.name) == ["0001_create"])
    }

    /// SQLite's twelve-step table rebuild (create new, copy, drop old, rename) with foreign keys
    /// on would cascade-delete every child row with the dropped table's rows.
    @Test func aMigrationThatRebuildsATableKeepsItsChildRows() throws {
        let folder = try Folder()
        try folder.write("0001_create.sql", """
            CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE);
            INSERT INTO parent VALUES (1, 'a'), (2, 'b');
            INSERT INTO child VALUES (10, 1), (11, 1), (12, 2);
            """)
        try folder.write("0002_rebuild_parent.sql", """
            CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', note TEXT);
            INSERT INTO parent_new (id, name) SELECT id, name FROM parent;
            DROP TABLE parent;
            ALTER TABLE parent_new RENAME TO parent;
            """)
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try Migrator(directory: folder.url.path).migrate(db)
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM child") } == .integer(3))
        #expect(try db.read { try $0.query("PRAGMA foreign_key_check") }.isEmpty)
        // Foreign keys are on again for everything after the migrations.
        #expect(try db.withWriter { try $0.scalar("PRAGMA foreign_keys") } == .integer(1))
        #expect(throws: SQLiteError.self) { try db.write { _ = try $0.execute("INSERT INTO child VALUES (13, 99)") } }
    }

    @Test func aMigrationThatLeavesDanglingReferencesIsRolledBack() throws {
        let folder = try Folder()
        try folder.write("0001_create.sql", """
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
            INSERT INTO parent VALUES (1);
            INSERT INTO child VALUES (10, 1);
            """)
        try folder.write("0002_lose_parents.sql", "DELETE FROM parent;")
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        let error = try #require(throws: MigrationError.self) { try Migrator(directory: folder.url.path).migrate(db) }
        guard case .failed(let name, let message) = error else { Issue.record("wrong error \(error)"); return }
        #expect(name == "0002_lose_parents")
        #expect(message.contains("child"))
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM parent") } == .integer(1))
        #expect(try Migrator(directory: folder.url.path).appliedMigrations(in: db).map(\.name) == ["0001_create"])
    }

    @Test func refusesTwoFilesWithOneNumber() throws {
        let folder = try Folder()
        try folder.write("0001_one.sql", "SELECT 1;")
        try folder.write("0001_other.sql", "SELECT 2;")
        #expect(throws: MigrationError.self) { try Migrator(directory: folder.url.path) }
    }
}
