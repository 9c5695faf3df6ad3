import Crypto
import Foundation

/// One schema change: a numbered `.sql` file such as `0001_initial.sql`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    /// The file name without `.sql`, e.g. `0001_initial`.
    public var name: String
    public var sql: String
    /// Hex SHA-256 of the file's bytes.
    public var checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

public enum MigrationError: Error, Sendable, CustomStringConvertible, Equatable {
    case unreadableDirectory(String)
    case duplicateVersion(Int, [String])
    case changedAfterApplied(name: String)
    case unknownApplied(version: Int, name: String)
    case failed(name: String, message: String)
    case notMigrated

    public var description: String {
        switch self {
        case .unreadableDirectory(let path):
            "Cannot read the migrations folder \(path)."
        case .duplicateVersion(let version, let names):
            "Migrations \(names.joined(separator: " and ")) share the number \(version); give each file its own number."
        case .changedAfterApplied(let name):
            "Migration \(name).sql was changed after it was applied to this database. Applied migrations are history: restore the file and put the change in a new migration."
        case .unknownApplied(let version, let name):
            "The database has migration \(name) (version \(version)) that this code does not know: the database is newer than this code. Run a newer portfolio-registry."
        case .failed(let name, let message):
            "Migration \(name).sql failed and was rolled back: \(message)"
        case .notMigrated:
            "The file has no schema_migrations table: it is not a database of this registry."
        }
    }
}

/// Applies numbered migrations in order, once each, each in its own transaction together
/// with its record (name and checksum) in `schema_migrations` and the check that it was pending.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) throws(MigrationError) {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.version == b.version {
            throw .duplicateVersion(a.version, [a.name, b.name])
        }
        self.migrations = sorted
    }

    /// Loads `NNNN_name.sql` files; other files are ignored.
    public init(directory: String) throws(MigrationError) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw .unreadableDirectory(directory)
        }
        var migrations: [Migration] = []
        for file in names where file.hasSuffix(".sql") {
            let name = String(file.dropLast(4))
            let digits = name.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, name.dropFirst(digits.count).first == "_", let version = Int(digits) else { continue }
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { throw .unreadableDirectory(directory + "/" + file) }
            migrations.append(Migration(version: version, name: name, sql: String(decoding: data, as: UTF8.self)))
        }
        try self.init(migrations: migrations)
    }

    public struct Applied: Sendable, Equatable {
        public var version: Int
        public var name: String
        public var checksum: String
        public var appliedAt: String
    }

    public func appliedMigrations(in database: SQLiteDatabase) throws -> [Applied] {
        try database.withWriter { db in
            try Self.createTable(db)
            return try Self.applied(db)
        }
    }

    static func applied(_ db: SQLiteConnection) throws -> [Applied] {
        try db.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version").map {
            Applied(version: try $0.decode("version"), name: try $0.decode("name"), checksum: try $0.decode("checksum"), appliedAt: try $0.decode("applied_at"))
        }
    }

    public func pendingMigrations(in database: SQLiteDatabase) throws -> [Migration] {
        let applied = try verify(database)
        return migrations.filter { !applied.contains($0.version) }
    }

    /// Applies what is pending and returns it. Refuses, before changing anything, a database
    /// whose applied migrations were edited or that has migrations this code does not know.
    ///
    /// As GRDB's migrator does: each migration runs in its own `BEGIN IMMEDIATE` transaction
    /// that first reads what is applied (so two processes starting at once cannot both apply
    /// one), with foreign keys off (a migration that rebuilds a table must not cascade-delete
    /// the rows that refer to it) and `PRAGMA foreign_key_check` before its commit (so it
    /// cannot leave a reference dangling either). A failed migration leaves nothing behind;
    /// the ones before it stay.
    @discardableResult
    public func migrate(_ database: SQLiteDatabase) throws -> [Migration] {
        try database.withWriter { db in
            try Self.createTable(db)
            // Only outside a transaction does SQLite take this pragma.
            try db.executeScript("PRAGMA foreign_keys = OFF")
            defer { try? db.executeScript("PRAGMA foreign_keys = ON") }
            var appliedNow: [Migration] = []
            for migration in migrations {
                try db.execute("BEGIN IMMEDIATE")
                do {
                    guard try !check(try Self.applied(db)).contains(migration.version) else {
                        try db.execute("COMMIT")
                        continue
                    }
                    do {
                        try db.executeScript(migration.sql)
                    } catch let error as SQLiteError {
                        throw MigrationError.failed(name: migration.name, message: error.message)
                    }
                    let dangling = try db.query("PRAGMA foreign_key_check")
                    if let first = dangling.first {
                        throw MigrationError.failed(name: migration.name, message: "it leaves \(dangling.count) rows referring to missing rows "
                            + "(the first in \(try first.decode("table", as: String.self)), referring to \(try first.decode("parent", as: String.self)))")
                    }
                    try db.execute(
                        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                        [migration.version, migration.name, migration.checksum])
                    try db.execute("COMMIT")
                    appliedNow.append(migration)
                } catch {
                    if db.isInTransaction { _ = try? db.execute("ROLLBACK") }
                    throw error
                }
            }
            return appliedNow
        }
    }

    /// The migrations a database file (a backup, say) has applied, read without changing it,
    /// after checking them against the files: a file without the table, with a migration this
    /// code does not know or with one edited since, is refused.
    public func verifiedMigrations(of db: SQLiteConnection) throws -> [Applied] {
        guard try db.queryFirst("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'") != nil else {
            throw MigrationError.notMigrated
        }
        let applied = try Self.applied(db)
        _ = try check(applied)
        return applied
    }

    /// The versions applied, after checking them against the files.
    private func verify(_ database: SQLiteDatabase) throws -> Set<Int> {
        try check(try appliedMigrations(in: database))
    }

    private func check(_ appliedMigrations: [Applied]) throws -> Set<Int> {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var versions = Set<Int>()
        for applied in appliedMigrations {
            guard let migration = known[applied.version] else {
                throw MigrationError.unknownApplied(version: applied.version, name: applied.name)
            }
            guard migration.checksum == applied.checksum else { throw MigrationError.changedAfterApplied(name: migration.name) }
            versions.insert(applied.version)
        }
        return versions
    }

    private static func createTable(_ db: SQLiteConnection) throws {
        try db.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """)
    }
}
