import HTTPTestSupport
import JSON
import Registry
import Testing

/// Funding is released only on its condition, and never past a stale review.
@Suite(.serialized) struct FundingRoutesTests {
    @Test func tranchesAreReleasedOnlyWhenTheirConditionHolds() throws {
        let registry = try RunningRegistry()
        let agency = try registry.agency("MINFIN")
        let other = try registry.agency("MINEDU")
        let centre = registry.centreToken
        let id = (try registry.request("POST", "/api/v1/projects", token: agency, body: ProjectRoutesTests.projectBody("F-1", cost: "6000000"))).number("id")
        let plan = ProjectRoutesTests.completeBusinessCase.replacingOccurrences(of: #""amount":1500000"#, with: #""amount":5000000"#)
        _ = try registry.request("PUT", "/api/v1/projects/\(id)/business-case", token: agency, body: plan)
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: agency, body: #"{"to":"submitted"}"#).status == 200)

        func tranche(_ body: String, token: String) throws -> RunningRegistry.Reply {
            try registry.request("POST", "/api/v1/projects/\(id)/funding-tranches", token: token, body: body)
        }
        func release(_ tranche: String) throws -> RunningRegistry.Reply {
            try registry.request("POST", "/api/v1/funding-tranches/\(tranche)/release", token: centre)
        }

        #expect(try tranche(#"{"amount":1000000,"condition":"none"}"#, token: other).status == 403)
        #expect(try tranche(#"{"amount":0,"condition":"none"}"#, token: agency).status == 422)
        #expect(try tranche(#"{"amount":5,"condition":"gate_passed"}"#, token: agency).status == 422)
        let afterReview = (try tranche(#"{"amount":1000000,"condition":"central_review_approved"}"#, token: agency)).number("id")
        let unconditional = (try tranche(#"{"amount":100000,"condition":"none"}"#, token: centre)).number("id")
        let afterGate = (try tranche(#"{"amount":250000.5,"condition":"gate_passed","gate":2}"#, token: agency)).number("id")

        let blocked = try release(afterReview)
        #expect(blocked.status == 409)
        #expect(blocked.rules() == ["P8-FUNDING-CONDITION"])
        #expect(try registry.request("POST", "/api/v1/funding-tranches/\(unconditional)/release", token: agency).status == 403)
        let released = try release(unconditional)
        #expect(released.status == 200)
        #expect(released["released"] == .bool(true))
        #expect(try release(unconditional).status == 409, "released once")
        #expect(try release(afterGate).rules() == ["P8-FUNDING-CONDITION"])

        func review(_ body: String, outcome: String) throws {
            let requested = try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: centre, body: body)
            _ = try registry.request("POST", "/api/v1/reviews/\(requested.number("id"))/outcome", token: centre, body: outcome)
        }
        try review(#"{"kind":"gateway","gate":2}"#, outcome: #"{"outcome":"approved","delivery_confidence":"amber_green"}"#)
        #expect(try release(afterGate).status == 200)
        try review(#"{"kind":"central"}"#, outcome: #"{"outcome":"approved","delivery_confidence":"green"}"#)
        #expect(try release(afterReview).status == 200)

        // The forecast grows beyond what the central review saw: no more money until it is reviewed again.
        _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: centre, body: #"{"to":"approved"}"#)
        _ = try registry.request("PATCH", "/api/v1/projects/\(id)", token: agency, body: #"{"whole_life_cost":6600000.01}"#)
        let next = (try tranche(#"{"amount":500000,"condition":"none"}"#, token: agency)).number("id")
        let stale = try release(next)
        #expect(stale.status == 409)
        #expect(stale.rules() == ["P8-REVIEW-STALE"])
        try review(#"{"kind":"central"}"#, outcome: #"{"outcome":"approved","delivery_confidence":"amber"}"#)
        #expect(try release(next).status == 200)

        let list = try registry.request("GET", "/api/v1/projects/\(id)/funding-tranches")
        guard case .array(let items)? = list["items"] else { Issue.record("no tranches"); return }
        #expect(items.count == 4)
        #expect(list.json?.serialized.contains(#""amount":250000.5"#) == true)
        let history = try registry.request("GET", "/api/v1/projects/\(id)/history").json?.serialized ?? ""
        #expect(history.components(separatedBy: "funding.release").count - 1 == 4)
    }
}
