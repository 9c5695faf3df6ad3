import Foundation
import HTTPServer
import HTTPTestSupport
import JSON
import Logging
import Registry
import RegistryServer
import SQLiteDatabase

/// A real registry server on an ephemeral port, over a fresh database migrated from the
/// repository's Migrations/, with a centre token at hand.
final class RunningRegistry: Sendable {
    let storage: RegistryStorage
    let application: RegistryApplication
    let server: HTTPServer
    let port: Int
    let directory: URL
    let centreToken: String

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    convenience init(logger supplied: Logger? = nil, clock: RegistryClock = RegistryClock(), database: SQLiteDatabase.Configuration = .init(),
                     configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let storage = try RegistryStorage.open(path: directory.appendingPathComponent("registry.sqlite").path,
                                               migrationsDirectory: Self.repository.appendingPathComponent("Migrations").path, clock: clock,
                                               configuration: database)
        try self.init(storage: storage, directory: directory, logger: supplied, configure: configure)
    }

    /// A server over a registry already opened, in `directory`, which goes with it.
    init(storage: RegistryStorage, directory: URL, logger supplied: Logger? = nil, configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws {
        self.storage = storage
        self.directory = directory
        application = RegistryApplication(storage: storage, resources: .init(publicDirectory: Self.repository.appendingPathComponent("Public").path))
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        server = application.makeServer(configuration: configuration, logger: supplied ?? logger)
        port = try server.start()
        centreToken = try storage.tokens.issue(.centre, by: .commandLine)
    }

    deinit {
        server.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Creates an agency and returns a token for it.
    func agency(_ code: String, level: GovernmentLevel = .national) throws -> String {
        try storage.agencies.create(Agency(code: code, name: "Agency \(code)", level: level), by: .commandLine)
        return try storage.tokens.issue(.agency(code), by: .commandLine)
    }

    struct Reply {
        let response: RawClient.Response
        var status: Int { response.status }
        var json: JSONValue? { try? JSONParser.parse(response.body) }
        subscript(key: String) -> JSONValue? {
            if case .object(let object)? = json { return object[key] }
            return nil
        }

        /// The rule ids of the findings under `key` (e.g. "findings").
        func rules(_ key: String = "findings") -> [String] {
            guard case .array(let findings)? = self[key] else { return [] }
            return findings.compactMap { if case .object(let o) = $0, case .string(let rule)? = o["rule"] { return rule } else { return nil } }
        }

        /// A number member as its literal text, e.g. an id.
        func number(_ key: String) -> String {
            if case .number(let text)? = self[key] { return text }
            return "?"
        }
    }

    func request(_ method: String, _ target: String, token: String? = nil, body: String? = nil,
                 headers: [String] = [], contentType: String = "application/json") throws -> Reply {
        // Generous: a loaded CI machine runs other suites beside this one; a failure just takes longer to say so.
        let client = try RawClient(port: port, receiveTimeout: 15)
        var head = "\(method) \(target) HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for header in headers { head += header + "\r\n" }
        if let body {
            head += "Content-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        try client.send(head + "\r\n" + (body ?? ""))
        return Reply(response: try client.readResponse(bodyExpected: method != "HEAD"))
    }
}

/// Reading replies: a member that is missing or of another kind reads as empty, so an
/// expectation on it fails instead of the test stopping.
func object(_ value: JSONValue?) -> JSONObject {
    if case .object(let object)? = value { return object }
    return [:]
}

/// The objects of an array member.
func objects(_ value: JSONValue?) -> [JSONObject] {
    guard case .array(let items)? = value else { return [] }
    return items.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
}
