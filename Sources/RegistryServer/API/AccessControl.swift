import HTTPServer
import Registry

/// Who the request comes from, from its bearer token. No token: the public. A token that is
/// malformed, unknown or revoked is refused (401) even on a public read, so a client learns
/// at once that its token is wrong instead of silently seeing less.
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

    func requireCentre(_ request: HTTPRequest) throws(RegistryError) -> Principal {
        let principal = try principal(request)
        switch principal {
        case .centre: return principal
        case .anonymous: throw RegistryError.unauthenticated
        case .agency, .commandLine: throw RegistryError.forbidden("Only the centre of government may do this.")
        }
    }
}

import Foundation
