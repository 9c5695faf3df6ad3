import SQLiteDatabase

/// Why the registry refused something. The HTTP layer maps each case to a status in one place.
public enum RegistryError: Error, Sendable, Equatable {
    /// A field is missing, of the wrong type or out of range (422), named as the API names it.
    case invalid([FieldError])
    /// The request cannot be understood at all (400), e.g. an unknown key.
    case malformed(String)
    case notFound(String)
    /// A duplicate or a state that does not allow it (409).
    case conflict(String)
    /// The rules refuse it (409), with the findings that block.
    case blockedByRules(String, [Finding])
    /// No valid credentials for a write (401).
    case unauthenticated
    /// Valid credentials that may not do this (403).
    case forbidden(String)
    /// The record changed since the client read it (412).
    case stale(String)
    /// The database stayed locked past the busy timeout (a checkpoint, a backup, Litestream's
    /// sync); nothing was written and the request may be retried (503).
    case busy
    /// This server follows another's database and takes no writes (503), naming the primary.
    case readOnlyReplica(primaryURL: String?)
    /// The change was committed here but the replica did not confirm it (503): it is not lost
    /// on this machine, but it was not acknowledged either.
    case replicationUnconfirmed
}

extension RegistryError {
    /// A storage failure the client can do something about, as a refusal; nil for the rest
    /// (which are the server's fault, 500).
    public init?(storage error: any Error) {
        if error is UnconfirmedCommit {
            self = .replicationUnconfirmed
            return
        }
        guard let error = error as? SQLiteError, error.isBusy else { return nil }
        self = .busy
    }
}

/// One problem with one field, e.g. `whole_life_cost`: "must not be negative".
public struct FieldError: Sendable, Equatable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

extension RegistryError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalid(let fields): fields.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        case .malformed(let detail), .notFound(let detail), .conflict(let detail), .forbidden(let detail), .stale(let detail): detail
        case .blockedByRules(let detail, let findings): detail + " " + findings.map { "[\($0.rule.rawValue)] \($0.message)" }.joined(separator: " ")
        case .unauthenticated: "a valid bearer token is needed"
        case .busy: "the database is busy"
        case .readOnlyReplica(let primary): "this server is a read-only replica" + (primary.map { "; the primary is \($0)" } ?? "")
        case .replicationUnconfirmed: "committed on the primary, but the replica did not confirm it"
        }
    }
}
