import JSON
import SQLiteDatabase

/// Reviews: requested and decided by the centre, each fixed to the cost and schedule it saw.
public struct Reviews: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    public struct Request: Sendable {
        public var kind: Review.Kind
        public var gate: Int?
        public var reviewer: String?
        public init(kind: Review.Kind, gate: Int? = nil, reviewer: String? = nil) { self.kind = kind; self.gate = gate; self.reviewer = reviewer }
    }

    public struct Decision: Sendable {
        public var outcome: Review.Outcome
        public var deliveryConfidence: Review.DeliveryConfidence
        public var conditions: [String]
        public var recommendations: [String]
        public init(outcome: Review.Outcome, deliveryConfidence: Review.DeliveryConfidence, conditions: [String] = [], recommendations: [String] = []) {
            self.outcome = outcome; self.deliveryConfidence = deliveryConfidence; self.conditions = conditions; self.recommendations = recommendations
        }
    }

    public func request(_ request: Request, projectID: Int64, by actor: Principal) throws -> Review {
        let now = clock.timestamp()
        return try database.write { db in
            guard let project = try Projects.load(db, id: projectID) else { throw RegistryError.notFound("No project has the id \(projectID).") }
            guard project.status.isOpen, project.status != .proposed else {
                throw RegistryError.conflict("A project that is \(project.status.rawValue) cannot be reviewed; reviews are for submitted and running projects.")
            }
            let level: GovernmentLevel = try db.queryFirst("SELECT level FROM agencies WHERE code = ?", [project.agency])?.decode("level") ?? .national
            let schedule = ThresholdSchedule(try db.query("SELECT kind, amount_cents, effective_from, scope FROM thresholds").map(Thresholds.threshold))
            let obligations = RulesEngine.obligations(cost: project.record.wholeLifeCost, level: level, thresholds: schedule, on: clock.today())
            try db.execute("""
                INSERT INTO reviews (project_id, kind, gate, reviewer, reviewed_cost_cents, reviewed_planned_end_date, reviewed_version,
                    business_case_threshold_cents, central_review_threshold_cents, requested_at, requested_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [projectID, request.kind.rawValue, request.gate, request.reviewer, project.record.wholeLifeCost.minorUnits,
                      (project.record.forecastEndDate ?? project.record.plannedEndDate).description, project.version,
                      obligations.businessCaseThreshold?.minorUnits, obligations.centralReviewThreshold?.minorUnits, now, actor.auditName])
            let review = try Self.load(db, id: db.lastInsertRowID)!
            try AuditTrail.record(db, at: now, actor: actor, action: "review.request", entity: "review", entityID: String(review.id),
                                  projectID: projectID, after: Self.json(review))
            return review
        }
    }

    public func decide(reviewID: Int64, _ decision: Decision, by actor: Principal) throws -> Review {
        let now = clock.timestamp()
        return try database.write { db in
            guard let before = try Self.load(db, id: reviewID) else { throw RegistryError.notFound("No review has the id \(reviewID).") }
            guard before.status != .completed else {
                throw RegistryError.conflict("Review \(reviewID) was completed on \(before.completedAt ?? "?"); a decision is never changed. Request a new review.")
            }
            try db.execute("""
                UPDATE reviews SET status = 'completed', completed_at = ?, outcome = ?, delivery_confidence = ?, conditions = ?, recommendations = ?
                WHERE id = ?
                """, [now, decision.outcome.rawValue, decision.deliveryConfidence.rawValue,
                      JSONValue.array(decision.conditions.map { .string($0) }).serialized,
                      JSONValue.array(decision.recommendations.map { .string($0) }).serialized, reviewID])
            let after = try Self.load(db, id: reviewID)!
            try AuditTrail.record(db, at: now, actor: actor, action: "review.outcome", entity: "review", entityID: String(reviewID),
                                  projectID: after.projectID, before: Self.json(before), after: Self.json(after))
            return after
        }
    }

    public func get(id: Int64) throws -> Review? { try database.read { try Self.load($0, id: id) } }

    public func forProject(_ projectID: Int64, asOf: AsOf? = nil) throws -> [Review] {
        try database.read { try Self.all($0, projectID: projectID) }.compactMap { asOf.map($0.asItStood) ?? $0 }
    }

    /// Reviews in a status, oldest request first (the queue), leaving out drafts' reviews for the public.
    /// With `asOf`, the queue as it stood then: requested by then, in that status then, of
    /// projects that were not drafts then.
    public func queue(status: Review.Status?, includeDrafts: Bool, asOf: AsOf) throws -> [Review] {
        try database.read { db in
            let drafts = includeDrafts ? "" : " AND r.project_id NOT IN (SELECT project_id FROM (\(ProjectVersions.latestSQL(ids: false))) WHERE status = 'proposed')"
            let arguments: [any SQLiteBindable] = includeDrafts ? [asOf.cutoff] : [asOf.cutoff, asOf.cutoff]
            return try db.query("SELECT r.* FROM reviews r WHERE r.requested_at < ?" + drafts + " ORDER BY r.requested_at, r.id", arguments)
                .map(Self.review).compactMap { $0.asItStood(at: asOf) }.filter { status == nil || $0.status == status }
        }
    }

    public func queue(status: Review.Status?, includeDrafts: Bool) throws -> [Review] {
        try database.read { db in
            let (from, arguments) = Self.queueFilter(status: status, includeDrafts: includeDrafts)
            return try db.query("SELECT r.* " + from + " ORDER BY r.requested_at, r.id", arguments).map(Self.review)
        }
    }

    /// One page of `queue`, and how many reviews the whole queue has: a page costs what it shows.
    public func queuePage(status: Review.Status?, includeDrafts: Bool, limit: Int, offset: Int) throws -> (reviews: [Review], total: Int) {
        try database.read { db in
            let (from, arguments) = Self.queueFilter(status: status, includeDrafts: includeDrafts)
            let total: Int = try db.queryFirst("SELECT count(*) AS n " + from, arguments)?.decode("n") ?? 0
            let reviews = try db.query("SELECT r.* " + from + " ORDER BY r.requested_at, r.id LIMIT ? OFFSET ?", arguments + [limit, offset]).map(Self.review)
            return (reviews, total)
        }
    }

    /// The queue's reviews: of one status, and with drafts' reviews left out unless asked for.
    private static func queueFilter(status: Review.Status?, includeDrafts: Bool) -> (String, [any SQLiteBindable]) {
        // Drafts are few: leaving out their reviews by a list is cheaper than a join per review.
        var from = "FROM reviews r WHERE " + (includeDrafts ? "1 = 1" : "r.project_id NOT IN (SELECT id FROM projects WHERE status = 'proposed')")
        var arguments: [any SQLiteBindable] = []
        if let status { from += " AND r.status = ?"; arguments.append(status.rawValue) }
        return (from, arguments)
    }

    static func all(_ db: SQLiteConnection, projectID: Int64) throws -> [Review] {
        try db.query("SELECT * FROM reviews WHERE project_id = ? ORDER BY id", [projectID]).map(review)
    }

    static func load(_ db: SQLiteConnection, id: Int64) throws -> Review? {
        try db.queryFirst("SELECT * FROM reviews WHERE id = ?", [id]).map(review)
    }

    static func review(_ row: SQLiteRow) throws -> Review {
        Review(
            id: try row.decode("id"), projectID: try row.decode("project_id"), kind: try row.decode("kind"),
            gate: try row.decodeIfPresent("gate"), status: try row.decode("status"), reviewer: try row.decodeIfPresent("reviewer"),
            reviewedCost: try row.decode("reviewed_cost_cents"), reviewedPlannedEndDate: try row.decode("reviewed_planned_end_date"),
            reviewedVersion: try row.decode("reviewed_version"),
            businessCaseThreshold: try row.decodeIfPresent("business_case_threshold_cents"),
            centralReviewThreshold: try row.decodeIfPresent("central_review_threshold_cents"),
            requestedAt: try row.decode("requested_at"), requestedBy: try row.decode("requested_by"),
            completedAt: try row.decodeIfPresent("completed_at"), outcome: try row.decodeIfPresent("outcome"),
            deliveryConfidence: try row.decodeIfPresent("delivery_confidence"),
            conditions: try row.decode("conditions", as: StoredStrings.self).values,
            recommendations: try row.decode("recommendations", as: StoredStrings.self).values)
    }

    /// The review as the API and the audit trail show it.
    public static func json(_ review: Review) -> JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        return .object([
            "id": .integer(review.id), "project_id": .integer(review.projectID), "kind": .string(review.kind.rawValue),
            "gate": review.gate.map { .integer($0) } ?? .null, "status": .string(review.status.rawValue), "reviewer": optional(review.reviewer),
            "reviewed_cost": Money.json(review.reviewedCost), "reviewed_planned_end_date": .string(review.reviewedPlannedEndDate.description),
            "reviewed_version": .integer(review.reviewedVersion),
            "thresholds_in_force": .object([
                "business_case": review.businessCaseThreshold.map(Money.json) ?? .null,
                "central_review": review.centralReviewThreshold.map(Money.json) ?? .null,
            ]),
            "requested_at": .string(review.requestedAt), "requested_by": .string(review.requestedBy), "completed_at": optional(review.completedAt),
            "outcome": optional(review.outcome?.rawValue), "delivery_confidence": optional(review.deliveryConfidence?.rawValue),
            "conditions": .array(review.conditions.map { .string($0) }), "recommendations": .array(review.recommendations.map { .string($0) }),
        ])
    }
}
