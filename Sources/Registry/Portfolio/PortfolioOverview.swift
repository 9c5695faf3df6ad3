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

    public init(_ items: [(project: StoredProject, assessment: Assessment)]) {
        func slices(_ key: (StoredProject, Assessment) -> String, all: [String] = []) -> [Slice] {
            var table: [String: Slice] = Dictionary(uniqueKeysWithValues: all.map { ($0, Slice(key: $0, projects: 0, wholeLifeCost: .zero, spendToDate: .zero)) })
            for (project, assessment) in items {
                let name = key(project, assessment)
                var slice = table[name] ?? Slice(key: name, projects: 0, wholeLifeCost: .zero, spendToDate: .zero)
                slice.projects += 1
                slice.wholeLifeCost = slice.wholeLifeCost + project.record.wholeLifeCost
                slice.spendToDate = slice.spendToDate + (project.record.spendToDate ?? .zero)
                table[name] = slice
            }
            let order = all.isEmpty ? table.keys.sorted() : all + table.keys.filter { !all.contains($0) }.sorted()
            return order.compactMap { table[$0] }
        }
        func total(_ filter: (StoredProject, Assessment) -> Bool) -> Slice {
            let chosen = items.filter { filter($0.project, $0.assessment) }
            return Slice(key: "", projects: chosen.count,
                         wholeLifeCost: chosen.reduce(.zero) { $0 + $1.project.record.wholeLifeCost },
                         spendToDate: chosen.reduce(.zero) { $0 + ($1.project.record.spendToDate ?? .zero) })
        }
        totals = total { _, _ in true }
        byAgency = slices { project, _ in project.agency }
        byStatus = slices({ project, _ in project.status.rawValue }, all: ProjectStatus.allCases.map(\.rawValue))
        byCategory = slices { project, _ in project.record.category ?? "uncategorised" }
        byRiskRating = slices({ project, _ in project.record.riskRating.map(String.init) ?? "unrated" }, all: ["1", "2", "3", "4", "5", "unrated"])
        byDeliveryConfidence = slices({ _, assessment in assessment.deliveryConfidence?.rawValue ?? "not_assessed" },
                                      all: Review.DeliveryConfidence.allCases.map(\.rawValue) + ["not_assessed"])
        aboveBusinessCaseThreshold = total { _, assessment in assessment.obligations.businessCaseRequired }
        aboveCentralReviewThreshold = total { _, assessment in assessment.obligations.centralReviewRequired }
        func flagged(_ rule: RuleID) -> [Flagged] {
            items.compactMap { project, assessment in
                guard assessment.findings.contains(where: { $0.rule == rule }) else { return nil }
                let variance = assessment.varianceAgainstOriginal
                    ?? Variance(forecastCost: project.record.wholeLifeCost, forecastEnd: project.record.forecastEnd,
                                baseline: Baseline(number: 0, wholeLifeCost: project.record.wholeLifeCost, plannedEndDate: project.record.plannedEndDate, reason: ""))
                return Flagged(projectID: project.id, title: project.record.title, agency: project.agency, variance: variance)
            }
        }
        overruns = flagged(.costOverrun).sorted { ($0.variance.cost, $1.projectID) > ($1.variance.cost, $0.projectID) }
        slips = flagged(.scheduleSlip).sorted { ($0.variance.scheduleDays, $1.projectID) > ($1.variance.scheduleDays, $0.projectID) }
        findingsByRule = RuleID.allCases.map { rule in
            (rule, items.filter { $0.assessment.findings.contains { $0.rule == rule } }.count)
        }
    }
}
