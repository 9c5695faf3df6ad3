import JSON
import SQLiteDatabase

// How the domain's values are stored: a row that holds anything else is an error naming the
// column and the query (`SQLiteRow.decode`), never a default case or date.

extension ProjectStatus: SQLiteColumnDecodable {}
extension Responsibility: SQLiteColumnDecodable {}
extension GovernmentLevel: SQLiteColumnDecodable {}
extension Review.Kind: SQLiteColumnDecodable {}
extension Review.Status: SQLiteColumnDecodable {}
extension Review.Outcome: SQLiteColumnDecodable {}
extension Review.DeliveryConfidence: SQLiteColumnDecodable {}
extension FundingTranche.Condition: SQLiteColumnDecodable {}
extension Threshold.Kind: SQLiteColumnDecodable {}

extension LocalDate: SQLiteColumnDecodable {
    public init?(sqliteValue: SQLiteValue) {
        guard case .text(let text) = sqliteValue else { return nil }
        self.init(text)
    }
    public static var sqliteExpectation: String { "a date (text, YYYY-MM-DD)" }
}

/// Amounts are stored as integer minor units (cents).
extension Money: SQLiteColumnDecodable {
    public init?(sqliteValue: SQLiteValue) {
        guard case .integer(let cents) = sqliteValue else { return nil }
        self.init(minorUnits: cents)
    }
    public static var sqliteExpectation: String { "an amount (integer minor units)" }
}

/// A JSON document stored as text.
struct StoredJSON: SQLiteColumnDecodable {
    var value: JSONValue

    init?(sqliteValue: SQLiteValue) {
        guard case .text(let text) = sqliteValue, let value = try? JSONParser.parse(text) else { return nil }
        self.value = value
    }
    static var sqliteExpectation: String { "a JSON document (text)" }
}

/// A list of texts stored as a JSON array (a review's conditions and recommendations).
struct StoredStrings: SQLiteColumnDecodable {
    var values: [String]

    init?(sqliteValue: SQLiteValue) {
        guard case .array(let items) = StoredJSON(sqliteValue: sqliteValue)?.value else { return nil }
        var values: [String] = []
        for item in items {
            guard case .string(let text) = item else { return nil }
            values.append(text)
        }
        self.values = values
    }
    static var sqliteExpectation: String { "a JSON array of strings (text)" }
}
