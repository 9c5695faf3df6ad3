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
        /// Empty when the write committed but its response was not stored after it (a crash
        /// in between): the replay renders the resource at `location` instead.
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
                Stored(requestHash: try $0.decode("request_hash"), status: try $0.decode("status"), location: try $0.decodeIfPresent("location"), body: try $0.decode("body"))
            }
        }
    }

    /// A key a write is about to use.
    public struct Claim: Sendable {
        let owner: String
        let key: String
        let requestHash: String
    }

    public func claim(actor: Principal, key: String, requestHash: String) -> Claim {
        Claim(owner: Self.owner(actor), key: key, requestHash: requestHash)
    }

    /// Records the key inside the transaction of the write it protects, so that after a crash
    /// both exist or neither does. A key another request recorded meanwhile rolls this one back.
    public func record(_ db: SQLiteConnection, _ claim: Claim, status: Int, location: String?) throws {
        let inserted = try db.execute(
            "INSERT OR IGNORE INTO idempotency_keys (actor, key, request_hash, status, location, body, created_at) VALUES (?, ?, ?, ?, ?, '', ?)",
            [claim.owner, claim.key, claim.requestHash, status, location, clock.timestamp()])
        guard inserted > 0 else {
            throw RegistryError.conflict("Another request with this Idempotency-Key was completed meanwhile; send it again to get its response.")
        }
    }

    /// Stores the response after the write committed, for exact replays. If this is lost, the
    /// replay renders the resource as it is instead.
    public func complete(_ claim: Claim, body: String) throws {
        try database.write { db in
            _ = try db.execute("UPDATE idempotency_keys SET body = ? WHERE actor = ? AND key = ?", [body, claim.owner, claim.key])
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
