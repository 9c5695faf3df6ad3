import Foundation
import HTTPServer
import HTTPTestSupport
import Logging
import Registry
import Synchronization
import Testing

/// Everything a log handler is given, at every level.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "captured") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let all = self.metadata.merging(metadata ?? [:]) { $1 }
            log.lines.withLock { $0.append("\(level) \(message) \(all)") }
        }
    }
}

/// Tokens never reach logs or error bodies; problem documents never carry SQL, file paths or stack traces.
struct NoLeakTests {
    static let internals = ["SELECT", "INSERT", "sqlite", "SQLITE", "/work/", "/tmp/", ".swift", "Sources/", "Fatal error", "0x0000"]

    @Test func tokensAndInternalsStayOutOfLogsAndProblems() throws {
        let log = CapturedLog()
        let registry = try RunningRegistry(logger: log.logger)
        let agency = try registry.agency("MINFIN")
        let secret = String(agency.split(separator: "_").last!)
        let forged = "pr_1_" + String(repeating: "z", count: secret.count)
        var bodies: [(String, RunningRegistry.Reply)] = []
        func record(_ label: String, _ reply: RunningRegistry.Reply) { bodies.append((label, reply)) }

        record("good token", try registry.request("GET", "/api/v1/projects", token: agency))
        record("forged token", try registry.request("GET", "/api/v1/projects", token: forged))
        record("token as a query", try registry.request("GET", "/api/v1/projects?token=\(agency)", token: agency))
        record("malformed header", try registry.request("GET", "/api/v1/projects", headers: ["Authorization: Bearer \(agency) extra"]))
        record("wrong scheme", try registry.request("GET", "/api/v1/projects", headers: ["Authorization: Basic \(agency)"]))
        record("bad JSON", try registry.request("POST", "/api/v1/projects", token: agency, body: "{\"title\": \(agency)"))
        record("invalid fields", try registry.request("POST", "/api/v1/projects", token: agency, body: #"{"title":""}"#))
        record("missing project", try registry.request("GET", "/api/v1/projects/999999", token: agency))
        record("dashboard with a bad token", try registry.request("GET", "/projects", token: forged))

        // An internal failure: the table under the API is gone.
        try registry.storage.database.write { try $0.execute("ALTER TABLE agencies RENAME TO agencies_gone") }
        let failed = try registry.request("GET", "/api/v1/agencies", token: agency)
        record("internal error", failed)
        #expect(failed.status == 500)

        for (label, reply) in bodies {
            let text = reply.response.text
            #expect(!text.contains(secret), "\(label): the token's secret is in the reply")
            #expect(!text.contains(forged), "\(label): the forged token is in the reply")
            if reply.status >= 400 {
                for leak in Self.internals {
                    #expect(!text.contains(leak), "\(label) (\(reply.status)): '\(leak)' in \(text)")
                }
            }
        }
        let lines = log.lines.withLock { $0 }
        #expect(lines.contains { $0.contains("GET /api/v1/projects") }, "the access log was captured")
        #expect(lines.contains { $0.contains("handler failed") }, "the internal error was logged for the operator")
        for line in lines {
            #expect(!line.contains(secret), "the token's secret is in the log: \(line)")
            #expect(!line.contains(forged), "the forged token is in the log: \(line)")
        }
    }
}
