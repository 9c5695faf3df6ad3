@testable import Registry
import Testing

/// The rules on plain values, each at its boundary.
struct RulesEngineTests {
    static let today = LocalDate("2026-11-22")!
    static let defaults = ThresholdSchedule([
        Threshold(kind: .businessCase, amount: .units(1_000_000), effectiveFrom: LocalDate("2020-01-01")!),
        Threshold(kind: .centralReview, amount: .units(5_000_000), effectiveFrom: LocalDate("2020-01-01")!),
    ])

    static func project(cost: Money, owner: String? = "Jane Doe") -> ProjectRecord {
        ProjectRecord(externalID: "X-1", title: "Pension payments platform", wholeLifeCost: cost,
                      plannedEndDate: LocalDate("2028-12-31")!, owner: owner.map { ProjectOwner(name: $0) })
    }

    static func completeCase(total: Money) -> BusinessCase {
        BusinessCase(
            economicValue: [.init(description: "Fewer manual payments", amount: .units(400_000), year: 2028)],
            nonMonetaryValue: [.init(description: "Payments on time", beneficiaries: "450,000 pensioners")],
            risks: [.init(description: "Vendor lock-in", likelihood: 3, impact: 4, mitigation: "Open standards", owner: "CIO")],
            timeframes: [.init(result: "First payments", by: LocalDate("2027-06-30")!)],
            financialPlan: [.init(year: 2027, kind: .capital, amount: total, purpose: "Build")],
            followUp: [.init(indicator: "Share of payments on time", baseline: "91 %", target: "99 %", method: "Monthly ledger")],
            responsibilities: [.init(party: "Pensions Agency", role: "Delivers")],
            milestoneConsequences: "Funding for the next phase waits for the missed milestone.",
            stakeholders: [.init(group: .users, how: "Workshops"), .init(group: .civilSociety, how: "Consultation")])
    }

    static func context(_ project: ProjectRecord, _ businessCase: BusinessCase? = nil, status: ProjectStatus = .proposed,
                        thresholds: ThresholdSchedule = defaults, level: GovernmentLevel = .national) -> RuleContext {
        RuleContext(project: project, status: status, agencyLevel: level, businessCase: businessCase, thresholds: thresholds, today: today)
    }

    func rules(_ findings: [Finding]) -> [String] { findings.map(\.rule.rawValue) }

    @Test func businessCaseIsRequiredExactlyAtTheThreshold() {
        let atThreshold = RulesEngine.findings(for: Self.context(Self.project(cost: .units(1_000_000))))
        #expect(rules(atThreshold) == ["P7-BC-REQUIRED"])
        #expect(atThreshold.first?.severity == .blocking)
        #expect(atThreshold.first?.principle == 7)
        #expect(atThreshold.first?.message.contains("1,000,000.00") == true)

        let oneCentUnder = RulesEngine.findings(for: Self.context(Self.project(cost: Money(minorUnits: 99_999_999))))
        #expect(oneCentUnder.isEmpty)
        #expect(RulesEngine.blockers(to: .submitted, context: Self.context(Self.project(cost: Money(minorUnits: 99_999_999)))).isEmpty)
    }

    @Test func obligationsFollowBothThresholds() {
        let ctx = { (cents: Int64) in RulesEngine.obligations(for: Self.context(Self.project(cost: Money(minorUnits: cents)))) }
        #expect(ctx(99_999_999) == Obligations(businessCaseRequired: false, centralReviewRequired: false, businessCaseThreshold: .units(1_000_000), centralReviewThreshold: .units(5_000_000)))
        #expect(ctx(100_000_000).businessCaseRequired && !ctx(100_000_000).centralReviewRequired)
        #expect(!ctx(499_999_999).centralReviewRequired)
        #expect(ctx(500_000_000).centralReviewRequired)
    }

    @Test func aCompleteBusinessCaseClearsTheWay() {
        let cost = Money.units(2_000_000)
        let context = Self.context(Self.project(cost: cost), Self.completeCase(total: cost))
        #expect(RulesEngine.findings(for: context).isEmpty)
        #expect(RulesEngine.blockers(to: .submitted, context: context).isEmpty)
    }

    @Test func namesEveryMissingSection() throws {
        let cost = Money.units(2_000_000)
        let findings = RulesEngine.findings(for: Self.context(Self.project(cost: cost), BusinessCase()))
        #expect(rules(findings) == ["P7-BC-COMPLETE"])
        let message = try #require(findings.first?.message)
        for section in ["value.economic", "value.non_monetary", "risks", "timeframes", "financial_plan", "follow_up", "responsibilities", "milestone_consequences", "stakeholders"] {
            #expect(message.contains(section), "\(section)")
        }
        var partial = Self.completeCase(total: cost)
        partial.followUp = []
        partial.milestoneConsequences = "   "
        let partialMessage = RulesEngine.findings(for: Self.context(Self.project(cost: cost), partial)).first?.message ?? ""
        #expect(partialMessage.contains("follow_up") && partialMessage.contains("milestone_consequences"))
        #expect(!partialMessage.contains("risks"))
    }

    @Test func financialPlanMustMatchWithinOnePercent() throws {
        let cost = Money.units(2_000_000)
        let exactlyOnePercentOver = Self.completeCase(total: Money.units(2_020_000))
        #expect(RulesEngine.findings(for: Self.context(Self.project(cost: cost), exactlyOnePercentOver)).isEmpty)
        let exactlyOnePercentUnder = Self.completeCase(total: Money.units(1_980_000))
        #expect(RulesEngine.findings(for: Self.context(Self.project(cost: cost), exactlyOnePercentUnder)).isEmpty)

        let oneCentTooMuch = Self.completeCase(total: Money(minorUnits: 202_000_001))
        let findings = RulesEngine.findings(for: Self.context(Self.project(cost: cost), oneCentTooMuch))
        #expect(rules(findings) == ["P7-BC-FINANCE-MATCH"])

        let short = Self.completeCase(total: Money.units(1_900_000))
        let message = try #require(RulesEngine.findings(for: Self.context(Self.project(cost: cost), short)).first?.message)
        #expect(message.contains("1,900,000.00") && message.contains("2,000,000.00") && message.contains("5.0 % less"))
    }

    @Test func usersAndAnotherGroupMustTakePart() {
        let cost = Money.units(2_000_000)
        var onlyUsers = Self.completeCase(total: cost)
        onlyUsers.stakeholders = [.init(group: .users, how: "Survey")]
        #expect(rules(RulesEngine.findings(for: Self.context(Self.project(cost: cost), onlyUsers))) == ["P7-BC-STAKEHOLDERS"])
        var noUsers = Self.completeCase(total: cost)
        noUsers.stakeholders = [.init(group: .government, how: "Steering group"), .init(group: .contractors, how: "Market day")]
        let findings = RulesEngine.findings(for: Self.context(Self.project(cost: cost), noUsers))
        #expect(rules(findings) == ["P7-BC-STAKEHOLDERS"])
        #expect(findings.first?.message.contains("users") == true)
    }

    @Test func anAccountableOwnerIsNeededAboveAThreshold() {
        let cost = Money.units(2_000_000)
        let nobody = Self.project(cost: cost, owner: nil)
        #expect(rules(RulesEngine.findings(for: Self.context(nobody, Self.completeCase(total: cost)))) == ["P8-ACCOUNTABLE"])
        var viaRole = nobody
        viaRole.roles = [ProjectRole(party: "Director-General", responsibility: .accountable)]
        #expect(RulesEngine.findings(for: Self.context(viaRole, Self.completeCase(total: cost))).isEmpty)
        var onlyInformed = nobody
        onlyInformed.roles = [ProjectRole(party: "Parliament", responsibility: .informed)]
        #expect(rules(RulesEngine.findings(for: Self.context(onlyInformed, Self.completeCase(total: cost)))) == ["P8-ACCOUNTABLE"])
        // Under every threshold, nobody needs naming.
        #expect(RulesEngine.findings(for: Self.context(Self.project(cost: Money(minorUnits: 99_999_999), owner: nil))).isEmpty)
    }

    @Test func findingsBlockOnlyTheWayOutOfProposed() {
        let project = Self.project(cost: .units(2_000_000))
        let submitted = Self.context(project, nil, status: .submitted)
        let findings = RulesEngine.findings(for: submitted)
        #expect(rules(findings) == ["P7-BC-REQUIRED"])
        #expect(findings.first?.severity == .warning)
        #expect(RulesEngine.blockers(to: .approved, context: submitted).isEmpty)
        #expect(rules(RulesEngine.blockers(to: .submitted, context: Self.context(project))) == ["P7-BC-REQUIRED"])
        #expect(RulesEngine.blockers(to: .cancelled, context: Self.context(project)).isEmpty)
    }

    @Test func thresholdsChangeObligationsFromTheirEffectiveDate() {
        var thresholds = Self.defaults
        thresholds.thresholds.append(Threshold(kind: .businessCase, amount: .units(500_000), effectiveFrom: LocalDate("2026-12-01")!))
        thresholds.thresholds.append(Threshold(kind: .businessCase, amount: .units(250_000), effectiveFrom: LocalDate("2025-01-01")!, scope: .local))
        let project = Self.project(cost: .units(600_000))
        #expect(RulesEngine.findings(for: Self.context(project, thresholds: thresholds)).isEmpty, "not yet in force")
        var later = Self.context(project, thresholds: thresholds)
        later.today = LocalDate("2026-12-01")!
        #expect(rules(RulesEngine.findings(for: later)) == ["P7-BC-REQUIRED"])
        // A threshold scoped to local government applies to local agencies only.
        #expect(rules(RulesEngine.findings(for: Self.context(project, thresholds: thresholds, level: .local))) == ["P7-BC-REQUIRED"])
        #expect(RulesEngine.findings(for: Self.context(project, thresholds: thresholds, level: .regional)).isEmpty)
    }

    /// The commonest findings are kept as the amounts they are worded from; read, they say what
    /// they always said, to the character.
    @Test func findingsKeptAsFactsReadAsTheirWords() {
        let findings = RulesEngine.findings(for: Self.context(Self.project(cost: Money(minorUnits: 358_808_150), owner: nil)))
        #expect(rules(findings) == ["P7-BC-REQUIRED", "P8-ACCOUNTABLE"])
        #expect(findings.map(\.message) == [
            "The whole-life cost of 3,588,081.50 is at or above the business-case threshold of 1,000,000.00: write a business case before the project leaves 'proposed'.",
            "A project of 3,588,081.50 is above a threshold and must name its accountable owner (owner.name, or a role with responsibility 'accountable').",
        ])
        // A finding made from words reads back exactly those words, however they were built.
        let words = "Cost \(Money.units(12).formatted) over \(3) days: ünïcode kept."
        #expect(Finding(rule: .costOverrun, severity: .warning, message: words).message == words)
    }
}

struct StatusTransitionTests {
    @Test func followsTheLifeCycle() {
        #expect(ProjectStatus.proposed.allowedTargets() == [.submitted, .onHold, .cancelled])
        #expect(ProjectStatus.submitted.allowsMove(to: .approved))
        #expect(!ProjectStatus.proposed.allowsMove(to: .approved), "no skipping")
        #expect(!ProjectStatus.approved.allowsMove(to: .submitted), "no going back")
        #expect(ProjectStatus.inExecution.allowsMove(to: .completed))
        #expect(ProjectStatus.completed.allowedTargets().isEmpty)
        #expect(ProjectStatus.cancelled.allowedTargets().isEmpty)
        #expect(ProjectStatus.onHold.allowedTargets(resumeTo: .approved) == [.approved, .cancelled])
        #expect(!ProjectStatus.onHold.allowsMove(to: .inExecution, resumeTo: .approved))
    }
}
