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
        if let projectID { try ProjectVersions.record(db, projectID: projectID, eventID: db.lastInsertRowID, at: at) }
    }
}

/// Every state a project has been in (migration 0007). The audit trail keeps each: any event
/// naming a project that left its row changed (its version, or when its agency last reported)
/// copies the row and its parts, so no write can change a project without leaving its history.
enum ProjectVersions {
    /// A version's columns after its event id and time, in the order of `project_rows_as_versions`.
    private static let rowColumns = """
        project_id, agency_code, external_id, title, description, category, status, status_before_hold, whole_life_cost_cents,
        spend_to_date_cents, start_date, planned_end_date, forecast_end_date, risk_rating, owner_name, owner_role, owner_email,
        version, created_at, updated_at, reported_at, roles, systems, datasets, milestones
        """

    static func record(_ db: SQLiteConnection, projectID: Int64, eventID: Int64, at: String) throws {
        // The row as a version is the view of migration 0010, which copied rows the same way.
        try db.execute("""
            INSERT INTO project_versions (event_id, at, \(rowColumns))
            SELECT ?, ?, r.* FROM project_rows_as_versions r
            WHERE r.project_id = ? AND NOT EXISTS (SELECT 1 FROM project_versions v
                                                   WHERE v.project_id = r.project_id AND v.version = r.version AND v.reported_at IS r.reported_at)
            """, [eventID, at, projectID])
    }

    /// The latest version of each project (of `ids`, or all) recorded by `asOf`: `columns` of it.
    static func latestSQL(ids: Bool, columns: String = "*") -> String {
        """
        SELECT \(columns) FROM project_versions WHERE event_id IN (
            SELECT max(event_id) FROM project_versions WHERE at < ?\(ids ? " AND project_id IN (SELECT value FROM json_each(?))" : "")
            GROUP BY project_id)
        """
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

    /// What has been recorded since the end of `asOf`'s day: the projects named, and the kinds
    /// of record named by no project (a threshold, an agency, a token).
    static func recorded(_ db: SQLiteConnection, after asOf: AsOf) throws -> (projects: Set<Int64>, registryWide: Set<String>) {
        var recorded: (projects: Set<Int64>, registryWide: Set<String>) = ([], [])
        // Not DISTINCT: the planner would then walk the whole trail by project instead of the recent part by time.
        try db.forEach("SELECT project_id, entity FROM audit_events WHERE at >= ?", [asOf.cutoff]) { row in
            if let project: Int64 = try row.decodeIfPresent("project_id") {
                recorded.projects.insert(project)
            } else {
                recorded.registryWide.insert(try row.decode("entity"))
            }
        }
        return recorded
    }

    /// The position now, without reading what came before it.
    static func latestPosition(_ db: SQLiteConnection) throws -> Int64 {
        try db.queryFirst("SELECT coalesce(max(id), 0) AS id FROM audit_events")?.decode("id") ?? 0
    }
}
