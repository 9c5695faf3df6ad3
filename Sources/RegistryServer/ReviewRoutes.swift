import HTTPServer
import JSON
import Registry

/// Reviews (Principle 8): the centre requests them and records their outcome; anyone sees
/// the queue and a project's reviews (drafts' only their agency and the centre).
struct ReviewRoutes {
    let projects: ProjectRoutes

    static var reviewSchema: JSONValue {
        let text = Schema.nullable(Schema.string)
        return Schema.object([
            ("id", Schema.integer), ("project_id", Schema.integer), ("kind", Schema.enumeration(Review.Kind.allCases.map(\.rawValue))),
            ("gate", Schema.nullable(Schema.integer)), ("status", Schema.enumeration(Review.Status.allCases.map(\.rawValue))), ("reviewer", text),
            ("reviewed_cost", Schema.money), ("reviewed_planned_end_date", Schema.date), ("reviewed_version", Schema.integer),
            ("thresholds_in_force", Schema.object([("business_case", Schema.nullable(Schema.money)), ("central_review", Schema.nullable(Schema.money))])),
            ("requested_at", Schema.dateTime), ("requested_by", Schema.string), ("completed_at", Schema.nullable(Schema.dateTime)),
            ("outcome", Schema.nullable(Schema.enumeration(Review.Outcome.allCases.map(\.rawValue)))),
            ("delivery_confidence", Schema.nullable(Schema.enumeration(Review.DeliveryConfidence.allCases.map(\.rawValue)))),
            ("conditions", Schema.array(Schema.string)), ("recommendations", Schema.array(Schema.string)),
            ("waited_days", Schema.integer),
        ], required: ["id", "project_id", "kind", "status", "reviewed_cost", "requested_at"])
    }

    /// Days from the request to the decision, or to today while it waits. The queue and its page ask here.
    static func waitedDays(_ review: Review, today: LocalDate) -> Int {
        let requested = LocalDate(String(review.requestedAt.prefix(10))) ?? today
        return LocalDate.days(from: requested, to: review.completedAt.flatMap { LocalDate(String($0.prefix(10))) } ?? today)
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let storage = projects.storage
        let idParameter = APIOperation.Parameter(name: "id", location: "path", description: "The project's id.", schema: Schema.integer)

        api.add(APIOperation(
            method: .POST, path: "/api/v1/projects/{id}/reviews", id: "requestReview",
            summary: "Request a review (centre only); it records the cost, schedule and thresholds it reviews.", tag: "Reviews", access: .centre,
            parameters: [idParameter],
            requestSchema: Schema.when(Schema.object([("kind", Schema.enumeration(Review.Kind.allCases.map(\.rawValue))),
                                                      ("gate", Schema.nullable(Schema.integer(0...5))),
                                                      ("reviewer", Schema.optionalText(maxLength: 200))], required: ["kind"]),
                                       "kind", is: Review.Kind.gateway.rawValue,
                                       then: .object(["required": .array([.string("gate")]), "properties": .object(["gate": Schema.integer(0...5)])]),
                                       otherwise: .object(["properties": .object(["gate": .object(["type": .string("null")])])])),
            responses: [.json(201, "The review, requested.", Schema.ref("Review")), .badRequest, .unauthorized, .forbidden, .notFound,
                        .problem(409, "The project cannot be reviewed in its status."), .invalid])
        ) { context in
            let actor = try routes.projects.access.principal(context.request)
            let project = try routes.projects.visibleState(context, actor)
            var body = try FieldReader.body(of: context.request, allowed: ["kind", "gate", "reviewer"])
            let kind = body.choice("kind", Review.Kind.self, required: true)
            let gate = body.integer("gate", in: 0...5)
            let reviewer = body.string("reviewer", maxLength: 200)
            if kind == .gateway && gate == nil && !body.has("gate") { body.fail("gate", "is required for a gateway review (0–5)") }
            if let kind, kind != .gateway, body.has("gate") { body.fail("gate", "belongs to gateway reviews only") }
            try body.finish()
            let review = try storage.reviews.request(.init(kind: kind!, gate: gate, reviewer: reviewer), projectID: project.id, by: actor)
            return Representation.response(Reviews.json(review), status: .created,
                                           headers: HTTPHeaders([("Location", "/api/v1/projects/\(project.id)/reviews")]))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects/{id}/reviews", id: "projectReviews", summary: "The project's reviews, oldest first.",
            tag: "Reviews", access: .everyone, parameters: [idParameter, AsOfParameter.parameter],
            responses: [.json(200, "The reviews.", Schema.object([("items", Schema.array(Schema.ref("Review")))], required: ["items"])), .unauthorized, .notFound, .invalid])
        ) { context in
            let asOf = try AsOfParameter.read(context.query, storage)
            let project = try routes.projects.visibleProject(context, try routes.projects.access.principal(context.request), asOf: asOf)
            return Representation.response(.object(["items": .array(try storage.reviews.forProject(project.id, asOf: asOf).map(Reviews.json))]))
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/reviews/{rid}/outcome", id: "recordReviewOutcome",
            summary: "Record a review's outcome and delivery confidence (centre only); a decision is final.", tag: "Reviews", access: .centre,
            parameters: [.init(name: "rid", location: "path", description: "The review's id.", schema: Schema.integer)],
            requestSchema: Schema.when(Schema.object([
                ("outcome", Schema.enumeration(Review.Outcome.allCases.map(\.rawValue))),
                ("delivery_confidence", Schema.enumeration(Review.DeliveryConfidence.allCases.map(\.rawValue))),
                ("conditions", Schema.nullable(Schema.strings(maxLength: 2000))), ("recommendations", Schema.nullable(Schema.strings(maxLength: 2000))),
            ], required: ["outcome", "delivery_confidence"]), "outcome", is: Review.Outcome.approvedWithConditions.rawValue,
                then: .object(["required": .array([.string("conditions")]),
                               "properties": .object(["conditions": .object(["type": .string("array"), "minItems": .integer(1)])])]),
                otherwise: .object([:])),
            responses: [.json(200, "The completed review.", Schema.ref("Review")), .badRequest, .unauthorized, .forbidden, .notFound,
                        .problem(409, "The review already has its outcome."), .invalid])
        ) { context in
            let actor = try routes.projects.access.principal(context.request)
            guard let reviewID = Int64(context.parameter("rid") ?? "") else { throw RegistryError.notFound("No review has the id \(context.parameter("rid") ?? "").") }
            var body = try FieldReader.body(of: context.request, allowed: ["outcome", "delivery_confidence", "conditions", "recommendations"])
            let outcome = body.choice("outcome", Review.Outcome.self, required: true)
            let confidence = body.choice("delivery_confidence", Review.DeliveryConfidence.self, required: true)
            let conditions = body.strings("conditions", maxLength: 2000)
            let recommendations = body.strings("recommendations", maxLength: 2000)
            if outcome == .approvedWithConditions && conditions.isEmpty { body.fail("conditions", "must name the conditions of an approval with conditions") }
            try body.finish()
            let review = try storage.reviews.decide(reviewID: reviewID, .init(outcome: outcome!, deliveryConfidence: confidence!,
                                                                               conditions: conditions, recommendations: recommendations), by: actor)
            return Representation.response(Reviews.json(review))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/reviews", id: "reviewQueue", summary: "Reviews by status, oldest request first, with how long each has waited.",
            tag: "Reviews", access: .everyone,
            parameters: [.init(name: "status", location: "query", description: "requested, in_progress or completed; all when absent.",
                               schema: Schema.enumeration(Review.Status.allCases.map(\.rawValue)))],
            responses: [.json(200, "The queue.", Schema.object([("items", Schema.array(Schema.ref("Review")))], required: ["items"])), .unauthorized, .invalid])
        ) { context in
            let principal = try routes.projects.access.principal(context.request)
            var status: Review.Status?
            if let text = context.query["status"] {
                guard let parsed = Review.Status(rawValue: text) else { throw RegistryError.invalid([FieldError("status", "must be requested, in_progress or completed")]) }
                status = parsed
            }
            let today = storage.clock.today()
            let items = try storage.reviews.queue(status: status, includeDrafts: principal.isCentre).map { review -> JSONValue in
                guard case .object(var object) = Reviews.json(review) else { return .null }
                object["waited_days"] = .integer(Self.waitedDays(review, today: today))
                return .object(object)
            }
            return Representation.response(.object(["items": .array(items)]))
        }
    }
}
