import HTTPTestSupport
import JSON
import Registry
import Testing

/// The centre's review cycle over HTTP: a large project cannot be approved until a central
/// review approves it; a decision is final; the queue shows what waits.
@Suite(.serialized) struct ReviewRoutesTests {
    @Test func aLargeProjectIsApprovedOnlyAfterAPositiveCentralReview() throws {
        let registry = try RunningRegistry()
        let agency = try registry.agency("MINFIN")
        let centre = registry.centreToken
        let created = try registry.request("POST", "/api/v1/projects", token: agency, body: ProjectRoutesTests.projectBody("BIG-1", cost: "6000000"))
        let id = created.number("id")
        let plan = ProjectRoutesTests.completeBusinessCase.replacingOccurrences(of: #""amount":1500000"#, with: #""amount":5000000"#)
        #expect(try registry.request("PUT", "/api/v1/projects/\(id)/business-case", token: agency, body: plan).status == 201)
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: agency, body: #"{"to":"submitted"}"#).status == 200)

        let blocked = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: centre, body: #"{"to":"approved"}"#)
        #expect(blocked.status == 409)
        #expect(blocked.rules() == ["P8-REVIEW-REQUIRED"])

        #expect(try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: agency, body: #"{"kind":"central"}"#).status == 403)
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: centre, body: #"{"kind":"gateway"}"#).status == 422)
        let first = try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: centre, body: #"{"kind":"central","reviewer":"IT Project Council"}"#)
        #expect(first.status == 201)
        #expect(first["status"] == .string("requested"))
        #expect(first["reviewed_cost"] == .number("6000000"))
        let queue = try registry.request("GET", "/api/v1/reviews?status=requested")
        #expect(queue.json?.serialized.contains(#""waited_days":0"#) == true)

        let rejectID = first.number("id")
        #expect(try registry.request("POST", "/api/v1/reviews/\(rejectID)/outcome", token: agency, body: #"{"outcome":"approved","delivery_confidence":"green"}"#).status == 403)
        #expect(try registry.request("POST", "/api/v1/reviews/\(rejectID)/outcome", token: centre, body: #"{"outcome":"approved_with_conditions","delivery_confidence":"amber"}"#).status == 422)
        let rejected = try registry.request("POST", "/api/v1/reviews/\(rejectID)/outcome", token: centre,
                                            body: #"{"outcome":"rejected","delivery_confidence":"red","recommendations":["Split the procurement"]}"#)
        #expect(rejected["status"] == .string("completed"))
        #expect(try registry.request("POST", "/api/v1/reviews/\(rejectID)/outcome", token: centre, body: #"{"outcome":"approved","delivery_confidence":"green"}"#).status == 409)
        let stillBlocked = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: centre, body: #"{"to":"approved"}"#)
        #expect(stillBlocked.rules() == ["P8-REVIEW-REQUIRED"])

        let second = try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: centre, body: #"{"kind":"central"}"#)
        let approved = try registry.request("POST", "/api/v1/reviews/\(second.number("id"))/outcome", token: centre,
                                            body: #"{"outcome":"approved_with_conditions","delivery_confidence":"amber_green","conditions":["Quarterly reporting"]}"#)
        #expect(approved["conditions"] == .array([.string("Quarterly reporting")]))
        let approval = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: centre, body: #"{"to":"approved"}"#)
        #expect(approval.status == 200)
        #expect(approval["status"] == .string("approved"))
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: agency, body: #"{"to":"in_execution"}"#).status == 200)

        // The forecast grows 11 % beyond what was reviewed: a new review is due.
        let grown = try registry.request("PATCH", "/api/v1/projects/\(id)", token: agency, body: #"{"whole_life_cost":6660000}"#)
        #expect(grown.rules().contains("P8-REVIEW-STALE"))

        #expect(grown.rules().contains("P8-COST-OVERRUN"))
        #expect(grown.json?.serialized.contains(#""variance":{"against_original":{"cost":660000,"cost_percent":11.00,"schedule_days":0}"#) == true)

        // The original baseline was taken at approval; a re-baseline adds one and hides nothing.
        let baselines = try registry.request("GET", "/api/v1/projects/\(id)/baselines")
        guard case .array(let originalOnly)? = baselines["items"] else { Issue.record("no baselines"); return }
        #expect(originalOnly.count == 1)
        #expect(baselines.json?.serialized.contains(#""number":1,"whole_life_cost":6000000,"planned_end_date":"2028-12-31","reason":"Approved""#) == true)
        let rebaselineBody = #"{"whole_life_cost":6700000,"planned_end_date":"2029-06-30","reason":"Scope of phase 2 added"}"#
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/baselines", token: agency, body: rebaselineBody).status == 403)
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/baselines", token: centre, body: #"{"whole_life_cost":1}"#).status == 422)
        let rebaselined = try registry.request("POST", "/api/v1/projects/\(id)/baselines", token: centre, body: rebaselineBody)
        #expect(rebaselined.status == 201)
        #expect(rebaselined["number"] == .number("2"))
        let after = try registry.request("GET", "/api/v1/projects/\(id)")
        #expect(after.rules().contains("P8-COST-OVERRUN"), "still over the original")
        #expect(after.json?.serialized.contains(#""against_current":{"cost":-40000,"cost_percent":-0.60,"schedule_days":-181}"#) == true)

        let reviews = try registry.request("GET", "/api/v1/projects/\(id)/reviews")
        guard case .array(let items)? = reviews["items"] else { Issue.record("no reviews"); return }
        #expect(items.count == 2)
        #expect(try registry.request("GET", "/api/v1/reviews?status=requested").json?.serialized == #"{"items":[]}"#)
        #expect(try registry.request("GET", "/api/v1/reviews?status=waiting").status == 422)
    }

    @Test func draftsCannotBeReviewed() throws {
        let registry = try RunningRegistry()
        let agency = try registry.agency("MINFIN")
        let id = (try registry.request("POST", "/api/v1/projects", token: agency, body: ProjectRoutesTests.projectBody("D-1"))).number("id")
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: registry.centreToken, body: #"{"kind":"peer"}"#).status == 409)
        #expect(try registry.request("POST", "/api/v1/reviews/999/outcome", token: registry.centreToken, body: #"{"outcome":"approved","delivery_confidence":"green"}"#).status == 404)
    }
}

import Foundation
