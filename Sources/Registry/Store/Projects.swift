import JSON
import SQLiteDatabase

/// A project as stored: the agency's record plus what the registry keeps about it.
public struct StoredProject: Sendable, Equatable {
    public var id: Int64
    public var agency: String
    public var record: ProjectRecord
    public var status: ProjectStatus
    public var statusBeforeHold: ProjectStatus?
    public var version: Int
    public var createdAt: String
    public var updatedAt: String
    /// The last time the project's agency changed it or reported on it.
    public var reportedAt: String = ""

    /// The day of `reportedAt`.
    public var reportedOn: LocalDate? { LocalDate(String(reportedAt.prefix(10))) }

    /// What the audit trail records as the project's state.
    public var snapshot: JSONValue {
        var object = record.json
        object["status"] = .string(status.rawValue)
        object["version"] = .integer(version)
        return .object(object)
    }
}

/// Projects: created and changed by their agency, in one transaction with their parts
/// (roles, systems, datasets, milestones) and their audit event.
public struct Projects: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    /// `alongside` runs in the same transaction once the project is inserted (an idempotency
    /// key, say): if it throws, nothing is created.
    public func create(_ record: ProjectRecord, agency: String, by actor: Principal,
                       alongside: (SQLiteConnection, StoredProject) throws -> Void = { _, _ in }) throws -> StoredProject {
        let now = clock.timestamp()
        return try database.write { db in
            guard try db.queryFirst("SELECT code FROM agencies WHERE code = ?", [agency]) != nil else {
                throw RegistryError.invalid([FieldError("agency", "no agency has the code '\(agency)'")])
            }
            if let existing = try db.queryFirst("SELECT id FROM projects WHERE agency_code = ? AND external_id = ?", [agency, record.externalID]) {
                throw RegistryError.conflict("Agency \(agency) already has a project with external_id '\(record.externalID)' (/api/v1/projects/\(try existing.decode("id", as: Int64.self))).")
            }
            let project = try Self.insert(db, record, agency: agency, at: now, by: actor, action: "project.create")
            try alongside(db, project)
            return project
        }
    }

    /// Replaces the agency's record (status and bookkeeping stay). `expectedVersion` guards
    /// against overwriting a change the client has not seen.
    public func replace(id: Int64, with record: ProjectRecord, expectedVersion: Int?, by actor: Principal,
                        alongside: (SQLiteConnection, StoredProject) throws -> Void = { _, _ in }) throws -> StoredProject {
        let now = clock.timestamp()
        return try database.write { db in
            guard let current = try Self.load(db, id: id) else { throw RegistryError.notFound("No project has the id \(id).") }
            if let expectedVersion, expectedVersion != current.version {
                throw RegistryError.stale("The project is at version \(current.version), not \(expectedVersion); read it again and reapply the change.")
            }
            if record.externalID != current.record.externalID,
               try db.queryFirst("SELECT id FROM projects WHERE agency_code = ? AND external_id = ? AND id != ?", [current.agency, record.externalID, id]) != nil {
                throw RegistryError.conflict("Agency \(current.agency) already has a project with external_id '\(record.externalID)'.")
            }
            let updated = try Self.update(db, current, to: record, at: now, by: actor, action: "project.update")
            try alongside(db, updated)
            return updated
        }
    }

    /// With `asOf`, as it stood then; nil if it did not exist yet.
    public func get(id: Int64, asOf: AsOf? = nil) throws -> StoredProject? {
        try database.read { try Self.loadMany($0, ids: [id], asOf: asOf)[id] }
    }

    public func find(agency: String, externalID: String) throws -> StoredProject? {
        try database.read { db in
            guard let row = try db.queryFirst("SELECT id FROM projects WHERE agency_code = ? AND external_id = ?", [agency, externalID]) else { return nil }
            return try Self.load(db, id: try row.decode("id"))
        }
    }

    // MARK: - Rows

    /// A new project in `proposed`, its parts and its audit event, inside the caller's transaction.
    static func insert(_ db: SQLiteConnection, _ record: ProjectRecord, agency: String, at now: String, by actor: Principal, action: String) throws -> StoredProject {
        try db.execute("""
            INSERT INTO projects (agency_code, external_id, title, description, category, status, whole_life_cost_cents,
                spend_to_date_cents, start_date, planned_end_date, forecast_end_date, risk_rating, owner_name, owner_role,
                owner_email, version, created_at, updated_at, reported_at)
            VALUES (?, ?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
            """, [agency] + columns(record) + [now, now, now])
        let id = db.lastInsertRowID
        try writeParts(db, id: id, record: record)
        let project = StoredProject(id: id, agency: agency, record: record, status: .proposed, statusBeforeHold: nil,
                                    version: 1, createdAt: now, updatedAt: now, reportedAt: now)
        try AuditTrail.record(db, at: now, actor: actor, action: action, entity: "project", entityID: String(id), projectID: id, after: project.snapshot)
        return project
    }

    /// The project's record replaced (status and bookkeeping stay), its parts rewritten, the
    /// change audited; a change by its own agency counts as a report.
    static func update(_ db: SQLiteConnection, _ current: StoredProject, to record: ProjectRecord, at now: String, by actor: Principal, action: String) throws -> StoredProject {
        let reported = actor.agencyCode == current.agency
        try db.execute("""
            UPDATE projects SET external_id = ?, title = ?, description = ?, category = ?, whole_life_cost_cents = ?,
                spend_to_date_cents = ?, start_date = ?, planned_end_date = ?, forecast_end_date = ?, risk_rating = ?,
                owner_name = ?, owner_role = ?, owner_email = ?, version = version + 1, updated_at = ?,
                reported_at = CASE WHEN ? THEN ? ELSE reported_at END
            WHERE id = ?
            """, columns(record) + [now, reported, now, current.id])
        for table in ["project_roles", "project_systems", "project_datasets", "milestones"] {
            try db.execute("DELETE FROM \(table) WHERE project_id = ?", [current.id])
        }
        try writeParts(db, id: current.id, record: record)
        var updated = current
        updated.record = record
        updated.version += 1
        updated.updatedAt = now
        if reported { updated.reportedAt = now }
        try AuditTrail.record(db, at: now, actor: actor, action: action, entity: "project", entityID: String(current.id),
                              projectID: current.id, before: current.snapshot, after: updated.snapshot)
        return updated
    }

    static func columns(_ record: ProjectRecord) -> [any SQLiteBindable] {
        [record.externalID, record.title, record.description, record.category, record.wholeLifeCost.minorUnits,
         record.spendToDate?.minorUnits, record.startDate?.description, record.plannedEndDate.description,
         record.forecastEndDate?.description, record.riskRating, record.owner?.name, record.owner?.role, record.owner?.email]
    }

    static func writeParts(_ db: SQLiteConnection, id: Int64, record: ProjectRecord) throws {
        for (position, role) in record.roles.enumerated() {
            try db.execute("INSERT INTO project_roles (project_id, position, party, responsibility, description) VALUES (?, ?, ?, ?, ?)",
                           [id, position, role.party, role.responsibility.rawValue, role.description])
        }
        for (position, name) in record.systems.enumerated() {
            try db.execute("INSERT INTO project_systems (project_id, position, name) VALUES (?, ?, ?)", [id, position, name])
        }
        for (position, name) in record.datasets.enumerated() {
            try db.execute("INSERT INTO project_datasets (project_id, position, name) VALUES (?, ?, ?)", [id, position, name])
        }
        for (position, milestone) in record.milestones.enumerated() {
            try db.execute("INSERT INTO milestones (project_id, position, name, baseline_date, forecast_date, actual_date) VALUES (?, ?, ?, ?, ?, ?)",
                           [id, position, milestone.name, milestone.baselineDate?.description, milestone.forecastDate?.description,
                            milestone.actualDate?.description])
        }
    }

    static func load(_ db: SQLiteConnection, id: Int64) throws -> StoredProject? {
        try loadMany(db, ids: [id])[id]
    }

    /// Every project's id, ascending (drafts, closed and, for a past day, later ones too).
    static func allIDs(_ db: SQLiteConnection) throws -> [Int64] {
        try db.query("SELECT id FROM projects ORDER BY id").map { try $0.decode("id", as: Int64.self) }
    }

    /// `ids` as one bound value for `IN (SELECT value FROM json_each(?))`.
    static func idList(_ ids: [Int64]) -> String { JSONValue.array(ids.map { .integer($0) }).serialized }

    /// The parts of a project read with it.
    struct Parts: OptionSet, Sendable {
        let rawValue: Int
        static let roles = Parts(rawValue: 1 << 0)
        static let systems = Parts(rawValue: 1 << 1)
        static let datasets = Parts(rawValue: 1 << 2)
        static let milestones = Parts(rawValue: 1 << 3)
        static let all: Parts = [.roles, .systems, .datasets, .milestones]
        /// What the rules read of a project's parts: a portfolio assessed whole reads no more
        /// (the similarity index reads systems and datasets itself).
        static let ruled: Parts = [.roles, .milestones]
    }

    /// Projects with their parts, a query per table however many are asked for; with `asOf`,
    /// as they stood then (those not yet registered are absent). Parts left out of `parts` are empty.
    static func loadMany(_ db: SQLiteConnection, ids: [Int64], asOf: AsOf? = nil, parts: Parts = .all) throws -> [Int64: StoredProject] {
        guard !ids.isEmpty else { return [:] }
        let list = idList(ids)
        if let asOf { return try versions(db, ProjectVersions.latestSQL(ids: true), [asOf.cutoff, list], parts: parts) }
        var projects: [Int64: StoredProject] = [:]
        try db.forEach("SELECT * FROM projects WHERE id IN (SELECT value FROM json_each(?))", [list]) { row in
            let project = try storedProject(row)
            projects[project.id] = project
        }
        let ofThese = "WHERE project_id IN (SELECT value FROM json_each(?)) ORDER BY project_id, position"
        if parts.contains(.roles) {
            try db.forEach("SELECT project_id, party, responsibility, description FROM project_roles " + ofThese, [list]) { row in
                projects[try row.decode("project_id")]?.record.roles.append(ProjectRole(party: try row.decode("party"),
                    responsibility: try row.decode("responsibility"), description: try row.decodeIfPresent("description")))
            }
        }
        if parts.contains(.systems) {
            try db.forEach("SELECT project_id, name FROM project_systems " + ofThese, [list]) { row in
                projects[try row.decode("project_id")]?.record.systems.append(try row.decode("name"))
            }
        }
        if parts.contains(.datasets) {
            try db.forEach("SELECT project_id, name FROM project_datasets " + ofThese, [list]) { row in
                projects[try row.decode("project_id")]?.record.datasets.append(try row.decode("name"))
            }
        }
        if parts.contains(.milestones) {
            try db.forEach("SELECT * FROM milestones " + ofThese, [list]) { m in
                projects[try m.decode("project_id")]?.record.milestones.append(Milestone(name: try m.decode("name"),
                    baselineDate: try m.decodeIfPresent("baseline_date"), forecastDate: try m.decodeIfPresent("forecast_date"),
                    actualDate: try m.decodeIfPresent("actual_date")))
            }
        }
        return projects
    }

    /// Rows of `project_versions`, each with its parts, by project.
    static func versions(_ db: SQLiteConnection, _ sql: String, _ arguments: [any SQLiteBindable], parts: Parts = .all) throws -> [Int64: StoredProject] {
        var projects: [Int64: StoredProject] = [:]
        try forEachVersion(db, sql, arguments, parts: parts) { _, project in
            let id = project.id
            projects[id] = consume project
        }
        return projects
    }

    /// Each row of `project_versions` that `sql` selects, with the project it records.
    static func forEachVersion(_ db: SQLiteConnection, _ sql: String, _ arguments: [any SQLiteBindable], parts: Parts = .all,
                               _ body: (SQLiteRow, consuming StoredProject) throws -> Void) throws {
        try db.forEach(sql, arguments) { row in
            var project = try storedProject(row, idColumn: "project_id")
            if parts.contains(.roles) { project.record.roles = try row.decode("roles", as: StoredRoles.self).roles }
            if parts.contains(.systems) { project.record.systems = try row.decode("systems", as: StoredStrings.self).values }
            if parts.contains(.datasets) { project.record.datasets = try row.decode("datasets", as: StoredStrings.self).values }
            if parts.contains(.milestones) { project.record.milestones = try row.decode("milestones", as: StoredMilestones.self).milestones }
            try body(row, project)
        }
    }

    /// A row of `projects` or `project_versions` (the same columns), without its parts.
    private static func storedProject(_ row: SQLiteRow, idColumn: String = "id") throws(SQLiteError) -> StoredProject {
        let owner: ProjectOwner? = try row.decodeIfPresent("owner_name", as: String.self).map { name throws(SQLiteError) in
            ProjectOwner(name: name, role: try row.decodeIfPresent("owner_role"), email: try row.decodeIfPresent("owner_email"))
        }
        let record = ProjectRecord(
            externalID: try row.decode("external_id"), title: try row.decode("title"), description: try row.decodeIfPresent("description"),
            category: try row.decodeIfPresent("category"), wholeLifeCost: try row.decode("whole_life_cost_cents"),
            spendToDate: try row.decodeIfPresent("spend_to_date_cents"), startDate: try row.decodeIfPresent("start_date"),
            plannedEndDate: try row.decode("planned_end_date"), forecastEndDate: try row.decodeIfPresent("forecast_end_date"),
            riskRating: try row.decodeIfPresent("risk_rating"), owner: owner)
        let updatedAt: String = try row.decode("updated_at")
        return StoredProject(
            id: try row.decode(idColumn), agency: try row.decode("agency_code"), record: record,
            status: try row.decode("status"), statusBeforeHold: try row.decodeIfPresent("status_before_hold"),
            version: try row.decode("version"), createdAt: try row.decode("created_at"), updatedAt: updatedAt,
            // Rows written before migration 0006 were given their updated_at.
            reportedAt: try row.decodeIfPresent("reported_at") ?? updatedAt)
    }
}

extension Projects {
    /// Who may take a project where: the agency moves its own project along its life cycle;
    /// the approval of a submitted project is the centre's decision; either may hold or cancel.
    public static func mayMove(_ actor: Principal, _ project: StoredProject, to target: ProjectStatus) -> Bool {
        switch actor {
        case .centre, .commandLine:
            return target == .approved || target == .onHold || target == .cancelled || project.status == .onHold
        case .agency(let code, _):
            return code == project.agency && target != .approved
        case .anonymous:
            return false
        }
    }

    /// Moves the project to `target` if its life cycle allows it, the actor may, and no rule
    /// blocks it; otherwise nothing changes.
    public func transition(id: Int64, to target: ProjectStatus, reason: String?, by actor: Principal, compliance: Compliance) throws -> StoredProject {
        let now = clock.timestamp()
        return try database.write { db in
            guard let current = try Self.load(db, id: id) else { throw RegistryError.notFound("No project has the id \(id).") }
            guard Self.mayMove(actor, current, to: target) else {
                throw RegistryError.forbidden(target == .approved
                    ? "Approving a project is the centre of government's decision."
                    : "Only agency \(current.agency) may move this project to \(target.rawValue).")
            }
            guard current.status.allowsMove(to: target, resumeTo: current.statusBeforeHold) else {
                let allowed = current.status.allowedTargets(resumeTo: current.statusBeforeHold).map(\.rawValue)
                let options = allowed.isEmpty ? "; it is closed." : "; it can become: \(allowed.joined(separator: ", "))."
                throw RegistryError.conflict("A project that is \(current.status.rawValue) cannot become \(target.rawValue)" + options)
            }
            // Read on the writer's connection: the state the decision applies to, and no reader
            // is needed while the writer is held.
            let blockers = RulesEngine.blockers(to: target, context: try compliance.ownContext(on: db, for: current))
            if !blockers.isEmpty {
                throw RegistryError.blockedByRules("The project cannot become \(target.rawValue) while \(blockers.count == 1 ? "this finding stands" : "these findings stand").", blockers)
            }
            let beforeHold: ProjectStatus? = target == .onHold ? current.status : nil
            try db.execute("""
                UPDATE projects SET status = ?, status_before_hold = ?, version = version + 1, updated_at = ?,
                    reported_at = CASE WHEN ? THEN ? ELSE reported_at END
                WHERE id = ?
                """, [target.rawValue, beforeHold?.rawValue, now, actor.agencyCode == current.agency, now, id])
            var updated = current
            updated.status = target
            updated.statusBeforeHold = beforeHold
            updated.version += 1
            updated.updatedAt = now
            var after = updated.snapshot
            if case .object(var object) = after, let reason { object["reason"] = .string(reason); after = .object(object) }
            try AuditTrail.record(db, at: now, actor: actor, action: "project.transition", entity: "project", entityID: String(id),
                                  projectID: id, before: current.snapshot, after: after)
            // Approval fixes the original baseline, in the same transaction.
            if target == .approved { try Baselines.takeOriginal(db, project: current, at: now, by: actor) }
            return updated
        }
    }

    public struct HistoryEvent: Sendable {
        public var at: String
        public var actor: String
        public var action: String
        public var before: JSONValue?
        public var after: JSONValue?
    }

    public func history(id: Int64, asOf: AsOf? = nil) throws -> [HistoryEvent] {
        let recorded = asOf.recorded("at")
        return try database.read { db in
            try db.query("SELECT at, actor, action, before, after FROM audit_events WHERE project_id = ?\(recorded.sql) ORDER BY id", [id] + recorded.arguments).map { row in
                HistoryEvent(at: try row.decode("at"), actor: try row.decode("actor"), action: try row.decode("action"),
                             before: try row.decodeIfPresent("before", as: StoredJSON.self)?.value,
                             after: try row.decodeIfPresent("after", as: StoredJSON.self)?.value)
            }
        }
    }
}

/// Everything a project's representation depends on, read in one query: when none of it
/// changed, neither did the representation (so it can be served from a cache, and it is the ETag).
public struct ProjectState: Sendable, Equatable, Hashable {
    public var id: Int64
    public var agency: String
    public var status: ProjectStatus
    public var version: Int
    public var businessCaseVersion: Int
    /// Decided reviews (a decision is never changed, so the count tells).
    public var completedReviews: Int
    /// Baselines are only ever added, so the count tells.
    public var baselines: Int
    /// Grows whenever a threshold is added.
    public var thresholdGeneration: Int64
    /// Obligations depend on the thresholds in force today.
    public var day: LocalDate
    /// Summarises the project's duplication and split findings, which other projects decide.
    public var similarity: Int = 0

    /// Changes with anything the representation shows, findings derived from other projects
    /// included, so `If-None-Match` sees every change. Its first two parts name the stored record.
    public var etag: String { "\"p\(id)-\(version)-\(businessCaseVersion)-\(completedReviews)-\(baselines)-\(thresholdGeneration)-\(day.daysSinceEpoch)-\(String(UInt(bitPattern: similarity), radix: 36))\"" }

    /// The record version an ETag of project `id` was read at (weak or strong), or nil when it is
    /// not one of this project's ETags. `If-Match` compares this alone: it protects the agency's
    /// record, not findings that other projects' writes change.
    public static func recordVersion(inETag tag: some StringProtocol, id: Int64) -> Int? {
        var opaque = Substring(tag)
        if opaque.hasPrefix("W/") { opaque = opaque.dropFirst(2) }
        let prefix = "\"p\(id)-"
        guard opaque.hasPrefix(prefix), opaque.hasSuffix("\""), opaque.count > prefix.count + 1 else { return nil }
        let rest = opaque.dropFirst(prefix.count)
        guard let dash = rest.firstIndex(of: "-") else { return nil }
        return Int(rest[..<dash])
    }
}

extension Projects {
    public func state(id: Int64) throws -> ProjectState? {
        try database.readStatement { try state(on: $0, id: id) }
    }

    /// The state on `db`: inside a write, the writer's connection, so the state the write left.
    public func state(on db: SQLiteConnection, id: Int64) throws -> ProjectState? {
        let today = clock.today()
        return try db.queryFirst("""
                SELECT agency_code, status, version,
                       (SELECT coalesce(max(version), 0) FROM business_case_versions WHERE project_id = projects.id) AS bc_version,
                       (SELECT count(*) FROM reviews WHERE project_id = projects.id AND status = 'completed') AS completed_reviews,
                       (SELECT count(*) FROM baselines WHERE project_id = projects.id) AS baselines,
                       (SELECT coalesce(max(id), 0) FROM thresholds) AS threshold_generation
                FROM projects WHERE id = ?
                """, [id]).map { row in
                ProjectState(id: id, agency: try row.decode("agency_code"), status: try row.decode("status"),
                             version: try row.decode("version"), businessCaseVersion: try row.decode("bc_version"),
                             completedReviews: try row.decode("completed_reviews"), baselines: try row.decode("baselines"),
                             thresholdGeneration: try row.decode("threshold_generation"), day: today)
        }
    }
}

extension Projects {
    public struct ImportResult: Sendable, Equatable {
        public var created: Int
        public var updated: Int
        public var unchanged: Int
    }

    /// Creates or updates (by external_id) every record in one transaction: all or nothing.
    /// A record equal to what is stored is left alone, so re-importing an export changes nothing.
    public func importRecords(_ records: [ProjectRecord], agency: String, by actor: Principal) throws -> ImportResult {
        let now = clock.timestamp()
        return try database.write { db in
            var result = ImportResult(created: 0, updated: 0, unchanged: 0)
            for record in records {
                if let row = try db.queryFirst("SELECT id FROM projects WHERE agency_code = ? AND external_id = ?", [agency, record.externalID]),
                   let current = try Self.load(db, id: try row.decode("id")) {
                    // The CSV carries no roles or milestones: the ones on record stay.
                    var merged = record
                    merged.roles = current.record.roles
                    merged.milestones = current.record.milestones
                    if current.record == merged { result.unchanged += 1; continue }
                    _ = try Self.update(db, current, to: merged, at: now, by: actor, action: "project.import.update")
                    result.updated += 1
                } else {
                    _ = try Self.insert(db, record, agency: agency, at: now, by: actor, action: "project.import.create")
                    result.created += 1
                }
            }
            return result
        }
    }
}
