import HTTPServer
import JSON
import Registry

/// Baselines and variance: what was approved, what the forecast says now, and the gap.
struct BaselineRoutes {
    let projects: ProjectRoutes

    static var baselineSchema: JSONValue {
        Schema.object([
            ("number", Schema.integer), ("whole_life_cost", Schema.money), ("planned_end_date", Schema.date), ("reason", Schema.string),
            ("created_at", Schema.dateTime), ("created_by", Schema.string),
        ], required: ["number", "whole_life_cost", "planned_end_date", "reason", "created_at", "created_by"])
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let storage = projects.storage
        let idParameter = APIOperation.Parameter(name: "id", location: "path", description: "The project's id.", schema: Schema.integer)

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects/{id}/baselines", id: "listBaselines",
            summary: "Every baseline, the original first, with the forecast's variance against the original and the current one (positive is worse).",
            tag: "Baselines", access: .everyone, parameters: [idParameter, AsOfParameter.parameter],
            responses: [.json(200, "The baselines and variance.", Schema.object([("items", Schema.array(Schema.ref("Baseline"))), ("variance", Schema.nullable(Schema.ref("Variance")))],
                                                                                required: ["items", "variance"])), .unauthorized, .notFound, .invalid])
        ) { context in
            let asOf = try AsOfParameter.read(context.query, storage)
            let project = try routes.projects.visibleProject(context, try routes.projects.access.principal(context.request), asOf: asOf)
            let assessment = try routes.projects.assessment(of: project, asOf: asOf)
            return Representation.response(.object([
                "items": .array(try storage.baselines.list(projectID: project.id, asOf: asOf).map(Baselines.json)),
                "variance": Representation.variance(original: assessment.varianceAgainstOriginal, current: assessment.varianceAgainstCurrent),
            ]))
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/projects/{id}/baselines", id: "rebaseline",
            summary: "Re-baseline (centre only): a new numbered baseline with its reason; earlier ones stay as they were.", tag: "Baselines", access: .centre,
            parameters: [idParameter],
            requestSchema: Schema.object([("whole_life_cost", Schema.money), ("planned_end_date", Schema.date), ("reason", Schema.text(maxLength: 2000))],
                                         required: ["whole_life_cost", "planned_end_date", "reason"]),
            responses: [.json(201, "The new baseline.", Schema.ref("Baseline")), .badRequest, .unauthorized, .forbidden, .notFound,
                        .problem(409, "The project has no original baseline yet (it is taken at approval)."), .invalid])
        ) { context in
            let actor = try routes.projects.access.principal(context.request)
            let project = try routes.projects.visibleState(context, actor)
            var body = try FieldReader.body(of: context.request, allowed: ["whole_life_cost", "planned_end_date", "reason"])
            let cost = body.money("whole_life_cost", required: true)
            let end = body.date("planned_end_date", required: true)
            let reason = body.string("reason", required: true, maxLength: 2000)
            try body.finish()
            let baseline = try storage.baselines.rebaseline(projectID: project.id, cost: cost!, plannedEndDate: end!, reason: reason!, by: actor)
            return Representation.response(Baselines.json(baseline), status: .created)
        }
    }
}
