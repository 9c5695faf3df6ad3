import Foundation
@testable import HTTPServer
import Testing

struct StaticFileServerTests {
    final class Site {
        let base: URL
        let root: URL
        init() throws {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)")
            root = base.appendingPathComponent("public")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("css"), withIntermediateDirectories: true)
            try "body { color: #0b0c0c }".write(to: root.appendingPathComponent("css/app.css"), atomically: true, encoding: .utf8)
            try "<svg/>".write(to: root.appendingPathComponent("logo.svg"), atomically: true, encoding: .utf8)
            try "secret".write(to: base.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
            try "hidden".write(to: root.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("escape.txt").path, withDestinationPath: base.appendingPathComponent("secret.txt").path)
        }
        var server: StaticFileServer { StaticFileServer(root: root.path) }
        deinit { try? FileManager.default.removeItem(at: base) }
    }

    func get(_ server: StaticFileServer, _ path: String, _ headers: [(String, String)] = []) -> (status: Int, response: HTTPResponse?) {
        let request = HTTPRequest(head: HTTPRequestHead(method: .GET, target: "/static/" + path, version: .http1_1, headers: HTTPHeaders(headers)))
        do {
            let response = try server.respond(to: request, relativePath: path)
            return (response.status.code, response)
        } catch {
            return (error.status.code, nil)
        }
    }

    @Test func servesFilesWithTypeAndValidators() throws {
        let site = try Site()
        let (status, response) = get(site.server, "css/app.css")
        #expect(status == 200)
        #expect(response?.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(String(decoding: response?.body ?? [], as: UTF8.self) == "body { color: #0b0c0c }")
        #expect(response?.headers["ETag"]?.hasPrefix("\"") == true)
        #expect(response?.headers["Last-Modified"].flatMap(HTTPDate.parse) != nil)
        #expect(get(site.server, "logo.svg").response?.headers["Content-Type"] == "image/svg+xml")
    }

    @Test func answersNotModified() throws {
        let site = try Site()
        let server = site.server
        let response = try #require(get(server, "css/app.css").response)
        let etag = try #require(response.headers["ETag"])
        let modified = try #require(response.headers["Last-Modified"])
        #expect(get(server, "css/app.css", [("If-None-Match", etag)]).status == 304)
        #expect(get(server, "css/app.css", [("If-None-Match", "\"other\", " + etag)]).status == 304)
        #expect(get(server, "css/app.css", [("If-None-Match", "W/" + etag)]).status == 304)
        #expect(get(server, "css/app.css", [("If-None-Match", "*")]).status == 304)
        #expect(get(server, "css/app.css", [("If-None-Match", "\"other\"")]).status == 200)
        #expect(get(server, "css/app.css", [("If-Modified-Since", modified)]).status == 304)
        #expect(get(server, "css/app.css", [("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]).status == 200)
        // If-None-Match decides when both are sent.
        #expect(get(server, "css/app.css", [("If-None-Match", "\"other\""), ("If-Modified-Since", modified)]).status == 200)
        let notModified = get(server, "css/app.css", [("If-None-Match", etag)]).response
        #expect(notModified?.body.isEmpty == true)
        #expect(notModified?.headers["ETag"] == etag)
    }

    @Test func revalidatesItsCacheWhenTheFileChanges() throws {
        let site = try Site()
        let server = site.server
        let first = try #require(get(server, "css/app.css").response)
        try "body { color: #1d4ed8; margin: 0 }".write(to: site.root.appendingPathComponent("css/app.css"), atomically: true, encoding: .utf8)
        let second = try #require(get(server, "css/app.css").response)
        #expect(String(decoding: second.body, as: UTF8.self) == "body { color: #1d4ed8; margin: 0 }")
        #expect(second.headers["ETag"] != first.headers["ETag"])
    }

    @Test(arguments: [
        "../secret.txt", "%2e%2e/secret.txt", "css/%2e%2e/%2e%2e/secret.txt", "%2fetc%2fpasswd", "..%2fsecret.txt",
        "css/..%2F..%2Fsecret.txt", "escape.txt", "css", "css/", "missing.css", ".env", "css//app.css", "css%5c..%5c..%5csecret.txt", "",
    ])
    func refusesEverythingOutsideTheFolder(_ path: String) throws {
        let site = try Site()
        #expect(get(site.server, path).status == 404, "\(path)")
    }
}
