import HTTPServer
import Registry

/// The HTML dashboard: pages rendered on the server from the same queries as the API,
/// usable with JavaScript off. Registered as operations, so /openapi.json describes them.
struct PageRoutes {
    let projects: ProjectRoutes
    /// Rendered pages that read many projects (the overview, agencies) by viewer, valid until
    /// the next write commits or the day changes.
    let cache = OverviewCache()

    /// Who sees what: drafts make the centre's and each agency's view differ from the public's.
    static func viewer(_ principal: Principal) -> String {
        principal.isCentre ? "centre" : principal.agencyCode.map { "agency:" + $0 } ?? "public"
    }

    /// The page from the cache while nothing it shows can have changed; otherwise rendered and kept (when 200).
    func cached(_ key: String, render: (LocalDate) throws -> HTTPResponse) throws -> HTTPResponse {
        let storage = projects.storage
        let generation = storage.database.generation
        let today = storage.clock.today()
        if let body = cache.body(for: key, generation: generation, day: today) {
            return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8"),
                                                                   ("Content-Security-Policy", HTMLLayout.contentSecurityPolicy)]), shared: body)
        }
        let response = try render(today)
        guard response.status == .ok else { return response }
        let body = SharedBody(response.body)
        cache.store(body, for: key, generation: generation, day: today)
        return HTTPResponse(status: response.status, headers: response.headers, shared: body)
    }

    static let notFoundPage = APIOperation.Response(status: 404, description: "No such page (an HTML page saying so).", contentType: "text/html", schema: nil)
    static let invalidPage = APIOperation.Response(status: 422, description: "A filter is out of range; the page names it.", contentType: "text/html", schema: nil)
    static let badRequestPage = APIOperation.Response(status: 400, description: "An unknown parameter or a cursor this server did not give out.", contentType: "text/html", schema: nil)
    static let unauthorizedPage = APIOperation.Response(status: 401, description: "A bearer token was sent and is not valid.", contentType: "text/html", schema: nil)

    /// A page's parameters as its form sends them: any field may come empty (`status=`), which
    /// means "any", so the document says so.
    static func asFormFields(_ parameters: [APIOperation.Parameter]) -> [APIOperation.Parameter] {
        parameters.map { parameter in
            var field = parameter
            field.schema = .object(["anyOf": .array([parameter.schema, .object(["type": .string("string"), "maxLength": .integer(0)])])])
            return field
        }
    }

    /// The query string without empty fields, as an HTML form sends them (`status=`).
    static func submitted(_ query: QueryParameters) throws -> QueryParameters {
        try QueryParameters(parsing: URLQuery.string(query.pairs.filter { !$0.value.isEmpty }))
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let storage = projects.storage
        let access = projects.access

        api.add(APIOperation(
            method: .GET, path: "/", id: "dashboard",
            summary: "The portfolio overview (HTML): totals, spend by agency, projects by status and delivery confidence, cost variance, the review queue, the top overruns and slips, findings by rule.",
            tag: "Dashboard", access: .everyone, parameters: Self.asFormFields([AsOfParameter.parameter]),
            responses: [.init(status: 200, description: "An HTML page.", contentType: "text/html", schema: nil), Self.unauthorizedPage, Self.invalidPage])
        ) { context in
            let principal = try access.principal(context.request)
            let parameters = try Self.submitted(context.query)
            let asOf = try AsOfParameter.read(parameters, storage)
            return try routes.cached("overview|" + Self.viewer(principal) + "|" + (asOf?.description ?? "")) { today in
                try OverviewPage(storage: storage).response(principal: principal, today: today, asOf: asOf)
            }
        }

        api.add(APIOperation(
            method: .GET, path: "/changes", id: "changesPage",
            summary: "What changed (HTML) between two days, by default the last full quarter: the totals at both ends by agency, and every change linked to its project as it was.",
            tag: "Dashboard", access: .everyone, parameters: Self.asFormFields(ChangesPage.parameters),
            responses: [.init(status: 200, description: "An HTML page.", contentType: "text/html", schema: nil), Self.unauthorizedPage, Self.invalidPage])
        ) { context in
            let principal = try access.principal(context.request)
            return try ChangesPage(storage: storage).response(parameters: try Self.submitted(context.query), principal: principal)
        }

        api.add(APIOperation(
            method: .GET, path: "/projects", id: "projectListPage",
            summary: "The project list (HTML): the API's filters as a form sent with GET, sortable, a page at a time.",
            tag: "Dashboard", access: .everyone, parameters: Self.asFormFields(ProjectListParameters.parameters),
            responses: [.init(status: 200, description: "An HTML page.", contentType: "text/html", schema: nil), Self.badRequestPage, Self.unauthorizedPage, Self.invalidPage])
        ) { context in
            let principal = try access.principal(context.request)
            return try ProjectListPage(storage: storage).response(parameters: try Self.submitted(context.query), principal: principal)
        }

        api.add(APIOperation(
            method: .GET, path: "/projects/{id}", id: "projectPage",
            summary: "A project (HTML): facts, obligations, findings, baselines and variance, milestones, business case, reviews, funding, history.",
            tag: "Dashboard", access: .everyone,
            parameters: [.init(name: "id", location: "path", description: "The project's id.", schema: Schema.integer)] + Self.asFormFields([AsOfParameter.parameter]),
            responses: [.init(status: 200, description: "An HTML page.", contentType: "text/html", schema: nil), Self.unauthorizedPage, Self.notFoundPage, Self.invalidPage])
        ) { context in
            let principal = try access.principal(context.request)
            let asOf = try AsOfParameter.read(try Self.submitted(context.query), storage)
            let project = try routes.projects.visibleProject(context, principal, asOf: asOf)
            return try ProjectPage(storage: storage).response(project: project, asOf: asOf)
        }

        api.add(APIOperation(
            method: .GET, path: "/agencies/{code}", id: "agencyPage",
            summary: "An agency (HTML): its published projects counted and totalled, its largest projects.",
            tag: "Dashboard", access: .everyone,
            parameters: [.init(name: "code", location: "path", description: "The agency's code.", schema: Schema.string)],
            responses: [.init(status: 200, description: "An HTML page.", contentType: "text/html", schema: nil), Self.unauthorizedPage, Self.notFoundPage])
        ) { context in
            let principal = try access.principal(context.request)
            let code = context.parameter("code") ?? ""
            return try routes.cached("agency:" + code + "|" + Self.viewer(principal)) { _ in
                try AgencyPage(storage: storage).response(code: code, principal: principal)
            }
        }

        api.add(APIOperation(
            method: .GET, path: "/reviews", id: "reviewQueuePage",
            summary: "The review queue (HTML): reviews by status, oldest request first, with how long each has waited.",
            tag: "Dashboard", access: .everyone, parameters: Self.asFormFields(ReviewQueuePage.parameters),
            responses: [.init(status: 200, description: "An HTML page.", contentType: "text/html", schema: nil), Self.badRequestPage, Self.unauthorizedPage, Self.invalidPage])
        ) { context in
            let principal = try access.principal(context.request)
            return try ReviewQueuePage(storage: storage).response(parameters: try Self.submitted(context.query), principal: principal)
        }
    }
}
