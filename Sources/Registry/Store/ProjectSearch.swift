import Foundation
import JSON
import SQLiteDatabase

/// How the project list is ordered. Every order ends in the id, so it is total and a cursor
/// can resume it exactly.
public enum ProjectSort: String, Sendable, CaseIterable {
    case id
    case costAscending = "whole_life_cost"
    case costDescending = "-whole_life_cost"
    case updatedAscending = "updated_at"
    case updatedDescending = "-updated_at"
    case title

    var column: String {
        switch self {
        case .id: "id"
        case .costAscending, .costDescending: "whole_life_cost_cents"
        case .updatedAscending, .updatedDescending: "updated_at"
        case .title: "title"
        }
    }

    var descending: Bool { self == .costDescending || self == .updatedDescending }
}

public struct ProjectQuery: Sendable {
    public var agency: String?
    public var status: ProjectStatus?
    public var category: String?
    public var minCost: Money?
    public var maxCost: Money?
    public var riskRating: Int?
    /// Only projects with a finding of this rule.
    public var rule: RuleID?
    /// Only projects at or above this threshold today.
    public var aboveThreshold: Threshold.Kind?
    /// Full-text search over titles and descriptions.
    public var text: String?
    public var sort: ProjectSort = .id
    public var limit: Int = 50
    public var cursor: String?

    public init() {}

    /// The filters only the rules can answer.
    func admitsByRules(hasFinding: (RuleID) -> Bool, businessCaseRequired: Bool, centralReviewRequired: Bool) -> Bool {
        if let rule, !hasFinding(rule) { return false }
        switch aboveThreshold {
        case .businessCase?: return businessCaseRequired
        case .centralReview?: return centralReviewRequired
        case nil: return true
        }
    }

    func admitsByRules(_ assessment: Assessment) -> Bool {
        admitsByRules(hasFinding: { rule in assessment.findings.contains { $0.rule == rule } },
                      businessCaseRequired: assessment.obligations.businessCaseRequired, centralReviewRequired: assessment.obligations.centralReviewRequired)
    }

    func admitsByRules(_ entry: PortfolioProjection.Entry) -> Bool {
        admitsByRules(hasFinding: entry.hasFinding, businessCaseRequired: entry.businessCaseRequired, centralReviewRequired: entry.centralReviewRequired)
    }

    /// Every filter but the text, on an assessed project in memory: the same conditions as
    /// `ProjectSearch.sql` puts to the database.
    func admits(_ entry: PortfolioProjection.Entry, viewer: Principal) -> Bool {
        guard viewer.sees(agency: entry.agency, status: entry.status) else { return false }
        if let agency, entry.agency != agency { return false }
        if let status, entry.status != status { return false }
        if let category, entry.category != category { return false }
        if let minCost, entry.wholeLifeCost < minCost { return false }
        if let maxCost, entry.wholeLifeCost > maxCost { return false }
        if let riskRating, entry.riskRating != riskRating { return false }
        return admitsByRules(entry)
    }
}

/// The project list: filters in SQL where the data allows, the rules engine where findings
/// decide, keyset pagination so that pages neither repeat nor skip while records are added.
public struct ProjectSearch: Sendable {
    let database: SQLiteDatabase
    let compliance: Compliance
    let projection: PortfolioProjection
    let history: PortfolioHistory

    public struct Page: Sendable {
        public var items: [(project: StoredProject, assessment: Assessment)]
        public var nextCursor: String?
    }

    public static let maximumLimit = 500

    public func search(_ query: ProjectQuery, viewer: Principal, asOf: AsOf? = nil) throws -> Page {
        if let asOf { return try search(query, viewer: viewer, asOf: asOf) }
        var position = try query.cursor.map { try Self.decodeCursor($0, sort: query.sort) }
        // What the rules say comes from the projection: no project is assessed here.
        let entries = try projection.entries(compliance)
        var chosen: [(id: Int64, sortValue: SQLiteValue)] = []
        var nextCursor: String?
        let needsRules = query.rule != nil || query.aboveThreshold != nil
        let batch = needsRules ? 2000 : query.limit + 1
        scan: while true {
            let (sql, arguments) = Self.sql(query, viewer: viewer, after: position, limit: batch)
            let candidates = try database.read { db in
                try db.query(sql, arguments).map { row -> (Int64, SQLiteValue) in (try row.decode("id"), try row.value("sort_value")) }
            }
            for (id, sortValue) in candidates {
                if needsRules, let entry = entries[id], !query.admitsByRules(entry) { continue }
                if chosen.count == query.limit {
                    // One more exists: the page ends at the last item returned.
                    nextCursor = Self.encodeCursor(sort: query.sort, value: chosen[chosen.count - 1].sortValue, id: chosen[chosen.count - 1].id)
                    break scan
                }
                chosen.append((id, sortValue))
            }
            guard candidates.count == batch, let last = candidates.last else { break }
            position = (last.1, last.0)
        }
        let loaded = try database.read { try Projects.loadMany($0, ids: chosen.map(\.id)) }
        // A project written after the projection was read is assessed on its own.
        let unseen = try compliance.assess(chosen.compactMap { entries[$0.id] == nil ? loaded[$0.id] : nil })
        let items = chosen.compactMap { id, _ -> (StoredProject, Assessment)? in
            guard let project = loaded[id], let assessment = entries[id]?.assessment ?? unseen[id] else { return nil }
            if entries[id] == nil, !query.admitsByRules(assessment) { return nil }
            return (project, assessment)
        }
        return Page(items: items, nextCursor: nextCursor)
    }

    static func sql(_ query: ProjectQuery, viewer: Principal, after position: (SQLiteValue, Int64)?, limit: Int) -> (String, [any SQLiteBindable]) {
        var conditions: [String] = []
        var arguments: [any SQLiteBindable] = []
        // Drafts are seen only by their agency and the centre.
        switch viewer {
        case .centre, .commandLine: break
        case .agency(let code, _): conditions.append("(p.status != 'proposed' OR p.agency_code = ?)"); arguments.append(code)
        case .anonymous: conditions.append("p.status != 'proposed'")
        }
        if let agency = query.agency { conditions.append("p.agency_code = ?"); arguments.append(agency) }
        if let status = query.status { conditions.append("p.status = ?"); arguments.append(status.rawValue) }
        if let category = query.category { conditions.append("p.category = ?"); arguments.append(category) }
        if let minCost = query.minCost { conditions.append("p.whole_life_cost_cents >= ?"); arguments.append(minCost.minorUnits) }
        if let maxCost = query.maxCost { conditions.append("p.whole_life_cost_cents <= ?"); arguments.append(maxCost.minorUnits) }
        if let risk = query.riskRating { conditions.append("p.risk_rating = ?"); arguments.append(risk) }
        if let text = query.text {
            conditions.append("p.id IN (SELECT rowid FROM projects_fts WHERE projects_fts MATCH ?)")
            arguments.append(Self.ftsQuery(text))
        }
        let column = "p." + query.sort.column
        if let (value, id) = position {
            conditions.append("(\(column), p.id) \(query.sort.descending ? "<" : ">") (?, ?)")
            arguments.append(value)
            arguments.append(id)
        }
        let order = query.sort.descending ? "DESC" : "ASC"
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return ("SELECT p.id, \(column) AS sort_value FROM projects p \(whereClause) ORDER BY \(column) \(order), p.id \(order) LIMIT ?",
                arguments + [limit])
    }

    /// The list as it stood at the end of a past day: the same filters, order and cursors, over
    /// the portfolio of then, in memory (it is held whole for that day).
    private func search(_ query: ProjectQuery, viewer: Principal, asOf: AsOf) throws -> Page {
        let past = try history.past(asOf, compliance)
        let texts = try query.text.map { try Self.matchingText($0, asOf: asOf, database) }
        let key = { (entry: PortfolioProjection.Entry) -> SQLiteValue in
            switch query.sort {
            case .id: .integer(entry.id)
            case .costAscending, .costDescending: .integer(entry.wholeLifeCost.minorUnits)
            case .updatedAscending, .updatedDescending: .text(entry.updatedAt)
            case .title: .text(entry.title)
            }
        }
        // As SQLite orders them: integers by value, texts by their bytes; then the id.
        let precedes = { (a: (SQLiteValue, Int64), b: (SQLiteValue, Int64)) -> Bool in
            switch (a.0, b.0) {
            case (.integer(let x), .integer(let y)) where x != y: return x < y
            case (.text(let x), .text(let y)) where x != y: return x.utf8.lexicographicallyPrecedes(y.utf8)
            default: return a.1 < b.1
            }
        }
        let after = { (a: (SQLiteValue, Int64), b: (SQLiteValue, Int64)) in query.sort.descending ? precedes(b, a) : precedes(a, b) }
        let position = try query.cursor.map { try Self.decodeCursor($0, sort: query.sort) }
        let matching = past.entries.ordered
            .filter { query.admits($0, viewer: viewer) && texts?.contains($0.id) != false }
            .map { (key($0), $0.id) }
            .filter { candidate in position.map { after($0, candidate) } ?? true }
            .sorted(by: after)
        let chosen = matching.prefix(query.limit)
        let nextCursor = matching.count > query.limit ? chosen.last.map { Self.encodeCursor(sort: query.sort, value: $0.0, id: $0.1) } : nil
        let loaded = try database.read { try Projects.loadMany($0, ids: chosen.map(\.1), asOf: asOf) }
        let items = chosen.compactMap { _, id -> (StoredProject, Assessment)? in
            guard let project = loaded[id], let entry = past.entry(id) else { return nil }
            return (project, entry.assessment)
        }
        return Page(items: items, nextCursor: nextCursor)
    }

    /// The projects whose title or description matches `text` (every word a prefix of one of
    /// theirs); with `asOf`, in the texts of then.
    static func matchingText(_ text: String, asOf: AsOf?, _ database: SQLiteDatabase) throws -> Set<Int64> {
        guard let asOf else {
            return try database.read { db in
                Set(try db.query("SELECT rowid AS id FROM projects_fts WHERE projects_fts MATCH ?", [ftsQuery(text)]).map { try $0.decode("id", as: Int64.self) })
            }
        }
        // The full-text index knows only today's texts: the past ones are matched here, words
        // split and compared case-insensitively as the index's tokenizer does.
        let wanted = words(text)
        var matched: Set<Int64> = []
        try database.read { db in
            try db.forEach("SELECT project_id, title, description FROM (\(ProjectVersions.latestSQL(ids: false)))", [asOf.cutoff]) { row in
                let own = words(try row.decode("title", as: String.self) + " " + (try row.decodeIfPresent("description", as: String.self) ?? ""))
                if wanted.allSatisfy({ word in own.contains { $0.hasPrefix(word) } }) { matched.insert(try row.decode("project_id")) }
            }
        }
        return matched
    }

    private static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }

    /// Brings the full-text index up to date with the projects the transaction changed, which
    /// migration 0011's triggers noted: run once a write transaction, just before it commits
    /// (`SQLiteDatabase.Configuration.beforeCommit`), since FTS5 indexing inside each write's
    /// own statement costs several times as much.
    static func indexChangedProjects(_ db: SQLiteConnection) throws {
        // Most transactions that change no project: they write nothing here (an unfiltered
        // DELETE would still write the empty table's root page).
        guard try hasChangedProjects(db) else { return }
        try db.execute("""
            INSERT INTO projects_fts (projects_fts, rowid, title, description)
            SELECT 'delete', project_id, indexed_title, indexed_description FROM projects_fts_changed WHERE indexed_title IS NOT NULL
            """)
        try db.execute("""
            INSERT INTO projects_fts (rowid, title, description)
            SELECT p.id, p.title, coalesce(p.description, '') FROM projects_fts_changed c JOIN projects p ON p.id = c.project_id
            """)
        try db.execute("DELETE FROM projects_fts_changed")
    }

    /// Whether projects are noted for the full-text index: none are between the registry's own
    /// transactions, unless a change outside them (a migration, an operator's sqlite3) left them.
    static func hasChangedProjects(_ db: SQLiteConnection) throws -> Bool {
        try db.queryFirst("SELECT 1 FROM projects_fts_changed LIMIT 1") != nil
    }

    /// Each word a prefix match, all required; FTS5 syntax in the input is not interpreted.
    static func ftsQuery(_ text: String) -> String {
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard !words.isEmpty else { return "\"\"" }
        return words.map { "\"\($0)\"*" }.joined(separator: " AND ")
    }

    static func encodeCursor(sort: ProjectSort, value: SQLiteValue, id: Int64) -> String {
        let encodedValue: JSONValue
        switch value {
        case .integer(let number): encodedValue = .integer(number)
        case .text(let text): encodedValue = .string(text)
        default: encodedValue = .null
        }
        let json = JSONValue.array([.string(sort.rawValue), encodedValue, .integer(id)]).serialized
        return Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String, sort: ProjectSort) throws(RegistryError) -> (SQLiteValue, Int64) {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let value = try? JSONParser.parse([UInt8](data)),
              case .array(let parts) = value, parts.count == 3, case .string(let sortName) = parts[0],
              case .number(let idText) = parts[2], let id = Int64(idText) else {
            throw RegistryError.malformed("The cursor is not one this server gave out.")
        }
        guard sortName == sort.rawValue else {
            throw RegistryError.malformed("The cursor belongs to sort=\(sortName); keep the same sort while paging.")
        }
        switch parts[1] {
        case .number(let text): return (.integer(Int64(text) ?? 0), id)
        case .string(let text): return (.text(text), id)
        default: throw RegistryError.malformed("The cursor is not one this server gave out.")
        }
    }
}
