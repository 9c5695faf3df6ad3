import Foundation
import HTTPServer
import HTTPTestSupport
import Logging
import RegistryServer
import Testing

/// The registry's operational endpoints against a real server on an ephemeral port.
@Suite(.serialized) struct OperationsRoutesTests {
    @Test func healthIsOK() throws {
        let registry = try RunningRegistry()
        let response = try registry.get("/healthz")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.text == #"{"status":"ok"}"#)
    }

    @Test func metricsAreInPrometheusTextFormat() throws {
        let registry = try RunningRegistry()
        _ = try registry.agency("MINA")
        _ = try registry.get("/healthz")
        let response = try registry.get("/metrics")
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(response.text.contains("# TYPE http_requests_total counter"))
        #expect(response.text.contains(#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
        #expect(response.text.contains("# TYPE http_request_duration_seconds histogram"))
        #expect(response.text.contains("http_open_connections"))
        let writes = registry.storage.database.writeStatistics
        #expect(writes.writes >= 2, "the agency and its token were written")
        #expect(response.text.contains("registry_write_transactions_total \(writes.transactions)\n"))
        #expect(response.text.contains("registry_writes_committed_total \(writes.writes)\n"))
    }

    @Test func homePageLinksTheStylesheetAndIsSecured() throws {
        let registry = try RunningRegistry()
        let page = try registry.get("/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.text.contains(#"<link rel="stylesheet" href="/static/app.css">"#))
        #expect(page.text.contains(#"<html lang="en">"#))
        #expect(page.text.contains(#"<main id="main">"#))
        #expect(page.header("Content-Security-Policy") != nil)

        let css = try registry.get("/static/app.css")
        #expect(css.status == 200)
        let etag = try #require(css.header("ETag"))
        #expect(try registry.get("/static/app.css", "If-None-Match: \(etag)").status == 304)
        #expect(try registry.get("/static/../Package.swift").status == 404)
        #expect(try registry.get("/static/%2e%2e/Package.swift").status == 404)
    }

    @Test func errorsAreProblemJSONOnTheAPIAndHTMLOnPages() throws {
        let registry = try RunningRegistry()
        let api = try registry.get("/api/v1/nothing")
        #expect(api.status == 404)
        #expect(api.header("Content-Type") == "application/problem+json")
        let problem = try JSONSerialization.jsonObject(with: Data(api.body)) as? [String: Any]
        #expect(problem?["status"] as? Int == 404)
        #expect(problem?["type"] as? String == "about:blank")

        let page = try registry.get("/nothing")
        #expect(page.status == 404)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.text.contains("<h1>Not Found</h1>"))
    }
}

extension RunningRegistry {
    func get(_ target: String, _ header: String? = nil) throws -> RawClient.Response {
        try request("GET", target, headers: header.map { [$0] } ?? []).response
    }
}
