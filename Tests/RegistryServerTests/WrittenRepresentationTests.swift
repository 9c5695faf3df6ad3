import JSON
import Registry
import Testing

/// A write answers with what its transaction wrote (read on the writer's connection before
/// the commit), not with the project read back afterwards: the same body and ETag a read then
/// gives, for far fewer trips to the reader pool.
@Suite struct WrittenRepresentationTests {
    static let body = #"{"external_id":"W-1","title":"Tax records platform","whole_life_cost":250000,"planned_end_date":"2028-12-31","systems":["Ledger"]}"#

    @Test func createAndReplaceAnswerWithWhatAReadThenReturns() throws {
        let registry = try RunningRegistry()
        let token = try registry.agency("MINA")
        // An alike project of another agency, so the answer carries a portfolio-wide finding.
        let other = try registry.agency("MINB")
        let alike = try registry.request("POST", "/api/v1/projects", token: other,
                                         body: #"{"external_id":"B-1","title":"Tax records platform","whole_life_cost":260000,"planned_end_date":"2028-12-31","systems":["Ledger"]}"#)
        #expect(try registry.request("POST", "/api/v1/projects/\(alike.number("id"))/transitions", token: other, body: #"{"to":"submitted"}"#).status == 200)

        let created = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body)
        #expect(created.status == 201)
        let id = created.number("id")
        let read = try registry.request("GET", "/api/v1/projects/\(id)", token: token)
        #expect(created.response.text == read.response.text)
        #expect(created.response.header("ETag") == read.response.header("ETag"))
        #expect(created.rules().contains("P8-DUPLICATION"), "the findings are the portfolio's after the commit")

        let replaced = try registry.request("PUT", "/api/v1/projects/\(id)", token: token,
                                            body: Self.body.replacingOccurrences(of: "250000", with: "270000"),
                                            headers: ["If-Match: \(read.response.header("ETag") ?? "")"])
        #expect(replaced.status == 200)
        #expect(replaced["version"] == .integer(2))
        let reread = try registry.request("GET", "/api/v1/projects/\(id)", token: token)
        #expect(replaced.response.text == reread.response.text)
        #expect(replaced.response.header("ETag") == reread.response.header("ETag"))
    }

    /// A write's own context reads its agency's level of government alone, among many
    /// agencies: the threshold scoped to that level is what its answer applies.
    @Test func aCreationIsAssessedAtItsOwnAgencysLevelAmongMany() throws {
        let registry = try RunningRegistry()
        for index in 1...40 { _ = try registry.agency("AG\(index)", level: .local) }
        let region = try registry.agency("REGION", level: .regional)
        let national = try registry.agency("MINA")
        #expect(try registry.request("POST", "/api/v1/thresholds", token: registry.centreToken,
                                     body: #"{"kind":"business_case","amount":200000,"effective_from":"2000-01-01","scope":"regional"}"#).status == 201)
        for (token, code, required) in [(region, "R-1", true), (national, "N-1", false)] {
            let created = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body.replacingOccurrences(of: "W-1", with: code))
            #expect(created.status == 201)
            #expect(created.rules().contains("P7-BC-REQUIRED") == required, "\(code): 250,000 against the \(required ? "regional 200,000" : "national 1,000,000")")
            let read = try registry.request("GET", "/api/v1/projects/\(created.number("id"))", token: token)
            #expect(created.response.text == read.response.text)
        }
    }

    @Test func aCreationDoesNotReadTheProjectBack() throws {
        let registry = try RunningRegistry()
        let token = try registry.agency("MINA")
        // The first write builds the similarity index; the second is the one measured.
        #expect(try registry.request("POST", "/api/v1/projects", token: token, body: Self.body).status == 201)
        let before = registry.storage.database.readCount
        let created = try registry.request("POST", "/api/v1/projects", token: token,
                                           body: Self.body.replacingOccurrences(of: "W-1", with: "W-2"))
        #expect(created.status == 201)
        // The token's lookup, and the similarity index catching up with the commit (what
        // changed, and those projects' fingerprints); the project itself is not read again.
        #expect(registry.storage.database.readCount - before <= 3)
    }
}
