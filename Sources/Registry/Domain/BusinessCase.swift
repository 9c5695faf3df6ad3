/// A business case (OECD Principle 7): why the project is worth doing, what could go wrong,
/// when results come, how the money is spent, how use is followed up, who does what, what
/// missing a milestone means, and who took part in writing it. Every version is kept.
public struct BusinessCase: Sendable, Equatable {
    public struct EconomicValue: Sendable, Equatable {
        public var description: String
        public var amount: Money
        public var year: Int
        public init(description: String, amount: Money, year: Int) { self.description = description; self.amount = amount; self.year = year }
    }

    public struct NonMonetaryValue: Sendable, Equatable {
        public var description: String
        /// Who benefits and how many, in words (e.g. "450,000 pensioners").
        public var beneficiaries: String?
        public init(description: String, beneficiaries: String? = nil) { self.description = description; self.beneficiaries = beneficiaries }
    }

    public struct Risk: Sendable, Equatable {
        public var description: String
        /// 1–5.
        public var likelihood: Int
        /// 1–5.
        public var impact: Int
        public var mitigation: String?
        public var owner: String?
        public init(description: String, likelihood: Int, impact: Int, mitigation: String? = nil, owner: String? = nil) {
            self.description = description; self.likelihood = likelihood; self.impact = impact; self.mitigation = mitigation; self.owner = owner
        }
        /// Likelihood × impact, 1–25.
        public var magnitude: Int { likelihood * impact }
    }

    public struct Timeframe: Sendable, Equatable {
        public var result: String
        public var by: LocalDate
        public init(result: String, by: LocalDate) { self.result = result; self.by = by }
    }

    public enum SpendingKind: String, Sendable, CaseIterable { case capital, operating }

    public struct FinancialPlanLine: Sendable, Equatable {
        public var year: Int
        public var kind: SpendingKind
        public var amount: Money
        public var purpose: String?
        public init(year: Int, kind: SpendingKind, amount: Money, purpose: String? = nil) {
            self.year = year; self.kind = kind; self.amount = amount; self.purpose = purpose
        }
    }

    public struct FollowUpIndicator: Sendable, Equatable {
        public var indicator: String
        public var baseline: String?
        public var target: String
        public var method: String?
        public init(indicator: String, baseline: String? = nil, target: String, method: String? = nil) {
            self.indicator = indicator; self.baseline = baseline; self.target = target; self.method = method
        }
    }

    public struct Responsibility: Sendable, Equatable {
        public var party: String
        public var role: String
        public init(party: String, role: String) { self.party = party; self.role = role }
    }

    public enum StakeholderGroup: String, Sendable, CaseIterable {
        case users, government, contractors, civilSociety = "civil_society"
    }

    public struct StakeholderParticipation: Sendable, Equatable {
        public var group: StakeholderGroup
        public var how: String
        public init(group: StakeholderGroup, how: String) { self.group = group; self.how = how }
    }

    /// One option considered, in the manner of the five-case model.
    public struct Option: Sendable, Equatable {
        public var name: String
        public var summary: String?
        public var chosen: Bool
        public init(name: String, summary: String? = nil, chosen: Bool = false) { self.name = name; self.summary = summary; self.chosen = chosen }
    }

    public var economicValue: [EconomicValue]
    public var nonMonetaryValue: [NonMonetaryValue]
    public var risks: [Risk]
    public var timeframes: [Timeframe]
    public var financialPlan: [FinancialPlanLine]
    public var followUp: [FollowUpIndicator]
    public var responsibilities: [Responsibility]
    public var milestoneConsequences: String?
    public var stakeholders: [StakeholderParticipation]
    public var options: [Option]

    public init(economicValue: [EconomicValue] = [], nonMonetaryValue: [NonMonetaryValue] = [], risks: [Risk] = [],
                timeframes: [Timeframe] = [], financialPlan: [FinancialPlanLine] = [], followUp: [FollowUpIndicator] = [],
                responsibilities: [Responsibility] = [], milestoneConsequences: String? = nil,
                stakeholders: [StakeholderParticipation] = [], options: [Option] = []) {
        self.economicValue = economicValue
        self.nonMonetaryValue = nonMonetaryValue
        self.risks = risks
        self.timeframes = timeframes
        self.financialPlan = financialPlan
        self.followUp = followUp
        self.responsibilities = responsibilities
        self.milestoneConsequences = milestoneConsequences
        self.stakeholders = stakeholders
        self.options = options
    }

    public var financialPlanTotal: Money { financialPlan.reduce(.zero) { $0 + $1.amount } }
}
