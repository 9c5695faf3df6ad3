import JSON
import SQLiteDatabase

/// The agencies that report projects. Created by the centre; codes never change.
public struct Agencies: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    public struct Summary: Sendable, Equatable {
        public var agency: Agency
        public var projectCount: Int
        public var wholeLifeCost: Money
        public var spendToDate: Money
    }

    /// Codes are short upper-case identifiers such as `MINFIN`; nil when `code` is one.
    public static func codeProblem(_ code: String) -> String? {
        let valid = (2...32).contains(code.count)
            && code.allSatisfy { ($0.isASCII && ($0.isUppercase || $0.isNumber)) || $0 == "-" || $0 == "_" }
        return valid ? nil : "must be 2–32 characters: capital letters, digits, '-' or '_'"
    }

    public static func validate(_ agency: Agency) -> [FieldError] {
        var errors: [FieldError] = []
        if let problem = codeProblem(agency.code) { errors.append(FieldError("code", problem)) }
        if agency.name.trimmingSpaces.isEmpty { errors.append(FieldError("name", "must not be empty")) }
        if agency.name.count > 200 { errors.append(FieldError("name", "must be at most 200 characters")) }
        return errors
    }

    public func create(_ agency: Agency, by actor: Principal) throws {
        let errors = Self.validate(agency)
        guard errors.isEmpty else { throw RegistryError.invalid(errors) }
        let now = clock.timestamp()
        try database.write { db in
            if try db.queryFirst("SELECT code FROM agencies WHERE code = ?", [agency.code]) != nil {
                throw RegistryError.conflict("An agency with the code '\(agency.code)' already exists.")
            }
            try db.execute("INSERT INTO agencies (code, name, level, created_at) VALUES (?, ?, ?, ?)",
                           [agency.code, agency.name, agency.level.rawValue, now])
            try AuditTrail.record(db, at: now, actor: actor, action: "agency.create", entity: "agency", entityID: agency.code,
                                  after: .object(["code": .string(agency.code), "name": .string(agency.name), "level": .string(agency.level.rawValue)]))
        }
    }

    public func list() throws -> [Agency] {
        try database.read { db in
            try db.query("SELECT code, name, level FROM agencies ORDER BY code").map(Self.agency)
        }
    }

    /// The agency with its published projects counted and summed (drafts stay private to it).
    public func summary(code: String) throws -> Summary {
        try database.read { db in
            guard let row = try db.queryFirst("""
                SELECT a.code AS code, a.name AS name, a.level AS level, count(p.id) AS n, coalesce(sum(p.whole_life_cost_cents), 0) AS cost,
                       coalesce(sum(p.spend_to_date_cents), 0) AS spend
                FROM agencies a LEFT JOIN projects p ON p.agency_code = a.code AND p.status != 'proposed'
                WHERE a.code = ? GROUP BY a.code
                """, [code]) else {
                throw RegistryError.notFound("No agency has the code '\(code)'.")
            }
            return Summary(agency: try Self.agency(row), projectCount: try row.decode("n"),
                           wholeLifeCost: try row.decode("cost"), spendToDate: try row.decode("spend"))
        }
    }

    /// Every agency's level of government, or those of `codes` (agencies are never changed):
    /// a write reads its own agency's, not a row for every agency of the government.
    static func levels(_ db: SQLiteConnection, of codes: Set<String>? = nil) throws -> [String: GovernmentLevel] {
        var levels: [String: GovernmentLevel] = [:]
        let row = { (row: SQLiteRow) throws in levels[try row.decode("code")] = try row.decode("level") }
        if let codes {
            try db.forEach("SELECT code, level FROM agencies WHERE code IN (SELECT value FROM json_each(?))",
                           [JSONValue.array(codes.map { .string($0) }).serialized], row)
        } else {
            try db.forEach("SELECT code, level FROM agencies", [], row)
        }
        return levels
    }

    static func agency(_ row: SQLiteRow) throws -> Agency {
        Agency(code: try row.decode("code"), name: try row.decode("name"), level: try row.decode("level"))
    }
}
