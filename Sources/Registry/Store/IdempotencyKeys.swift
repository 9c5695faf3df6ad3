import Foundation
import SQLiteDatabase

/// Remembers the response to a POST made with an `Idempotency-Key`, so that a retry
/// gets that response again instead of creating a second record.
public struct IdempotencyKeys: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    public struct Stored: Sendable, Equatable {
        public var requestHash: String
        public var status: Int
        public var location: String?
        public var body: String

        public init(requestHash: String, status: Int, location: String?, body: String) {
            self.requestHash = requestHash
            self.status = status
            self.location = location
            self.body = body
        }
    }

    public static func hash(_ body: [UInt8]) -> String {
        Hex.sha256(body)
    }

    public func lookup(actor: Principal, key: String) throws -> Stored? {
        try database.read { db in
            try db.queryFirst("SELECT request_hash, status, location, body FROM idempotency_keys WHERE actor = ? AND key = ?",
                              [Self.owner(actor), key]).map {
                Stored(requestHash: $0.string("request_hash") ?? "", status: $0.int("status") ?? 0, location: $0.string("location"), body: $0.string("body") ?? "")
            }
        }
    }

    public func save(actor: Principal, key: String, _ stored: Stored) throws {
        try database.write { db in
            try db.execute("INSERT OR IGNORE INTO idempotency_keys (actor, key, request_hash, status, location, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [Self.owner(actor), key, stored.requestHash, stored.status, stored.location, stored.body, clock.timestamp()])
        }
    }

    /// Keys belong to the agency (or the centre), not to one token, so a rotated token's retry still replays.
    static func owner(_ actor: Principal) -> String {
        switch actor {
        case .agency(let code, _): "agency:\(code)"
        case .centre: "centre"
        case .commandLine: "operator"
        case .anonymous: "public"
        }
    }
}
