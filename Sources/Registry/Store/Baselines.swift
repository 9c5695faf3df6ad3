import JSON
import SQLiteDatabase

/// Baselines: the original at approval, then numbered re-baselines, none ever changed.
public struct Baselines: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    public func list(projectID: Int64, asOf: AsOf? = nil) throws -> [Baseline] {
        try database.read { try Self.all($0, projectID: projectID, asOf: asOf) }
    }

    /// Records a re-baseline (the centre's decision) for a project that has its original.
    public func rebaseline(projectID: Int64, cost: Money, plannedEndDate: LocalDate, reason: String, by actor: Principal) throws -> Baseline {
        let now = clock.timestamp()
        return try database.write { db in
            guard try Projects.load(db, id: projectID) != nil else { throw RegistryError.notFound("No project has the id \(projectID).") }
            let existing = try Self.all(db, projectID: projectID)
            guard !existing.isEmpty else {
                throw RegistryError.conflict("Project \(projectID) has no baseline yet: its first baseline is taken when it is approved.")
            }
            let baseline = Baseline(number: existing.count + 1, wholeLifeCost: cost, plannedEndDate: plannedEndDate, reason: reason,
                                    createdAt: now, createdBy: actor.auditName)
            try Self.insert(db, baseline, projectID: projectID)
            try AuditTrail.record(db, at: now, actor: actor, action: "baseline.create", entity: "baseline", entityID: "\(projectID)/\(baseline.number)",
                                  projectID: projectID, before: existing.last.map(Self.json), after: Self.json(baseline))
            return baseline
        }
    }

    /// The original baseline, from the project as approved; inside the approval's transaction.
    static func takeOriginal(_ db: SQLiteConnection, project: StoredProject, at now: String, by actor: Principal) throws {
        guard try all(db, projectID: project.id).isEmpty else { return }
        let baseline = Baseline(number: 1, wholeLifeCost: project.record.wholeLifeCost, plannedEndDate: project.record.plannedEndDate,
                                reason: "Approved", createdAt: now, createdBy: actor.auditName)
        try insert(db, baseline, projectID: project.id)
        try AuditTrail.record(db, at: now, actor: actor, action: "baseline.create", entity: "baseline", entityID: "\(project.id)/1",
                              projectID: project.id, after: json(baseline))
    }

    static func insert(_ db: SQLiteConnection, _ baseline: Baseline, projectID: Int64) throws {
        try db.execute("INSERT INTO baselines (project_id, number, whole_life_cost_cents, planned_end_date, reason, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [projectID, baseline.number, baseline.wholeLifeCost.minorUnits, baseline.plannedEndDate.description, baseline.reason,
                        baseline.createdAt, baseline.createdBy])
    }

    static func all(_ db: SQLiteConnection, projectID: Int64, asOf: AsOf? = nil) throws -> [Baseline] {
        let taken = asOf.recorded("created_at")
        return try db.query("SELECT * FROM baselines WHERE project_id = ?\(taken.sql) ORDER BY number", [projectID] + taken.arguments).map(baseline)
    }

    static func baseline(_ row: SQLiteRow) throws -> Baseline {
        Baseline(number: try row.decode("number"), wholeLifeCost: try row.decode("whole_life_cost_cents"),
                 plannedEndDate: try row.decode("planned_end_date"), reason: try row.decode("reason"),
                 createdAt: try row.decode("created_at"), createdBy: try row.decode("created_by"))
    }

    public static func json(_ baseline: Baseline) -> JSONValue {
        .object([
            "number": .integer(baseline.number), "whole_life_cost": Money.json(baseline.wholeLifeCost),
            "planned_end_date": .string(baseline.plannedEndDate.description), "reason": .string(baseline.reason),
            "created_at": .string(baseline.createdAt), "created_by": .string(baseline.createdBy),
        ])
    }

    /// Variance as the API shows it; positive is worse (more cost, a later end).
    public static func json(_ variance: Variance) -> JSONValue {
        .object([
            "cost": .number(variance.cost.decimalString),
            "cost_percent": variance.costPercentText.map { .number($0) } ?? .null,
            "schedule_days": .integer(variance.scheduleDays),
        ])
    }
}
