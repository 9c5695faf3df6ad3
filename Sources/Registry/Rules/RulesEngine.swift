import Foundation
/// Everything the rules look at, as plain values: no database, no HTTP.
public struct RuleContext: Sendable {
    public var project: ProjectRecord
    public var status: ProjectStatus
    public var agencyLevel: GovernmentLevel
    /// The latest business case version, if any.
    public var businessCase: BusinessCase?
    public var thresholds: ThresholdSchedule
    /// Every review of the project, oldest first.
    public var reviews: [Review]
    /// Every baseline, the original first.
    public var baselines: [Baseline]
    /// The last day the agency reported on the project.
    public var lastReported: LocalDate?
    /// Other agencies' projects that look like this one.
    public var similarProjects: [SimilarityIndex.Match] = []
    /// Groups this project belongs to that look like one project split under a threshold.
    public var thresholdSplits: [SimilarityIndex.Split] = []
    public var today: LocalDate
    public var tolerances: Tolerances

    public init(project: ProjectRecord, status: ProjectStatus, agencyLevel: GovernmentLevel, businessCase: BusinessCase?,
                thresholds: ThresholdSchedule, reviews: [Review] = [], baselines: [Baseline] = [], lastReported: LocalDate? = nil,
                today: LocalDate, tolerances: Tolerances = Tolerances()) {
        self.baselines = baselines
        self.lastReported = lastReported
        self.project = project
        self.status = status
        self.agencyLevel = agencyLevel
        self.businessCase = businessCase
        self.thresholds = thresholds
        self.reviews = reviews
        self.today = today
        self.tolerances = tolerances
    }
}

/// How far things may drift before a rule speaks, in percent.
public struct Tolerances: Sendable, Equatable {
    /// Forecast cost above the reviewed cost before a new review is due (P8-REVIEW-STALE).
    public var reviewCostPercent: Int = 10
    /// Forecast cost above a baseline before it is an overrun (P8-COST-OVERRUN).
    public var costOverrunPercent: Int = 10
    /// Days the forecast end may pass a baseline's end before it is a slip (P8-SCHEDULE-SLIP).
    public var scheduleSlipDays: Int = 90
    /// Days without a report from the agency before it is stale (P8-STALE-REPORT).
    public var reportingPeriodDays: Int = 90

    public init(reviewCostPercent: Int = 10, costOverrunPercent: Int = 10, scheduleSlipDays: Int = 90, reportingPeriodDays: Int = 90) {
        self.reviewCostPercent = reviewCostPercent
        self.costOverrunPercent = costOverrunPercent
        self.scheduleSlipDays = scheduleSlipDays
        self.reportingPeriodDays = reportingPeriodDays
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
        return businessCaseFindings(context, obligations) + reviewFindings(context, obligations) + accountabilityFindings(context, obligations)
            + monitoringFindings(context) + portfolioFindings(context)
    }

    /// The findings that refuse moving the project from its status to `target`.
    public static func blockers(to target: ProjectStatus, context: RuleContext) -> [Finding] {
        switch (context.status, target) {
        case (.proposed, .submitted):
            return findings(for: context).filter { $0.severity == .blocking }
        case (_, .approved), (_, .inExecution):
            return reviewRequired(context, obligations(for: context), target: target).map { [$0] } ?? []
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
            return [Finding(rule: .businessCaseRequired, severity: severity, text: .businessCaseMissing(cost: context.project.wholeLifeCost, threshold: threshold))]
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

    // MARK: - Principle 8: central review

    /// A project at or above the review threshold may not be approved or start without a
    /// completed central review with a positive outcome.
    static func reviewRequired(_ context: RuleContext, _ obligations: Obligations, target: ProjectStatus) -> Finding? {
        guard obligations.centralReviewRequired, let threshold = obligations.centralReviewThreshold,
              !context.reviews.contains(where: \.approvesProject) else { return nil }
        let rejected = context.reviews.last { $0.kind == .central && $0.status == .completed && $0.outcome == .rejected }
        return Finding(rule: .reviewRequired, severity: .blocking, message:
            "A project of \(context.project.wholeLifeCost.formatted) is at or above the central-review threshold of \(threshold.formatted): "
            + (rejected != nil ? "its central review rejected it; a new central review must approve it" : "a completed central review with a positive outcome is needed")
            + " before it can become \(target.rawValue).")
    }

    static func reviewFindings(_ context: RuleContext, _ obligations: Obligations) -> [Finding] {
        var findings: [Finding] = []
        switch context.status {
        case .submitted:
            if let finding = reviewRequired(context, obligations, target: .approved) { findings.append(finding) }
        case .approved, .inExecution, .onHold:
            // Already past the gate (e.g. a threshold was lowered since): on the record, blocks nothing.
            if var finding = reviewRequired(context, obligations, target: .inExecution) {
                finding.severity = context.status == .approved ? .blocking : .warning
                findings.append(finding)
            }
        case .proposed, .completed, .cancelled:
            break
        }
        if let stale = reviewStale(context, obligations) { findings.append(stale) }
        return findings
    }

    /// The approving central review no longer covers the project: its forecast cost grew more
    /// than the tolerance above the cost reviewed, or crossed a threshold since.
    static func reviewStale(_ context: RuleContext, _ obligations: Obligations) -> Finding? {
        guard context.status.isOpen, let review = context.reviews.last(where: \.approvesProject) else { return nil }
        let cost = context.project.wholeLifeCost
        let reviewed = review.reviewedCost
        var reasons: [String] = []
        // cost > reviewed × (1 + t/100), in integers.
        if cost.minorUnits * 100 > reviewed.minorUnits * Int64(100 + context.tolerances.reviewCostPercent) {
            let growth = reviewed.minorUnits == 0 ? "" : " (+\((cost.minorUnits - reviewed.minorUnits) * 1000 / reviewed.minorUnits / 10).\((cost.minorUnits - reviewed.minorUnits) * 1000 / reviewed.minorUnits % 10) %)"
            reasons.append("the forecast cost of \(cost.formatted) is more than \(context.tolerances.reviewCostPercent) % above the \(reviewed.formatted) reviewed\(growth)")
        }
        for (kind, threshold) in [("central-review", obligations.centralReviewThreshold), ("business-case", obligations.businessCaseThreshold)] {
            if let threshold, reviewed < threshold, cost >= threshold {
                reasons.append("the cost has crossed the \(kind) threshold of \(threshold.formatted) since the review")
            }
        }
        guard !reasons.isEmpty else { return nil }
        return Finding(rule: .reviewStale, severity: .warning,
                       message: "A new central review is due: " + reasons.joined(separator: "; ") + ".")
    }

    // MARK: - Principle 8: monitoring

    static func monitoringFindings(_ context: RuleContext) -> [Finding] {
        guard context.status.isOpen else { return [] }
        return [costOverrun(context), scheduleSlip(context), staleReport(context)].compactMap { $0 }
    }

    /// Forecast cost above the current or the original baseline by more than the tolerance:
    /// a re-baseline cannot hide an overrun against the original.
    static func costOverrun(_ context: RuleContext) -> Finding? {
        guard let original = context.baselines.first, let current = context.baselines.last else { return nil }
        let cost = context.project.wholeLifeCost
        let tolerance = Int64(context.tolerances.costOverrunPercent)
        var over: [String] = []
        for (name, baseline) in [("original", original), ("current", current)] where name == "original" || current.number != original.number {
            if cost.minorUnits * 100 > baseline.wholeLifeCost.minorUnits * (100 + tolerance) {
                let variance = Variance(forecastCost: cost, forecastEnd: context.project.forecastEnd, baseline: baseline)
                over.append("\(variance.cost.formatted) (\(variance.costPercentText ?? "∞") %) above the \(name) baseline \(baseline.number) of \(baseline.wholeLifeCost.formatted)")
            }
        }
        guard !over.isEmpty else { return nil }
        return Finding(rule: .costOverrun, severity: .warning, message:
            "The forecast cost of \(cost.formatted) is " + over.joined(separator: " and ") + "; the tolerance is \(tolerance) %.")
    }

    /// Forecast end later than a baseline's by more than the tolerance, or a milestone missed.
    static func scheduleSlip(_ context: RuleContext) -> Finding? {
        var reasons: [String] = []
        if let original = context.baselines.first, let current = context.baselines.last {
            for (name, baseline) in [("original", original), ("current", current)] where name == "original" || current.number != original.number {
                let days = LocalDate.days(from: baseline.plannedEndDate, to: context.project.forecastEnd)
                if days > context.tolerances.scheduleSlipDays {
                    reasons.append("the forecast end \(context.project.forecastEnd) is \(days) days after the \(name) baseline's \(baseline.plannedEndDate)")
                }
            }
        }
        let missed = context.project.milestones.filter { milestone in
            guard let due = milestone.baselineDate else { return false }
            return milestone.actualDate == nil && due < context.today
        }
        if !missed.isEmpty {
            reasons.append("missed milestone\(missed.count == 1 ? "" : "s"): " + missed.map { "\($0.name) (due \($0.baselineDate!))" }.joined(separator: ", "))
        }
        guard !reasons.isEmpty else { return nil }
        return Finding(rule: .scheduleSlip, severity: .warning, message:
            "The schedule has slipped: " + reasons.joined(separator: "; ") + " (tolerance \(context.tolerances.scheduleSlipDays) days).")
    }

    /// No report from the agency for longer than the reporting period.
    static func staleReport(_ context: RuleContext) -> Finding? {
        staleReport(lastReported: context.lastReported, today: context.today, tolerances: context.tolerances)
    }

    static func staleReport(lastReported: LocalDate?, today: LocalDate, tolerances: Tolerances) -> Finding? {
        guard let last = lastReported else { return nil }
        let days = LocalDate.days(from: last, to: today)
        guard days > tolerances.reportingPeriodDays else { return nil }
        return Finding(rule: .staleReport, severity: .warning,
                       text: .staleReport(since: last, days: Int32(clamping: days), period: Int32(clamping: tolerances.reportingPeriodDays)))
    }

    // MARK: - Principle 8: the portfolio as a whole

    static func portfolioFindings(_ context: RuleContext) -> [Finding] {
        portfolioFindings(similarProjects: context.similarProjects, thresholdSplits: context.thresholdSplits)
    }

    static func portfolioFindings(similarProjects: [SimilarityIndex.Match], thresholdSplits: [SimilarityIndex.Split]) -> [Finding] {
        var findings: [Finding] = []
        if !similarProjects.isEmpty {
            let list = similarProjects.map { "project \($0.other) '\($0.otherTitle)' of \($0.otherAgency) (\($0.similarity.explanation))" }
            findings.append(Finding(rule: .duplication, severity: .warning, message:
                "This looks like the same system or data as " + list.joined(separator: "; and ") + ". Talk to the other agency before building it twice."))
        }
        for split in thresholdSplits {
            findings.append(Finding(rule: .thresholdSplit, severity: .warning, text: .split(split)))
        }
        return findings
    }

    // MARK: - The same findings on an earlier day

    /// The earliest day from which the rules that read today have said of the project what
    /// they say today, as long as its records stay as they are: since the thresholds in force
    /// for its level took effect, and since the day after its latest missed milestone fell due.
    /// P8-STALE-REPORT counts days and the portfolio-wide rules compare other projects, so
    /// `findings(_:steadyOn:…)` says those afresh.
    public static func steadySince(_ context: RuleContext) -> LocalDate {
        var since = LocalDate(daysSinceEpoch: Int(Int32.min))
        for threshold in context.thresholds.thresholds where threshold.effectiveFrom <= context.today
            && (threshold.scope == nil || threshold.scope == context.agencyLevel) {
            since = max(since, threshold.effectiveFrom)
        }
        for milestone in context.project.milestones where milestone.actualDate == nil {
            if let due = milestone.baselineDate, due < context.today { since = max(since, due.adding(days: 1)) }
        }
        return since
    }

    /// What the rules said on `day` of a project whose records have not changed since, when
    /// `day` is between its `steadySince` and the day `findings` were found: the same
    /// findings, with its staleness counted to `day` and the portfolio-wide comparisons of then.
    public static func findings(_ findings: [Finding], steadyOn day: LocalDate, status: ProjectStatus, lastReported: LocalDate?,
                                tolerances: Tolerances, similarProjects: [SimilarityIndex.Match], thresholdSplits: [SimilarityIndex.Split]) -> [Finding] {
        // In rule order: the report's staleness is the last of the project's own findings, the portfolio's come after.
        var said = findings.filter { $0.rule != .staleReport && $0.rule != .duplication && $0.rule != .thresholdSplit }
        if status.isOpen, let stale = staleReport(lastReported: lastReported, today: day, tolerances: tolerances) { said.append(stale) }
        return said + portfolioFindings(similarProjects: similarProjects, thresholdSplits: thresholdSplits)
    }

    // MARK: - Principle 8: accountability

    static func accountabilityFindings(_ context: RuleContext, _ obligations: Obligations) -> [Finding] {
        guard obligations.aboveAnyThreshold, !context.project.namesAccountableParty else { return [] }
        return [Finding(rule: .accountable, severity: gateSeverity(context), text: .accountableOwnerMissing(cost: context.project.wholeLifeCost))]
    }
}
