import Foundation
@testable import Registry
import Synchronization
import Testing

/// P8-STALE-REPORT counts the agency's own reports, not the centre's decisions.
struct StaleReportTests {
    final class Calendar: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_780_000_000))
        func advance(days: Double) { now.withLock { $0 = $0.addingTimeInterval(days * 86_400) } }
    }

    @Test func onlyTheAgencysOwnChangesCountAsReports() throws {
        let registry = try TemporaryRegistry("stale")
        let calendar = Calendar()
        let storage = try registry.open(clock: RegistryClock { calendar.now.withLock { $0 } })
        try storage.agencies.create(Agency(code: "MINFIN", name: "Finance", level: .national), by: .commandLine)
        let agency = Principal.agency(code: "MINFIN", tokenID: "t")
        let centre = Principal.centre(tokenID: "c")
        let record = ProjectRecord(externalID: "S-1", title: "Small", wholeLifeCost: .units(1000), plannedEndDate: LocalDate("2030-01-01")!)
        let project = try storage.projects.create(record, agency: "MINFIN", by: agency)
        _ = try storage.projects.transition(id: project.id, to: .submitted, reason: nil, by: agency, compliance: storage.compliance)
        func rules() throws -> [RuleID] { try storage.compliance.assess(try #require(try storage.projects.get(id: project.id))).findings.map(\.rule) }

        calendar.advance(days: 90)
        #expect(try rules().isEmpty, "90 days is within the reporting period")
        calendar.advance(days: 1)
        #expect(try rules() == [.staleReport])
        // The centre's approval is no report from the agency.
        _ = try storage.projects.transition(id: project.id, to: .approved, reason: nil, by: centre, compliance: storage.compliance)
        #expect(try rules() == [.staleReport])
        // The agency's update is.
        var changed = record
        changed.spendToDate = .units(10)
        _ = try storage.projects.replace(id: project.id, with: changed, expectedVersion: nil, by: agency)
        #expect(try rules().isEmpty)
    }
}
