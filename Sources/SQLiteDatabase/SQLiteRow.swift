/// One result row, copied out of the statement so it outlives the step.
public struct SQLiteRow: Sendable {
    public let columns: [String]
    public let values: [SQLiteValue]

    public init(columns: [String], values: [SQLiteValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(index: Int) -> SQLiteValue { values[index] }

    /// The value of the column `name`; `.null` when there is no such column.
    public subscript(name: String) -> SQLiteValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }

    public func int(_ name: String) -> Int? {
        switch self[name] {
        case .integer(let v): Int(v)
        case .real(let v): Int(exactly: v)
        default: nil
        }
    }

    public func int64(_ name: String) -> Int64? {
        if case .integer(let v) = self[name] { return v }
        return nil
    }

    public func double(_ name: String) -> Double? {
        switch self[name] {
        case .real(let v): v
        case .integer(let v): Double(v)
        default: nil
        }
    }

    public func string(_ name: String) -> String? {
        switch self[name] {
        case .text(let v): v
        case .integer(let v): String(v)
        case .real(let v): String(v)
        default: nil
        }
    }

    public func bool(_ name: String) -> Bool? { int(name).map { $0 != 0 } }

    public func blob(_ name: String) -> [UInt8]? {
        switch self[name] {
        case .blob(let v): v
        case .text(let v): Array(v.utf8)
        default: nil
        }
    }

    public func isNull(_ name: String) -> Bool { self[name] == .null }
}
