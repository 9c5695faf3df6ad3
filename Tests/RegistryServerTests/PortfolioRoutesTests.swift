import HTTPTestSupport
import JSON
import Registry
import Testing

/// The overview on a portfolio whose totals are known, sliced every way.
@Suite(.serialized) struct PortfolioRoutesTests {


    /// Sums decimal amounts exactly, in cents.
    func cents(_ value: JSONValue?) -> Int64 {
        guard case .number(let text)? = value, let money = try? Money(decimal: text) else { return -1 }
        return money.minorUnits
    }

    @Test func totalsAddUpWhicheverWayThePortfolioIsSliced() throws {
        let registry = try RunningRegistry()
        let finance = try registry.agency("MINFIN")
        let health = try registry.agency("MINHEALTH")
        // (agency, cost, spend, category, risk, submit?)
        let portfolio: [(String, String, String, String, Int, Bool)] = [
            (finance, "1200000.10", "100.05", "tax", 2, false),
            (finance, "300000.20", "0.10", "tax", 4, true),
            (finance, "5500000", "2500000.5", "payments", 5, false),
            (health, "999999.99", "10", "care", 1, true),
            (health, "42", "0", "care", 3, true),
        ]
        for (index, item) in portfolio.enumerated() {
            let body = #"{"external_id":"K-\#(index)","title":"Known \#(index)","category":"\#(item.3)","whole_life_cost":\#(item.1),"spend_to_date":\#(item.2),"risk_rating":\#(item.4),"planned_end_date":"2028-01-01","owner":{"name":"O"}}"#
            let created = try registry.request("POST", "/api/v1/projects", token: item.0, body: body)
            if item.5, case .number(let id)? = created["id"] {
                #expect(try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: item.0, body: #"{"to":"submitted"}"#).status == 200)
            }
        }

        let overview = try registry.request("GET", "/api/v1/portfolio/overview", token: registry.centreToken)
        #expect(overview.status == 200)
        #expect(overview["currency"] == .string("EUR"))
        let totals = object(overview["totals"])
        #expect(totals["projects"] == .number("5"))
        #expect(cents(totals["whole_life_cost"]) == 120_000_010 + 30_000_020 + 550_000_000 + 99_999_999 + 4200)
        #expect(cents(totals["spend_to_date"]) == 10_005 + 10 + 250_000_050 + 1000)
        for breakdown in ["by_agency", "by_status", "by_category", "by_risk_rating", "by_delivery_confidence"] {
            let slices = objects(overview[breakdown])
            #expect(slices.reduce(0) { $0 + cents($1["whole_life_cost"]) } == cents(totals["whole_life_cost"]), "\(breakdown)")
            #expect(slices.reduce(0) { $0 + cents($1["spend_to_date"]) } == cents(totals["spend_to_date"]), "\(breakdown)")
            #expect(slices.reduce(0) { $0 + Int(cents($1["projects"]) / 100) } == 5, "\(breakdown)")
        }
        #expect(objects(overview["by_status"]).count == 7, "every status, also when empty")
        #expect(objects(overview["by_agency"]).map { $0["agency"] } == [.string("MINFIN"), .string("MINHEALTH")])
        let above = object(overview["above_threshold"])
        #expect(object(above["business_case"])["projects"] == .number("2"))
        #expect(object(above["central_review"])["projects"] == .number("1"))
        let findings = objects(overview["findings_by_rule"])
        #expect(findings.count == RuleID.allCases.count)
        #expect(findings.first { $0["rule"] == .string("P7-BC-REQUIRED") }?["projects"] == .number("2"))

        // Filters narrow the overview exactly as they narrow the list.
        let healthOnly = try registry.request("GET", "/api/v1/portfolio/overview?agency=MINHEALTH", token: registry.centreToken)
        #expect(cents(object(healthOnly["totals"])["whole_life_cost"]) == 100_004_199)
        // The public sees only published projects.
        let publicView = try registry.request("GET", "/api/v1/portfolio/overview")
        #expect(object(publicView["totals"])["projects"] == .number("3"))

        // A write shows at once: the overview is never served stale.
        _ = try registry.request("POST", "/api/v1/projects", token: finance,
                                 body: #"{"external_id":"K-9","title":"Late","whole_life_cost":1,"planned_end_date":"2028-01-01"}"#)
        #expect(object(try registry.request("GET", "/api/v1/portfolio/overview", token: registry.centreToken)["totals"])["projects"] == .number("6"))

        let all = try registry.request("GET", "/api/v1/portfolio/findings", token: registry.centreToken)
        #expect(objects(all["items"]).filter { $0["rule"] == .string("P7-BC-REQUIRED") }.count == 2)
        let onlyRequired = try registry.request("GET", "/api/v1/portfolio/findings?rule=P7-BC-REQUIRED", token: registry.centreToken)
        #expect(objects(onlyRequired["items"]).allSatisfy { $0["rule"] == .string("P7-BC-REQUIRED") && $0["project_id"] != nil })
    }
}

extension PortfolioRoutesTests {
    /// The overview filters in memory and the list in SQL: for every filter and every viewer,
    /// they must choose the same projects.
    @Test func everyFilterNarrowsTheOverviewAsItNarrowsTheList() throws {
        let registry = try RunningRegistry()
        let finance = try registry.agency("MINFIN")
        let health = try registry.agency("MINHEALTH")
        let portfolio: [(String, String, String, Int, Bool, String)] = [
            (finance, "1200000", "tax", 2, false, "Tax register renewal"),
            (finance, "300000.20", "tax", 4, true, "Tax portal"),
            (finance, "5500000", "payments", 5, true, "Payments hub"),
            (health, "999999.99", "care", 1, true, "Care records"),
            (health, "42", "care", 3, false, "Care rota"),
            (health, "2500000", "payments", 5, true, "Payments for care"),
        ]
        for (index, item) in portfolio.enumerated() {
            let body = #"{"external_id":"F-\#(index)","title":"\#(item.5)","category":"\#(item.2)","whole_life_cost":\#(item.1),"risk_rating":\#(item.3),"planned_end_date":"2028-01-01","owner":{"name":"O"}}"#
            let created = try registry.request("POST", "/api/v1/projects", token: item.0, body: body)
            if item.4, case .number(let id)? = created["id"] {
                // A large project without a business case is refused and stays a draft: both kinds are wanted here.
                _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: item.0, body: #"{"to":"submitted"}"#)
            }
        }
        let filters = ["", "agency=MINFIN", "status=submitted", "status=proposed", "category=care", "min_cost=300000.20", "max_cost=999999.99",
                       "risk_rating=5", "rule=P7-BC-REQUIRED", "rule=P8-ACCOUNTABLE", "above_threshold=business_case", "above_threshold=central_review",
                       "q=payments", "q=care&agency=MINHEALTH", "min_cost=1000&max_cost=3000000&category=payments"]
        let drafts = try registry.request("GET", "/api/v1/portfolio/overview?status=proposed", token: registry.centreToken)
        #expect(object(drafts["totals"])["projects"] == .number("4"), "the four without a business case or not submitted")
        #expect(object(try registry.request("GET", "/api/v1/portfolio/overview?q=payments")["totals"])["projects"] == .number("0"),
                "both payments projects are drafts, unseen by the public")
        for token in [nil, finance, health, registry.centreToken] {
            for filter in filters {
                let overview = try registry.request("GET", "/api/v1/portfolio/overview?\(filter)", token: token)
                let list = try registry.request("GET", "/api/v1/projects?limit=500&\(filter)", token: token)
                #expect(overview.status == 200 && list.status == 200, "\(filter)")
                let items = objects(list["items"])
                let totals = object(overview["totals"])
                #expect(totals["projects"] == .number(String(items.count)), "\(filter) as \(token ?? "public")")
                #expect(cents(totals["whole_life_cost"]) == items.reduce(0) { $0 + cents($1["whole_life_cost"]) }, "\(filter) as \(token ?? "public")")
            }
        }
    }
}

@Suite(.serialized) struct DuplicationRoutesTests {
    @Test func twoAgenciesBuildingOneSystemAreTold() throws {
        let registry = try RunningRegistry()
        let finance = try registry.agency("MINFIN")
        let health = try registry.agency("MINHEALTH")
        func create(_ token: String, _ externalID: String, _ title: String, submit: Bool) throws -> String {
            let body = #"{"external_id":"\#(externalID)","title":"\#(title)","whole_life_cost":300000,"planned_end_date":"2028-01-01","systems":["Identity Register"],"datasets":["Persons"]}"#
            let reply = try registry.request("POST", "/api/v1/projects", token: token, body: body)
            guard case .number(let id)? = reply["id"] else { return "?" }
            if submit { _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"submitted"}"#) }
            return id
        }
        let first = try create(finance, "F-1", "Citizen identity register", submit: true)
        let before = try registry.request("GET", "/api/v1/projects/\(first)")
        let etag = before.response.header("ETag") ?? ""
        #expect(!(before.json?.serialized.contains("P8-DUPLICATION") ?? true))

        // A draft of another agency: it is told; the published project does not name the draft.
        let draft = try create(health, "H-1", "Patient identity register", submit: false)
        let draftView = try registry.request("GET", "/api/v1/projects/\(draft)", token: health)
        #expect(draftView.json?.serialized.contains("P8-DUPLICATION") == true)
        #expect(draftView.json?.serialized.contains("of MINFIN") == true)
        #expect(!(try registry.request("GET", "/api/v1/projects/\(first)").json?.serialized.contains("P8-DUPLICATION") ?? true))
        #expect(try registry.request("GET", "/api/v1/portfolio/duplicates").json?.serialized == #"{"items":[]}"#, "the public sees no drafts")

        // Published, both are told, and the first project's representation (and ETag) changed.
        _ = try registry.request("POST", "/api/v1/projects/\(draft)/transitions", token: health, body: #"{"to":"submitted"}"#)
        let after = try registry.request("GET", "/api/v1/projects/\(first)", headers: ["If-None-Match: \(etag)"])
        #expect(after.status == 200)
        #expect(after.json?.serialized.contains("P8-DUPLICATION") == true)
        let duplicates = try registry.request("GET", "/api/v1/portfolio/duplicates")
        #expect(duplicates.json?.serialized.contains(#""shared_systems":["identity register"]"#) == true)
        #expect(try registry.request("GET", "/api/v1/projects?rule=P8-DUPLICATION").json?.serialized.contains(#""id":\#(first)"#) == true)
    }
}
