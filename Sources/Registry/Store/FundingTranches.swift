import JSON
import SQLiteDatabase

public struct FundingTranches: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    public func create(projectID: Int64, amount: Money, condition: FundingTranche.Condition, gate: Int?, by actor: Principal) throws -> FundingTranche {
        let now = clock.timestamp()
        return try database.write { db in
            guard let project = try Projects.load(db, id: projectID) else { throw RegistryError.notFound("No project has the id \(projectID).") }
            guard project.status.isOpen else { throw RegistryError.conflict("A project that is \(project.status.rawValue) gets no new funding.") }
            try db.execute("INSERT INTO funding_tranches (project_id, amount_cents, condition, gate, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                           [projectID, amount.minorUnits, condition.rawValue, gate, now, actor.auditName])
            let tranche = try Self.load(db, id: db.lastInsertRowID)!
            try AuditTrail.record(db, at: now, actor: actor, action: "funding.create", entity: "funding_tranche", entityID: String(tranche.id),
                                  projectID: projectID, after: Self.json(tranche))
            return tranche
        }
    }

    /// Releases the tranche if nothing blocks it; otherwise nothing changes.
    public func release(trancheID: Int64, by actor: Principal, compliance: Compliance) throws -> FundingTranche {
        let now = clock.timestamp()
        return try database.write { db in
            guard let tranche = try Self.load(db, id: trancheID) else { throw RegistryError.notFound("No funding tranche has the id \(trancheID).") }
            guard !tranche.isReleased else { throw RegistryError.conflict("Tranche \(trancheID) was released on \(tranche.releasedAt!).") }
            guard let project = try Projects.load(db, id: tranche.projectID) else { throw RegistryError.notFound("No project has the id \(tranche.projectID).") }
            let blockers = RulesEngine.releaseBlockers(tranche, context: try compliance.ownContext(on: db, for: project))
            if !blockers.isEmpty {
                throw RegistryError.blockedByRules("Tranche \(trancheID) cannot be released while \(blockers.count == 1 ? "this finding stands" : "these findings stand").", blockers)
            }
            try db.execute("UPDATE funding_tranches SET released_at = ?, released_by = ? WHERE id = ?", [now, actor.auditName, trancheID])
            let released = try Self.load(db, id: trancheID)!
            try AuditTrail.record(db, at: now, actor: actor, action: "funding.release", entity: "funding_tranche", entityID: String(trancheID),
                                  projectID: tranche.projectID, before: Self.json(tranche), after: Self.json(released))
            return released
        }
    }

    public func forProject(_ projectID: Int64, asOf: AsOf? = nil) throws -> [FundingTranche] {
        try database.read { try $0.query("SELECT * FROM funding_tranches WHERE project_id = ? ORDER BY id", [projectID]).map(Self.tranche) }
            .compactMap { asOf.map($0.asItStood) ?? $0 }
    }

    public func get(id: Int64) throws -> FundingTranche? { try database.read { try Self.load($0, id: id) } }

    static func load(_ db: SQLiteConnection, id: Int64) throws -> FundingTranche? {
        try db.queryFirst("SELECT * FROM funding_tranches WHERE id = ?", [id]).map(tranche)
    }

    static func tranche(_ row: SQLiteRow) throws -> FundingTranche {
        FundingTranche(id: try row.decode("id"), projectID: try row.decode("project_id"), amount: try row.decode("amount_cents"),
                       condition: try row.decode("condition"), gate: try row.decodeIfPresent("gate"),
                       createdAt: try row.decode("created_at"), createdBy: try row.decode("created_by"),
                       releasedAt: try row.decodeIfPresent("released_at"), releasedBy: try row.decodeIfPresent("released_by"))
    }

    public static func json(_ tranche: FundingTranche) -> JSONValue {
        .object([
            "id": .integer(tranche.id), "project_id": .integer(tranche.projectID), "amount": Money.json(tranche.amount),
            "condition": .string(tranche.condition.rawValue), "gate": tranche.gate.map { .integer($0) } ?? .null,
            "released": .bool(tranche.isReleased), "released_at": tranche.releasedAt.map { .string($0) } ?? .null,
            "released_by": tranche.releasedBy.map { .string($0) } ?? .null,
            "created_at": .string(tranche.createdAt), "created_by": .string(tranche.createdBy),
        ])
    }
}
