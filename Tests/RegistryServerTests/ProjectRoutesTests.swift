import Foundation
import HTTPTestSupport
import JSON
import Registry
import Testing

/// Projects end to end: registration, visibility, validation, concurrency, idempotency,
/// business cases, the Principle 7 gate on submission, history, and the list.
@Suite(.serialized) struct ProjectRoutesTests {
    static func projectBody(_ externalID: String, cost: String = "2500000", title: String = "Pension payments platform", extra: String = "") -> String {
        """
        {"external_id":"\(externalID)","title":"\(title)","description":"Replaces the 1998 pension ledger",
         "category":"payments","whole_life_cost":\(cost),"start_date":"2026-01-01","planned_end_date":"2028-12-31",
         "risk_rating":3,"owner":{"name":"Jane Doe","role":"SRO","email":"jane@example.gov"},
         "roles":[{"party":"Treasury","responsibility":"consulted"}],"systems":["Pension ledger"],"datasets":["Pensioners"],
         "milestones":[{"name":"Pilot","baseline_date":"2027-03-01"}]\(extra)}
        """
    }

    static let completeBusinessCase = """
        {"value":{"economic":[{"description":"Fewer manual payments","amount":400000,"year":2028}],
                  "non_monetary":[{"description":"Payments on time","beneficiaries":"450,000 pensioners"}]},
         "risks":[{"description":"Vendor lock-in","likelihood":3,"impact":4,"mitigation":"Open standards","owner":"CIO"}],
         "timeframes":[{"result":"First payments","by":"2027-06-30"}],
         "financial_plan":[{"year":2026,"kind":"capital","amount":1500000,"purpose":"Build"},{"year":2027,"kind":"operating","amount":1000000}],
         "follow_up":[{"indicator":"Payments on time","baseline":"91 %","target":"99 %","method":"Ledger"}],
         "responsibilities":[{"party":"Pensions Agency","role":"Delivers"}],
         "milestone_consequences":"The next tranche waits.",
         "stakeholders":[{"group":"users","how":"Workshops"},{"group":"civil_society","how":"Consultation"}]}
        """

    func id(_ reply: RunningRegistry.Reply) -> String {
        if case .number(let id)? = reply["id"] { return id }
        return "missing"
    }

    func rules(_ value: JSONValue?) -> [String] {
        guard case .array(let findings)? = value else { return [] }
        return findings.compactMap { finding in
            if case .object(let object) = finding, case .string(let rule)? = object["rule"] { return rule }
            return nil
        }
    }

    @Test func anAgencyRegistersAProjectAndSeesWhatItOwes() throws {
        let registry = try RunningRegistry()
        let minfin = try registry.agency("MINFIN")
        let created = try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-1"))
        #expect(created.status == 201)
        let projectID = id(created)
        #expect(created.response.header("Location") == "/api/v1/projects/\(projectID)")
        #expect(created.response.header("ETag")?.hasPrefix("\"p\(projectID)-1-") == true)
        #expect(created["status"] == .string("proposed"))
        #expect(created["agency"] == .string("MINFIN"))
        #expect(created["currency"] == .string("EUR"))
        #expect(created["whole_life_cost"] == .number("2500000"))
        #expect(created["obligations"] == .object(["business_case_required": .bool(true), "central_review_required": .bool(false)]))
        #expect(rules(created["findings"]) == ["P7-BC-REQUIRED"])

        let small = try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-2", cost: "999999.99"))
        #expect(rules(small["findings"]).isEmpty)
        #expect(small["obligations"] == .object(["business_case_required": .bool(false), "central_review_required": .bool(false)]))
    }

    @Test func draftsAreSeenOnlyByTheirAgencyAndTheCentre() throws {
        let registry = try RunningRegistry()
        let minfin = try registry.agency("MINFIN")
        let other = try registry.agency("MINEDU")
        let projectID = id(try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-1", cost: "500000")))
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)").status == 404)
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)", token: other).status == 404)
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)", token: minfin).status == 200)
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)", token: registry.centreToken).status == 200)
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)", token: "pr_bad").status == 401)
        // Submitted, it is public; others still may not change it.
        #expect(try registry.request("POST", "/api/v1/projects/\(projectID)/transitions", token: minfin, body: #"{"to":"submitted"}"#).status == 200)
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)").status == 200)
        #expect(try registry.request("PATCH", "/api/v1/projects/\(projectID)", token: other, body: #"{"title":"Mine now"}"#).status == 403)
        #expect(try registry.request("PATCH", "/api/v1/projects/\(projectID)", token: registry.centreToken, body: #"{"title":"Centre's"}"#).status == 403)
        #expect(try registry.request("PATCH", "/api/v1/projects/\(projectID)", body: #"{"title":"Anyone's"}"#).status == 401)
        #expect(try registry.request("POST", "/api/v1/projects", body: Self.projectBody("P-9")).status == 401)
        #expect(try registry.request("POST", "/api/v1/projects", token: other, body: Self.projectBody("P-9", extra: #","agency":"MINFIN""#)).status == 403)
    }

    @Test func theCentreRegistersForANamedAgency() throws {
        let registry = try RunningRegistry()
        _ = try registry.agency("MINFIN")
        let missing = try registry.request("POST", "/api/v1/projects", token: registry.centreToken, body: Self.projectBody("C-1"))
        #expect(missing.status == 422)
        let created = try registry.request("POST", "/api/v1/projects", token: registry.centreToken, body: Self.projectBody("C-1", extra: #","agency":"MINFIN""#))
        #expect(created.status == 201)
        #expect(created["agency"] == .string("MINFIN"))
    }

    @Test func externalIDsAreUniqueAndIdempotencyKeysReplay() throws {
        let registry = try RunningRegistry()
        let minfin = try registry.agency("MINFIN")
        let body = Self.projectBody("P-1")
        let first = try registry.request("POST", "/api/v1/projects", token: minfin, body: body, headers: ["Idempotency-Key: abc-1"])
        #expect(first.status == 201)
        let replay = try registry.request("POST", "/api/v1/projects", token: minfin, body: body, headers: ["Idempotency-Key: abc-1"])
        #expect(replay.status == 201)
        #expect(replay.response.body == first.response.body)
        #expect(replay.response.header("Location") == first.response.header("Location"))
        #expect(try registry.request("POST", "/api/v1/projects", token: minfin, body: body).status == 409)
        #expect(try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-2"), headers: ["Idempotency-Key: abc-1"]).status == 422)
        let count = try registry.storage.database.read { try $0.scalar("SELECT count(*) FROM projects") }
        #expect(count == .integer(1))
    }

    @Test func badInputIsRefusedNamingTheFieldAndNothingIsStored() throws {
        let registry = try RunningRegistry()
        let minfin = try registry.agency("MINFIN")
        let unknown = try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-1", extra: #","budget":5"#))
        #expect(unknown.status == 400)
        #expect(unknown["detail"].map(\.serialized)?.contains("budget") == true)
        let nestedUnknown = try registry.request("POST", "/api/v1/projects", token: minfin,
            body: #"{"external_id":"x","title":"t","whole_life_cost":1,"planned_end_date":"2027-01-01","owner":{"name":"a","phone":"1"}}"#)
        #expect(nestedUnknown.status == 400)
        #expect(nestedUnknown["detail"].map(\.serialized)?.contains("owner.phone") == true)
        #expect(try registry.request("POST", "/api/v1/projects", token: minfin, body: #"{"title":"#).status == 400)

        let invalid = try registry.request("POST", "/api/v1/projects", token: minfin, body: """
            {"external_id":"P-1","whole_life_cost":10.001,"spend_to_date":-1,"start_date":"2027-05-01","planned_end_date":"2027-02-30",
             "forecast_end_date":"2026-01-01","risk_rating":6,"roles":[{"party":"X","responsibility":"boss"}],
             "milestones":[{"name":"M","baseline_date":"soon"}],"systems":[""]}
            """)
        #expect(invalid.status == 422)
        let fields = Set((invalid["fields"].flatMap { if case .string(let s) = $0 { return s } else { return nil } } ?? "").components(separatedBy: ", "))
        #expect(fields == ["title", "whole_life_cost", "spend_to_date", "planned_end_date", "forecast_end_date", "risk_rating",
                           "roles[0].responsibility", "systems[0]", "milestones[0].baseline_date"])
        let unordered = try registry.request("POST", "/api/v1/projects", token: minfin, body: """
            {"external_id":"P-1","title":"t","whole_life_cost":1,"start_date":"2027-05-01","planned_end_date":"2027-01-01"}
            """)
        #expect(unordered["fields"] == .string("planned_end_date"))
        let withStatus = try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-1", extra: #","status":"approved""#))
        #expect(withStatus.status == 422)
        #expect(try registry.storage.database.read { try $0.scalar("SELECT count(*) FROM projects") } == .integer(0))
        #expect(try registry.storage.database.read { try $0.scalar("SELECT count(*) FROM audit_events WHERE entity = 'project'") } == .integer(0))
    }

    @Test func etagsGuardConcurrentChanges() throws {
        let registry = try RunningRegistry()
        let minfin = try registry.agency("MINFIN")
        let projectID = id(try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-1")))
        let read = try registry.request("GET", "/api/v1/projects/\(projectID)", token: minfin)
        let etag = try #require(read.response.header("ETag"))
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)", token: minfin, headers: ["If-None-Match: \(etag)"]).status == 304)

        let patched = try registry.request("PATCH", "/api/v1/projects/\(projectID)", token: minfin, body: #"{"title":"New title","category":null}"#,
                                           headers: ["If-Match: \(etag)"], contentType: "application/merge-patch+json")
        #expect(patched.status == 200)
        #expect(patched["title"] == .string("New title"))
        #expect(patched["category"] == .null)
        #expect(patched["risk_rating"] == .number("3"), "untouched fields stay")
        #expect(patched["version"] == .number("2"))

        // The first reader's change now comes too late.
        let stale = try registry.request("PUT", "/api/v1/projects/\(projectID)", token: minfin, body: Self.projectBody("P-1", title: "Stale"), headers: ["If-Match: \(etag)"])
        #expect(stale.status == 412)
        // A body that is not JSON is a bad request whatever its If-Match says.
        #expect(try registry.request("PUT", "/api/v1/projects/\(projectID)", token: minfin, body: "{not json", headers: ["If-Match: \(etag)"]).status == 400)
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)", token: minfin)["title"] == .string("New title"))
        let statusChange = try registry.request("PATCH", "/api/v1/projects/\(projectID)", token: minfin, body: #"{"status":"approved"}"#)
        #expect(statusChange.status == 422)
        #expect(statusChange["fields"] == .string("status"))
        let replaced = try registry.request("PUT", "/api/v1/projects/\(projectID)", token: minfin, body: Self.projectBody("P-1", title: "Replaced"))
        #expect(replaced["title"] == .string("Replaced"))
        #expect(replaced["version"] == .number("3"))
    }

    @Test func aLargeProjectCannotBeSubmittedUntilItsBusinessCaseIsComplete() throws {
        let registry = try RunningRegistry()
        let minfin = try registry.agency("MINFIN")
        let projectID = id(try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-1")))
        let submit = #"{"to":"submitted","reason":"Ready for review"}"#

        let etagBefore = try #require(try registry.request("GET", "/api/v1/projects/\(projectID)", token: minfin).response.header("ETag"))
        let noCase = try registry.request("POST", "/api/v1/projects/\(projectID)/transitions", token: minfin, body: submit)
        #expect(noCase.status == 409)
        #expect(rules(noCase["findings"]) == ["P7-BC-REQUIRED"])

        let draft = try registry.request("PUT", "/api/v1/projects/\(projectID)/business-case", token: minfin,
                                         body: #"{"risks":[{"description":"Delay","likelihood":2,"impact":5}],"stakeholders":[{"group":"users","how":"Survey"}]}"#)
        #expect(draft.status == 201)
        #expect(draft["version"] == .number("1"))
        let blocked = try registry.request("POST", "/api/v1/projects/\(projectID)/transitions", token: minfin, body: submit)
        #expect(blocked.status == 409)
        #expect(rules(blocked["findings"]) == ["P7-BC-COMPLETE", "P7-BC-STAKEHOLDERS"])
        #expect(blocked.json?.serialized.contains("financial_plan") == true)
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)", token: minfin)["status"] == .string("proposed"), "nothing changed")

        let complete = try registry.request("PUT", "/api/v1/projects/\(projectID)/business-case", token: minfin, body: Self.completeBusinessCase)
        #expect(complete.status == 200)
        #expect(complete["version"] == .number("2"))
        #expect(complete["completeness"] == .object(["complete": .bool(true), "findings": .array([])]))
        // The project's findings changed with its business case, and so did its ETag.
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)", token: minfin, headers: ["If-None-Match: \(etagBefore)"]).status == 200)
        #expect(complete.json?.serialized.contains(#""magnitude":12"#) == true)

        let submitted = try registry.request("POST", "/api/v1/projects/\(projectID)/transitions", token: minfin, body: submit)
        #expect(submitted.status == 200)
        #expect(submitted["status"] == .string("submitted"))
        #expect(rules(submitted["findings"]).isEmpty)

        // Approval is the centre's decision.
        #expect(try registry.request("POST", "/api/v1/projects/\(projectID)/transitions", token: minfin, body: #"{"to":"approved"}"#).status == 403)
        #expect(try registry.request("POST", "/api/v1/projects/\(projectID)/transitions", token: registry.centreToken, body: #"{"to":"completed"}"#).status == 403)
        let skipped = try registry.request("POST", "/api/v1/projects/\(projectID)/transitions", token: minfin, body: #"{"to":"completed"}"#)
        #expect(skipped.status == 409)
        #expect(try registry.request("POST", "/api/v1/projects/\(projectID)/transitions", token: registry.centreToken, body: #"{"to":"approved"}"#)["status"] == .string("approved"))

        let versions = try registry.request("GET", "/api/v1/projects/\(projectID)/business-case/versions")
        guard case .array(let items)? = versions["items"] else { Issue.record("no versions"); return }
        #expect(items.count == 2)
        #expect(try registry.request("GET", "/api/v1/projects/\(projectID)/business-case")["version"] == .number("2"))

        let history = try registry.request("GET", "/api/v1/projects/\(projectID)/history")
        guard case .array(let events)? = history["items"] else { Issue.record("no history"); return }
        let actions = events.compactMap { event -> String? in
            if case .object(let object) = event, case .string(let action)? = object["action"] { return action }
            return nil
        }
        #expect(actions == ["project.create", "business_case.put", "business_case.put", "project.transition", "project.transition", "baseline.create"])
        #expect(history.json?.serialized.contains(#""reason":"Ready for review""#) == true)
    }

    @Test func aThresholdChangeChangesObligationsWithoutRewritingProjects() throws {
        let registry = try RunningRegistry()
        let minfin = try registry.agency("MINFIN")
        let projectID = id(try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("P-1", cost: "800000")))
        #expect(rules(try registry.request("GET", "/api/v1/projects/\(projectID)/findings", token: minfin)["items"]).isEmpty)
        let today = registry.storage.clock.today().description
        #expect(try registry.request("POST", "/api/v1/thresholds", token: registry.centreToken,
                                     body: #"{"kind":"business_case","amount":750000,"effective_from":"\#(today)"}"#).status == 201)
        let after = try registry.request("GET", "/api/v1/projects/\(projectID)", token: minfin)
        #expect(rules(after["findings"]) == ["P7-BC-REQUIRED"])
        #expect(after["version"] == .number("1"), "the stored record is untouched")
    }

    @Test func theListFiltersSortsSearchesAndPagesWithoutRepeats() throws {
        let registry = try RunningRegistry()
        let minfin = try registry.agency("MINFIN")
        let health = try registry.agency("MINHEALTH")
        for index in 1...7 {
            _ = try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("F-\(index)", cost: "\(index * 300000)", title: "Tax system \(index)"))
        }
        _ = try registry.request("POST", "/api/v1/projects", token: health, body: Self.projectBody("H-1", cost: "100", title: "Hospital beds register"))

        func ids(_ reply: RunningRegistry.Reply) -> [String] {
            guard case .array(let items)? = reply["items"] else { return [] }
            return items.compactMap { item in if case .object(let o) = item, case .number(let id)? = o["id"] { return id }; return nil }
        }
        // Drafts: the public sees none; the centre sees all.
        #expect(ids(try registry.request("GET", "/api/v1/projects")).isEmpty)
        #expect(ids(try registry.request("GET", "/api/v1/projects", token: registry.centreToken)).count == 8)
        #expect(ids(try registry.request("GET", "/api/v1/projects", token: health)).count == 1)

        let centre = registry.centreToken
        #expect(ids(try registry.request("GET", "/api/v1/projects?agency=MINHEALTH", token: centre)).count == 1)
        #expect(ids(try registry.request("GET", "/api/v1/projects?min_cost=900000&max_cost=1500000", token: centre)).count == 3)
        #expect(ids(try registry.request("GET", "/api/v1/projects?q=hosp", token: centre)).count == 1)
        #expect(ids(try registry.request("GET", "/api/v1/projects?q=tax+system", token: centre)).count == 7)
        #expect(ids(try registry.request("GET", "/api/v1/projects?rule=P7-BC-REQUIRED", token: centre)).count == 4)
        #expect(ids(try registry.request("GET", "/api/v1/projects?above_threshold=business_case", token: centre)).count == 4)
        #expect(ids(try registry.request("GET", "/api/v1/projects?above_threshold=central_review", token: centre)).isEmpty)
        let sorted = try registry.request("GET", "/api/v1/projects?sort=-whole_life_cost&limit=2", token: centre)
        guard case .array(let top)? = sorted["items"], case .object(let first)? = top.first else { Issue.record("no items"); return }
        #expect(first["whole_life_cost"] == .number("2100000"))
        #expect(try registry.request("GET", "/api/v1/projects?sort=cost", token: centre).status == 422)
        #expect(try registry.request("GET", "/api/v1/projects?colour=red", token: centre).status == 400)
        #expect(try registry.request("GET", "/api/v1/projects?limit=501", token: centre).status == 422)

        // Page through while new projects arrive: every project once, none skipped.
        var seen: [String] = []
        var cursor: String?
        var added = 0
        repeat {
            let page = try registry.request("GET", "/api/v1/projects?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: centre)
            seen += ids(page)
            if case .string(let next)? = page["next_cursor"] { cursor = next } else { cursor = nil }
            if added < 2 {
                added += 1
                _ = try registry.request("POST", "/api/v1/projects", token: minfin, body: Self.projectBody("N-\(added)", cost: "5"))
            }
        } while cursor != nil
        #expect(seen.count == 10)
        #expect(Set(seen).count == seen.count, "no project twice")
        #expect(try registry.request("GET", "/api/v1/projects?cursor=garbage", token: centre).status == 400)
    }
}
