// TEMPORARY until the SQLite branch lands.
public enum RegistryStorage {
    public struct Report: Sendable { public var appliedMigrations: [String] }
    public static func open(path: String, migrationsDirectory: String) throws -> Report { Report(appliedMigrations: []) }
}
