import CSQLite

/// An SQLite failure: the primary and extended result codes, SQLite's message, and the SQL.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// Extended result code, e.g. 2067 (SQLITE_CONSTRAINT_UNIQUE).
    public var extendedCode: Int32
    public var message: String
    public var sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// Primary result code, e.g. 19 (SQLITE_CONSTRAINT).
    public var code: Int32 { extendedCode & 0xFF }

    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    public var isUniqueConstraint: Bool { extendedCode == Self.constraintUnique || extendedCode == Self.constraintPrimaryKey }
    public var isForeignKeyConstraint: Bool { extendedCode == Self.constraintForeignKey }

    // Extended codes are C macros built from expressions, which Swift does not import.
    public static let constraintUnique: Int32 = 2067      // SQLITE_CONSTRAINT | (8 << 8)
    public static let constraintPrimaryKey: Int32 = 1555  // SQLITE_CONSTRAINT | (6 << 8)
    public static let constraintForeignKey: Int32 = 787   // SQLITE_CONSTRAINT | (3 << 8)
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " — in: \(sql)" }
        return text
    }
}
