import JSON
import SQLiteDatabase

public struct BusinessCaseVersion: Sendable, Equatable {
    public var projectID: Int64
    public var version: Int
    public var businessCase: BusinessCase
    public var createdAt: String
    public var createdBy: String
}

/// Business-case versions: each PUT appends one; none is changed.
public struct BusinessCases: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    /// Stores a new version for the project and returns it.
    public func put(_ businessCase: BusinessCase, projectID: Int64, by actor: Principal) throws -> BusinessCaseVersion {
        let now = clock.timestamp()
        return try database.write { db in
            guard try db.queryFirst("SELECT id FROM projects WHERE id = ?", [projectID]) != nil else {
                throw RegistryError.notFound("No project has the id \(projectID).")
            }
            let previous = try Self.latest(db, projectID: projectID)
            let version = (previous?.version ?? 0) + 1
            let json = businessCase.json
            func text(_ key: String) -> String { json[key]?.serialized ?? "[]" }
            let value = json["value"].flatMap { value -> JSONObject? in if case .object(let o) = value { return o }; return nil } ?? [:]
            try db.execute("""
                INSERT INTO business_case_versions (project_id, version, value_economic, value_non_monetary, risks, timeframes,
                    financial_plan, follow_up, responsibilities, milestone_consequences, stakeholders, options, created_at, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [projectID, version, value["economic"]?.serialized ?? "[]", value["non_monetary"]?.serialized ?? "[]",
                      text("risks"), text("timeframes"), text("financial_plan"), text("follow_up"), text("responsibilities"),
                      businessCase.milestoneConsequences, text("stakeholders"), text("options"), now, actor.auditName])
            // Writing the business case is the agency reporting on its project.
            if actor.agencyCode != nil { try db.execute("UPDATE projects SET reported_at = ? WHERE id = ?", [now, projectID]) }
            try AuditTrail.record(db, at: now, actor: actor, action: "business_case.put", entity: "business_case",
                                  entityID: "\(projectID)/\(version)", projectID: projectID,
                                  before: previous.map { .object($0.businessCase.json) }, after: .object(json))
            return BusinessCaseVersion(projectID: projectID, version: version, businessCase: businessCase, createdAt: now, createdBy: actor.auditName)
        }
    }

    public func latest(projectID: Int64, asOf: AsOf? = nil) throws -> BusinessCaseVersion? {
        try database.read { try Self.latest($0, projectID: projectID, asOf: asOf) }
    }

    public func versions(projectID: Int64, asOf: AsOf? = nil) throws -> [BusinessCaseVersion] {
        let written = asOf.recorded("created_at")
        return try database.read { db in
            try db.query("SELECT * FROM business_case_versions WHERE project_id = ?\(written.sql) ORDER BY version", [projectID] + written.arguments).map(Self.version)
        }
    }

    static func latest(_ db: SQLiteConnection, projectID: Int64, asOf: AsOf? = nil) throws -> BusinessCaseVersion? {
        let written = asOf.recorded("created_at")
        return try db.queryFirst("SELECT * FROM business_case_versions WHERE project_id = ?\(written.sql) ORDER BY version DESC LIMIT 1",
                                 [projectID] + written.arguments).map(Self.version)
    }

    /// Stored versions are read back through the same checks as the API's input.
    static func version(_ row: SQLiteRow) throws -> BusinessCaseVersion {
        func section(_ column: String) throws -> JSONValue { try row.decode(column, as: StoredJSON.self).value }
        var object: JSONObject = [
            "value": .object(["economic": try section("value_economic"), "non_monetary": try section("value_non_monetary")]),
            "risks": try section("risks"), "timeframes": try section("timeframes"), "financial_plan": try section("financial_plan"),
            "follow_up": try section("follow_up"), "responsibilities": try section("responsibilities"),
            "stakeholders": try section("stakeholders"), "options": try section("options"),
        ]
        object["milestone_consequences"] = try row.decodeIfPresent("milestone_consequences", as: String.self).map { .string($0) }
        return BusinessCaseVersion(projectID: try row.decode("project_id"), version: try row.decode("version"),
                                   businessCase: try BusinessCaseInput.read(object),
                                   createdAt: try row.decode("created_at"), createdBy: try row.decode("created_by"))
    }
}
