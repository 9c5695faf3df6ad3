import HTTPServer
import Registry

/// Who the request comes from, from its bearer token. No token: the public. A token that is
/// malformed, unknown or revoked is refused (401) even on a public read, so a client learns
/// at once that its token is wrong instead of silently seeing less. Whether the principal may
/// call an operation at all is the router's to say, from the operation's declared access
/// (`APIOperation.Access.admit`); which project or agency it may touch is the handler's.
struct AccessControl: Sendable {
    let tokens: AccessTokens

    func principal(_ request: HTTPRequest) throws(RegistryError) -> Principal {
        guard let header = request.headers["Authorization"] else { return .anonymous }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw RegistryError.unauthenticated }
        let principal: Principal?
        do { principal = try tokens.authenticate(String(parts[1]).trimmingCharacters(in: .whitespaces)) } catch {
            throw RegistryError.unauthenticated
        }
        guard let principal else { throw RegistryError.unauthenticated }
        return principal
    }
}

import Foundation
