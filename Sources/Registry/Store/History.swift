import SQLiteDatabase

extension Optional where Wrapped == AsOf {
    /// `AND column < cutoff` with its argument, or nothing for now: how every read of a record
    /// with its own time keeps to what had been recorded by then.
    func recorded(_ column: String) -> (sql: String, arguments: [any SQLiteBindable]) {
        guard let asOf = self else { return ("", []) }
        return (" AND \(column) < ?", [asOf.cutoff])
    }
}

/// When the registry's record begins: the date of its first event. `as_of` before it, or after
/// today, names no state the registry has been in.
public enum RegistryRecord {
    public static func firstDay(_ database: SQLiteDatabase) throws -> LocalDate? {
        try database.read { db in
            // Events are appended in time order: the first is the earliest.
            try db.queryFirst("SELECT at FROM audit_events ORDER BY id LIMIT 1")?.decodeIfPresent("at", as: String.self)
        }.flatMap { LocalDate(String($0.prefix(10))) }
    }
}
