import Foundation
@testable import Registry
import SQLiteDatabase
import Testing

/// What each version changed is kept by a trigger as the version is written (migrations 0009
/// and 0012). It runs once per version on the committing thread, so its plan matters.
struct ProjectChangesTests {
    @Test func eachVersionsChangesAreListedFromTheFieldTableWithoutATemporaryTable() throws {
        let registry = try TemporaryRegistry("changes")
        let storage = try registry.open()
        try storage.agencies.create(Agency(code: "MINFIN", name: "Finance", level: .national), by: .commandLine)
        let agency = Principal.agency(code: "MINFIN", tokenID: "t")
        var record = SearchIndexTests.record("A", "Alpha roads")
        let created = try storage.projects.create(record, agency: "MINFIN", by: agency)
        record.wholeLifeCost = .units(1200)
        record.plannedEndDate = LocalDate("2030-06-30")!
        record.description = "Not a field a change lists"
        _ = try storage.projects.replace(id: created.id, with: record, expectedVersion: nil, by: agency)

        let changes = try storage.database.read { db in
            try db.query("SELECT field, old, new FROM project_changes WHERE project_id = ? ORDER BY at, event_id, position", [created.id]).map(\.values)
        }
        #expect(changes == [
            [.text("registered"), .null, .integer(100_000)],
            [.text("whole_life_cost"), .integer(100_000), .integer(120_000)],
            [.text("planned_end_date"), .text("2030-01-01"), .text("2030-06-30")],
        ])

        // The trigger's query reads the seven fields from their table: no compound SELECT of
        // constants materialized into a temporary b-tree for every version.
        let plan = try storage.database.read { db in
            try db.query("EXPLAIN QUERY PLAN SELECT * FROM project_version_changes WHERE project_id = ? AND event_id = ?", [created.id, 1])
                .map { try $0.decode("detail", as: String.self) }
        }
        #expect(plan.contains("SCAN f"), "\(plan)")
        #expect(!plan.contains { $0.contains("MATERIALIZE") || $0.contains("CONSTANT ROW") }, "\(plan)")

        // The fields are the schema's: what the history says could not change under it.
        for change in ["DELETE FROM project_change_fields WHERE position = 6", "UPDATE project_change_fields SET field = 'cost' WHERE position = 2",
                       "INSERT INTO project_change_fields VALUES (7, 'risk_rating')"] {
            #expect(throws: SQLiteError.self, "\(change)") { try storage.database.write { db in _ = try db.execute(change) } }
        }
        #expect(try storage.database.read { db in try db.queryFirst("SELECT count(*) AS n FROM project_change_fields")!.decode("n", as: Int.self) } == 7)
    }
}
