import HTTPServer
import JSON
import SQLiteDatabase

/// What operators and load balancers use: health, metrics, static files, the API description.
struct OperationsRoutes {
    let metrics: ServerMetrics
    let staticFiles: StaticFileServer
    let database: SQLiteDatabase

    static let openAPIOperation = APIOperation(
        method: .GET, path: "/openapi.json", id: "getOpenAPI", summary: "This document.", tag: "Operations", access: .everyone,
        responses: [.json(200, "The OpenAPI 3.1 description of every endpoint.", .object(["type": .string("object")]))])

    func register(in api: inout APIBuilder) {
        let metrics = self.metrics, staticFiles = self.staticFiles, database = self.database
        api.add(APIOperation(
            method: .GET, path: "/healthz", id: "health", summary: "Liveness: the server answers.", tag: "Operations", access: .everyone,
            responses: [.json(200, "Healthy.", Schema.object([("status", Schema.enumeration(["ok"]))], required: ["status"]))])
        ) { _ in
            HTTPResponse(status: .ok, contentType: "application/json", body: #"{"status":"ok"}"#)
        }
        api.add(APIOperation(
            method: .GET, path: "/metrics", id: "metrics", summary: "Prometheus text: requests by route and status, latency, connections, group commits.",
            tag: "Operations", access: .everyone,
            responses: [.init(status: 200, description: "Metrics in the Prometheus text format 0.0.4.", contentType: "text/plain", schema: Schema.string)])
        ) { _ in
            let writes = database.writeStatistics
            let storage = """
                # HELP registry_write_transactions_total Transactions the writer committed; several writes share one (group commit).
                # TYPE registry_write_transactions_total counter
                registry_write_transactions_total \(writes.transactions)
                # HELP registry_writes_committed_total Writes committed, each in its own savepoint.
                # TYPE registry_writes_committed_total counter
                registry_writes_committed_total \(writes.writes)

                """
            return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.prometheusText() + storage)
        }
        api.add(APIOperation(
            method: .GET, path: "/static/{path...}", id: "staticFile", summary: "A file of the dashboard (stylesheet, images), with ETag and Last-Modified.",
            tag: "Operations", access: .everyone,
            parameters: [.init(name: "path", location: "path", description: "The file's path under Public/.", schema: Schema.string)],
            responses: [.init(status: 200, description: "The file.", contentType: "*/*", schema: nil),
                        .init(status: 304, description: "Not modified since the ETag or date given.", contentType: nil, schema: nil),
                        .init(status: 404, description: "No such file.", contentType: "text/html", schema: nil)])
        ) { context in
            try staticFiles.respond(to: context.request, relativePath: context.parameter("path") ?? "")
        }
    }
}
