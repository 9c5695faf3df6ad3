import SQLiteDatabase

/// The registry's database: opened, migrated to the schema this code expects, ready for use.
public final class RegistryStorage: Sendable {
    public let database: SQLiteDatabase
    /// Migrations applied by this start-up, by name (empty when the schema was current).
    public let appliedMigrations: [String]

    private init(database: SQLiteDatabase, appliedMigrations: [String]) {
        self.database = database
        self.appliedMigrations = appliedMigrations
    }

    /// Opens (creating if needed) the database at `path` and applies pending migrations
    /// from `migrationsDirectory`. Refuses a database that is newer than the code or whose
    /// applied migrations were changed, with a message saying what to do.
    public static func open(path: String, migrationsDirectory: String, configuration: SQLiteDatabase.Configuration = .init()) throws -> RegistryStorage {
        let migrator = try Migrator(directory: migrationsDirectory)
        let database = try SQLiteDatabase(path: path, configuration: configuration)
        let applied = try migrator.migrate(database)
        return RegistryStorage(database: database, appliedMigrations: applied.map(\.name))
    }
}
