import JSON
import Registry
import SQLiteDatabase
import Synchronization
import Testing

/// An `Idempotency-Key` is recorded in the transaction of the write it protects. Faults are
/// injected in the database itself (triggers that abort), where a crash would strike.
@Suite(.serialized) struct IdempotencyFaultTests {
    static let body = #"{"external_id":"IDEM-1","title":"Protected","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#

    static func count(_ registry: RunningRegistry, _ sql: String) throws -> Int64? {
        if case .integer(let n) = try registry.storage.database.read({ try $0.scalar(sql) }) { return n }
        return nil
    }

    /// Every `operation` on the idempotency keys fails, as a crash at that point would leave it.
    static func injectFault(_ registry: RunningRegistry, before operation: String) throws {
        try registry.storage.database.withWriter {
            try $0.executeScript("CREATE TRIGGER fault BEFORE \(operation) ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'injected fault'); END;")
        }
    }

    @Test func aFaultBetweenTheWriteAndItsKeyLeavesNeither() throws {
        let registry = try RunningRegistry()
        let token = try registry.agency("MINA")
        try Self.injectFault(registry, before: "INSERT")
        let failed = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body, headers: ["Idempotency-Key: k-1"])
        #expect(failed.status == 500)
        #expect(try Self.count(registry, "SELECT count(*) FROM projects") == 0, "the project went with its key")
        #expect(try Self.count(registry, "SELECT count(*) FROM audit_events WHERE action = 'project.create'") == 0)

        // The retry, once the fault is gone, creates the project once.
        try registry.storage.database.withWriter { try $0.executeScript("DROP TRIGGER fault;") }
        let created = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body, headers: ["Idempotency-Key: k-1"])
        #expect(created.status == 201)
        let replay = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body, headers: ["Idempotency-Key: k-1"])
        #expect(replay.status == 201)
        #expect(replay.response.header("Idempotent-Replayed") == "true")
        #expect(replay.response.body == created.response.body)
        #expect(try Self.count(registry, "SELECT count(*) FROM projects") == 1)
    }

    @Test func aFaultAfterTheCommitStillReplaysTheWriteNotAConflict() throws {
        let registry = try RunningRegistry()
        let token = try registry.agency("MINA")
        // The response body is stored after the commit; here that second step fails.
        try Self.injectFault(registry, before: "UPDATE")
        let created = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body, headers: ["Idempotency-Key: k-2"])
        #expect(created.status == 201, "the write and its key committed")
        let replay = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body, headers: ["Idempotency-Key: k-2"])
        #expect(replay.status == 201, "a retry gets the write, not 409")
        #expect(replay.response.header("Idempotent-Replayed") == "true")
        #expect(replay.response.header("Location") == created.response.header("Location"))
        #expect(replay["id"] == created["id"])
        #expect(try Self.count(registry, "SELECT count(*) FROM projects") == 1)
    }

    struct ReplicaDown: Error {}

    /// With a replica that must confirm every commit (`serve --litestream-socket`): a write it
    /// did not confirm is not acknowledged, though it is stored here, and its retry replays it.
    @Test func aWriteTheReplicaDidNotConfirmIs503AndItsRetryReplaysIt() throws {
        let replicaUp = Mutex(true)
        var database = SQLiteDatabase.Configuration()
        database.confirmCommit = { if !replicaUp.withLock({ $0 }) { throw ReplicaDown() } }
        let registry = try RunningRegistry(database: database)
        let token = try registry.agency("MINA")
        replicaUp.withLock { $0 = false }
        let unconfirmed = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body, headers: ["Idempotency-Key: k-3"])
        #expect(unconfirmed.status == 503)
        #expect(unconfirmed["type"] == .string("/problems/replication-unconfirmed"))
        #expect(unconfirmed.response.header("Retry-After") == "1")
        #expect(try Self.count(registry, "SELECT count(*) FROM projects") == 1, "stored on the primary all the same")

        replicaUp.withLock { $0 = true }
        let retry = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body, headers: ["Idempotency-Key: k-3"])
        #expect(retry.status == 201)
        #expect(retry.response.header("Idempotent-Replayed") == "true")
        #expect(try Self.count(registry, "SELECT count(*) FROM projects") == 1)
    }
}
