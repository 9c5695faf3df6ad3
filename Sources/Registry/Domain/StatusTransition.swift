extension ProjectStatus {
    /// The forward path: proposed → submitted → approved → in_execution → completed.
    private static let path: [ProjectStatus] = [.proposed, .submitted, .approved, .inExecution, .completed]

    /// Whether the life cycle allows moving from `self` to `target`, before any rule is asked.
    /// `resumeTo` is the status a project on hold was in, the only one it may return to.
    public func allowsMove(to target: ProjectStatus, resumeTo: ProjectStatus? = nil) -> Bool {
        guard isOpen, target != self else { return false }
        switch target {
        case .onHold, .cancelled:
            return true
        default:
            if self == .onHold { return target == resumeTo }
            guard let from = Self.path.firstIndex(of: self), let to = Self.path.firstIndex(of: target) else { return false }
            return to == from + 1
        }
    }

    /// Where the project may go from here, for error messages and the API's documentation.
    public func allowedTargets(resumeTo: ProjectStatus? = nil) -> [ProjectStatus] {
        ProjectStatus.allCases.filter { allowsMove(to: $0, resumeTo: resumeTo) }
    }
}
