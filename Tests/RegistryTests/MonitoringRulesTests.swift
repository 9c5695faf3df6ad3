@testable import Registry
import Testing

/// P8-COST-OVERRUN, P8-SCHEDULE-SLIP and P8-STALE-REPORT at their boundaries.
struct MonitoringRulesTests {
    static let original = Baseline(number: 1, wholeLifeCost: .units(1_000_000), plannedEndDate: LocalDate("2027-12-31")!, reason: "Approved")

    static func context(cost: Money, end: LocalDate? = nil, baselines: [Baseline] = [original], milestones: [Milestone] = [],
                        lastReported: LocalDate? = nil) -> RuleContext {
        var project = RulesEngineTests.project(cost: cost)
        project.plannedEndDate = LocalDate("2027-12-31")!
        project.forecastEndDate = end
        project.milestones = milestones
        // Under every threshold, so only the monitoring rules speak.
        let thresholds = ThresholdSchedule([Threshold(kind: .businessCase, amount: .units(100_000_000), effectiveFrom: LocalDate("2020-01-01")!)])
        return RuleContext(project: project, status: .inExecution, agencyLevel: .national, businessCase: nil, thresholds: thresholds,
                           baselines: baselines, lastReported: lastReported, today: RulesEngineTests.today)
    }

    func rules(_ context: RuleContext) -> [String] { RulesEngine.findings(for: context).map(\.rule.rawValue) }

    @Test func costOverrunBeyondTheTolerance() {
        #expect(rules(Self.context(cost: .units(1_100_000))).isEmpty, "exactly 10 % is within the tolerance")
        #expect(rules(Self.context(cost: Money(minorUnits: 110_000_001))) == ["P8-COST-OVERRUN"])
    }

    @Test func aRebaselineDoesNotHideAnOverrunAgainstTheOriginal() throws {
        let rebaseline = Baseline(number: 2, wholeLifeCost: .units(1_500_000), plannedEndDate: LocalDate("2028-06-30")!, reason: "Scope added")
        let context = Self.context(cost: .units(1_400_000), end: LocalDate("2028-06-30")!, baselines: [Self.original, rebaseline])
        let findings = RulesEngine.findings(for: context)
        #expect(findings.map(\.rule.rawValue) == ["P8-COST-OVERRUN", "P8-SCHEDULE-SLIP"])
        let message = try #require(findings.first?.message)
        #expect(message.contains("original baseline 1"))
        #expect(!message.contains("current baseline 2"), "within the current baseline")
        #expect(findings.last?.message.contains("182 days after the original") == true)
    }

    @Test func scheduleSlipBeyondTheToleranceOrAMissedMilestone() {
        #expect(rules(Self.context(cost: .units(1_000_000), end: LocalDate("2028-03-30")!)).isEmpty, "90 days is within the tolerance")
        #expect(rules(Self.context(cost: .units(1_000_000), end: LocalDate("2028-03-31")!)) == ["P8-SCHEDULE-SLIP"])
        let dueYesterday = Milestone(name: "Pilot", baselineDate: RulesEngineTests.today.adding(days: -1))
        #expect(rules(Self.context(cost: .units(1_000_000), milestones: [dueYesterday])) == ["P8-SCHEDULE-SLIP"])
        let dueToday = Milestone(name: "Pilot", baselineDate: RulesEngineTests.today)
        #expect(rules(Self.context(cost: .units(1_000_000), milestones: [dueToday])).isEmpty)
        var done = dueYesterday
        done.actualDate = RulesEngineTests.today.adding(days: -3)
        #expect(rules(Self.context(cost: .units(1_000_000), milestones: [done])).isEmpty)
    }

    @Test func staleReportAfterTheReportingPeriod() {
        #expect(rules(Self.context(cost: .units(1_000_000), lastReported: RulesEngineTests.today.adding(days: -90))).isEmpty)
        #expect(rules(Self.context(cost: .units(1_000_000), lastReported: RulesEngineTests.today.adding(days: -91))) == ["P8-STALE-REPORT"])
    }

    @Test func eachToleranceIsConfigurable() {
        let stricter = Tolerances(costOverrunPercent: 5, scheduleSlipDays: 30, reportingPeriodDays: 30)
        func rules(_ context: RuleContext) -> [String] {
            var context = context
            context.tolerances = stricter
            return self.rules(context)
        }
        #expect(rules(Self.context(cost: .units(1_050_000))).isEmpty, "exactly 5 % is within a 5 % tolerance")
        #expect(rules(Self.context(cost: Money(minorUnits: 105_000_001))) == ["P8-COST-OVERRUN"])
        #expect(rules(Self.context(cost: .units(1_000_000), end: LocalDate("2028-01-30")!)).isEmpty, "30 days is within a 30-day tolerance")
        #expect(rules(Self.context(cost: .units(1_000_000), end: LocalDate("2028-01-31")!)) == ["P8-SCHEDULE-SLIP"])
        #expect(rules(Self.context(cost: .units(1_000_000), lastReported: RulesEngineTests.today.adding(days: -30))).isEmpty)
        #expect(rules(Self.context(cost: .units(1_000_000), lastReported: RulesEngineTests.today.adding(days: -31))) == ["P8-STALE-REPORT"])
    }

    @Test func varianceIsPositiveWhenWorse() {
        let variance = Variance(forecastCost: .units(1_125_000), forecastEnd: LocalDate("2028-01-10")!, baseline: Self.original)
        #expect(variance.cost == .units(125_000))
        #expect(variance.costPercentText == "12.50")
        #expect(variance.scheduleDays == 10)
        let under = Variance(forecastCost: .units(900_000), forecastEnd: LocalDate("2027-12-01")!, baseline: Self.original)
        #expect(under.costPercentText == "-10.00")
        #expect(under.scheduleDays == -30)
    }

    @Test func variancePercentIsRoundedHalfAwayFromZeroToTwoDecimals() {
        let baseline = Baseline(number: 1, wholeLifeCost: Money(minorUnits: 30_000), plannedEndDate: LocalDate("2028-01-01")!, reason: "")
        func percent(_ forecast: Int64) -> String? {
            Variance(forecastCost: Money(minorUnits: forecast), forecastEnd: LocalDate("2028-01-01")!, baseline: baseline).costPercentText
        }
        #expect(percent(30_001) == "0.00")    // 0.0033 %
        #expect(percent(30_002) == "0.01")    // 0.0067 %
        #expect(percent(31_000) == "3.33")    // 3.3333 %
        #expect(percent(32_000) == "6.67")    // 6.6667 %, not truncated to 6.66
        #expect(percent(28_000) == "-6.67")   // away from zero below too
        #expect(percent(30_000) == "0.00")
        let even = Baseline(number: 1, wholeLifeCost: Money(minorUnits: 20_000), plannedEndDate: LocalDate("2028-01-01")!, reason: "")
        // 0.005 % exactly (1 of 20,000) is half a hundredth: away from zero.
        #expect(Variance(forecastCost: Money(minorUnits: 20_001), forecastEnd: LocalDate("2028-01-01")!, baseline: even).costPercentText == "0.01")
        #expect(Variance(forecastCost: Money(minorUnits: 19_999), forecastEnd: LocalDate("2028-01-01")!, baseline: even).costPercentText == "-0.01")
        // Amounts near the top of Int64 do not overflow.
        let huge = Baseline(number: 1, wholeLifeCost: Money(minorUnits: Int64.max / 2), plannedEndDate: LocalDate("2028-01-01")!, reason: "")
        #expect(Variance(forecastCost: Money(minorUnits: Int64.max), forecastEnd: LocalDate("2028-01-01")!, baseline: huge).costPercentText == "100.00")
        let free = Baseline(number: 1, wholeLifeCost: Money(minorUnits: 0), plannedEndDate: LocalDate("2028-01-01")!, reason: "")
        #expect(Variance(forecastCost: Money(minorUnits: 5), forecastEnd: LocalDate("2028-01-01")!, baseline: free).costPercentText == nil)
    }
}
