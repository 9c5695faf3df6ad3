import Foundation
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
