import Foundation
@testable import RegistryServer
import Synchronization
import Registry
import SQLiteDatabase
import Testing

/// Tokens found good are remembered until the next commit; a revocation is a commit, so a
/// revoked token is refused on its very next request, whoever revoked it.
@Suite struct RevocationTests {
    @Test func aRevokedTokenIsRefusedAtOnceThoughItWasJustUsed() throws {
        let registry = try RunningRegistry()
        let token = try registry.agency("MINA")
        #expect(try registry.request("GET", "/api/v1/projects", token: token).status == 200)
        #expect(try registry.request("GET", "/api/v1/projects", token: token).status == 200)
        #expect(try registry.storage.tokens.revoke(token, by: .commandLine))
        #expect(try registry.request("GET", "/api/v1/projects", token: token).status == 401)
    }

    @Test func aTokenRevokedByAnotherProcessIsRefusedAtOnce() throws {
        let registry = try RunningRegistry()
        let token = try registry.agency("MINA")
        #expect(try registry.request("GET", "/api/v1/projects", token: token).status == 200)
        // Another connection to the file, as the CLI's would be: only `PRAGMA data_version` tells.
        let other = try SQLiteConnection(path: registry.storage.database.path)
        let id = String(token.split(separator: "_")[1])
        #expect(try other.execute("UPDATE tokens SET revoked_at = '2026-01-01T00:00:00Z' WHERE id = ?", [id]) == 1)
        usleep(5_000) // past the millisecond for which a data_version answer is reused
        #expect(try registry.request("GET", "/api/v1/projects", token: token).status == 401)
    }
}

/// The tokens found good since the last commit, shared by every request thread.
@Suite struct RecentPrincipalsTests {
    @Test func aPrincipalIsRememberedForItsGenerationOnlyAndTheCacheIsBounded() {
        let recent = RecentPrincipals()
        let minfin = Principal.agency(code: "MINFIN", tokenID: "t1")
        #expect(recent.principal(for: "token-1", generation: 1) == nil)
        recent.remember(minfin, for: "token-1", generation: 1)
        #expect(recent.principal(for: "token-1", generation: 1) == minfin)
        #expect(recent.principal(for: "token-2", generation: 1) == nil)
        // A commit: nothing from before it is served, and remembering starts afresh.
        #expect(recent.principal(for: "token-1", generation: 2) == nil)
        recent.remember(.centre(tokenID: "t2"), for: "token-2", generation: 2)
        #expect(recent.principal(for: "token-2", generation: 2) == .centre(tokenID: "t2"))
        #expect(recent.principal(for: "token-1", generation: 2) == nil)
        // Full: it starts afresh rather than grow.
        for index in 0..<1100 { recent.remember(.agency(code: "A\(index)", tokenID: "t\(index)"), for: "many-\(index)", generation: 2) }
        #expect(recent.principal(for: "token-2", generation: 2) == nil)
        #expect(recent.principal(for: "many-1099", generation: 2) == .agency(code: "A1099", tokenID: "t1099"))
    }

    @Test func threadsReadingAndRememberingTogetherGetOnlyWhatWasRememberedForTheirToken() {
        let recent = RecentPrincipals()
        let wrong = Mutex(0), hits = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 16) { thread in
            for step in 0..<3000 {
                let token = "token-\((thread + step) % 40)", generation = UInt64(step / 100)
                if let found = recent.principal(for: token, generation: generation) {
                    hits.withLock { $0 += 1 }
                    if found != .agency(code: token, tokenID: token) { wrong.withLock { $0 += 1 } }
                } else {
                    recent.remember(.agency(code: token, tokenID: token), for: token, generation: generation)
                }
            }
        }
        #expect(wrong.withLock { $0 } == 0)
        #expect(hits.withLock { $0 } > 0)
    }
}
