import JSON
import SQLiteDatabase

/// Appends audit events, always inside the transaction of the change they record.
public enum AuditTrail {
    public static func record(_ db: SQLiteConnection, at: String, actor: Principal, action: String, entity: String, entityID: String,
                              projectID: Int64? = nil, before: JSONValue? = nil, after: JSONValue? = nil) throws {
        try db.execute(
            "INSERT INTO audit_events (at, actor, action, entity, entity_id, project_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [at, actor.auditName, action, entity, entityID, projectID, before?.serialized, after?.serialized])
    }
}
