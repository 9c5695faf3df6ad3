import HTTPServer
import Registry
import SQLiteDatabase

/// Who the request comes from, from its bearer token. No token: the public. A token that is
/// malformed, unknown or revoked is refused (401) even on a public read, so a client learns
/// at once that its token is wrong instead of silently seeing less. Whether the principal may
/// call an operation at all is the router's to say, from the operation's declared access
/// (`APIOperation.Access.admit`); which project or agency it may touch is the handler's.
struct AccessControl: Sendable {
    let tokens: AccessTokens
    let database: SQLiteDatabase
    /// Tokens found good since the last commit: the router and then the handler ask for the
    /// same request's principal, and a client's next request brings the same token. Any commit
    /// (a revocation among them, by this process or the CLI) empties it.
    private let recent = RecentPrincipals()

    init(tokens: AccessTokens, database: SQLiteDatabase) {
        self.tokens = tokens
        self.database = database
    }

    func principal(_ request: HTTPRequest) throws(RegistryError) -> Principal {
        guard let header = request.headers["Authorization"] else { return .anonymous }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw RegistryError.unauthenticated }
        let token = String(parts[1].trimmingHTTPWhitespace())
        let generation = database.generation
        if let known = recent.principal(for: token, generation: generation) { return known }
        let principal: Principal?
        do { principal = try tokens.authenticate(token) } catch {
            throw RegistryError.unauthenticated
        }
        guard let principal else { throw RegistryError.unauthenticated }
        recent.remember(principal, for: token, generation: generation)
        return principal
    }
}

/// Principals by token, valid for one database generation; bounded (it starts afresh when full).
/// Every request reads it, twice (the router, then the handler), and a write load changes the
/// generation with every commit: under a `Mutex` it was the most contended lock of the write
/// load, the request threads spinning on it while its holder waited for a core.
final class RecentPrincipals: @unchecked Sendable {
    private let lock = ReadWriteLock()
    // Guarded by `lock`.
    private var generation: UInt64 = 0
    private var principals: [String: Principal] = [:]
    private static let limit = 1024

    func principal(for token: String, generation: UInt64) -> Principal? {
        lock.lockForReading()
        defer { lock.unlock() }
        return self.generation == generation ? principals[token] : nil
    }

    func remember(_ principal: Principal, for token: String, generation: UInt64) {
        var replaced: [String: Principal] = [:]
        lock.lockForWriting()
        if self.generation != generation || principals.count >= Self.limit {
            swap(&replaced, &principals)
            self.generation = generation
        }
        principals[token] = principal
        lock.unlock()
        withExtendedLifetime(replaced) {} // the old entries are freed here, after the lock
    }
}

import Foundation
