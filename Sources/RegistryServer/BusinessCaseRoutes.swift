import HTTPServer
import JSON
import Registry

/// A project's business case (Principle 7): each PUT a new version, all versions kept.
struct BusinessCaseRoutes {
    let projects: ProjectRoutes

    func view(_ version: BusinessCaseVersion, project: StoredProject) throws -> JSONValue {
        var object = version.businessCase.json
        object["project_id"] = .integer(version.projectID)
        object["version"] = .integer(version.version)
        object["created_at"] = .string(version.createdAt)
        object["created_by"] = .string(version.createdBy)
        let completeness = try Self.completeness(of: version, project: project, compliance: projects.storage.compliance)
        object["completeness"] = .object(["complete": .bool(completeness.complete), "findings": .array(completeness.findings.map(Representation.finding))])
        return .object(object)
    }

    /// Completeness is judged by the same rules as everywhere, against this version: the
    /// Principle 7 findings and the mandatory sections it lacks. The API and the project page ask here.
    static func completeness(of version: BusinessCaseVersion, project: StoredProject, compliance: Compliance) throws
        -> (complete: Bool, missing: [String], findings: [Finding]) {
        var context = try compliance.context(for: project)
        context.businessCase = version.businessCase
        let findings = RulesEngine.findings(for: context).filter { $0.rule.principle == 7 }
        let missing = RulesEngine.missingSections(of: version.businessCase)
        return (missing.isEmpty && findings.isEmpty, missing, findings)
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let idParameter = APIOperation.Parameter(name: "id", location: "path", description: "The project's id.", schema: Schema.integer)

        api.add(APIOperation(
            method: .PUT, path: "/api/v1/projects/{id}/business-case", id: "putBusinessCase",
            summary: "Write the business case (its agency); every PUT makes a new version. 201 for the first, 200 after.",
            tag: "Business cases", access: .agency, parameters: [idParameter],
            requestSchema: Schema.object(ProjectSchemas.businessCaseProperties()),
            responses: [.json(201, "The first version.", Schema.ref("BusinessCaseVersion")), .json(200, "A new version.", Schema.ref("BusinessCaseVersion")),
                        .badRequest, .unauthorized, .forbidden, .notFound, .invalid])
        ) { context in
            let principal = try routes.projects.access.principal(context.request)
            let project = try routes.projects.visibleProject(context, principal)
            try routes.projects.requireOwner(principal, of: project)
            let body = try FieldReader.body(of: context.request, allowed: BusinessCaseInput.keys)
            let businessCase = try BusinessCaseInput.read(body.object)
            let version = try routes.projects.storage.businessCases.put(businessCase, projectID: project.id, by: principal)
            return Representation.response(try routes.view(version, project: project), status: version.version == 1 ? .created : .ok,
                                           headers: HTTPHeaders([("Location", "/api/v1/projects/\(project.id)/business-case")]))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects/{id}/business-case", id: "getBusinessCase", summary: "The latest business case, with its completeness.",
            tag: "Business cases", access: .everyone, parameters: [idParameter, AsOfParameter.parameter],
            responses: [.json(200, "The latest version.", Schema.ref("BusinessCaseVersion")), .unauthorized, .notFound, .invalid])
        ) { context in
            let asOf = try AsOfParameter.read(context.query, routes.projects.storage)
            let project = try routes.projects.visibleProject(context, try routes.projects.access.principal(context.request), asOf: asOf)
            guard let latest = try routes.projects.storage.businessCases.latest(projectID: project.id, asOf: asOf) else {
                throw RegistryError.notFound("Project \(project.id) has no business case yet.")
            }
            return Representation.response(try routes.view(latest, project: project))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects/{id}/business-case/versions", id: "listBusinessCaseVersions", summary: "Every version of the business case, oldest first.",
            tag: "Business cases", access: .everyone, parameters: [idParameter, AsOfParameter.parameter],
            responses: [.json(200, "The versions.", Schema.object([("items", Schema.array(Schema.ref("BusinessCaseVersion")))], required: ["items"])), .unauthorized, .notFound, .invalid])
        ) { context in
            let asOf = try AsOfParameter.read(context.query, routes.projects.storage)
            let project = try routes.projects.visibleProject(context, try routes.projects.access.principal(context.request), asOf: asOf)
            let items = try routes.projects.storage.businessCases.versions(projectID: project.id, asOf: asOf).map { try routes.view($0, project: project) }
            return Representation.response(.object(["items": .array(items)]))
        }
    }
}
