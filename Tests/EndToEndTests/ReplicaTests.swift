import Foundation
import HTTPTestSupport
import JSON
import Testing

/// `serve --read-only`: a second process serving the primary's database (as a Litestream
/// follower would be) sees new data within seconds and refuses every write, naming the primary.
@Suite(.serialized) struct ReplicaTests {
    static func send(_ method: String, _ path: String, port: Int, token: String? = nil, body: String? = nil) throws -> RawClient.Response {
        let client = try RawClient(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: x\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        try client.send(head + "\r\n" + (body ?? ""))
        return try client.readResponse(bodyExpected: method != "HEAD")
    }

    @Test func aReadOnlyReplicaFollowsThePrimaryAndRefusesEveryWrite() throws {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("primary.sqlite").path
        #expect(try ServerProcess.run(["agency", "create", "--code", "MINA", "--name", "A", "--db", db]).status == 0)
        let token = try ServerProcess.run(["token", "issue", "--agency", "MINA", "--db", db]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let primary = try ServerProcess(arguments: ["serve", "--port", "0", "--db", db])
        let replica = try ServerProcess(arguments: ["serve", "--port", "0", "--db", db, "--read-only", "--primary-url", "https://registry.example"])

        let overview = { () throws -> String in try Self.send("GET", "/api/v1/portfolio/overview", port: replica.port).text }
        #expect(try overview().contains(#""totals":{"projects":0"#))

        let created = try Self.send("POST", "/api/v1/projects", port: primary.port, token: token,
                                    body: #"{"external_id":"R-1","title":"Replicated","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#)
        #expect(created.status == 201)
        let id = try #require(created.text.firstMatch(of: /"id":(\d+)/).map { String($0.1) })
        #expect(try Self.send("POST", "/api/v1/projects/\(id)/transitions", port: primary.port, token: token, body: #"{"to":"submitted"}"#).status == 200)

        // Seen by the replica within seconds: the project, its page, and the overview.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try Self.send("GET", "/api/v1/projects/\(id)", port: replica.port).status != 200 { usleep(100_000) }
        #expect(try Self.send("GET", "/api/v1/projects/\(id)", port: replica.port).status == 200)
        #expect(try Self.send("GET", "/projects/\(id)", port: replica.port).text.contains("Replicated"))
        while Date() < deadline, try overview().contains(#""totals":{"projects":0"#) { usleep(100_000) }
        #expect(try overview().contains(#""totals":{"projects":1"#))

        // Every operation that is not a read answers 503 naming the primary, whoever asks.
        let document = try JSONParser.parse(Array(try Self.send("GET", "/openapi.json", port: replica.port).body))
        guard case .object(let root) = document, case .object(let paths)? = root["paths"] else { Issue.record("no paths"); return }
        var writes = 0
        for (path, item) in paths.members {
            guard case .object(let methods) = item else { continue }
            let concrete = path.replacing(/\{[^}]+\}/, with: id)
            for method in methods.keys where !["get", "head", "parameters"].contains(method) {
                writes += 1
                let response = try Self.send(method.uppercased(), concrete, port: replica.port, token: token, body: "{}")
                #expect(response.status == 503, "\(method) \(path)")
                #expect(response.header("Content-Type") == "application/problem+json", "\(method) \(path)")
                #expect(response.text.contains(#""primary":"https://registry.example""#), "\(method) \(path)")
            }
        }
        #expect(writes >= 10, "the API has its writes")
        // The primary still takes writes; the replica's refusal changed nothing.
        #expect(try Self.send("PATCH", "/api/v1/projects/\(id)", port: primary.port, token: token, body: #"{"title":"Renamed"}"#).status == 200)
    }

    @Test func aReplicaNeedsAFileAndTheSameSchema() throws {
        let dir = try temporaryDirectory()
        let missing = try ServerProcess.run(["serve", "--port", "0", "--read-only", "--db", dir.appendingPathComponent("none.sqlite").path])
        #expect(missing.status != 0)
        #expect(missing.output.contains("no database"), "\(missing.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("none.sqlite").path), "a replica creates nothing")
        let demo = try ServerProcess.run(["serve", "--port", "0", "--read-only", "--demo", "--db", dir.appendingPathComponent("x.sqlite").path])
        #expect(demo.status != 0)
    }
}
