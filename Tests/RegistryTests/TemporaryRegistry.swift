import Foundation
import Registry
import SQLiteDatabase

/// A registry database file in its own temporary folder, migrated from the repository's
/// Migrations/, removed afterwards.
final class TemporaryRegistry {
    let directory: URL
    var path: String { directory.appendingPathComponent("r.sqlite").path }
    static let migrations = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Migrations").path

    init(_ prefix: String = "registry") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Opens (and on first use creates) the registry; each call is a separate `SQLiteDatabase`.
    func open(clock: RegistryClock = RegistryClock(), configuration: SQLiteDatabase.Configuration = .init()) throws -> RegistryStorage {
        try RegistryStorage.open(path: path, migrationsDirectory: Self.migrations, clock: clock, configuration: configuration)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}
