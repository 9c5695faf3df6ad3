@testable import Registry
import Testing

/// P8-REVIEW-REQUIRED and P8-REVIEW-STALE on plain values.
struct ReviewRulesTests {
    static func review(cost: Money, outcome: Review.Outcome? = .approved, kind: Review.Kind = .central) -> Review {
        Review(id: 1, projectID: 1, kind: kind, gate: kind == .gateway ? 2 : nil, status: outcome == nil ? .requested : .completed, reviewer: nil,
               reviewedCost: cost, reviewedPlannedEndDate: LocalDate("2028-12-31")!, reviewedVersion: 1,
               businessCaseThreshold: .units(1_000_000), centralReviewThreshold: .units(5_000_000),
               requestedAt: "2026-01-01T00:00:00Z", requestedBy: "centre", completedAt: outcome == nil ? nil : "2026-02-01T00:00:00Z",
               outcome: outcome, deliveryConfidence: outcome == nil ? nil : .amber, conditions: [], recommendations: [])
    }

    static func context(cost: Money, status: ProjectStatus, reviews: [Review]) -> RuleContext {
        var context = RulesEngineTests.context(RulesEngineTests.project(cost: cost), RulesEngineTests.completeCase(total: cost), status: status)
        context.reviews = reviews
        return context
    }

    func rules(_ findings: [Finding]) -> [String] { findings.map(\.rule.rawValue) }

    @Test func approvalNeedsAPositiveCentralReviewExactlyFromTheThreshold() {
        let atThreshold = Self.context(cost: .units(5_000_000), status: .submitted, reviews: [])
        #expect(rules(RulesEngine.blockers(to: .approved, context: atThreshold)) == ["P8-REVIEW-REQUIRED"])
        #expect(rules(RulesEngine.findings(for: atThreshold)) == ["P8-REVIEW-REQUIRED"])
        let oneCentUnder = Self.context(cost: Money(minorUnits: 499_999_999), status: .submitted, reviews: [])
        #expect(RulesEngine.blockers(to: .approved, context: oneCentUnder).isEmpty)
    }

    @Test func onlyACompletedPositiveCentralReviewCounts() {
        let cost = Money.units(6_000_000)
        for reviews in [[Self.review(cost: cost, outcome: nil)], [Self.review(cost: cost, outcome: .rejected)], [Self.review(cost: cost, kind: .gateway)], [Self.review(cost: cost, kind: .peer)]] {
            #expect(rules(RulesEngine.blockers(to: .approved, context: Self.context(cost: cost, status: .submitted, reviews: reviews))) == ["P8-REVIEW-REQUIRED"])
        }
        let rejected = RulesEngine.blockers(to: .approved, context: Self.context(cost: cost, status: .submitted, reviews: [Self.review(cost: cost, outcome: .rejected)]))
        #expect(rejected.first?.message.contains("rejected") == true)
        for outcome in [Review.Outcome.approved, .approvedWithConditions] {
            #expect(RulesEngine.blockers(to: .approved, context: Self.context(cost: cost, status: .submitted, reviews: [Self.review(cost: cost, outcome: outcome)])).isEmpty)
        }
        // Starting execution needs it too, e.g. after a threshold was lowered during approval.
        #expect(rules(RulesEngine.blockers(to: .inExecution, context: Self.context(cost: cost, status: .approved, reviews: []))) == ["P8-REVIEW-REQUIRED"])
    }

    @Test func aReviewGoesStaleBeyondTheTolerance() {
        let reviewed = Money.units(6_000_000)
        let exactlyTenPercent = Self.context(cost: .units(6_600_000), status: .inExecution, reviews: [Self.review(cost: reviewed)])
        #expect(RulesEngine.findings(for: exactlyTenPercent).isEmpty)
        let oneCentMore = Self.context(cost: Money(minorUnits: 660_000_001), status: .inExecution, reviews: [Self.review(cost: reviewed)])
        let findings = RulesEngine.findings(for: oneCentMore)
        #expect(rules(findings) == ["P8-REVIEW-STALE"])
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.message.contains("10 %") == true)

        var stricter = oneCentMore
        stricter.tolerances = Tolerances(reviewCostPercent: 20)
        #expect(RulesEngine.findings(for: stricter).isEmpty, "the tolerance is configurable")
    }

    @Test func crossingAThresholdSinceTheReviewMakesItStale() {
        // Reviewed (voluntarily) under the central-review threshold; now just over it.
        let reviewed = Money.units(4_900_000)
        let context = Self.context(cost: .units(5_000_000), status: .inExecution, reviews: [Self.review(cost: reviewed)])
        let findings = RulesEngine.findings(for: context)
        #expect(rules(findings) == ["P8-REVIEW-STALE"])
        #expect(findings.first?.message.contains("crossed the central-review threshold") == true)
    }
}

struct FundingRulesTests {
    static func tranche(_ condition: FundingTranche.Condition, gate: Int? = nil) -> FundingTranche {
        FundingTranche(id: 7, projectID: 1, amount: .units(100_000), condition: condition, gate: gate, createdAt: "", createdBy: "")
    }

    @Test func conditionsDecideRelease() {
        let cost = Money.units(6_000_000)
        let none = ReviewRulesTests.context(cost: cost, status: .approved, reviews: [ReviewRulesTests.review(cost: cost)])
        #expect(RulesEngine.releaseBlockers(Self.tranche(.none), context: none).isEmpty)
        #expect(RulesEngine.releaseBlockers(Self.tranche(.centralReviewApproved), context: none).isEmpty)
        #expect(RulesEngine.releaseBlockers(Self.tranche(.gatePassed, gate: 2), context: none).map(\.rule) == [.fundingCondition])
        var gateway = ReviewRulesTests.review(cost: cost, kind: .gateway)
        gateway.gate = 3
        let wrongGate = ReviewRulesTests.context(cost: cost, status: .approved, reviews: [gateway])
        #expect(RulesEngine.releaseBlockers(Self.tranche(.gatePassed, gate: 2), context: wrongGate).map(\.rule) == [.fundingCondition])
        #expect(RulesEngine.releaseBlockers(Self.tranche(.gatePassed, gate: 3), context: wrongGate).isEmpty)
    }

    @Test func aStaleReviewBlocksEveryRelease() {
        let stale = ReviewRulesTests.context(cost: .units(7_000_000), status: .inExecution, reviews: [ReviewRulesTests.review(cost: .units(6_000_000))])
        let blockers = RulesEngine.releaseBlockers(Self.tranche(.none), context: stale)
        #expect(blockers.map(\.rule) == [.reviewStale])
        #expect(blockers.first?.severity == .blocking)
    }
}
