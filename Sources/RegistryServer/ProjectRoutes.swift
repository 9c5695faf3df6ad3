import HTTPServer
import JSON
import Registry
import SQLiteDatabase

/// Projects, their business cases, status transitions, findings and history.
struct ProjectRoutes {
    let storage: RegistryStorage
    let access: AccessControl
    let cache = RepresentationCache()

    // MARK: - Helpers shared by the handlers

    /// The project's state if this principal may see it; drafts (`proposed`) are their agency's and the centre's alone.
    func visibleState(_ context: RequestContext, _ principal: Principal) throws -> ProjectState {
        guard let id = Int64(context.parameter("id") ?? ""), var state = try storage.projects.state(id: id) else {
            throw RegistryError.notFound("No project has the id \(context.parameter("id") ?? "").")
        }
        try Self.checkVisible(id: state.id, agency: state.agency, status: state.status, principal)
        state.similarity = try storage.compliance.similaritySignature(for: id)
        return state
    }

    /// As `visibleState`, but without asking the database while no write has committed since
    /// the cached representation was validated (by this process or any other).
    func cachedVisibleState(_ context: RequestContext, _ principal: Principal) throws -> ProjectState {
        let generation = storage.database.generation
        if let id = Int64(context.parameter("id") ?? ""), let state = cache.state(for: id, generation: generation, day: storage.clock.today()) {
            try Self.checkVisible(id: state.id, agency: state.agency, status: state.status, principal)
            return state
        }
        let state = try visibleState(context, principal)
        cache.validate(state, generation: generation)
        return state
    }

    static func checkVisible(id: Int64, agency: String, status: ProjectStatus, _ principal: Principal) throws {
        guard principal.sees(agency: agency, status: status) else { throw RegistryError.notFound("No project has the id \(id).") }
    }

    /// The project as `principal` may see it: now, or with `asOf` as it stood then (one that was
    /// a draft then is hidden as it was then; one not yet registered is not found).
    func visibleProject(_ context: RequestContext, _ principal: Principal, asOf: AsOf? = nil) throws -> StoredProject {
        guard let asOf else {
            let state = try visibleState(context, principal)
            guard let project = try storage.projects.get(id: state.id) else { throw RegistryError.notFound("No project has the id \(state.id).") }
            return project
        }
        guard let id = Int64(context.parameter("id") ?? ""), let project = try storage.projects.get(id: id, asOf: asOf) else {
            throw RegistryError.notFound("No project had the id \(context.parameter("id") ?? "") at the end of \(asOf).")
        }
        try Self.checkVisible(id: id, agency: project.agency, status: project.status, principal)
        return project
    }

    /// What the rules say of `project` now, or what they said at the end of `asOf`'s day (from
    /// the portfolio of then, so the same as its overview and list show).
    func assessment(of project: StoredProject, asOf: AsOf?) throws -> Assessment {
        guard let asOf else { return try storage.compliance.assess(project) }
        guard let entry = try storage.portfolio.past(asOf).entry(project.id) else {
            throw RegistryError.notFound("No project had the id \(project.id) at the end of \(asOf).")
        }
        return entry.assessment
    }

    /// Changes to a project are its agency's alone.
    func requireOwner(_ principal: Principal, of project: StoredProject) throws {
        switch principal {
        case .anonymous: throw RegistryError.unauthenticated
        case .agency(let code, _) where code == project.agency: return
        default: throw RegistryError.forbidden("Only agency \(project.agency) may change this project.")
        }
    }

    func view(_ project: StoredProject, _ assessment: Assessment) -> JSONValue {
        var object: JSONObject = ["id": .integer(project.id), "agency": .string(project.agency)]
        for (key, value) in project.record.json.members { object[key] = value }
        object["status"] = .string(project.status.rawValue)
        object["currency"] = .string(storage.currency)
        object["version"] = .integer(project.version)
        object["created_at"] = .string(project.createdAt)
        object["updated_at"] = .string(project.updatedAt)
        object["obligations"] = .object([
            "business_case_required": .bool(assessment.obligations.businessCaseRequired),
            "central_review_required": .bool(assessment.obligations.centralReviewRequired),
        ])
        object["findings"] = .array(assessment.findings.map(Representation.finding))
        object["variance"] = Representation.variance(original: assessment.varianceAgainstOriginal, current: assessment.varianceAgainstCurrent)
        return .object(object)
    }

    /// The project's representation, from the cache while nothing it depends on has changed.
    func representation(_ state: ProjectState) throws -> SharedBody {
        if let cached = cache.body(for: state) { return cached }
        guard let stored = try storage.projects.get(id: state.id) else { throw RegistryError.notFound("No project has the id \(state.id).") }
        return rendered(stored, try storage.compliance.assess(stored), for: state)
    }

    private func rendered(_ project: StoredProject, _ assessment: Assessment, for state: ProjectState) -> SharedBody {
        let body = SharedBody(view(project, assessment).serializedBytes)
        cache.store(body, for: state)
        return body
    }

    /// What a write left, read on the writer's connection inside its transaction: its response
    /// is built from this, not read back after the commit.
    struct Written {
        var project: StoredProject
        var state: ProjectState
        var ownContext: RuleContext
    }

    func written(_ db: SQLiteConnection, _ project: StoredProject, created: Bool = false) throws -> Written {
        guard let state = try storage.projects.state(on: db, id: project.id) else { throw RegistryError.notFound("No project has the id \(project.id).") }
        return Written(project: project, state: state, ownContext: try storage.compliance.ownContext(on: db, for: project, created: created))
    }

    /// The project as it is now, or as the write that produced `written` left it (rendered
    /// from that, not read back).
    func projectResponse(id: Int64, written: Written? = nil, status: HTTPStatus = .ok, extraHeaders: [(String, String)] = []) throws -> HTTPResponse {
        let state: ProjectState, body: SharedBody
        if let written {
            let (assessment, signature) = try storage.compliance.assess(written.project, ownContext: written.ownContext)
            var writtenState = written.state
            writtenState.similarity = signature
            (state, body) = (writtenState, rendered(written.project, assessment, for: writtenState))
        } else {
            guard var current = try storage.projects.state(id: id) else { throw RegistryError.notFound("No project has the id \(id).") }
            current.similarity = try storage.compliance.similaritySignature(for: id)
            (state, body) = (current, try representation(current))
        }
        return HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json"), ("ETag", state.etag)] + extraHeaders), shared: body)
    }

    /// The record version `If-Match` names; nil when absent or `*`. Any ETag from a read of the
    /// record as it is stored now matches, whatever findings other projects changed since; one
    /// read at an older version is a lost update (412). The write itself checks the version again.
    func expectedVersion(_ request: HTTPRequest, _ project: StoredProject) throws -> Int? {
        guard let header = request.headers["If-Match"] else { return nil }
        let tags = header.split(separator: ",").map { String($0.trimmingHTTPWhitespace()) }
        if tags.contains("*") { return nil }
        guard tags.contains(where: { ProjectState.recordVersion(inETag: $0, id: project.id) == project.version }) else {
            throw RegistryError.stale("If-Match \(header) names an older version of the project than its current \(project.version); read it again and reapply the change.")
        }
        return project.version
    }

    // MARK: - Routes

    func register(in api: inout APIBuilder) {
        let routes = self
        let idParameter = APIOperation.Parameter(name: "id", location: "path", description: "The project's id.", schema: Schema.integer)

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects", id: "listProjects", summary: "Projects, filtered, sorted and paged by cursor.",
            tag: "Projects", access: .everyone, parameters: ProjectListParameters.parameters,
            responses: [.json(200, "A page of projects; follow next_cursor for the next.", Schema.list(of: Schema.ref("Project"))),
                        .badRequest, .unauthorized, .invalid])
        ) { context in
            let principal = try routes.access.principal(context.request)
            let query = try ProjectListParameters.query(context.query)
            let page = try routes.storage.search.search(query, viewer: principal, asOf: try AsOfParameter.read(context.query, routes.storage))
            return Representation.response(Representation.list(page.items.map { routes.view($0.project, $0.assessment) }, nextCursor: page.nextCursor))
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/projects", id: "createProject",
            summary: "Register a project (an agency for itself; the centre names `agency`). Idempotency-Key replays the first response.",
            tag: "Projects", access: .agencyOrCentre,
            parameters: [.init(name: "Idempotency-Key", location: "header", description: "Makes a retried POST safe: the same key and body return the first response.",
                               schema: .object(["type": .string("string"), "minLength": .integer(1), "maxLength": .integer(200)]))],
            requestSchema: ProjectSchemas.input(withAgency: true),
            responses: [.json(201, "Created; Location and ETag are set.", Schema.ref("Project")), .badRequest, .unauthorized, .forbidden,
                        .problem(409, "The agency already has a project with this external_id."), .invalid])
        ) { context in
            try routes.create(context)
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects/{id}", id: "getProject", summary: "A project with its obligations and findings. Honours If-None-Match.",
            tag: "Projects", access: .everyone, parameters: [idParameter, AsOfParameter.parameter],
            responses: [.json(200, "The project; ETag is set (not with as_of).", Schema.ref("Project")),
                        .init(status: 304, description: "Not modified (If-None-Match).", contentType: nil, schema: nil), .unauthorized, .notFound, .invalid])
        ) { context in
            let principal = try routes.access.principal(context.request)
            if let asOf = try AsOfParameter.read(context.query, routes.storage) {
                let project = try routes.visibleProject(context, principal, asOf: asOf)
                return Representation.response(routes.view(project, try routes.assessment(of: project, asOf: asOf)))
            }
            let state = try routes.cachedVisibleState(context, principal)
            if let tags = context.request.headers["If-None-Match"],
               tags.split(separator: ",").contains(where: { let tag = $0.trimmingHTTPWhitespace(); return tag == state.etag || tag == "*" }) {
                return HTTPResponse(status: .notModified, headers: HTTPHeaders([("ETag", state.etag)]))
            }
            return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/json"), ("ETag", state.etag)]),
                                shared: try routes.representation(state))
        }

        let writeResponses: [APIOperation.Response] = [
            .json(200, "The project as changed; ETag is set.", Schema.ref("Project")), .badRequest, .unauthorized, .forbidden, .notFound,
            .problem(409, "Another project of the agency has this external_id."),
            .problem(412, "If-Match names an older version of the project's record: someone changed it since it was read."), .invalid,
        ]
        let ifMatch = APIOperation.Parameter(
            name: "If-Match", location: "header",
            description: "An ETag from a read of this project (strong or weak). The write succeeds unless the project's stored record changed since that read; findings that other projects' writes changed (which are in the ETag, for If-None-Match) do not count. `*` or no header: no check.",
            schema: Schema.string)

        api.add(APIOperation(
            method: .PUT, path: "/api/v1/projects/{id}", id: "replaceProject", summary: "Replace the agency's record of the project (its agency). Status is changed only by transitions.",
            tag: "Projects", access: .agency, parameters: [idParameter, ifMatch], requestSchema: ProjectSchemas.input(withAgency: false), responses: writeResponses)
        ) { context in
            try routes.change(context) { _, body in try ProjectInput.read(body) }
        }

        api.add(APIOperation(
            method: .PATCH, path: "/api/v1/projects/{id}", id: "patchProject", summary: "Change some fields (JSON Merge Patch, RFC 7386; its agency).",
            tag: "Projects", access: .agency, parameters: [idParameter, ifMatch],
            requestSchema: Schema.object(ProjectSchemas.inputProperties(withAgency: false), closed: true), responses: writeResponses)
        ) { context in
            try routes.change(context) { project, patch in
                guard case .object(let merged) = JSONValue.object(project.record.json).applyingMergePatch(.object(patch)) else {
                    throw RegistryError.malformed("The merge patch must be a JSON object.")
                }
                return try ProjectInput.read(merged)
            }
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/projects/{id}/transitions", id: "transitionProject",
            summary: "Change the project's status. The rules may refuse it (409 with the blocking findings); then nothing changes.",
            tag: "Projects", access: .agencyOrCentre, parameters: [idParameter],
            requestSchema: Schema.object([("to", Schema.enumeration(ProjectStatus.allCases.map(\.rawValue))), ("reason", Schema.optionalText(maxLength: 2000))], required: ["to"]),
            responses: [.json(200, "The project in its new status.", Schema.ref("Project")), .badRequest, .unauthorized, .forbidden, .notFound,
                        .problem(409, "The life cycle does not allow it, or rules block it (`findings`)."), .invalid])
        ) { context in
            let principal = try routes.access.principal(context.request)
            let project = try routes.visibleProject(context, principal)
            if case .agency(let code, _) = principal, code != project.agency {
                throw RegistryError.forbidden("Only agency \(project.agency) or the centre may change this project's status.")
            }
            var body = try FieldReader.body(of: context.request, allowed: ["to", "reason"])
            let target = body.choice("to", ProjectStatus.self, required: true)
            let reason = body.string("reason", maxLength: 2000)
            try body.finish()
            let moved = try routes.storage.projects.transition(id: project.id, to: target!, reason: reason, by: principal, compliance: routes.storage.compliance)
            return try routes.projectResponse(id: moved.id)
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects/{id}/findings", id: "projectFindings", summary: "What the rules find about the project today (or as of a past day).",
            tag: "Projects", access: .everyone, parameters: [idParameter, AsOfParameter.parameter],
            responses: [.json(200, "The findings.", Schema.object([("items", Schema.array(Schema.ref("Finding")))], required: ["items"])), .unauthorized, .notFound, .invalid])
        ) { context in
            let asOf = try AsOfParameter.read(context.query, routes.storage)
            let project = try routes.visibleProject(context, try routes.access.principal(context.request), asOf: asOf)
            let assessment = try routes.assessment(of: project, asOf: asOf)
            return Representation.response(.object(["items": .array(assessment.findings.map(Representation.finding))]))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/projects/{id}/history", id: "projectHistory", summary: "Every change to the project, oldest first, with the record before and after.",
            tag: "Projects", access: .everyone, parameters: [idParameter, AsOfParameter.parameter],
            responses: [.json(200, "The audit events.", Schema.object([("items", Schema.array(Schema.ref("HistoryEvent")))], required: ["items"])), .unauthorized, .notFound, .invalid])
        ) { context in
            let asOf = try AsOfParameter.read(context.query, routes.storage)
            let project = try routes.visibleProject(context, try routes.access.principal(context.request), asOf: asOf)
            let items = try routes.storage.projects.history(id: project.id, asOf: asOf).map { event -> JSONValue in
                .object(["at": .string(event.at), "actor": .string(event.actor), "action": .string(event.action),
                         "before": event.before ?? .null, "after": event.after ?? .null])
            }
            return Representation.response(.object(["items": .array(items)]))
        }

        BusinessCaseRoutes(projects: routes).register(in: &api)
        ReviewRoutes(projects: routes).register(in: &api)
        BaselineRoutes(projects: routes).register(in: &api)
        FundingRoutes(projects: routes).register(in: &api)
        PortfolioRoutes(projects: routes).register(in: &api)
        ChangesRoutes(projects: routes).register(in: &api)
        FeedRoutes(projects: routes).register(in: &api)
        ExportRoutes(projects: routes).register(in: &api)
    }

    /// PUT and PATCH: the agency's own project, guarded by If-Match, its new record made from the body.
    func change(_ context: RequestContext, record: (StoredProject, JSONObject) throws -> ProjectRecord) throws -> HTTPResponse {
        let principal = try access.principal(context.request)
        let project = try visibleProject(context, principal)
        try requireOwner(principal, of: project)
        // A body that is not JSON is 400 whatever If-Match says; only a well-formed change can be stale.
        let body = try FieldReader.body(of: context.request, allowed: ProjectInput.keys.union(["status"]))
        let expected = try expectedVersion(context.request, project)
        var written: Written?
        _ = try storage.projects.replace(id: project.id, with: try record(project, body.object), expectedVersion: expected ?? project.version,
                                         by: principal) { db, changed in written = try self.written(db, changed) }
        return try projectResponse(id: project.id, written: written)
    }

    func create(_ context: RequestContext) throws -> HTTPResponse {
        let principal = try access.principal(context.request)
        let agency: String
        var body = try FieldReader.body(of: context.request, allowed: ProjectInput.keys.union(["agency", "status"]))
        switch principal {
        case .anonymous: throw RegistryError.unauthenticated
        case .agency(let code, _):
            if let named = body.string("agency"), named != code {
                throw RegistryError.forbidden("Agency \(code) may not register projects for \(named).")
            }
            agency = code
        case .centre, .commandLine:
            guard let named = body.string("agency", required: true) else { try body.finish(); throw RegistryError.invalid([FieldError("agency", "is required")]) }
            agency = named
        }
        try body.finish() // `agency` of the wrong type, whoever sends it
        let key = context.request.headers["Idempotency-Key"]
        let requestHash = IdempotencyKeys.hash(context.request.body)
        if let key {
            guard !key.isEmpty, key.count <= 200 else { throw RegistryError.malformed("Idempotency-Key must be 1–200 characters.") }
            if let stored = try storage.idempotencyKeys.lookup(actor: principal, key: key) {
                guard stored.requestHash == requestHash else {
                    throw RegistryError.invalid([FieldError("Idempotency-Key", "was used before with a different request body")])
                }
                var headers = HTTPHeaders([("Content-Type", "application/json"), ("Idempotent-Replayed", "true")])
                if let location = stored.location { headers.add("Location", location) }
                if stored.body.isEmpty, let location = stored.location, let id = Int64(location.split(separator: "/").last ?? "") {
                    // The write committed but its response was not kept: the project as it is now.
                    let current = try projectResponse(id: id, status: HTTPStatus(code: stored.status), extraHeaders: [("Location", location)])
                    var replay = current.headers
                    replay.add("Idempotent-Replayed", "true")
                    return HTTPResponse(status: current.status, headers: replay, body: current.body)
                }
                return HTTPResponse(status: HTTPStatus(code: stored.status), headers: headers, body: Array(stored.body.utf8))
            }
        }
        let record = try ProjectInput.read(body.object, extraKeys: ["agency"])
        let claim = key.map { storage.idempotencyKeys.claim(actor: principal, key: $0, requestHash: requestHash) }
        var written: Written?
        let project = try storage.projects.create(record, agency: agency, by: principal) { db, project in
            if let claim { try storage.idempotencyKeys.record(db, claim, status: 201, location: "/api/v1/projects/\(project.id)") }
            written = try self.written(db, project, created: true)
        }
        let location = "/api/v1/projects/\(project.id)"
        let response = try projectResponse(id: project.id, written: written, status: .created, extraHeaders: [("Location", location)])
        if let claim {
            // The write and its key are committed; losing only the exact body costs nothing but an exactly equal replay.
            try? storage.idempotencyKeys.complete(claim, body: String(decoding: response.body, as: UTF8.self))
        }
        return response
    }
}

import Foundation

/// Rendered project representations by project, valid for one `ProjectState`. Bounded: when
/// full it starts afresh, which costs a re-render per project and nothing else.
final class RepresentationCache: Sendable {
    private struct Entry {
        var state: ProjectState
        var body: SharedBody?
        /// The database's commit count when `state` was last read from it.
        var generation: UInt64
    }

    private let entries = Mutex<[Int64: Entry]>([:])
    static let capacity = 20_000

    func body(for state: ProjectState) -> SharedBody? {
        entries.withLock { entries in
            guard let entry = entries[state.id], entry.state == state else { return nil }
            return entry.body
        }
    }

    /// The state last read for `id`, if no write has committed since and the day is the same.
    func state(for id: Int64, generation: UInt64, day: LocalDate) -> ProjectState? {
        entries.withLock { entries in
            guard let entry = entries[id], entry.generation == generation, entry.state.day == day, entry.body != nil else { return nil }
            return entry.state
        }
    }

    /// Records that `state` was read at `generation`; a body rendered for another state is dropped.
    func validate(_ state: ProjectState, generation: UInt64) {
        entries.withLock { entries in
            let body = entries[state.id].flatMap { $0.state == state ? $0.body : nil }
            entries[state.id] = Entry(state: state, body: body, generation: generation)
        }
    }

    func store(_ body: SharedBody, for state: ProjectState) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            let generation = entries[state.id].flatMap { $0.state == state ? $0.generation : nil } ?? 0
            entries[state.id] = Entry(state: state, body: body, generation: generation)
        }
    }
}

import Synchronization
