import Dispatch
import Synchronization
import HTTPTestSupport
import JSON
import Registry
import Testing

/// The whole life of a large project over HTTP, watched by the centre at every step: the
/// overview, the review queue and the dashboard show each change as soon as it is written.
@Suite(.serialized) struct LargeProjectLifeTests {


    @Test func proposedToFundedThroughReviewOverrunAndReReview() throws {
        let registry = try RunningRegistry()
        let agency = try registry.agency("MINFIN")
        let centre = registry.centreToken
        func overview() throws -> RunningRegistry.Reply { try registry.request("GET", "/api/v1/portfolio/overview", token: centre) }
        func slice(_ breakdown: String, _ keyName: String, _ key: String) throws -> String {
            let row = objects(try overview()[breakdown]).first { $0[keyName] == .string(key) }
            if case .number(let count)? = row?["projects"] { return count }
            return "0"
        }
        func rulesInOverview() throws -> [String: String] {
            Dictionary(uniqueKeysWithValues: objects(try overview()["findings_by_rule"]).compactMap { row -> (String, String)? in
                guard case .string(let rule)? = row["rule"], case .number(let count)? = row["projects"] else { return nil }
                return (rule, count)
            })
        }
        func transition(_ to: String, by token: String) throws -> RunningRegistry.Reply {
            try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"\#(to)"}"#)
        }

        // Proposed: 6 million owes a business case and a central review.
        let created = try registry.request("POST", "/api/v1/projects", token: agency, body: ProjectRoutesTests.projectBody("LIFE-1", cost: "6000000"))
        #expect(created.status == 201)
        let id = created.number("id")
        #expect(object(created["obligations"]) == ["business_case_required": .bool(true), "central_review_required": .bool(true)])
        #expect(try slice("by_status", "status", "proposed") == "1")
        #expect(try rulesInOverview()["P7-BC-REQUIRED"] == "1")

        // No business case: it cannot be submitted, and nothing changes.
        let refused = try transition("submitted", by: agency)
        #expect(refused.status == 409)
        #expect(refused.rules().contains("P7-BC-REQUIRED"))
        #expect(try slice("by_status", "status", "proposed") == "1")

        // A complete business case whose plan totals the cost: submitted.
        let plan = ProjectRoutesTests.completeBusinessCase.replacingOccurrences(of: #""amount":1500000"#, with: #""amount":5000000"#)
        #expect(try registry.request("PUT", "/api/v1/projects/\(id)/business-case", token: agency, body: plan).status == 201)
        #expect(try transition("submitted", by: agency).status == 200)
        #expect(try slice("by_status", "status", "submitted") == "1")
        #expect(try rulesInOverview()["P7-BC-REQUIRED"] == "0")

        // Approval waits for a central review; the request waits in the queue, on the API and the page.
        #expect(try transition("approved", by: centre).rules() == ["P8-REVIEW-REQUIRED"])
        let review = try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: centre, body: #"{"kind":"central","reviewer":"IT Project Council"}"#)
        #expect(review.status == 201)
        #expect(objects(try overview()["review_queue"]).count == 1)
        let queuePage = try registry.request("GET", "/reviews")
        #expect(String(decoding: queuePage.response.body, as: UTF8.self).contains("/projects/\(id)"))
        let decided = try registry.request("POST", "/api/v1/reviews/\(review.number("id"))/outcome", token: centre,
                                           body: #"{"outcome":"approved","delivery_confidence":"green"}"#)
        #expect(decided.status == 200)
        #expect(objects(try overview()["review_queue"]).isEmpty)
        #expect(try slice("by_delivery_confidence", "delivery_confidence", "green") == "1")

        // Approved: the original baseline is the approved cost and end.
        #expect(try transition("approved", by: centre).status == 200)
        #expect(try transition("in_execution", by: agency).status == 200)
        let baselines = objects(try registry.request("GET", "/api/v1/projects/\(id)/baselines")["items"])
        #expect(baselines.count == 1)
        #expect(baselines.first?["whole_life_cost"] == .number("6000000"))

        // The forecast overruns by 11.5 %: an overrun, and the review no longer covers it.
        let grown = try registry.request("PATCH", "/api/v1/projects/\(id)", token: agency, body: #"{"whole_life_cost":6690000}"#)
        #expect(grown.status == 200)
        #expect(Set(grown.rules()).isSuperset(of: ["P8-COST-OVERRUN", "P8-REVIEW-STALE"]))
        let overrun = objects(try overview()["overruns"]).first { $0["project_id"] == .number(id) }
        #expect(object(overrun?["variance_against_original"])["cost"] == .number("690000"))
        #expect(try rulesInOverview()["P8-COST-OVERRUN"] == "1")
        let page = String(decoding: try registry.request("GET", "/projects/\(id)").response.body, as: UTF8.self)
        #expect(page.contains("P8-COST-OVERRUN") && page.contains("P8-REVIEW-STALE"))

        // Funding after a central review: held back while the review is stale.
        let tranche = try registry.request("POST", "/api/v1/projects/\(id)/funding-tranches", token: agency,
                                           body: #"{"amount":2000000,"condition":"central_review_approved"}"#)
        #expect(tranche.status == 201)
        let held = try registry.request("POST", "/api/v1/funding-tranches/\(tranche.number("id"))/release", token: centre)
        #expect(held.status == 409)
        #expect(held.rules() == ["P8-REVIEW-STALE"])

        // Reviewed again at the new cost: the money goes out, the rating moves, the overrun stays on the record.
        let again = try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: centre, body: #"{"kind":"central"}"#)
        #expect(again["reviewed_cost"] == .number("6690000"))
        _ = try registry.request("POST", "/api/v1/reviews/\(again.number("id"))/outcome", token: centre,
                                 body: #"{"outcome":"approved_with_conditions","delivery_confidence":"amber","conditions":["Monthly reports"]}"#)
        let released = try registry.request("POST", "/api/v1/funding-tranches/\(tranche.number("id"))/release", token: centre)
        #expect(released.status == 200)
        #expect(released["released"] == .bool(true))
        #expect(try slice("by_delivery_confidence", "delivery_confidence", "amber") == "1")
        #expect(try slice("by_delivery_confidence", "delivery_confidence", "green") == "0")
        let now = try registry.request("GET", "/api/v1/projects/\(id)")
        #expect(now.rules().contains("P8-COST-OVERRUN"))
        #expect(!now.rules().contains("P8-REVIEW-STALE"))

        // Every step is on the record.
        let history = try registry.request("GET", "/api/v1/projects/\(id)/history").json?.serialized ?? ""
        for action in ["project.create", "business_case.put", "project.transition", "review.request", "review.outcome",
                       "baseline.create", "project.update", "funding.create", "funding.release"] {
            #expect(history.contains(#""action":"\#(action)""#), "\(action)")
        }
    }
}

/// Writes and overview reads at the same time: the in-memory projection, updated by whichever
/// request comes first after each commit, ends with exactly what the database holds.
@Suite(.serialized) struct ConcurrentPortfolioTests {
    @Test func overviewsReadDuringWritesEndWithTheTrueTotals() throws {
        let registry = try RunningRegistry()
        let tokens = try ["MINFIN", "MINEDU", "MINHEALTH"].map { try registry.agency($0) }
        let perWriter = 12
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: tokens.count + 2) { worker in
            if worker < tokens.count {
                for index in 0..<perWriter {
                    let body = ProjectRoutesTests.projectBody("C-\(index)", cost: "\(100_000 + index)", title: "Concurrent \(worker)-\(index)")
                    if (try? registry.request("POST", "/api/v1/projects", token: tokens[worker], body: body).status) != 201 { failures.withLock { $0 += 1 } }
                }
            } else {
                for _ in 0..<20 {
                    if (try? registry.request("GET", "/api/v1/portfolio/overview", token: registry.centreToken).status) != 200 { failures.withLock { $0 += 1 } }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        let overview = try registry.request("GET", "/api/v1/portfolio/overview", token: registry.centreToken)
        guard case .object(let totals)? = overview["totals"] else { Issue.record("no totals"); return }
        #expect(totals["projects"] == .number(String(tokens.count * perWriter)))
        let expectedCost = tokens.count * (0..<perWriter).reduce(0) { $0 + 100_000 + $1 }
        #expect(totals["whole_life_cost"] == .number(String(expectedCost)))
    }
}
