/// The rules of OECD Principles 7 and 8 the registry enforces, by stable id.
public enum RuleID: String, Sendable, CaseIterable {
    case businessCaseRequired = "P7-BC-REQUIRED"
    case businessCaseComplete = "P7-BC-COMPLETE"
    case businessCaseFinanceMatch = "P7-BC-FINANCE-MATCH"
    case businessCaseStakeholders = "P7-BC-STAKEHOLDERS"
    case reviewRequired = "P8-REVIEW-REQUIRED"
    case reviewStale = "P8-REVIEW-STALE"
    case fundingCondition = "P8-FUNDING-CONDITION"
    case accountable = "P8-ACCOUNTABLE"
    case costOverrun = "P8-COST-OVERRUN"
    case scheduleSlip = "P8-SCHEDULE-SLIP"
    case staleReport = "P8-STALE-REPORT"
    case duplication = "P8-DUPLICATION"
    case thresholdSplit = "P8-THRESHOLD-SPLIT"

    public var principle: Int { rawValue.hasPrefix("P7") ? 7 : 8 }
}

/// One thing a rule found about a project, worded for the project officer who must act on it.
public struct Finding: Sendable, Equatable {
    public enum Severity: String, Sendable {
        /// Stops the project's next step (the transition is refused while it stands).
        case blocking
        /// On the record and on the dashboard; stops nothing by itself.
        case warning
    }

    /// What a finding says, kept as the facts it is worded from where that is smaller: 100,000
    /// assessed projects hold their findings, and most hold the same two or three. A split
    /// names every project of its group, and the group is the similarity index's own list of
    /// alike projects, so it holds no copy of it; the commonest findings are a few amounts.
    enum Text: Sendable, Equatable {
        case words(String)
        /// P7-BC-REQUIRED with no business case yet: the cost, and the threshold it reaches.
        case businessCaseMissing(cost: Money, threshold: Money)
        /// P8-ACCOUNTABLE: the cost that puts the project above a threshold.
        case accountableOwnerMissing(cost: Money)
        case split(SimilarityIndex.Split)
        /// P8-STALE-REPORT: the last report, the days since, and the reporting period.
        case staleReport(since: LocalDate, days: Int32, period: Int32)
    }

    public var rule: RuleID
    public var severity: Severity
    var text: Text

    public init(rule: RuleID, severity: Severity, message: String) {
        self.init(rule: rule, severity: severity, text: .words(Self.exactlySized(message)))
    }

    init(rule: RuleID, severity: Severity, text: Text) {
        self.rule = rule
        self.severity = severity
        self.text = text
    }

    /// Worded when read.
    public var message: String {
        switch text {
        case .words(let words):
            return words
        case .businessCaseMissing(let cost, let threshold):
            return "The whole-life cost of \(cost.formatted) is at or above the business-case threshold of \(threshold.formatted): write a business case before the project leaves 'proposed'."
        case .accountableOwnerMissing(let cost):
            return "A project of \(cost.formatted) is above a threshold and must name its accountable owner (owner.name, or a role with responsibility 'accountable')."
        case .split(let split):
            // Written into one string: a split names its whole group, twenty and more projects.
            var names = ""
            names.reserveCapacity(8 * (split.partners.count + 1))
            for id in split.projects {
                if !names.isEmpty { names += ", " }
                names += String(id)
            }
            return "Projects \(names) of this agency look alike, run at the same time and are each under the \(split.kind.hyphenated) threshold of \(split.threshold.formatted), but together cost \(split.total.formatted): treat them as one project."
        case .staleReport(let since, let days, let period):
            return "No update from the agency for \(days) days (since \(since)); projects report at least every \(period) days."
        }
    }

    /// `text` in storage of its own length: a string built by interpolation keeps the room it
    /// grew into, often twice what it holds.
    private static func exactlySized(_ text: String) -> String {
        let bytes = Array(text.utf8)
        return String(unsafeUninitializedCapacity: bytes.count) { buffer -> Int in
            _ = buffer.initialize(from: bytes)
            return bytes.count
        }
    }

    public var principle: Int { rule.principle }
}

/// What a project's cost makes it owe under the thresholds in force.
public struct Obligations: Sendable, Equatable {
    public var businessCaseRequired: Bool
    public var centralReviewRequired: Bool
    /// The thresholds that decided, for the explanation.
    public var businessCaseThreshold: Money?
    public var centralReviewThreshold: Money?

    public init(businessCaseRequired: Bool, centralReviewRequired: Bool, businessCaseThreshold: Money? = nil, centralReviewThreshold: Money? = nil) {
        self.businessCaseRequired = businessCaseRequired
        self.centralReviewRequired = centralReviewRequired
        self.businessCaseThreshold = businessCaseThreshold
        self.centralReviewThreshold = centralReviewThreshold
    }

    public var aboveAnyThreshold: Bool { businessCaseRequired || centralReviewRequired }
}
