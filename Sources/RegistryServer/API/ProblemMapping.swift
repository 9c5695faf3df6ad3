import HTTPServer
import JSON
import Registry

/// The one place where the registry's refusals become HTTP statuses and problem documents.
enum ProblemMapping {
    static func httpError(_ error: RegistryError) -> HTTPError {
        switch error {
        case .invalid(let fields):
            let names = fields.map(\.field).joined(separator: ", ")
            let list = JSONValue.array(fields.map { .object(["field": .string($0.field), "message": .string($0.message)]) })
            return HTTPError(.unprocessableContent, type: "/problems/invalid-fields", title: "Invalid fields",
                             detail: fields.map { "\($0.field): \($0.message)" }.joined(separator: "; "),
                             extensions: [("errors", list.serialized), ("fields", JSONValue.string(names).serialized)])
        case .malformed(let detail):
            return HTTPError(.badRequest, detail: detail)
        case .notFound(let detail):
            return HTTPError(.notFound, detail: detail)
        case .conflict(let detail):
            return HTTPError(.conflict, detail: detail)
        case .blockedByRules(let detail, let findings):
            return HTTPError(.conflict, type: "/problems/rules-blocked", title: "Blocked by the rules", detail: detail,
                             extensions: [("findings", JSONValue.array(findings.map(Representation.finding)).serialized)])
        case .unauthenticated:
            return HTTPError(.unauthorized, detail: "A valid bearer token is needed: Authorization: Bearer TOKEN.",
                             headers: HTTPHeaders([("WWW-Authenticate", "Bearer realm=\"portfolio-registry\"")]))
        case .forbidden(let detail):
            return HTTPError(.forbidden, detail: detail)
        case .stale(let detail):
            return HTTPError(.preconditionFailed, detail: detail)
        case .busy:
            return HTTPError(.serviceUnavailable, detail: "The database is busy; nothing was written. Try again.",
                             headers: HTTPHeaders([("Retry-After", "1")]))
        case .replicationUnconfirmed:
            return HTTPError(.serviceUnavailable, type: "/problems/replication-unconfirmed", title: "Replication not confirmed",
                             detail: "The change was stored on the primary, but its replica did not confirm it, so it is not acknowledged. "
                                 + "Retry with the same Idempotency-Key to get its answer, or read the record before writing again.",
                             headers: HTTPHeaders([("Retry-After", "1")]))
        case .readOnlyReplica(let primary):
            return HTTPError(.serviceUnavailable, type: "/problems/read-only-replica", title: "Read-only replica",
                             detail: "This server is a read-only replica and takes no writes; send them to the primary"
                                 + (primary.map { " at \($0)." } ?? "."),
                             extensions: primary.map { [("primary", JSONValue.string($0).serialized)] } ?? [])
        }
    }
}

/// A registry refusal thrown by a handler answers as its problem: the server renders it
/// (problem+json on the API, the HTML error page on pages) like any other HTTP error.
extension RegistryError: HTTPResponseError {
    public var status: HTTPStatus { problem.status }
    public var problem: HTTPError { ProblemMapping.httpError(self) }
}
