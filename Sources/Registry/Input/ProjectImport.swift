import JSON

/// Reads projects from a CSV in the export's columns, for agencies moving from spreadsheets.
/// Every row is checked before anything is stored; the computed columns of the export
/// (id, status, variance, …) are accepted and ignored, so an export imports as it is.
public enum ProjectImport {
    public struct RowError: Sendable, Equatable {
        /// The spreadsheet row: the header is row 1, the first project row 2.
        public var row: Int
        public var field: String
        public var message: String
    }

    public enum Failure: Error, Sendable, Equatable {
        /// The file itself cannot be read (400).
        case unreadable(String)
        /// Some rows are wrong; every one is listed (422).
        case rows([RowError])
    }

    static let ignored: Set<String> = [
        "id", "status", "delivery_confidence", "cost_variance_original", "cost_variance_percent_original", "schedule_variance_days_original",
        "cost_variance_current", "cost_variance_percent_current", "schedule_variance_days_current",
    ]
    static let fields: Set<String> = [
        "external_id", "title", "description", "category", "whole_life_cost", "spend_to_date", "start_date", "planned_end_date",
        "forecast_end_date", "risk_rating", "owner_name", "owner_role", "owner_email", "systems", "datasets",
    ]
    static let numeric: Set<String> = ["whole_life_cost", "spend_to_date", "risk_rating"]

    public static func read(_ text: String, agency: String, currency: String) throws(Failure) -> [ProjectRecord] {
        let records: [[String]]
        do { records = try CSVReader.records(text) } catch {
            throw .unreadable("The CSV cannot be read at line \(error.line): \(error.message).")
        }
        guard let header = records.first else { throw .unreadable("The CSV is empty; it needs a header row.") }
        let known = fields.union(ignored).union(["agency", "currency"])
        if let unknown = header.first(where: { !known.contains($0) }) {
            throw .unreadable("Unknown column '\(unknown)'; the columns are those of GET /api/v1/export/projects.csv.")
        }
        for required in ["external_id", "title", "whole_life_cost", "planned_end_date"] where !header.contains(required) {
            throw .unreadable("The column '\(required)' is missing.")
        }
        if Set(header).count != header.count { throw .unreadable("A column appears twice in the header.") }

        var errors: [RowError] = []
        var projects: [ProjectRecord] = []
        var seen: [String: Int] = [:]
        for (offset, cells) in records.dropFirst().enumerated() {
            let row = offset + 2
            if cells == [""] { continue } // a blank line
            guard cells.count == header.count else {
                errors.append(RowError(row: row, field: "*", message: "has \(cells.count) fields; the header has \(header.count)"))
                continue
            }
            var object = JSONObject()
            var owner = JSONObject()
            for (column, written) in zip(header, cells) {
                // Text as the export wrote it for spreadsheets (numbers are never prefixed).
                let cell = numeric.contains(column) ? written : SpreadsheetText.unescape(written)
                switch column {
                case "agency" where !cell.isEmpty && cell != agency:
                    errors.append(RowError(row: row, field: "agency", message: "is \(cell); this import is for \(agency)"))
                case "currency" where !cell.isEmpty && cell != currency:
                    errors.append(RowError(row: row, field: "currency", message: "is \(cell); the registry's amounts are in \(currency)"))
                case "owner_name", "owner_role", "owner_email":
                    if !cell.isEmpty { owner[String(column.dropFirst("owner_".count))] = .string(cell) }
                case "systems", "datasets":
                    object[column] = .array(cell.split(separator: "\n", omittingEmptySubsequences: true).map { .string(String($0)) })
                case _ where numeric.contains(column):
                    if !cell.isEmpty { object[column] = .number(cell) }
                case _ where fields.contains(column):
                    if !cell.isEmpty { object[column] = .string(cell) }
                default:
                    break // agency, currency (when they match), and the export's computed columns
                }
            }
            if !owner.isEmpty { object["owner"] = .object(owner) }
            // A number cell that is not a JSON number is reported as that field's error by the reader.
            for column in numeric where object[column] != nil {
                if case .number(let text)? = object[column], (try? JSONParser.parse(text)) == nil { object[column] = .string(text) }
            }
            do {
                let record = try ProjectInput.read(object)
                if let first = seen[record.externalID] {
                    errors.append(RowError(row: row, field: "external_id", message: "'\(record.externalID)' is also on row \(first)"))
                } else {
                    seen[record.externalID] = row
                    projects.append(record)
                }
            } catch {
                switch error {
                case .invalid(let fields): errors += fields.map { RowError(row: row, field: $0.field, message: $0.message) }
                default: errors.append(RowError(row: row, field: "*", message: error.description))
                }
            }
        }
        if !errors.isEmpty { throw .rows(errors) }
        return projects
    }
}
