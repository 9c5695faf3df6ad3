import JSON
import SQLiteDatabase

/// Appends audit events, always inside the transaction of the change they record. Every change
/// to what a project's assessment depends on records an event naming the project: the
/// in-memory views (`PortfolioProjection`, `SimilarityIndex`) learn what to re-read from them.
public enum AuditTrail {
    public static func record(_ db: SQLiteConnection, at: String, actor: Principal, action: String, entity: String, entityID: String,
                              projectID: Int64? = nil, before: JSONValue? = nil, after: JSONValue? = nil) throws {
        try db.execute(
            "INSERT INTO audit_events (at, actor, action, entity, entity_id, project_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [at, actor.auditName, action, entity, entityID, projectID, before?.serialized, after?.serialized])
    }
}

/// What the audit trail says changed after a position: the registry's change feed, from which
/// the in-memory views of the portfolio bring themselves up to date.
public struct AuditChanges: Sendable, Equatable {
    /// The last event read; the next read starts after it.
    public var position: Int64
    /// Projects with an event after the old position.
    public var projects: Set<Int64>
    /// Kinds of record changed (`project`, `threshold`, `agency`, ...).
    public var entities: Set<String>

    static func read(_ db: SQLiteConnection, after position: Int64) throws -> AuditChanges {
        var changes = AuditChanges(position: position, projects: [], entities: [])
        try db.forEach("SELECT id, entity, project_id FROM audit_events WHERE id > ? ORDER BY id", [position]) { row in
            changes.position = try row.decode("id")
            if let project: Int64 = try row.decodeIfPresent("project_id") { changes.projects.insert(project) }
            changes.entities.insert(try row.decode("entity"))
        }
        return changes
    }

    /// The position now, without reading what came before it.
    static func latestPosition(_ db: SQLiteConnection) throws -> Int64 {
        try db.queryFirst("SELECT coalesce(max(id), 0) AS id FROM audit_events")?.decode("id") ?? 0
    }
}
