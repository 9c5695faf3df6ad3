/// A budget line above which a project owes something: a business case, a central review.
public struct Threshold: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case businessCase = "business_case"
        case centralReview = "central_review"

        /// As the findings word it: "business-case", "central-review".
        public var hyphenated: String {
            switch self {
            case .businessCase: "business-case"
            case .centralReview: "central-review"
            }
        }
    }

    public var kind: Kind
    public var amount: Money
    public var effectiveFrom: LocalDate
    /// Applies only to agencies of this level; nil for all.
    public var scope: GovernmentLevel?

    public init(kind: Kind, amount: Money, effectiveFrom: LocalDate, scope: GovernmentLevel? = nil) {
        self.kind = kind
        self.amount = amount
        self.effectiveFrom = effectiveFrom
        self.scope = scope
    }

    /// Seeded at first start: EUR 1 million for a business case, 5 million for a central review.
    public static let defaultAmounts: [Kind: Money] = [.businessCase: .units(1_000_000), .centralReview: .units(5_000_000)]
}

/// Every threshold ever set; answers which one is in force on a day for an agency's level.
public struct ThresholdSchedule: Sendable, Equatable {
    public var thresholds: [Threshold]

    public init(_ thresholds: [Threshold]) { self.thresholds = thresholds }

    /// The threshold of `kind` in force on `date` for `level`: among those already effective,
    /// one scoped to the level wins over an unscoped one; then the latest effective date.
    public func inForce(_ kind: Threshold.Kind, on date: LocalDate, level: GovernmentLevel) -> Threshold? {
        let effective = thresholds.filter { $0.kind == kind && $0.effectiveFrom <= date && ($0.scope == nil || $0.scope == level) }
        return effective.max { a, b in
            let aScoped = a.scope != nil, bScoped = b.scope != nil
            if aScoped != bScoped { return !aScoped }
            return a.effectiveFrom < b.effectiveFrom
        }
    }

    /// Whether `threshold` is the one in force on `date` for some level it applies to.
    public func isInForce(_ threshold: Threshold, on date: LocalDate) -> Bool {
        let levels = threshold.scope.map { [$0] } ?? GovernmentLevel.allCases
        return levels.contains { inForce(threshold.kind, on: date, level: $0) == threshold }
    }
}
