import Foundation
import JSON
import Registry
import SQLiteDatabase
import Testing

/// A stored row the code cannot read (a column changed by hand, a bad restore, a migration
/// gone wrong) is an error that names the column and the query, never a default that would be
/// served as if it were the record: no project shows up `proposed` or due on 1970-01-01.
@Suite struct StoredRowDecodingTests {
    static let body = #"{"external_id":"ROW-1","title":"Readable","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#

    /// Writes `assignment` into project 1 past the table's CHECK constraints, as a hand edit
    /// would (with a new version, so that no cached representation of the old one is served).
    static func corrupt(_ registry: RunningRegistry, _ assignment: String) throws {
        try registry.storage.database.withWriter {
            try $0.executeScript("PRAGMA ignore_check_constraints = ON; UPDATE projects SET \(assignment), version = version + 1 WHERE id = 1; PRAGMA ignore_check_constraints = OFF;")
        }
    }

    @Test(arguments: [
        ("status = 'mystery'", "'status'", "ProjectStatus"),
        ("planned_end_date = 'soon'", "'planned_end_date'", "a date"),
        ("status_before_hold = 'limbo'", "'status_before_hold'", "ProjectStatus"),
    ])
    func aRowThatDoesNotDecodeIsAnErrorNotADefault(assignment: String, column: String, expectation: String) throws {
        let registry = try RunningRegistry()
        let token = try registry.agency("MINA")
        #expect(try registry.request("POST", "/api/v1/projects", token: token, body: Self.body).status == 201)
        try Self.corrupt(registry, assignment)

        do {
            _ = try registry.storage.projects.get(id: 1)
            Issue.record("a project with \(assignment) was read as if it were sound")
        } catch let error as SQLiteError {
            #expect(error.message.contains(column), "\(error.message)")
            #expect(error.message.contains(expectation), "\(error.message)")
            #expect(error.sql?.contains("FROM projects") == true, "the error names the query")
        }

        // Over HTTP it is a 500 in the one problem shape, without the SQL or the stored value.
        let reply = try registry.request("GET", "/api/v1/projects/1", token: token)
        #expect(reply.status == 500)
        #expect(reply.response.header("Content-Type")?.hasPrefix("application/problem+json") == true)
        #expect(!reply.response.text.contains("SELECT"))
        #expect(!["mystery", "soon", "limbo"].contains { reply.response.text.contains($0) })
    }
}
