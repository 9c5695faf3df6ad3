/// Money for a project, released by the centre only once its condition holds.
public struct FundingTranche: Sendable, Equatable {
    public enum Condition: String, Sendable, CaseIterable {
        case none
        case centralReviewApproved = "central_review_approved"
        case gatePassed = "gate_passed"
    }

    public var id: Int64
    public var projectID: Int64
    public var amount: Money
    public var condition: Condition
    /// The gateway gate that must be passed, for `gatePassed`.
    public var gate: Int?
    public var createdAt: String
    public var createdBy: String
    public var releasedAt: String?
    public var releasedBy: String?

    public var isReleased: Bool { releasedAt != nil }
}

extension RulesEngine {
    /// What stops the release of `tranche`: its condition unmet (P8-FUNDING-CONDITION), or a
    /// central review that no longer covers the project (P8-REVIEW-STALE).
    public static func releaseBlockers(_ tranche: FundingTranche, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        let amount = tranche.amount.formatted
        switch tranche.condition {
        case .none:
            break
        case .centralReviewApproved:
            if !context.reviews.contains(where: \.approvesProject) {
                findings.append(Finding(rule: .fundingCondition, severity: .blocking, message:
                    "Tranche \(tranche.id) of \(amount) is released only after a central review approves the project; none has."))
            }
        case .gatePassed:
            let gate = tranche.gate ?? 0
            let passed = context.reviews.contains { $0.kind == .gateway && $0.gate == gate && $0.status == .completed && ($0.outcome?.isPositive ?? false) }
            if !passed {
                findings.append(Finding(rule: .fundingCondition, severity: .blocking, message:
                    "Tranche \(tranche.id) of \(amount) is released only after gateway review \(gate) is passed; it has not been."))
            }
        }
        if var stale = reviewStale(context, obligations(for: context)) {
            stale.severity = .blocking
            findings.append(stale)
        }
        return findings
    }
}
