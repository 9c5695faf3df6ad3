import JSON
import SQLiteDatabase

/// Thresholds over time. New ones are added with an effective date; none is changed or removed,
/// so what a project owed on any past day can still be told.
public struct Thresholds: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    /// The thresholds known at `asOf` (nil: now), whatever their effective dates.
    public func schedule(asOf: AsOf? = nil) throws -> ThresholdSchedule {
        try database.read { try Self.schedule($0, asOf: asOf) }
    }

    static func schedule(_ db: SQLiteConnection, asOf: AsOf?) throws -> ThresholdSchedule {
        // The defaults seeded at creation count from the registry's start, whenever it was created.
        let known = asOf.map { (" WHERE created_at < ? OR created_by = 'system'", [$0.cutoff] as [any SQLiteBindable]) } ?? ("", [])
        return ThresholdSchedule(try db.query("SELECT kind, amount_cents, effective_from, scope FROM thresholds\(known.0) ORDER BY effective_from, id",
                                              known.1).map(Self.threshold))
    }

    public func add(_ threshold: Threshold, by actor: Principal) throws {
        let now = clock.timestamp()
        try database.write { db in
            try db.execute("INSERT INTO thresholds (kind, amount_cents, effective_from, scope, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                           [threshold.kind.rawValue, threshold.amount.minorUnits, threshold.effectiveFrom.description,
                            threshold.scope?.rawValue, now, actor.auditName])
            try AuditTrail.record(db, at: now, actor: actor, action: "threshold.create", entity: "threshold", entityID: String(db.lastInsertRowID),
                                  after: .object([
                                    "kind": .string(threshold.kind.rawValue), "amount": .number(threshold.amount.decimalString),
                                    "effective_from": .string(threshold.effectiveFrom.description),
                                    "scope": threshold.scope.map { .string($0.rawValue) } ?? .null]))
        }
    }

    static func threshold(_ row: SQLiteRow) throws -> Threshold {
        Threshold(kind: try row.decode("kind"), amount: try row.decode("amount_cents"), effectiveFrom: try row.decode("effective_from"),
                  scope: try row.decodeIfPresent("scope"))
    }
}
