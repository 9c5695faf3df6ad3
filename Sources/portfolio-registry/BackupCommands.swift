import ArgumentParser
import Foundation
import SQLiteDatabase

/// `portfolio-registry backup --to FILE`: a consistent copy while the server runs, checked.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database, consistently, while the server runs; check the copy and say what it holds.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "The file to write; it must not exist.")
    var to: String

    func run() throws {
        try storage.bootstrapLogging(toStandardError: true)
        let source = storage.databasePath
        guard FileManager.default.fileExists(atPath: source) else { throw StartupError(description: "There is no database at \(source).") }
        let migrator = try Migrator(directory: try storage.resourceLocation().migrations)
        do {
            try SQLiteDatabase.backup(source, to: to)
        } catch {
            throw StartupError(description: "Cannot back up \(source) to \(to): \(error)")
        }
        let summary = try DatabaseFileSummary.check(to, migrator: migrator, what: "The backup")
        print("backed up \(source) to \(to): \(summary)")
    }
}

/// `portfolio-registry restore --from FILE`: puts a checked backup in place of a database no
/// process is using.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup in place of the database (which no server may be using); the backup is checked first and the old database kept beside it.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "The backup to restore (from `backup`, or a file `litestream restore` wrote).")
    var from: String

    func run() throws {
        try storage.bootstrapLogging(toStandardError: true)
        let target = storage.databasePath
        guard FileManager.default.fileExists(atPath: from) else { throw StartupError(description: "There is no backup at \(from).") }
        let migrator = try Migrator(directory: try storage.resourceLocation().migrations)
        let summary = try DatabaseFileSummary.check(from, migrator: migrator, what: "The backup")
        let replaced: String?
        do {
            replaced = try SQLiteDatabase.replace(target, with: from)
        } catch {
            throw StartupError(description: "Cannot restore \(from) to \(target): \(error)")
        }
        print("restored \(from) to \(target): \(summary)" + (replaced.map { "; the database it replaced is kept at \($0)" } ?? ""))
    }
}

/// The checks a backup passes before it is trusted: SQLite's own integrity and foreign-key
/// checks, and migrations this code knows, unedited.
enum DatabaseFileSummary {
    static func check(_ path: String, migrator: Migrator, what: String) throws -> String {
        do {
            let problems = try SQLiteDatabase.problems(in: path)
            guard problems.isEmpty else {
                throw StartupError(description: "\(what) \(path) fails SQLite's checks: \(problems.prefix(5).joined(separator: "; "))")
            }
            let connection = try SQLiteConnection(path: path, mode: .readOnly)
            let applied = try migrator.verifiedMigrations(of: connection)
            guard case .integer(let projects) = try connection.scalar("SELECT count(*) FROM projects") else {
                throw StartupError(description: "\(what) \(path) has no projects table")
            }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return "\(bytes) bytes, \(projects) projects, \(applied.count) migrations (the last \(applied.last?.name ?? "none")), integrity ok"
        } catch let error as StartupError {
            throw error
        } catch {
            throw StartupError(description: "\(what) \(path) cannot be used: \(error)")
        }
    }
}
