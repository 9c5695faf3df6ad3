import CSQLite

/// One SQLite connection. Not thread-safe by design: its owner (`SQLiteDatabase`) confines it
/// to one thread at a time, so it is opened without SQLite's own mutexes.
public final class SQLiteConnection {
    public enum Mode: Sendable { case readWrite, readOnly }

    /// How hard a commit works to be durable. `full` syncs the WAL on every commit, so a
    /// committed transaction survives the process being killed and the machine losing power;
    /// `normal` survives the process being killed but may lose the last commits on power loss.
    public enum Synchronous: String, Sendable { case full = "FULL", normal = "NORMAL" }

    let handle: OpaquePointer
    public let path: String
    private var statements: [String: SQLiteStatement] = [:]
    /// Fixed SQL is a few hundred statements at most; SQL built from a request (list filters,
    /// cursors) could be any number, so the cache starts afresh when it reaches this size.
    static let statementCacheLimit = 256
    /// Statements in the cache now.
    public var cachedStatementCount: Int { statements.count }
    /// How many statements were prepared (not taken from the cache); for tests and diagnostics.
    public private(set) var preparedStatementCount = 0

    public init(path: String, mode: Mode = .readWrite, busyTimeoutMilliseconds: Int32 = 5000) throws(SQLiteError) {
        Self.configureSQLite
        var db: OpaquePointer?
        let flags = (mode == .readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(extendedCode: rc, message: "\(message) (\(path))")
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        try executeScript("PRAGMA foreign_keys = ON")
    }

    /// SQLite's process-wide settings, made before the first connection opens (SQLite takes
    /// them only before it initializes; if something initialized it first, the defaults stay).
    private static let configureSQLite: Void = {
        // Each write of a group runs in its own SAVEPOINT, and SQLite keeps the pages a
        // savepoint may have to restore in a sub-journal: past 64 KiB (its default, reached by
        // one creation) in a temporary file, written with two pwrite calls a page on the
        // committing thread. Kept in memory up to 8 MiB, it is a copy, emptied at each RELEASE.
        _ = csqlite_config_statement_journal_spill(Int32(statementJournalInMemory))
        // SQLite counts the memory it allocates under one mutex for the whole process, so the
        // committing thread waited on it behind whichever request thread held it: a quarter
        // of the times it blocked under load. `SQLiteDatabase.pageCacheBytes` asks the
        // connections instead.
        _ = csqlite_config_memory_statistics(0)
    }()

    /// Bytes of a savepoint's or statement's undo journal kept in memory before it spills to a file.
    static let statementJournalInMemory = 8 << 20

    /// Bytes this connection's page cache holds.
    var pageCacheBytes: Int {
        var current: Int32 = 0, highwater: Int32 = 0
        return sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_USED, &current, &highwater, 0) == SQLITE_OK ? Int(current) : 0
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Switches the database to write-ahead logging and checks that it took.
    public func enableWAL(synchronous: Synchronous) throws(SQLiteError) {
        let mode = try scalar("PRAGMA journal_mode = WAL")
        guard case .text(let value) = mode, value.lowercased() == "wal" else {
            throw SQLiteError(extendedCode: SQLITE_ERROR, message: "could not switch \(path) to WAL mode (journal_mode is \(mode))")
        }
        try executeScript("PRAGMA synchronous = \(synchronous.rawValue)")
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(extendedCode: sqlite3_extended_errcode(handle) != 0 ? sqlite3_extended_errcode(handle) : rc,
                    message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    private func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        let statement = try SQLiteStatement(connection: self, sql: sql)
        preparedStatementCount += 1
        // A statement in use stays alive through the caller's reference when it leaves the cache.
        if statements.count >= Self.statementCacheLimit { statements.removeAll(keepingCapacity: true) }
        statements[sql] = statement
        return statement
    }

    /// Runs one statement with its arguments bound; returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> Int {
        let statement = try statement(sql)
        defer { statement.finish() }
        try statement.bind(arguments)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs several statements, none with arguments (migrations, pragmas).
    public func executeScript(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    public func query(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> [SQLiteRow] {
        var rows: [SQLiteRow] = []
        try forEach(sql, arguments) { rows.append($0) }
        return rows
    }

    public func queryFirst(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> SQLiteRow? {
        let statement = try statement(sql)
        defer { statement.finish() }
        try statement.bind(arguments)
        return try statement.step() ? statement.row() : nil
    }

    /// The first column of the first row, or `.null`.
    public func scalar(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> SQLiteValue {
        try queryFirst(sql, arguments)?[0] ?? .null
    }

    /// Visits rows one at a time without holding them all in memory (large exports).
    public func forEach(_ sql: String, _ arguments: [any SQLiteBindable] = [], _ body: (SQLiteRow) throws -> Void) throws(SQLiteError) {
        let statement = try statement(sql)
        defer { statement.finish() }
        try statement.bind(arguments)
        while try statement.step() {
            do { try body(statement.row()) } catch let error as SQLiteError { throw error } catch {
                throw SQLiteError(extendedCode: SQLITE_ABORT, message: "row visitor failed: \(error)", sql: sql)
            }
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
}
