@testable import Registry
import Testing

/// A past day takes the projects unchanged since from the served entries, on one claim about
/// the rules: from a project's `steadySince` to the day it was assessed, its records as they
/// are, the rules say what `findings(_:steadyOn:…)` says again. Checked day by day against the
/// rules themselves.
struct SteadyFindingsTests {
    @Test func fromSteadySinceToTodayTheRulesSayWhatIsSaidAgain() {
        let today = LocalDate("2026-11-22")!
        let thresholds = ThresholdSchedule([
            Threshold(kind: .businessCase, amount: .units(1_000_000), effectiveFrom: LocalDate("2020-01-01")!),
            Threshold(kind: .centralReview, amount: .units(5_000_000), effectiveFrom: LocalDate("2020-01-01")!),
            // Lowered for local government from 1 September: a project of 800,000 owes a business case since.
            Threshold(kind: .businessCase, amount: .units(500_000), effectiveFrom: LocalDate("2026-09-01")!, scope: .local),
            // Next year's changes nothing yet.
            Threshold(kind: .centralReview, amount: .units(100_000), effectiveFrom: LocalDate("2027-01-01")!),
        ])
        let split = { (total: Int64) in
            SimilarityIndex.Split(head: 1, partners: ProjectIDs(numbers: [2, 3]), total: .units(total), threshold: .units(1_000_000), kind: .businessCase)
        }
        var cases = 0
        for level in [GovernmentLevel.national, .local] {
            for (milestones, expected) in [([true, true], "2026-10-16"), ([true, false], level == .local ? "2026-09-01" : "2026-07-01")] {
                for status in [ProjectStatus.inExecution, .proposed, .cancelled] {
                    let record = ProjectRecord(
                        externalID: "S-1", title: "Permits", wholeLifeCost: .units(800_000), plannedEndDate: LocalDate("2028-12-31")!,
                        milestones: [Milestone(name: "Design", baselineDate: LocalDate("2026-06-30")),
                                     Milestone(name: "Done", baselineDate: LocalDate("2026-03-01"), actualDate: LocalDate("2026-02-20")),
                                     Milestone(name: "Later", baselineDate: LocalDate("2027-03-01"))]
                            + (milestones[1] ? [Milestone(name: "Build", baselineDate: LocalDate("2026-10-15"))] : []))
                    var context = RuleContext(project: record, status: status, agencyLevel: level, businessCase: nil, thresholds: thresholds,
                                              lastReported: LocalDate("2026-05-01"), today: today)
                    context.thresholdSplits = [split(1_200_000)]
                    let said = RulesEngine.findings(for: context)
                    let since = RulesEngine.steadySince(context)
                    #expect(since == LocalDate(expected)!, "\(level) \(status)")
                    // The splits of then are other splits: said again, they are those.
                    func again(on day: LocalDate) -> [Finding] {
                        RulesEngine.findings(said, steadyOn: day, status: status, lastReported: context.lastReported, tolerances: context.tolerances,
                                             similarProjects: [], thresholdSplits: [split(1_500_000)])
                    }
                    var then = context
                    then.thresholdSplits = [split(1_500_000)]
                    for offset in 0...LocalDate.days(from: since, to: today) {
                        then.today = since.adding(days: offset)
                        #expect(again(on: then.today) == RulesEngine.findings(for: then), "\(level) \(status) \(then.today)")
                        cases += 1
                    }
                    // The day before, the rules said otherwise of an open project (a milestone not yet missed, a
                    // threshold not yet in force); of a closed one, whose milestones no rule reads, they may not.
                    then.today = since.adding(days: -1)
                    if status.isOpen {
                        #expect(again(on: then.today) != RulesEngine.findings(for: then), "\(level) \(status) \(then.today)")
                    }
                }
            }
        }
        #expect(cases > 300)
    }
}
