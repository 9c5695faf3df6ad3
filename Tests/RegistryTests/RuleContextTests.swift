import Foundation
@testable import Registry
import SQLiteDatabase
import Testing

/// A rule context carries its project's agency's level of government, which picks the
/// thresholds that apply. A write reads the level of its own agency only (not a row for every
/// agency of the government, which at 300 agencies more than doubled a creation's time on the
/// committing thread); a batch, those of its projects' agencies.
struct RuleContextTests {
    @Test func eachContextHasItsOwnAgencysLevelInAWriteAndInABatch() throws {
        let registry = try TemporaryRegistry("contexts")
        let storage = try registry.open()
        let levels: [String: GovernmentLevel] = ["MINFIN": .national, "PROVINCE": .regional, "TOWN": .local]
        for (code, level) in levels.sorted(by: { $0.key < $1.key }) {
            try storage.agencies.create(Agency(code: code, name: code.capitalized, level: level), by: .commandLine)
        }
        for extra in 1...40 { try storage.agencies.create(Agency(code: "AG\(extra)", name: "Agency \(extra)", level: .local), by: .commandLine) }

        var projects: [StoredProject] = []
        for code in levels.keys.sorted() {
            let agency = Principal.agency(code: code, tokenID: "t-\(code)")
            projects.append(try storage.projects.create(SearchIndexTests.record("P-\(code)", "Project of \(code)"), agency: code, by: agency) { db, project in
                // Inside the write, on the writer's connection: the project's own agency.
                let own = try storage.compliance.ownContext(on: db, for: project, created: true)
                #expect(own.agencyLevel == levels[code], "\(code) in its write")
            })
        }
        let batch = try storage.compliance.contexts(for: projects, portfolioWide: false)
        #expect(batch.count == 3)
        for project in projects { #expect(batch[project.id]?.agencyLevel == levels[project.agency], "\(project.agency) in a batch") }
    }
}
