import Foundation
@testable import Registry
import Testing

/// The in-memory projection, brought up to date from the audit trail after each write, says
/// exactly what a projection built afresh from the database says.
struct PortfolioProjectionTests {
    @Test func updatesFromTheAuditTrailMatchAFreshBuild() throws {
        let registry = try TemporaryRegistry("projection")
        let storage = try registry.open()
        for code in ["MINFIN", "MINHEALTH", "MINEDU"] {
            try storage.agencies.create(Agency(code: code, name: code, level: .national), by: .commandLine)
        }
        let finance = Principal.agency(code: "MINFIN", tokenID: "f"), health = Principal.agency(code: "MINHEALTH", tokenID: "h")
        let education = Principal.agency(code: "MINEDU", tokenID: "e")
        func record(_ id: String, _ title: String, cost: Int64, systems: [String]) -> ProjectRecord {
            ProjectRecord(externalID: id, title: title, wholeLifeCost: .units(cost), startDate: LocalDate("2026-01-01"),
                          plannedEndDate: LocalDate("2028-12-31")!, systems: systems)
        }
        let identity = try storage.projects.create(record("F-1", "Citizen identity register", cost: 400_000, systems: ["Identity Register"]), agency: "MINFIN", by: finance)
        let patients = try storage.projects.create(record("H-1", "Patient identity register", cost: 300_000, systems: ["identity register"]), agency: "MINHEALTH", by: health)
        let frontEnd = try storage.projects.create(record("F-2", "Tax portal front end", cost: 600_000, systems: ["Tax Portal"]), agency: "MINFIN", by: finance)
        let backEnd = try storage.projects.create(record("F-3", "Tax portal back end", cost: 500_000, systems: ["Tax Portal"]), agency: "MINFIN", by: finance)
        let timetables = try storage.projects.create(record("E-1", "School timetables", cost: 200_000, systems: ["Timetabler"]), agency: "MINEDU", by: education)
        for (project, actor) in [(identity, finance), (patients, health), (frontEnd, finance), (backEnd, finance)] {
            _ = try storage.projects.transition(id: project.id, to: .submitted, reason: nil, by: actor, compliance: storage.compliance)
        }

        func rules(_ id: Int64) throws -> Set<RuleID> {
            let entries = try storage.portfolio.entries(ProjectQuery(), viewer: .commandLine)
            let entry = entries.first { $0.id == id }
            #expect(entry != nil, "project \(id) is in the projection")
            return Set(entry?.assessment.findings.map(\.rule) ?? [])
        }
        /// What this projection holds now, against one built from scratch on the same file.
        func expectSameAsAFreshBuild(_ comment: Comment) throws {
            let kept = try storage.portfolio.entries(ProjectQuery(), viewer: .commandLine)
            let fresh = try registry.open().portfolio.entries(ProjectQuery(), viewer: .commandLine)
            #expect(kept.map(\.id) == fresh.map(\.id), comment)
            #expect(kept.map(\.assessment) == fresh.map(\.assessment), comment)
        }

        #expect(try rules(identity.id).contains(.duplication))
        #expect(try rules(frontEnd.id).contains(.thresholdSplit))
        try expectSameAsAFreshBuild("first build")

        // The health project moves to another system: the finance project, unchanged itself, loses its finding.
        _ = try storage.projects.replace(id: patients.id, with: record("H-1", "Patient records", cost: 300_000, systems: ["Patient Records"]),
                                         expectedVersion: nil, by: health)
        #expect(try !rules(identity.id).contains(.duplication))
        try expectSameAsAFreshBuild("after a neighbour changed")

        // The back end shrinks: together they no longer reach the business-case threshold.
        _ = try storage.projects.replace(id: backEnd.id, with: record("F-3", "Tax portal back end", cost: 300_000, systems: ["Tax Portal"]),
                                         expectedVersion: nil, by: finance)
        #expect(try !rules(frontEnd.id).contains(.thresholdSplit))
        try expectSameAsAFreshBuild("after a split partner shrank")

        // A lower threshold changes what every project owes: 600,000 + 300,000 reach 800,000.
        try storage.thresholds.add(Threshold(kind: .businessCase, amount: .units(800_000), effectiveFrom: LocalDate("2020-01-01")!), by: .commandLine)
        #expect(try rules(frontEnd.id).contains(.thresholdSplit))
        try expectSameAsAFreshBuild("after a threshold change")

        // A draft alike to the finance project is not named to it until it is published.
        _ = try storage.projects.replace(id: timetables.id, with: record("E-1", "Student identity register", cost: 200_000, systems: ["Identity Register"]),
                                         expectedVersion: nil, by: education)
        #expect(try !rules(identity.id).contains(.duplication))
        #expect(try rules(timetables.id).contains(.duplication))
        try expectSameAsAFreshBuild("after a draft became alike")
        _ = try storage.projects.transition(id: timetables.id, to: .submitted, reason: nil, by: education, compliance: storage.compliance)
        #expect(try rules(identity.id).contains(.duplication))
        try expectSameAsAFreshBuild("after the draft was published")

        // An import changes many projects in one transaction: one new, one updated.
        let imported = try storage.projects.importRecords([
            record("F-1", "Citizen identity register", cost: 400_000, systems: ["Tax Portal"]),
            record("F-9", "Tax portal search", cost: 350_000, systems: ["Tax Portal"]),
        ], agency: "MINFIN", by: finance)
        #expect(imported == .init(created: 1, updated: 1, unchanged: 0))
        #expect(try rules(timetables.id).contains(.duplication) == false, "the finance project it resembled moved to another system")
        try expectSameAsAFreshBuild("after an import")

        // Cancelled projects leave the comparison.
        _ = try storage.projects.transition(id: timetables.id, to: .cancelled, reason: "merged", by: education, compliance: storage.compliance)
        #expect(try rules(timetables.id).isEmpty, "a cancelled project is compared with nothing")
        try expectSameAsAFreshBuild("after a cancellation")
    }
}

/// The entries keep id order and find each entry by its id, whatever order they are put in.
struct ProjectionEntriesTests {
    @Test func entriesPutOutOfOrderAreKeptInIDOrderAndFoundByID() {
        func entry(_ id: Int64, title: String) -> PortfolioProjection.Entry {
            let project = StoredProject(id: id, agency: "MINFIN", record: ProjectRecord(externalID: "F-\(id)", title: title, wholeLifeCost: .units(100),
                                                                                      plannedEndDate: LocalDate("2028-12-31")!),
                                        status: .submitted, version: 1, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z")
            let assessment = Assessment(obligations: Obligations(businessCaseRequired: false, centralReviewRequired: false), findings: [])
            return PortfolioProjection.Entry(project, assessment, neighbours: [], agencyKey: 0, categoryKey: 0,
                                            assessedOn: LocalDate("2026-01-01")!, steadySince: LocalDate("2026-01-01")!)
        }
        var entries = PortfolioProjection.Entries()
        for id: Int64 in [5, 2, 9, 0, 7] { entries.put(entry(id, title: "first \(id)")) }
        entries.put(entry(2, title: "second 2"))
        #expect(entries.ordered.map(\.id) == [0, 2, 5, 7, 9])
        #expect([0, 2, 5, 7, 9].map { entries[$0]?.title } == ["first 0", "second 2", "first 5", "first 7", "first 9"])
        #expect(entries[1] == nil && entries[10] == nil && entries[-1] == nil, "ids never put, below and beyond")
    }
}

/// A full rebuild (here after a threshold change) is made aside by the request that needs it;
/// a request meanwhile is answered at once from the entries there were plus the writes since.
struct ProjectionRebuildTests {
    @Test func aRequestDuringARebuildIsAnsweredWithoutWaitingForIt() throws {
        let registry = try TemporaryRegistry("rebuild")
        let storage = try registry.open()
        try storage.agencies.create(Agency(code: "MINFIN", name: "Finance", level: .national), by: .commandLine)
        let finance = Principal.agency(code: "MINFIN", tokenID: "f")
        let project = try storage.projects.create(ProjectRecord(externalID: "F-1", title: "Payroll", wholeLifeCost: .units(600_000),
                                                                plannedEndDate: LocalDate("2028-12-31")!), agency: "MINFIN", by: finance)
        let gate = DispatchSemaphore(value: 0), built = DispatchSemaphore(value: 0)
        let holding = Flag()
        let projection = PortfolioProjection(beforeSwap: {
            guard holding.isSet else { return }
            built.signal()
            _ = gate.wait(timeout: .now() + 10)
        })
        func requires(_ entries: PortfolioProjection.Entries) -> Bool? { entries[project.id]?.businessCaseRequired }
        #expect(requires(try projection.entries(storage.compliance)) == false, "600,000 is under the default threshold")

        // A threshold of 500,000: the next request rebuilds, and is held before the swap.
        try storage.thresholds.add(Threshold(kind: .businessCase, amount: .units(500_000), effectiveFrom: LocalDate("2020-01-01")!), by: .commandLine)
        holding.set()
        let rebuilding = Rebuild { try projection.entries(storage.compliance) }
        #expect(built.wait(timeout: .now() + 10) == .success, "the rebuild has built its entries")

        // Meanwhile: answered at once, from the entries there were, with a write since applied.
        let other = try storage.projects.create(ProjectRecord(externalID: "F-2", title: "Pensions", wholeLifeCost: .units(700_000),
                                                              plannedEndDate: LocalDate("2028-12-31")!), agency: "MINFIN", by: finance)
        let meanwhile = try projection.entries(storage.compliance)
        #expect(requires(meanwhile) == false, "the previous entries, not yet rebuilt")
        #expect(meanwhile[other.id]?.businessCaseRequired == true, "the write since, assessed under the thresholds in force")

        gate.signal()
        let rebuilt = try rebuilding.result()
        #expect(requires(rebuilt) == true, "the rebuild applies the new threshold to every project")
        #expect(rebuilt[other.id] != nil, "and the write made while it was built")
        #expect(requires(try projection.entries(storage.compliance)) == true, "swapped in")
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// Work on a thread of its own, waited for later.
final class Rebuild: @unchecked Sendable {
    private var value: Result<PortfolioProjection.Entries, Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> PortfolioProjection.Entries) {
        Thread {
            self.value = Result { try work() }
            self.done.signal()
        }.start()
    }

    func result() throws -> PortfolioProjection.Entries {
        guard done.wait(timeout: .now() + 20) == .success, let value else { throw CancellationError() }
        return try value.get()
    }
}
