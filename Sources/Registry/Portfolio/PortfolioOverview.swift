/// The centre's picture of the portfolio, computed from projects and their assessments.
/// All money is summed in integer cents, so every breakdown adds up to the totals exactly.
public struct PortfolioOverview: Sendable, Equatable {
    public struct Slice: Sendable, Equatable {
        public var key: String
        public var projects: Int
        public var wholeLifeCost: Money
        public var spendToDate: Money

        public init(key: String, projects: Int, wholeLifeCost: Money, spendToDate: Money) {
            self.key = key
            self.projects = projects
            self.wholeLifeCost = wholeLifeCost
            self.spendToDate = spendToDate
        }
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

    /// One pass over the projects: each adds its cents to every breakdown it falls in, counted
    /// into arrays by the entries' precomputed keys (`names` resolves agency and category keys).
    public init(_ entries: [PortfolioProjection.Entry], names: [String]) {
        func slice(_ key: String) -> Slice { Slice(key: key, projects: 0, wholeLifeCost: .zero, spendToDate: .zero) }
        var all = slice(""), aboveBusinessCase = slice(""), aboveCentralReview = slice("")
        var agencies = names.map(slice), categories = names.map(slice)
        let statusKeys = ProjectStatus.allCases
        var statuses = statusKeys.map { slice($0.rawValue) }
        var risks = ["1", "2", "3", "4", "5", "unrated"].map(slice)
        var confidences = (Review.DeliveryConfidence.allCases.map(\.rawValue) + ["not_assessed"]).map(slice)
        var ruleCounts = [Int](repeating: 0, count: RuleID.allCases.count)
        var overruns: [Flagged] = [], slips: [Flagged] = []
        for entry in entries {
            all.add(entry)
            if entry.businessCaseRequired { aboveBusinessCase.add(entry) }
            if entry.centralReviewRequired { aboveCentralReview.add(entry) }
            agencies[entry.agencyKey].add(entry)
            categories[entry.categoryKey].add(entry)
            statuses[statusKeys.firstIndex(of: entry.status)!].add(entry)
            risks[entry.riskRating.flatMap { (1...5).contains($0) ? $0 - 1 : nil } ?? 5].add(entry)
            confidences[entry.confidenceKey ?? confidences.count - 1].add(entry)
            guard entry.ruleMask != 0 else { continue }
            for index in ruleCounts.indices where entry.ruleMask & (1 << UInt32(index)) != 0 { ruleCounts[index] += 1 }
            let flagged = {
                Flagged(projectID: entry.id, title: entry.title, agency: entry.agency, variance: entry.assessment.varianceAgainstOriginal
                    ?? Variance(forecastCost: entry.wholeLifeCost, forecastEnd: entry.forecastEnd,
                                baseline: Baseline(number: 0, wholeLifeCost: entry.wholeLifeCost, plannedEndDate: entry.plannedEndDate, reason: "")))
            }
            if entry.hasFinding(.costOverrun) { overruns.append(flagged()) }
            if entry.hasFinding(.scheduleSlip) { slips.append(flagged()) }
        }
        totals = all
        aboveBusinessCaseThreshold = aboveBusinessCase
        aboveCentralReviewThreshold = aboveCentralReview
        // A name is an agency's or a category's; only the slices that counted something are shown.
        byAgency = agencies.filter { $0.projects > 0 }.sorted { $0.key < $1.key }
        byCategory = categories.filter { $0.projects > 0 }.sorted { $0.key < $1.key }
        byStatus = statuses
        byRiskRating = risks
        byDeliveryConfidence = confidences
        self.overruns = overruns.sorted { ($0.variance.cost, $1.projectID) > ($1.variance.cost, $0.projectID) }
        self.slips = slips.sorted { ($0.variance.scheduleDays, $1.projectID) > ($1.variance.scheduleDays, $0.projectID) }
        findingsByRule = zip(RuleID.allCases, ruleCounts).map { ($0, $1) }
    }
}

extension PortfolioOverview.Slice {
    mutating func add(_ entry: PortfolioProjection.Entry) {
        projects += 1
        wholeLifeCost = wholeLifeCost + entry.wholeLifeCost
        spendToDate = spendToDate + (entry.spendToDate ?? .zero)
    }
}
