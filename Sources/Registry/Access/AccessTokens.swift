import Foundation
import SQLiteDatabase

/// Bearer tokens: `pr_<id>_<secret>`. The id finds the record; the secret (256 random bits)
/// is kept only as its SHA-256 and compared in constant time.
public struct AccessTokens: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock

    public init(database: SQLiteDatabase, clock: RegistryClock) {
        self.database = database
        self.clock = clock
    }

    public enum Role: Sendable, Equatable {
        case centre
        case agency(String)
    }

    /// Issues a token and returns it; it is never shown again.
    public func issue(_ role: Role, by actor: Principal) throws -> String {
        let id = Self.randomHex(bytes: 8)
        let secret = Self.randomHex(bytes: 32)
        let now = clock.timestamp()
        try database.write { db in
            var agencyCode: String?
            if case .agency(let code) = role {
                guard try db.queryFirst("SELECT code FROM agencies WHERE code = ?", [code]) != nil else {
                    throw RegistryError.invalid([FieldError("agency", "no agency has the code '\(code)'")])
                }
                agencyCode = code
            }
            try db.execute("INSERT INTO tokens (id, secret_hash, role, agency_code, created_at) VALUES (?, ?, ?, ?, ?)",
                           [id, Self.hash(secret), agencyCode == nil ? "centre" : "agency", agencyCode, now])
            try AuditTrail.record(db, at: now, actor: actor, action: "token.issue", entity: "token", entityID: id,
                                  after: .object(["id": .string(id), "role": .string(agencyCode == nil ? "centre" : "agency"),
                                                  "agency": agencyCode.map { .string($0) } ?? .null]))
        }
        return "pr_\(id)_\(secret)"
    }

    /// Revokes by token id or by the whole token. Returns false when no live token matched.
    @discardableResult
    public func revoke(_ tokenOrID: String, by actor: Principal) throws -> Bool {
        let id = Self.parse(tokenOrID)?.id ?? tokenOrID
        let now = clock.timestamp()
        return try database.write { db in
            let changed = try db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now, id])
            if changed > 0 {
                try AuditTrail.record(db, at: now, actor: actor, action: "token.revoke", entity: "token", entityID: id,
                                      after: .object(["id": .string(id), "revoked_at": .string(now)]))
            }
            return changed > 0
        }
    }

    /// The principal a bearer token stands for; nil when it is unknown, malformed or revoked.
    public func authenticate(_ token: String) throws -> Principal? {
        guard let (id, secret) = Self.parse(token) else { return nil }
        guard let row = try database.read({ try $0.queryFirst("SELECT secret_hash, role, agency_code, revoked_at FROM tokens WHERE id = ?", [id]) }) else {
            return nil
        }
        guard Self.constantTimeEquals(Self.hash(secret), try row.decode("secret_hash")),
              try row.decodeIfPresent("revoked_at", as: String.self) == nil else { return nil }
        if try row.decode("role", as: String.self) == "centre" { return .centre(tokenID: id) }
        return .agency(code: try row.decode("agency_code"), tokenID: id)
    }

    static func parse(_ token: String) -> (id: String, secret: String)? {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "pr", parts[1].count == 16, parts[2].count == 64,
              parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit) else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    static func hash(_ secret: String) -> String {
        Hex.sha256(Array(secret.utf8))
    }

    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Equal-length comparison whose time does not depend on where the strings differ.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<x.count { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
