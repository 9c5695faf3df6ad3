import HTTPServer
import Registry
import SQLiteDatabase
import Synchronization

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
final class RecentPrincipals: Sendable {
    private let state = Mutex<(generation: UInt64, principals: [String: Principal])>((0, [:]))
    private static let limit = 1024

    func principal(for token: String, generation: UInt64) -> Principal? {
        state.withLock { $0.generation == generation ? $0.principals[token] : nil }
    }

    func remember(_ principal: Principal, for token: String, generation: UInt64) {
        state.withLock { state in
            if state.generation != generation || state.principals.count >= Self.limit { state = (generation, [:]) }
            state.principals[token] = principal
        }
    }
}

import Foundation
