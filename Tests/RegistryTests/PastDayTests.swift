import Foundation
@testable import Registry
import Synchronization
import Testing

/// A past day's portfolio is read in batches (several connections, every core) and its
/// similarity index built from the fingerprints of then: with more projects than one batch, of
/// two agencies and two levels of government, it says what the live portfolio said that day.
struct PastDayTests {
    @Test func aPastDayOfManyBatchesIsWhatWasLiveThatDay() throws {
        let registry = try TemporaryRegistry("past-day")
        let days = Days()
        let (storage, finance, city) = try Self.twoAgencies(registry, days)
        let clock = days.clock
        // Local government reviews centrally from 300,000: a split there is judged by its own threshold.
        try storage.thresholds.add(Threshold(kind: .centralReview, amount: .units(300_000), effectiveFrom: LocalDate("2020-01-01")!, scope: .local),
                                   by: .commandLine)
        var ids: [Int64] = []
        for i in 0..<1_100 {
            let (agency, actor) = i % 2 == 0 ? ("MINFIN", finance) : ("CITY", city)
            let record = ProjectRecord(externalID: "P-\(i)", title: "Register \(i % 37) renewal", wholeLifeCost: .units(Int64(60_000 + i % 5 * 40_000)),
                                       startDate: LocalDate("2026-01-01"), plannedEndDate: LocalDate("2028-12-31")!,
                                       systems: ["System \(i % 91)"], datasets: ["Data \(i % 71)"])
            let project = try storage.projects.create(record, agency: agency, by: actor)
            // Most are published; every seventh stays a draft, hidden from the public.
            if i % 7 != 0 { _ = try storage.projects.transition(id: project.id, to: .submitted, reason: nil, by: actor, compliance: storage.compliance) }
            ids.append(project.id)
        }
        let day = AsOf(clock.today())
        struct Seen: Equatable {
            var overviews: [PortfolioOverview]
            var findings: [Int64: [String]]
            var pairs: [[Int64]]
        }
        func seen(asOf: AsOf?) throws -> Seen {
            let portfolio = storage.portfolio
            let viewers: [Principal] = [.anonymous, .centre(tokenID: "x"), finance]
            return Seen(
                overviews: try viewers.map { try portfolio.overview(ProjectQuery(), viewer: $0, asOf: asOf) },
                findings: Dictionary(uniqueKeysWithValues: try portfolio.entries(ProjectQuery(), viewer: .centre(tokenID: "x"), asOf: asOf)
                    .map { ($0.id, $0.assessment.findings.map { "\($0.rule.rawValue): \($0.message)" }) }),
                pairs: try portfolio.duplicatePairs(includeDrafts: true, asOf: asOf).map { [$0.0.first, $0.0.second, Int64($0.0.score)] })
        }
        let live = try seen(asOf: nil)
        #expect(live.findings.count == 1_100)
        #expect(live.findings.values.contains { $0.contains { $0.hasPrefix("P8-THRESHOLD-SPLIT") } }, "some projects look split")
        #expect(!live.pairs.isEmpty, "some projects are alike across the two agencies")

        // The next day: a fifth change their systems, some are cancelled, more are registered.
        days.next()
        for (n, id) in ids.enumerated() where n % 5 == 0 {
            let actor = n % 2 == 0 ? finance : city
            let record = ProjectRecord(externalID: "P-\(n)", title: "Archive \(n % 3)", wholeLifeCost: .units(90_000),
                                       startDate: LocalDate("2026-01-01"), plannedEndDate: LocalDate("2028-12-31")!, systems: ["Archive \(n % 3)"])
            _ = try storage.projects.replace(id: id, with: record, expectedVersion: nil, by: actor)
            if n % 15 == 0 { _ = try storage.projects.transition(id: id, to: .cancelled, reason: "merged", by: actor, compliance: storage.compliance) }
        }
        for i in 0..<50 {
            _ = try storage.projects.create(ProjectRecord(externalID: "N-\(i)", title: "Register \(i) renewal", wholeLifeCost: .units(70_000),
                                                          plannedEndDate: LocalDate("2028-12-31")!, systems: ["System \(i)"]), agency: "MINFIN", by: finance)
        }
        #expect(try seen(asOf: nil) != live, "the portfolio has changed since")
        #expect(try seen(asOf: day) == live, "the day as it was")
    }

    /// A past day is derived from the live index when few projects have changed since, and
    /// built afresh from the fingerprints of then when most have: either way it is what was
    /// live that day. (Every similarity key here stays well under the noise limit, where an
    /// index changed in place and one built afresh agree.)
    @Test func aPastDayIsWhatWasLiveWhetherDerivedOrBuiltAfresh() throws {
        let registry = try TemporaryRegistry("past-day-paths")
        let days = Days()
        let (storage, finance, city) = try Self.twoAgencies(registry, days)
        let clock = days.clock
        let actor = { (i: Int) in i % 2 == 0 ? finance : city }
        func record(_ i: Int, _ round: Int) -> ProjectRecord {
            ProjectRecord(externalID: "P-\(i)", title: "Ledger \(round * 100 + i % 41) service", wholeLifeCost: .units(Int64(60_000 + i % 4 * 40_000)),
                          startDate: LocalDate("2026-01-01"), plannedEndDate: LocalDate("2028-12-31")!,
                          systems: ["System \(round)-\(i % 61)"], datasets: ["Data \(round)-\(i % 51)"])
        }
        var ids: [Int64] = []
        for i in 0..<600 {
            let project = try storage.projects.create(record(i, 0), agency: i % 2 == 0 ? "MINFIN" : "CITY", by: actor(i))
            if i % 6 != 0 { _ = try storage.projects.transition(id: project.id, to: .submitted, reason: nil, by: actor(i), compliance: storage.compliance) }
            ids.append(project.id)
        }
        func seen(asOf: AsOf?) throws -> [String] {
            let portfolio = storage.portfolio
            let overviews = try [Principal.anonymous, .centre(tokenID: "x"), finance].map { try portfolio.overview(ProjectQuery(), viewer: $0, asOf: asOf) }
            let findings = try portfolio.entries(ProjectQuery(), viewer: .centre(tokenID: "x"), asOf: asOf)
                .map { "\($0.id) \($0.status) \($0.assessment.findings.map { "\($0.rule.rawValue): \($0.message)" })" }
            let pairs = try portfolio.duplicatePairs(includeDrafts: true, asOf: asOf).map { "\($0.0.first)-\($0.0.second) \($0.0.score)" }
            return ["\(overviews)"] + findings + pairs
        }
        func nextDay(changing share: Int, round: Int) throws {
            days.next()
            for (n, id) in ids.enumerated() where n % 10 < share {
                _ = try storage.projects.replace(id: id, with: record(n, round), expectedVersion: nil, by: actor(n))
            }
        }
        let first = AsOf(clock.today()), onFirst = try seen(asOf: nil)
        #expect(onFirst.contains { $0.contains("P8-THRESHOLD-SPLIT") } && onFirst.contains { $0.contains("P8-DUPLICATION") })
        try nextDay(changing: 10, round: 1) // every project changed since the first day: built afresh
        let second = AsOf(clock.today()), onSecond = try seen(asOf: nil)
        try nextDay(changing: 1, round: 2) // one in ten changed since the second: derived
        #expect(try seen(asOf: nil) != onSecond)
        #expect(try seen(asOf: first) == onFirst, "the first day, built afresh")
        #expect(try seen(asOf: second) == onSecond, "the second day, derived from the live index")
    }

    /// A day read before it ended is read again once it has: what was written later that day
    /// is part of it.
    @Test func aDayReadBeforeItEndedHoldsWhatWasWrittenLaterThatDay() throws {
        let registry = try TemporaryRegistry("past-day-midnight")
        let days = Days()
        let (storage, finance, _) = try Self.twoAgencies(registry, days)
        func record(_ id: String) -> ProjectRecord {
            ProjectRecord(externalID: id, title: "Register \(id)", wholeLifeCost: .units(50_000), plannedEndDate: LocalDate("2030-12-31")!)
        }
        _ = try storage.projects.create(record("M-1"), agency: "MINFIN", by: finance)
        let day = AsOf(days.clock.today())
        let centre = Principal.centre(tokenID: "x")
        #expect(try storage.portfolio.overview(ProjectQuery(), viewer: centre, asOf: day).totals.projects == 1)
        _ = try storage.projects.create(record("M-2"), agency: "MINFIN", by: finance)
        days.next()
        #expect(try storage.portfolio.overview(ProjectQuery(), viewer: centre, asOf: day).totals.projects == 2)
    }

    /// A registry on `days`' clock with a national agency and a local one, and each one's principal.
    /// The portfolio assessed whole, live or as of a day, reads the parts of a project the rules
    /// read: a project above the thresholds whose accountable party is named only among its
    /// roles owes no owner, and a missed milestone is a slip, just as the project's own
    /// assessment (every part read) says.
    @Test func thePortfolioAssessedWholeReadsThePartsTheRulesRead() throws {
        let registry = try TemporaryRegistry("past-day-parts")
        let days = Days()
        let (storage, finance, _) = try Self.twoAgencies(registry, days)
        func record(_ id: String, roles: [ProjectRole]) -> ProjectRecord {
            ProjectRecord(externalID: id, title: "Platform \(id)", wholeLifeCost: .units(900_000_000), plannedEndDate: LocalDate("2030-12-31")!,
                          roles: roles, systems: ["System \(id)"], datasets: ["Data \(id)"],
                          milestones: [Milestone(name: "Design", baselineDate: LocalDate("2020-06-30"))])
        }
        let named = try storage.projects.create(record("R-1", roles: [ProjectRole(party: "Treasury board", responsibility: .accountable)]),
                                                agency: "MINFIN", by: finance)
        let unnamed = try storage.projects.create(record("R-2", roles: [ProjectRole(party: "Vendor", responsibility: .responsible)]),
                                                  agency: "MINFIN", by: finance)
        let day = AsOf(days.clock.today())
        let own = try [named.id, unnamed.id].map { try storage.compliance.assess(try #require(try storage.projects.get(id: $0))).findings }
        #expect(!own[0].contains { $0.rule == .accountable } && own[1].contains { $0.rule == .accountable })
        #expect(own.allSatisfy { $0.contains { $0.rule == .scheduleSlip } })
        days.next()
        for asOf in [nil, day] {
            let entries = try storage.portfolio.entries(ProjectQuery(), viewer: .centre(tokenID: "x"), asOf: asOf)
            let found = try [named.id, unnamed.id].map { id in try #require(entries.first { $0.id == id }).assessment.findings }
            #expect(found == own, "as of \(asOf.map { "\($0)" } ?? "now")")
        }
    }

    static func twoAgencies(_ registry: TemporaryRegistry, _ days: Days) throws -> (RegistryStorage, finance: Principal, city: Principal) {
        let storage = try registry.open(clock: days.clock)
        try storage.agencies.create(Agency(code: "MINFIN", name: "Finance", level: .national), by: .commandLine)
        try storage.agencies.create(Agency(code: "CITY", name: "City", level: .local), by: .commandLine)
        return (storage, .agency(code: "MINFIN", tokenID: "f"), .agency(code: "CITY", tokenID: "c"))
    }
}

/// A clock that stays on one day until told to go to the next.
final class Days: Sendable {
    private let now = Mutex(Date(timeIntervalSince1970: 1_780_000_000))
    var clock: RegistryClock { RegistryClock { [self] in now.withLock { $0 } } }
    func next() { now.withLock { $0 = $0.addingTimeInterval(86_400) } }
}
