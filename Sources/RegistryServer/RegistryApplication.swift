import HTTPServer
import JSON
import Logging
import Registry

/// The registry's HTTP face: which routes exist, what answers them, and the OpenAPI
/// document that describes exactly those. Built once at start-up; immutable while serving.
public struct RegistryApplication: Sendable {
    public struct Resources: Sendable {
        /// The folder holding `app.css` and the other static files.
        public var publicDirectory: String
        public init(publicDirectory: String) { self.publicDirectory = publicDirectory }
    }

    public let router: Router
    public let metrics: ServerMetrics
    /// The OpenAPI document, built from the same operations as the router.
    public let openAPI: JSONValue

    /// A primary takes writes; a replica serves a database another process keeps up to date.
    public enum Role: Sendable, Equatable {
        case primary
        case replica(primaryURL: String?)
    }

    public init(storage: RegistryStorage, resources: Resources, metrics: ServerMetrics = ServerMetrics(), role: Role = .primary) {
        self.metrics = metrics
        let access = AccessControl(tokens: storage.tokens, database: storage.database)
        var api = APIBuilder(role: role, access: access)
        OperationsRoutes(metrics: metrics, staticFiles: StaticFileServer(root: resources.publicDirectory), database: storage.database).register(in: &api)
        let projects = ProjectRoutes(storage: storage, access: access)
        PageRoutes(projects: projects).register(in: &api)
        AdministrationRoutes(storage: storage, access: access).register(in: &api)
        projects.register(in: &api)
        let document = OpenAPIDocument.build(api.operations + [OperationsRoutes.openAPIOperation])
        let body = document.serializedBytes
        api.add(OperationsRoutes.openAPIOperation) { _ in
            HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
        }
        self.openAPI = document
        self.router = api.router
    }

    /// API paths answer problem+json (RFC 9457); pages answer a small HTML page.
    public static let renderError: HTTPErrorRenderer = { error, path in
        if let path, answersErrorsWithPages(path) { return ErrorPage.response(for: error) }
        return error.response
    }

    /// Whether errors on `path` (a request's, or a route's pattern) are HTML pages.
    public static func answersErrorsWithPages(_ path: String) -> Bool {
        !path.hasPrefix("/api/") && !path.hasPrefix("/feeds/") && path != "/healthz" && path != "/metrics" && path != "/openapi.json"
    }

    public func makeServer(configuration: HTTPServerConfiguration, logger: Logger) -> HTTPServer {
        HTTPServer(configuration: configuration, router: router, renderError: Self.renderError, metrics: metrics, logger: logger)
    }
}
