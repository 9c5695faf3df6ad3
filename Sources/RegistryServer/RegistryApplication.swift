import HTTPServer
import Logging

/// The registry's HTTP face: which routes exist and what answers them.
/// Built once at start-up; the router is immutable while serving.
public struct RegistryApplication: Sendable {
    public struct Resources: Sendable {
        /// The folder holding `app.css` and the other static files.
        public var publicDirectory: String
        public init(publicDirectory: String) { self.publicDirectory = publicDirectory }
    }

    public let router: Router
    public let metrics: ServerMetrics

    public init(resources: Resources, metrics: ServerMetrics = ServerMetrics()) {
        self.metrics = metrics
        var router = Router()
        OperationsRoutes(metrics: metrics, staticFiles: StaticFileServer(root: resources.publicDirectory)).register(in: &router)
        PageRoutes().register(in: &router)
        self.router = router
    }

    /// API paths answer problem+json (RFC 9457); pages answer a small HTML page.
    public static let renderError: HTTPErrorRenderer = { error, path in
        if let path, !path.hasPrefix("/api/"), path != "/healthz", path != "/metrics", path != "/openapi.json" {
            return ErrorPage.response(for: error)
        }
        return error.response
    }

    public func makeServer(configuration: HTTPServerConfiguration, logger: Logger) -> HTTPServer {
        HTTPServer(configuration: configuration, router: router, renderError: Self.renderError, metrics: metrics, logger: logger)
    }
}
