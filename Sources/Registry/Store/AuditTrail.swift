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
    static func record(_ db: SQLiteConnection, projectID: Int64, eventID: Int64, at: String) throws {
        try db.execute("""
            INSERT INTO project_versions
            SELECT ?, p.id, ?, p.agency_code, p.external_id, p.title, p.description, p.category, p.status, p.status_before_hold,
                   p.whole_life_cost_cents, p.spend_to_date_cents, p.start_date, p.planned_end_date, p.forecast_end_date,
                   p.risk_rating, p.owner_name, p.owner_role, p.owner_email, p.version, p.created_at, p.updated_at, p.reported_at,
                   (SELECT json_group_array(json_object('party', party, 'responsibility', responsibility, 'description', description))
                    FROM (SELECT * FROM project_roles WHERE project_id = p.id ORDER BY position)),
                   (SELECT json_group_array(name) FROM (SELECT name FROM project_systems WHERE project_id = p.id ORDER BY position)),
                   (SELECT json_group_array(name) FROM (SELECT name FROM project_datasets WHERE project_id = p.id ORDER BY position)),
                   (SELECT json_group_array(json_object('name', name, 'baseline_date', baseline_date, 'forecast_date', forecast_date,
                                                        'actual_date', actual_date))
                    FROM (SELECT * FROM milestones WHERE project_id = p.id ORDER BY position))
            FROM projects p
            WHERE p.id = ? AND NOT EXISTS (SELECT 1 FROM project_versions v
                                           WHERE v.project_id = p.id AND v.version = p.version AND v.reported_at IS p.reported_at)
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
