import HTTPServer

/// What operators and load balancers use: health, metrics, static files.
struct OperationsRoutes {
    let metrics: ServerMetrics
    let staticFiles: StaticFileServer

    func register(in router: inout Router) {
        router.get("/healthz") { _ in
            HTTPResponse(status: .ok, contentType: "application/json", body: #"{"status":"ok"}"#)
        }
        router.get("/metrics") { [metrics] _ in
            HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.prometheusText())
        }
        router.get("/static/{path...}") { [staticFiles] context in
            try staticFiles.respond(to: context.request, relativePath: context.parameter("path") ?? "")
        }
    }
}
