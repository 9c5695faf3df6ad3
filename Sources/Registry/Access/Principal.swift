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

    /// Whether a project of `agency` in `status` is shown to this principal: drafts (`proposed`)
    /// are their agency's and the centre's alone. (`ProjectSearch.sql` says the same in SQL.)
    public func sees(agency: String, status: ProjectStatus) -> Bool {
        guard status == .proposed else { return true }
        switch self {
        case .centre, .commandLine: return true
        case .agency(let code, _): return code == agency
        case .anonymous: return false
        }
    }
}
