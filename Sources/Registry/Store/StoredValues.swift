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
        guard case .text(let text) = sqliteValue else { return nil }
        // Most of a project's stored lists are empty: a past day reads 100,000 projects' four.
        if text == "[]" {
            value = .array([])
            return
        }
        guard let value = try? JSONParser.parse(text) else { return nil }
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

/// A project version's roles and milestones, kept as JSON arrays in `project_versions`
/// (migration 0007) in the shape `ProjectRecord.json` writes them.
private func storedObjects(_ sqliteValue: SQLiteValue) -> [JSONObject]? {
    guard case .array(let values) = StoredJSON(sqliteValue: sqliteValue)?.value else { return nil }
    var objects: [JSONObject] = []
    for value in values {
        guard case .object(let object) = value else { return nil }
        objects.append(object)
    }
    return objects
}

private func text(_ object: JSONObject, _ key: String) -> String?? {
    switch object[key] {
    case .string(let text)?: return .some(text)
    case .null?, nil: return .some(nil)
    default: return nil
    }
}

private func date(_ object: JSONObject, _ key: String) -> LocalDate?? {
    guard let value = text(object, key) else { return nil }
    guard let value else { return .some(nil) }
    return LocalDate(value).map { .some($0) }
}

struct StoredRoles: SQLiteColumnDecodable {
    var roles: [ProjectRole] = []

    init?(sqliteValue: SQLiteValue) {
        guard let objects = storedObjects(sqliteValue) else { return nil }
        for object in objects {
            guard let party = text(object, "party") ?? nil, let responsibility = (text(object, "responsibility") ?? nil).flatMap(Responsibility.init(rawValue:)),
                  let description = text(object, "description") else { return nil }
            roles.append(ProjectRole(party: party, responsibility: responsibility, description: description))
        }
    }
    static var sqliteExpectation: String { "a JSON array of roles (text)" }
}

struct StoredMilestones: SQLiteColumnDecodable {
    var milestones: [Milestone] = []

    init?(sqliteValue: SQLiteValue) {
        guard let objects = storedObjects(sqliteValue) else { return nil }
        for object in objects {
            guard let name = text(object, "name") ?? nil, let baseline = date(object, "baseline_date"),
                  let forecast = date(object, "forecast_date"), let actual = date(object, "actual_date") else { return nil }
            milestones.append(Milestone(name: name, baselineDate: baseline, forecastDate: forecast, actualDate: actual))
        }
    }
    static var sqliteExpectation: String { "a JSON array of milestones (text)" }
}
