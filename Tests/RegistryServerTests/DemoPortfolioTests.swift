import HTTPTestSupport
import JSON
import Registry
import Testing

/// The demo portfolio shows every feature, and is the same every time.
@Suite(.serialized) struct DemoPortfolioTests {
    @Test func aFirstLookShowsEveryFeature() throws {
        let registry = try RunningRegistry()
        let summary = try DemoPortfolio(storage: registry.storage).fill()
        #expect(summary.agencies == 12)
        #expect(summary.projects > 250)

        let overview = try registry.request("GET", "/api/v1/portfolio/overview", token: registry.centreToken)
        guard case .array(let statuses)? = overview["by_status"] else { Issue.record("no statuses"); return }
        for case .object(let slice) in statuses {
            #expect(slice["projects"] != .number("0"), "every status has projects: \(slice["status"].map(\.serialized) ?? "")")
        }
        let text = overview.json?.serialized ?? ""
        for rule in ["P7-BC-COMPLETE", "P8-REVIEW-REQUIRED", "P8-COST-OVERRUN", "P8-SCHEDULE-SLIP", "P8-DUPLICATION", "P8-ACCOUNTABLE"] {
            #expect(text.range(of: #""rule":"\#(rule)","principle":\d,"projects":0"#, options: .regularExpression) == nil, "\(rule) appears")
        }
        let outcomes = try registry.storage.database.read { try $0.query("SELECT DISTINCT outcome FROM reviews WHERE outcome IS NOT NULL ORDER BY outcome").map { try $0.decode("outcome", as: String.self) } }
        #expect(outcomes == ["approved", "approved_with_conditions", "rejected"])
        #expect(try registry.storage.database.read { try $0.scalar("SELECT count(*) FROM baselines WHERE number > 1") } != .integer(0))
        #expect(try registry.request("GET", "/api/v1/portfolio/duplicates").json?.serialized.contains("identity register") == true)
        #expect(throws: RegistryError.self) { try DemoPortfolio(storage: registry.storage).fill() }
    }

    @Test func isDeterministic() throws {
        func fingerprint() throws -> String {
            let registry = try RunningRegistry()
            _ = try DemoPortfolio(storage: registry.storage).fill()
            return try registry.storage.database.read { db in
                try db.query("SELECT external_id, status, whole_life_cost_cents FROM projects ORDER BY id").map {
                    "\(try $0.decode("external_id", as: String.self)) \(try $0.decode("status", as: String.self)) \(try $0.decode("whole_life_cost_cents", as: Int64.self))"
                }.joined(separator: "\n")
            }
        }
        #expect(try fingerprint() == fingerprint())
    }
}

import Foundation
