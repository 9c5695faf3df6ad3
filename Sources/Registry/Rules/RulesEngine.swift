/// Everything the rules look at, as plain values: no database, no HTTP.
public struct RuleContext: Sendable {
    public var project: ProjectRecord
    public var status: ProjectStatus
    public var agencyLevel: GovernmentLevel
    /// The latest business case version, if any.
    public var businessCase: BusinessCase?
    public var thresholds: ThresholdSchedule
    public var today: LocalDate

    public init(project: ProjectRecord, status: ProjectStatus, agencyLevel: GovernmentLevel, businessCase: BusinessCase?,
                thresholds: ThresholdSchedule, today: LocalDate) {
        self.project = project
        self.status = status
        self.agencyLevel = agencyLevel
        self.businessCase = businessCase
        self.thresholds = thresholds
        self.today = today
    }
}

/// The one rules engine: the same functions decide what a write may do and what the
/// findings lists show. Each rule is a plain function from the context to its findings.
public enum RulesEngine {
    /// Tolerance of the financial plan against the whole-life cost: 1 %.
    public static let financeMatchTolerancePercent = 1

    public static func obligations(for context: RuleContext) -> Obligations {
        obligations(cost: context.project.wholeLifeCost, level: context.agencyLevel, thresholds: context.thresholds, on: context.today)
    }

    /// A project owes what the thresholds in force on `date` say: "at or above" counts.
    public static func obligations(cost: Money, level: GovernmentLevel, thresholds: ThresholdSchedule, on date: LocalDate) -> Obligations {
        let businessCase = thresholds.inForce(.businessCase, on: date, level: level)?.amount
        let centralReview = thresholds.inForce(.centralReview, on: date, level: level)?.amount
        return Obligations(
            businessCaseRequired: businessCase.map { cost >= $0 } ?? false,
            centralReviewRequired: centralReview.map { cost >= $0 } ?? false,
            businessCaseThreshold: businessCase,
            centralReviewThreshold: centralReview)
    }

    /// Every finding that applies to the project now, in rule order.
    public static func findings(for context: RuleContext) -> [Finding] {
        let obligations = obligations(for: context)
        return businessCaseFindings(context, obligations) + accountabilityFindings(context, obligations)
    }

    /// The findings that refuse moving the project from its status to `target`.
    public static func blockers(to target: ProjectStatus, context: RuleContext) -> [Finding] {
        switch (context.status, target) {
        case (.proposed, .submitted):
            return findings(for: context).filter { $0.severity == .blocking }
        default:
            return []
        }
    }

    // MARK: - Principle 7: the business case

    /// Severity of a rule that gates leaving `proposed`: blocking there, a warning afterwards.
    private static func gateSeverity(_ context: RuleContext) -> Finding.Severity {
        context.status == .proposed ? .blocking : .warning
    }

    static func businessCaseFindings(_ context: RuleContext, _ obligations: Obligations) -> [Finding] {
        guard obligations.businessCaseRequired, let threshold = obligations.businessCaseThreshold else { return [] }
        let severity = gateSeverity(context)
        guard let businessCase = context.businessCase else {
            return [Finding(rule: .businessCaseRequired, severity: severity, message:
                "The whole-life cost of \(context.project.wholeLifeCost.formatted) is at or above the business-case threshold of \(threshold.formatted): write a business case before the project leaves 'proposed'.")]
        }
        var findings: [Finding] = []
        let missing = missingSections(of: businessCase)
        if !missing.isEmpty {
            findings.append(Finding(rule: .businessCaseComplete, severity: severity, message:
                "The business case is missing: \(missing.joined(separator: "; ")).")) 
        }
        if let mismatch = financeMismatch(businessCase, wholeLifeCost: context.project.wholeLifeCost) {
            findings.append(Finding(rule: .businessCaseFinanceMatch, severity: severity, message: mismatch))
        }
        if let gap = stakeholderGap(businessCase) {
            findings.append(Finding(rule: .businessCaseStakeholders, severity: severity, message: gap))
        }
        return findings
    }

    /// The mandatory sections (SPEC §2, 1–8) that are empty, named as the API names them.
    public static func missingSections(of businessCase: BusinessCase) -> [String] {
        var missing: [String] = []
        if businessCase.economicValue.isEmpty { missing.append("value.economic (the expected savings or costs avoided, with amounts and years)") }
        if businessCase.nonMonetaryValue.isEmpty { missing.append("value.non_monetary (the outcomes that are not money, and who benefits)") }
        if businessCase.risks.isEmpty { missing.append("risks (each with likelihood, impact and mitigation)") }
        if businessCase.timeframes.isEmpty { missing.append("timeframes (the results expected and by when)") }
        if businessCase.financialPlan.isEmpty { missing.append("financial_plan (the spending by year and kind)") }
        if businessCase.followUp.isEmpty { missing.append("follow_up (indicators on the use of the final service)") }
        if businessCase.responsibilities.isEmpty { missing.append("responsibilities (the role of every actor)") }
        if (businessCase.milestoneConsequences?.trimmingSpaces ?? "").isEmpty {
            missing.append("milestone_consequences (what follows from missing an agreed milestone)")
        }
        if businessCase.stakeholders.isEmpty { missing.append("stakeholders (the groups who took part in writing it)") }
        return missing
    }

    /// Nil when the financial plan totals the whole-life cost within the tolerance (or is empty:
    /// an empty plan is reported as a missing section instead).
    static func financeMismatch(_ businessCase: BusinessCase, wholeLifeCost: Money) -> String? {
        guard !businessCase.financialPlan.isEmpty else { return nil }
        let total = businessCase.financialPlanTotal
        let difference = (total - wholeLifeCost).minorUnits.magnitude
        // Within 1 %: difference × 100 ≤ cost × 1, in integers, so exactly 1 % passes.
        if difference * 100 <= wholeLifeCost.minorUnits.magnitude * UInt64(financeMatchTolerancePercent) { return nil }
        let direction = total > wholeLifeCost ? "more" : "less"
        let percent: String
        if wholeLifeCost.minorUnits == 0 {
            percent = "while the whole-life cost is zero"
        } else {
            let tenths = (difference * 1000 + wholeLifeCost.minorUnits.magnitude / 2) / wholeLifeCost.minorUnits.magnitude
            percent = "\(tenths / 10).\(tenths % 10) % \(direction) than the whole-life cost"
        }
        return "The financial plan totals \(total.formatted) but the whole-life cost is \(wholeLifeCost.formatted): \(Money(minorUnits: Int64(difference)).formatted) apart, \(percent); it must be within \(financeMatchTolerancePercent) %."
    }

    /// Nil when the users of the final service and at least one other group took part.
    static func stakeholderGap(_ businessCase: BusinessCase) -> String? {
        guard !businessCase.stakeholders.isEmpty else { return nil }
        let groups = Set(businessCase.stakeholders.map(\.group))
        let others = groups.subtracting([.users])
        switch (groups.contains(.users), others.isEmpty) {
        case (true, false): return nil
        case (false, false): return "The users of the final service did not take part in writing the business case."
        case (true, true): return "Only the users took part in writing the business case; at least one other group (government, contractors or civil society) must too."
        case (false, true): return "Neither the users nor another group took part in writing the business case."
        }
    }

    // MARK: - Principle 8: accountability

    static func accountabilityFindings(_ context: RuleContext, _ obligations: Obligations) -> [Finding] {
        guard obligations.aboveAnyThreshold, !context.project.namesAccountableParty else { return [] }
        return [Finding(rule: .accountable, severity: gateSeverity(context), message:
            "A project of \(context.project.wholeLifeCost.formatted) is above a threshold and must name its accountable owner (owner.name, or a role with responsibility 'accountable').")]
    }
}
