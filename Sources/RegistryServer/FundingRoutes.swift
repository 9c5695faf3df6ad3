import HTTPServer
import JSON
import Registry

/// Funding tranches: set up for a project by its agency or the centre; released by the centre
/// only when the condition holds and no stale review stands in the way.
struct FundingRoutes {
    let projects: ProjectRoutes

    static var trancheSchema: JSONValue {
        Schema.object([
            ("id", Schema.integer), ("project_id", Schema.integer), ("amount", Schema.money),
            ("condition", Schema.enumeration(FundingTranche.Condition.allCases.map(\.rawValue))), ("gate", Schema.nullable(Schema.integer)),
            ("released", Schema.boolean), ("released_at", Schema.nullable(Schema.dateTime)), ("released_by", Schema.nullable(Schema.string)),
            ("created_at", Schema.dateTime), ("created_by", Schema.string),
        ], required: ["id", "project_id", "amount", "condition", "released"])
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let storage = projects.storage
        let idParameter = APIOperation.Parameter(name: "id", location: "path", description: "The project's id.", schema: Schema.integer)

        api.add(APIOperation(
            method: .POST, path: "/api/v1/projects/{id}/funding-tranches", id: "createFundingTranche",
            summary: "Add a funding tranche with the condition for its release (its agency or the centre).", tag: "Funding", access: .agencyOrCentre,
            parameters: [idParameter],
            requestSchema: Schema.when(Schema.object([("amount", Schema.positiveMoney),
                                                      ("condition", Schema.enumeration(FundingTranche.Condition.allCases.map(\.rawValue))),
                                                      ("gate", Schema.nullable(Schema.integer(0...5)))], required: ["amount", "condition"]),
                                       "condition", is: FundingTranche.Condition.gatePassed.rawValue,
                                       then: .object(["required": .array([.string("gate")]), "properties": .object(["gate": Schema.integer(0...5)])]),
                                       otherwise: .object(["properties": .object(["gate": .object(["type": .string("null")])])])),
            responses: [.json(201, "The tranche.", Schema.ref("FundingTranche")), .badRequest, .unauthorized, .forbidden, .notFound,
                        .problem(409, "The project is closed."), .invalid])
        ) { context in
            let principal = try routes.projects.access.principal(context.request)
            let project = try routes.projects.visibleState(context, principal)
            switch principal {
            case .centre: break
            case .agency(let code, _) where code == project.agency: break
            case .anonymous: throw RegistryError.unauthenticated
            default: throw RegistryError.forbidden("Only agency \(project.agency) or the centre may add funding to this project.")
            }
            var body = try FieldReader.body(of: context.request, allowed: ["amount", "condition", "gate"])
            let amount = body.money("amount", required: true)
            if amount == .zero { body.fail("amount", "must be more than zero") }
            let condition = body.choice("condition", FundingTranche.Condition.self, required: true)
            let gate = body.integer("gate", in: 0...5)
            if condition == .gatePassed && gate == nil && !body.has("gate") { body.fail("gate", "is required when the condition is gate_passed") }
            if let condition, condition != .gatePassed, body.has("gate") { body.fail("gate", "belongs to the gate_passed condition only") }
            try body.finish()
            let tranche = try storage.fundingTranches.create(projectID: project.id, amount: amount!, condition: condition!, gate: gate, by: principal)
            return Representation.response(FundingTranches.json(tranche), status: .created)
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects/{id}/funding-tranches", id: "listFundingTranches", summary: "The project's funding tranches.",
            tag: "Funding", access: .everyone, parameters: [idParameter, AsOfParameter.parameter],
            responses: [.json(200, "The tranches.", Schema.object([("items", Schema.array(Schema.ref("FundingTranche")))], required: ["items"])), .unauthorized, .notFound, .invalid])
        ) { context in
            let asOf = try AsOfParameter.read(context.query, storage)
            let project = try routes.projects.visibleProject(context, try routes.projects.access.principal(context.request), asOf: asOf)
            return Representation.response(.object(["items": .array(try storage.fundingTranches.forProject(project.id, asOf: asOf).map(FundingTranches.json))]))
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/funding-tranches/{tid}/release", id: "releaseFundingTranche",
            summary: "Release a tranche (centre only); 409 with the findings when its condition is unmet or a review is stale.", tag: "Funding", access: .centre,
            parameters: [.init(name: "tid", location: "path", description: "The tranche's id.", schema: Schema.integer)],
            responses: [.json(200, "The released tranche.", Schema.ref("FundingTranche")), .unauthorized, .forbidden, .notFound,
                        .problem(409, "Blocked by P8-FUNDING-CONDITION or P8-REVIEW-STALE (`findings`), or already released.")])
        ) { context in
            let actor = try routes.projects.access.principal(context.request)
            guard let id = Int64(context.parameter("tid") ?? "") else { throw RegistryError.notFound("No funding tranche has the id \(context.parameter("tid") ?? "").") }
            let tranche = try storage.fundingTranches.release(trancheID: id, by: actor, compliance: storage.compliance)
            return Representation.response(FundingTranches.json(tranche))
        }
    }
}
