/// Who is asking: nobody in particular, an agency, or the centre of government.
public enum Principal: Sendable, Equatable {
    case anonymous
    case agency(code: String, tokenID: String)
    case centre(tokenID: String)
    /// An operator at the server's command line (`portfolio-registry token issue`, ...).
    case commandLine

    /// How the audit trail names the actor.
    public var auditName: String {
        switch self {
        case .anonymous: "public"
        case .agency(let code, let tokenID): "agency:\(code):\(tokenID)"
        case .centre(let tokenID): "centre:\(tokenID)"
        case .commandLine: "operator:command-line"
        }
    }

    public var agencyCode: String? {
        if case .agency(let code, _) = self { return code }
        return nil
    }

    public var isCentre: Bool {
        if case .centre = self { return true }
        return false
    }
}
