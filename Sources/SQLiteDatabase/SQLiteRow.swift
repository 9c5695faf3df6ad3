import CSQLite

/// One result row, copied out of the statement so it outlives the step.
///
/// Columns are read by name and decode or throw: a column the query does not return, a NULL
/// where a value is required, or a value of another type is an `SQLiteError` naming the column
/// and the query (`SQLITE_MISMATCH`), never a default that would look like real data.
public struct SQLiteRow: Sendable {
    public let columns: SQLiteColumns
    public let values: [SQLiteValue]
    /// The statement that produced the row, named in decoding errors.
    public let sql: String

    public init(columns: SQLiteColumns, values: [SQLiteValue], sql: String) {
        self.columns = columns
        self.values = values
        self.sql = sql
    }

    public subscript(index: Int) -> SQLiteValue { values[index] }

    /// The stored value of column `name`, whatever its type; an error when there is no such column.
    @inlinable
    public func value(_ name: String) throws(SQLiteError) -> SQLiteValue {
        guard let index = columns.position(of: name) else {
            throw mismatch("has no column '\(name)' (it returns \(columns.names.joined(separator: ", ")))")
        }
        return values[index]
    }

    /// Column `name` as `T`; an error when the column is missing, NULL or not a `T`.
    /// Inlinable, like the decoding below: specialised where it is called, a row of twenty
    /// columns decodes without a generic call per column (a past day decodes 100,000 rows).
    @inlinable
    public func decode<T: SQLiteColumnDecodable>(_ name: String, as type: T.Type = T.self) throws(SQLiteError) -> T {
        guard let decoded = try decodeIfPresent(name, as: type) else {
            throw mismatch("returned NULL in column '\(name)', where \(T.sqliteExpectation) is required")
        }
        return decoded
    }

    /// Column `name` as `T`, or nil when it is NULL; an error when the column is missing or holds another type.
    @inlinable
    public func decodeIfPresent<T: SQLiteColumnDecodable>(_ name: String, as type: T.Type = T.self) throws(SQLiteError) -> T? {
        let stored = try value(name)
        if case .null = stored { return nil }
        guard let decoded = T(sqliteValue: stored) else {
            throw mismatch("returned \(stored.briefDescription) in column '\(name)', where \(T.sqliteExpectation) is required")
        }
        return decoded
    }

    @usableFromInline
    func mismatch(_ problem: String) -> SQLiteError {
        SQLiteError(extendedCode: SQLITE_MISMATCH, message: "the query \(problem)", sql: sql)
    }
}

/// A statement's column names, shared by every row it returns, with each one's position by
/// name: a row is read by name, and scanning the names one by one, or hashing each name with
/// the standard library's seeded hash, cost more than the decoding when 100,000 rows of twenty
/// columns are read. A small open-addressing table keyed by an FNV-1a hash of the name's UTF-8
/// bytes finds it (so a name is found by the spelling the query gave it).
public final class SQLiteColumns: Sendable {
    public let names: [String]
    /// Positions in `names` (-1: empty), at the name's hash and the slots after it.
    @usableFromInline
    let slots: [Int32]

    public init(_ names: [String]) {
        self.names = names
        var size = 8
        while size < 2 * names.count { size *= 2 }
        var slots = [Int32](repeating: -1, count: size)
        for (position, name) in names.enumerated() {
            // The first of two columns of one name, as a scan of the names would find.
            let slot = Self.slot(of: name, in: slots, names: names)
            if slots[slot] < 0 { slots[slot] = Int32(position) }
        }
        self.slots = slots
    }

    /// Where `name` is in `slots`, or the empty slot where it would go.
    @inlinable
    static func slot(of name: String, in slots: [Int32], names: [String]) -> Int {
        var slot = hash(name) & (slots.count - 1)
        while slots[slot] >= 0 && names[Int(slots[slot])] != name { slot = (slot + 1) & (slots.count - 1) }
        return slot
    }

    @inlinable
    static func hash(_ name: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash)
    }

    @inlinable
    public func position(of name: String) -> Int? {
        let position = Int(slots[Self.slot(of: name, in: slots, names: names)])
        return position < 0 ? nil : position
    }
}

/// A type a column can be decoded as.
public protocol SQLiteColumnDecodable {
    /// The value, or nil when the stored value is not one of this type (NULL never reaches here).
    init?(sqliteValue: SQLiteValue)
    /// What a stored value must be, for errors: "an integer", "a date (YYYY-MM-DD)".
    static var sqliteExpectation: String { get }
}

/// A string enumeration is stored as its raw value; anything else is an error, not a default case.
extension SQLiteColumnDecodable where Self: RawRepresentable, RawValue == String {
    @inlinable
    public init?(sqliteValue: SQLiteValue) {
        guard case .text(let text) = sqliteValue else { return nil }
        self.init(rawValue: text)
    }

    public static var sqliteExpectation: String { "a \(Self.self) (text naming one of its cases)" }
}

extension Int64: SQLiteColumnDecodable {
    @inlinable
    public init?(sqliteValue: SQLiteValue) {
        guard case .integer(let value) = sqliteValue else { return nil }
        self = value
    }
    public static var sqliteExpectation: String { "an integer" }
}

extension Int: SQLiteColumnDecodable {
    @inlinable
    public init?(sqliteValue: SQLiteValue) {
        guard case .integer(let value) = sqliteValue, let exact = Int(exactly: value) else { return nil }
        self = exact
    }
    public static var sqliteExpectation: String { "an integer" }
}

extension Double: SQLiteColumnDecodable {
    @inlinable
    public init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
    public static var sqliteExpectation: String { "a number" }
}

extension String: SQLiteColumnDecodable {
    @inlinable
    public init?(sqliteValue: SQLiteValue) {
        guard case .text(let value) = sqliteValue else { return nil }
        self = value
    }
    public static var sqliteExpectation: String { "text" }
}

extension Bool: SQLiteColumnDecodable {
    @inlinable
    public init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .integer(0): self = false
        case .integer(1): self = true
        default: return nil
        }
    }
    public static var sqliteExpectation: String { "a boolean (0 or 1)" }
}

extension Array: SQLiteColumnDecodable where Element == UInt8 {
    @inlinable
    public init?(sqliteValue: SQLiteValue) {
        guard case .blob(let bytes) = sqliteValue else { return nil }
        self = bytes
    }
    public static var sqliteExpectation: String { "a blob" }
}

extension SQLiteValue {
    /// The type and the start of the value, short enough for an error message.
    @usableFromInline
    var briefDescription: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): "the integer \(value)"
        case .real(let value): "the real \(value)"
        case .text(let value): value.count > 40 ? "the text '\(value.prefix(40))…'" : "the text '\(value)'"
        case .blob(let bytes): "a blob of \(bytes.count) bytes"
        }
    }
}
