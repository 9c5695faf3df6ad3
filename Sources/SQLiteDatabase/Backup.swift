import CSQLite
import Foundation

/// Online backup and restore of a database file.
extension SQLiteDatabase {
    /// Writes a consistent copy of the database as it stands at one moment to `destination`
    /// (which must not exist), while other connections and processes go on reading and writing:
    /// `VACUUM INTO` on a connection of its own holds a read transaction, never the write lock.
    /// The copy is synced to disk before this returns.
    public static func backup(_ source: String, to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw SQLiteError(extendedCode: SQLITE_CANTOPEN, message: "\(destination) exists already; a backup never overwrites a file")
        }
        let connection = try SQLiteConnection(path: source, mode: .readOnly)
        _ = try connection.execute("VACUUM INTO ?", [destination])
        try syncFile(destination)
    }

    /// What `PRAGMA integrity_check` and `PRAGMA foreign_key_check` find wrong with a file,
    /// opened read-only; empty when it is sound.
    public static func problems(in path: String) throws -> [String] {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        var problems = try connection.query("PRAGMA integrity_check").compactMap { row -> String? in
            let text: String = try row.decode("integrity_check")
            return text == "ok" ? nil : text
        }
        problems += try connection.query("PRAGMA foreign_key_check").map { row in
            "row \(try row.decodeIfPresent("rowid", as: Int64.self).map(String.init) ?? "(without rowid)") of \(try row.decode("table", as: String.self)) "
                + "refers to a missing row of \(try row.decode("parent", as: String.self))"
        }
        return problems
    }

    /// Whether a process (a server, Litestream, a shell) has the database open: an exclusive
    /// lock, which WAL mode grants only when no other connection uses the file, is refused.
    public static func isInUse(_ path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let connection = try SQLiteConnection(path: path, mode: .readWrite, busyTimeoutMilliseconds: 0)
        do {
            try connection.executeScript("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
            return false
        } catch where error.isBusy {
            return true
        }
    }

    /// Puts `source` in place of the database at `target`, which must not be in use: the copy
    /// goes to a temporary file beside the target and is synced, the old database (checkpointed,
    /// so it is whole in one file) is moved aside, and the copy renamed into place. Returns where
    /// the old database went, if there was one.
    @discardableResult
    public static func replace(_ target: String, with source: String, now: Date = Date()) throws -> String? {
        let files = FileManager.default
        let temporary = target + ".restoring"
        try? files.removeItem(atPath: temporary)
        try files.copyItem(atPath: source, toPath: temporary)
        try syncFile(temporary)

        var movedAside: String?
        if files.fileExists(atPath: target) {
            guard try !isInUse(target) else {
                try? files.removeItem(atPath: temporary)
                throw SQLiteError(extendedCode: SQLITE_BUSY, message: "\(target) is in use; stop the server (and Litestream) before restoring")
            }
            do {
                let old = try SQLiteConnection(path: target, mode: .readWrite, busyTimeoutMilliseconds: 0)
                try old.executeScript("PRAGMA wal_checkpoint(TRUNCATE)")
            }
            let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
            movedAside = "\(target).replaced-\(stamp)"
            try files.moveItem(atPath: target, toPath: movedAside!)
        }
        // A log left by the old database must never be applied to the new one.
        for suffix in ["-wal", "-shm", "-journal"] { try? files.removeItem(atPath: target + suffix) }
        guard rename(temporary, target) == 0 else {
            throw SQLiteError(extendedCode: SQLITE_IOERR, message: "cannot rename \(temporary) to \(target): \(String(cString: strerror(errno)))")
        }
        try syncFile((target as NSString).deletingLastPathComponent.isEmpty ? "." : (target as NSString).deletingLastPathComponent)
        return movedAside
    }

    /// fsync of a file or directory, so that what was written (or renamed) survives a crash.
    static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SQLiteError(extendedCode: SQLITE_IOERR, message: "cannot open \(path) to sync it") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SQLiteError(extendedCode: SQLITE_IOERR, message: "fsync of \(path) failed") }
    }
}
