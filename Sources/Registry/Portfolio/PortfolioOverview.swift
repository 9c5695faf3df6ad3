/// The centre's picture of the portfolio, computed from projects and their assessments.
/// All money is summed in integer cents, so every breakdown adds up to the totals exactly.
public struct PortfolioOverview: Sendable, Equatable {
    public struct Slice: Sendable, Equatable {
        public var key: String
        public var projects: Int
        public var wholeLifeCost: Money
        public var spendToDate: Money
    }

    public struct Flagged: Sendable, Equatable {
        public var projectID: Int64
        public var title: String
        public var agency: String
        public var variance: Variance
    }

    public var totals: Slice
    public var projects: Int { totals.projects }
    public var wholeLifeCost: Money { totals.wholeLifeCost }
    public var spendToDate: Money { totals.spendToDate }
    public var byAgency: [Slice]
    public var byStatus: [Slice]
    public var byCategory: [Slice]
    public var byRiskRating: [Slice]
    public var byDeliveryConfidence: [Slice]
    public var aboveBusinessCaseThreshold: Slice
    public var aboveCentralReviewThreshold: Slice
    /// Cost overruns, the largest (against the original baseline) first.
    public var overruns: [Flagged]
    /// Schedule slips, the longest first.
    public var slips: [Flagged]
    /// Projects with a finding of each rule, every rule listed.
    public var findingsByRule: [(rule: RuleID, projects: Int)]

    public static func == (lhs: PortfolioOverview, rhs: PortfolioOverview) -> Bool {
        lhs.projects == rhs.projects && lhs.wholeLifeCost == rhs.wholeLifeCost && lhs.byAgency == rhs.byAgency && lhs.byStatus == rhs.byStatus
            && lhs.findingsByRule.map(\.rule) == rhs.findingsByRule.map(\.rule) && lhs.findingsByRule.map(\.projects) == rhs.findingsByRule.map(\.projects)
    }

    /// One pass over the projects: each adds its cents to every breakdown it falls in.
    public init(_ entries: [PortfolioProjection.Entry]) {
        struct Tally {
            var slices: [String: Slice] = [:]
            mutating func add(_ key: String, _ entry: PortfolioProjection.Entry) {
                slices[key, default: Slice(key: key, projects: 0, wholeLifeCost: .zero, spendToDate: .zero)].add(entry)
            }
            /// Known keys first in their own order (shown even when empty), then the rest sorted.
            func ordered(_ known: [String] = []) -> [Slice] {
                let rest = slices.keys.filter { !known.contains($0) }.sorted()
                return (known + rest).map { slices[$0] ?? Slice(key: $0, projects: 0, wholeLifeCost: .zero, spendToDate: .zero) }
            }
        }
        var all = Slice(key: "", projects: 0, wholeLifeCost: .zero, spendToDate: .zero)
        var aboveBusinessCase = all, aboveCentralReview = all
        var agencies = Tally(), statuses = Tally(), categories = Tally(), risks = Tally(), confidences = Tally()
        var overruns: [Flagged] = [], slips: [Flagged] = []
        var rules: [RuleID: Set<Int64>] = [:]
        for entry in entries {
            let assessment = entry.assessment
            all.add(entry)
            if assessment.obligations.businessCaseRequired { aboveBusinessCase.add(entry) }
            if assessment.obligations.centralReviewRequired { aboveCentralReview.add(entry) }
            agencies.add(entry.agency, entry)
            statuses.add(entry.status.rawValue, entry)
            categories.add(entry.category ?? "uncategorised", entry)
            risks.add(entry.riskRating.map(String.init) ?? "unrated", entry)
            confidences.add(assessment.deliveryConfidence?.rawValue ?? "not_assessed", entry)
            for finding in assessment.findings { rules[finding.rule, default: []].insert(entry.id) }
            let flagged = {
                Flagged(projectID: entry.id, title: entry.title, agency: entry.agency, variance: assessment.varianceAgainstOriginal
                    ?? Variance(forecastCost: entry.wholeLifeCost, forecastEnd: entry.forecastEnd,
                                baseline: Baseline(number: 0, wholeLifeCost: entry.wholeLifeCost, plannedEndDate: entry.plannedEndDate, reason: "")))
            }
            if entry.hasFinding(.costOverrun) { overruns.append(flagged()) }
            if entry.hasFinding(.scheduleSlip) { slips.append(flagged()) }
        }
        totals = all
        aboveBusinessCaseThreshold = aboveBusinessCase
        aboveCentralReviewThreshold = aboveCentralReview
        byAgency = agencies.ordered()
        byStatus = statuses.ordered(ProjectStatus.allCases.map(\.rawValue))
        byCategory = categories.ordered()
        byRiskRating = risks.ordered(["1", "2", "3", "4", "5", "unrated"])
        byDeliveryConfidence = confidences.ordered(Review.DeliveryConfidence.allCases.map(\.rawValue) + ["not_assessed"])
        self.overruns = overruns.sorted { ($0.variance.cost, $1.projectID) > ($1.variance.cost, $0.projectID) }
        self.slips = slips.sorted { ($0.variance.scheduleDays, $1.projectID) > ($1.variance.scheduleDays, $0.projectID) }
        findingsByRule = RuleID.allCases.map { ($0, rules[$0]?.count ?? 0) }
    }
}

extension PortfolioOverview.Slice {
    mutating func add(_ entry: PortfolioProjection.Entry) {
        projects += 1
        wholeLifeCost = wholeLifeCost + entry.wholeLifeCost
        spendToDate = spendToDate + (entry.spendToDate ?? .zero)
    }
}
