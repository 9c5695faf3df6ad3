import Foundation
import HTTPTestSupport
import Synchronization
import Testing

/// `backup` while the server runs and writes go on; `restore` that refuses a database in use
/// or a file that is not a sound registry database, and brings back exactly what was backed up.
@Suite(.serialized) struct BackupTests {
    static func create(_ n: Int, on server: ServerProcess, token: String) throws -> (status: Int, id: String?) {
        try create(n, port: server.port, token: token)
    }

    static func create(_ n: Int, port: Int, token: String) throws -> (status: Int, id: String?) {
        let client = try RawClient(port: port)
        let body = #"{"external_id":"B-\#(n)","title":"Backed up \#(n)","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#
        try client.send("POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let response = try client.readResponse()
        let id = response.text.firstMatch(of: /"id":(\d+)/).map { String($0.1) }
        return (response.status, id)
    }

    static func status(of id: String, on server: ServerProcess, token: String) throws -> Int {
        let client = try server.client()
        try client.send("GET /api/v1/projects/\(id) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        return try client.readResponse().status
    }

    @Test func backupWhileServingThenRestoreWhatWasBackedUp() throws {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("live.sqlite").path
        let backup = dir.appendingPathComponent("backup.sqlite").path
        #expect(try ServerProcess.run(["agency", "create", "--code", "MINA", "--name", "A", "--db", db]).status == 0)
        let token = try ServerProcess.run(["token", "issue", "--agency", "MINA", "--db", db]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        var server = try ServerProcess(arguments: ["serve", "--port", "0", "--db", db])

        var before: [String] = []
        for n in 0..<10 { before += try Self.create(n, on: server, token: token).id.map { [$0] } ?? [] }
        #expect(before.count == 10)

        // Writes go on while the backup is made; none waits for it or fails.
        final class Writes: @unchecked Sendable { let statuses = Mutex<[Int]>([]) }
        let writes = Writes()
        let port = server.port
        let writer = Thread {
            for n in 100..<130 {
                let status = (try? Self.create(n, port: port, token: token).status) ?? 0
                writes.statuses.withLock { $0.append(status) }
            }
        }
        writer.start()
        let made = try ServerProcess.run(["backup", "--to", backup, "--db", db])
        #expect(made.status == 0, "\(made.output)")
        #expect(made.output.contains("integrity ok"))
        #expect(made.output.contains("0006_reported_at") || made.output.contains("migrations (the last"))
        while writes.statuses.withLock({ $0.count }) < 30 { usleep(20_000) }
        #expect(writes.statuses.withLock { $0 }.allSatisfy { $0 == 201 })
        let after = try #require(try Self.create(999, on: server, token: token).id)

        // A backup never overwrites, and a database in use is never replaced.
        let again = try ServerProcess.run(["backup", "--to", backup, "--db", db])
        #expect(again.status != 0)
        #expect(again.output.contains("exists"))
        let refused = try ServerProcess.run(["restore", "--from", backup, "--db", db])
        #expect(refused.status != 0)
        #expect(refused.output.contains("in use"), "\(refused.output)")
        #expect(try Self.status(of: after, on: server, token: token) == 200)

        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: 15) == 0)
        let restored = try ServerProcess.run(["restore", "--from", backup, "--db", db])
        #expect(restored.status == 0, "\(restored.output)")
        #expect(restored.output.contains("kept at"))
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("live.sqlite.replaced-") }
        #expect(kept.count == 1)

        // The restored registry serves what was acknowledged before the backup, and not what came after it.
        server = try ServerProcess(arguments: ["serve", "--port", "0", "--db", db])
        for id in before { #expect(try Self.status(of: id, on: server, token: token) == 200) }
        #expect(try Self.status(of: after, on: server, token: token) == 404)
    }

    @Test func restoreRefusesFilesThatAreNotSoundRegistryDatabases() throws {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("target.sqlite").path
        #expect(try ServerProcess.run(["migrate", "--db", db]).status == 0)
        let original = try Data(contentsOf: URL(fileURLWithPath: db))

        let garbage = dir.appendingPathComponent("garbage.sqlite")
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: garbage)
        for (file, reason) in [(garbage.path, "cannot be used"), (dir.appendingPathComponent("missing.sqlite").path, "no backup")] {
            let result = try ServerProcess.run(["restore", "--from", file, "--db", db])
            #expect(result.status != 0)
            #expect(result.output.contains(reason), "\(result.output)")
        }
        // The target is untouched by a refused restore.
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == original)
    }
}
