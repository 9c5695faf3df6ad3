import Foundation
import JSON
import Registry
import Synchronization
import Testing

/// The portfolio over time, by construction: a registry driven through a scripted year of
/// daily writes by three agencies and the centre on an injected clock, its live answers captured
/// at the end of every day; afterwards `as_of` each day must answer exactly what was captured,
/// and `changes` between days must account exactly for the difference in their totals.
@Suite(.serialized) struct PortfolioOverTimeTests {
    /// A settable clock shared by the registry and the script.
    final class ScriptClock: Sendable {
        let now = Mutex<Date>(Date(timeIntervalSince1970: 0))
        var registryClock: RegistryClock { RegistryClock(now: { self.now.withLock { $0 } }) }
        func set(day: Int, second: Int) {
            // Day 0 is 2025-01-01.
            now.withLock { $0 = Date(timeIntervalSince1970: TimeInterval(1_735_689_600 + day * 86_400 + second)) }
        }
    }

    static func date(_ day: Int) -> String { LocalDate(daysSinceEpoch: 20_089 + day).description }

    /// A fixed sequence of pseudo-random numbers, so the script is the same every run.
    struct Dice {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func roll(_ sides: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(sides))
        }
    }

    struct Captured {
        var centreOverview: JSONValue
        var publicOverview: JSONValue
        var agencyList: JSONValue
        var projects: [String: JSONValue]
    }

    /// The overview without its `as_of` stamp, which says when it was computed.
    static func withoutStamp(_ value: JSONValue?) -> JSONValue {
        guard case .object(var object)? = value else { return .null }
        object["as_of"] = nil
        return .object(object)
    }

    @Test func asOfEveryDayAnswersWhatWasLiveThenAndChangesAccountForTheDifference() throws {
        let clock = ScriptClock()
        clock.set(day: 0, second: 8 * 3600)
        let registry = try RunningRegistry(clock: clock.registryClock)
        let centre = registry.centreToken
        let agencies = [("MINFIN", GovernmentLevel.national), ("REGION", .regional), ("CITY", .local)]
        var tokens: [String: String] = [:]
        for (code, level) in agencies { tokens[code] = try registry.agency(code, level: level) }
        var dice = Dice()
        var projects: [(id: String, agency: String)] = []
        var captured: [Captured] = []
        let days = 365
        for day in 0..<days {
            var second = 9 * 3600
            func tick() { second += 60; clock.set(day: day, second: second) }
            tick()
            // Registrations: some under the business-case threshold, some above the central review's.
            if day % 4 == 0 {
                let (agency, _) = agencies[dice.roll(3)]
                let cost = [400_000, 1_500_000, 6_000_000, 12_000_000][dice.roll(4)]
                let shared = dice.roll(3) == 0 ? "Shared ledger" : "Ledger \(day)"
                let body = """
                    {"external_id":"P-\(day)","title":"Ledger renewal \(day % 7)","description":"Replaces a ledger","category":"\(["payments", "tax", "health"][dice.roll(3)])",
                     "whole_life_cost":\(cost),"start_date":"\(Self.date(day))","planned_end_date":"\(Self.date(day + 200 + dice.roll(300)))",
                     "risk_rating":\(1 + dice.roll(5)),"systems":["\(shared)"],"milestones":[{"name":"Pilot","baseline_date":"\(Self.date(day + 60))"}]}
                    """
                let reply = try registry.request("POST", "/api/v1/projects", token: tokens[agency], body: body)
                #expect(reply.status == 201, "day \(day): \(String(decoding: reply.response.body, as: UTF8.self))")
                if case .number(let id)? = reply["id"] { projects.append((id, agency)) }
            }
            // A few changes to random projects each day; refusals by the rules are part of the script.
            for _ in 0..<3 where !projects.isEmpty {
                tick()
                let (id, agency) = projects[dice.roll(projects.count)]
                let token = tokens[agency]
                switch dice.roll(12) {
                case 0, 1: _ = try registry.request("PATCH", "/api/v1/projects/\(id)", token: token, body: #"{"whole_life_cost":\#(300_000 + dice.roll(120) * 100_000)}"#)
                case 2: _ = try registry.request("PATCH", "/api/v1/projects/\(id)", token: token, body: #"{"spend_to_date":\#(dice.roll(50) * 10_000)}"#)
                case 3: _ = try registry.request("PATCH", "/api/v1/projects/\(id)", token: token, body: #"{"forecast_end_date":"\#(Self.date(day + dice.roll(600)))"}"#)
                case 4: _ = try registry.request("PUT", "/api/v1/projects/\(id)/business-case", token: token, body: ProjectRoutesTests.completeBusinessCase)
                case 5: _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"submitted"}"#)
                case 6:
                    let review = try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: centre, body: #"{"kind":"central"}"#)
                    if review.status == 201, dice.roll(2) == 0 {
                        tick()
                        _ = try registry.request("POST", "/api/v1/reviews/\(review.number("id"))/outcome", token: centre,
                                                 body: #"{"outcome":"approved","delivery_confidence":"amber"}"#)
                    }
                case 7:
                    // A project taken through the gates to approval in a day: its case, its submission, a central review, the decision.
                    _ = try registry.request("PUT", "/api/v1/projects/\(id)/business-case", token: token, body: ProjectRoutesTests.completeBusinessCase)
                    tick()
                    _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"submitted"}"#)
                    tick()
                    let review = try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: centre, body: #"{"kind":"central"}"#)
                    tick()
                    _ = try registry.request("POST", "/api/v1/reviews/\(review.number("id"))/outcome", token: centre,
                                             body: #"{"outcome":"approved","delivery_confidence":"green"}"#)
                    tick()
                    _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: centre, body: #"{"to":"approved"}"#)
                case 8: _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"in_execution"}"#)
                case 9:
                    _ = try registry.request("POST", "/api/v1/projects/\(id)/baselines", token: centre,
                                             body: #"{"whole_life_cost":\#(1_000_000 + dice.roll(50) * 100_000),"planned_end_date":"\#(Self.date(day + 400))","reason":"Scope changed on day \#(day)"}"#)
                case 10:
                    let tranche = try registry.request("POST", "/api/v1/projects/\(id)/funding-tranches", token: centre, body: #"{"amount":100000,"condition":"none"}"#)
                    if tranche.status == 201 { tick(); _ = try registry.request("POST", "/api/v1/funding-tranches/\(tranche.number("id"))/release", token: centre) }
                default:
                    _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: dice.roll(2) == 0 ? token : centre,
                                             body: dice.roll(3) == 0 ? #"{"to":"cancelled","reason":"No longer needed"}"# : #"{"to":"on_hold"}"#)
                }
            }
            // The centre lowers the business-case threshold part-way through the year.
            if day == 180 {
                tick()
                let threshold = try registry.request("POST", "/api/v1/thresholds", token: centre,
                                                     body: #"{"kind":"business_case","amount":800000,"effective_from":"\#(Self.date(day + 10))"}"#)
                #expect(threshold.status == 201)
            }
            clock.set(day: day, second: 23 * 3600)
            var sample: [String: JSONValue] = [:]
            for (id, _) in projects.suffix(2) + projects.prefix(1) {
                sample[id] = try registry.request("GET", "/api/v1/projects/\(id)", token: centre).json
            }
            captured.append(Captured(
                centreOverview: Self.withoutStamp(try registry.request("GET", "/api/v1/portfolio/overview", token: centre).json),
                publicOverview: Self.withoutStamp(try registry.request("GET", "/api/v1/portfolio/overview").json),
                agencyList: try registry.request("GET", "/api/v1/projects?agency=MINFIN&limit=500").json ?? .null,
                projects: sample))
        }
        // The next morning: every day of the year is now the past.
        clock.set(day: days, second: 8 * 3600)
        #expect(projects.count > 80)
        // The script did what a year of a portfolio does, so the comparisons below cover it.
        let happened = try registry.storage.database.read { db in
            try db.query("""
                SELECT (SELECT count(*) FROM project_versions WHERE status = 'approved') AS approved,
                       (SELECT count(*) FROM project_versions WHERE status = 'cancelled') AS cancelled,
                       (SELECT count(*) FROM reviews WHERE status = 'completed') AS decided,
                       (SELECT count(*) FROM baselines WHERE number > 1) AS rebaselined,
                       (SELECT count(*) FROM funding_tranches WHERE released_at IS NOT NULL) AS released
                """).first!
        }
        for column in ["approved", "cancelled", "decided", "rebaselined", "released"] {
            #expect(try happened.decode(column, as: Int.self) > 2, "\(column)")
        }
        // What the trigger kept as each version was written is what migration 0009's view works
        // out from all the versions afterwards (how the history before it was filled in).
        let (kept, workedOut) = try registry.storage.database.read { db in
            (try db.query("SELECT * FROM project_changes ORDER BY at, project_id, event_id, position").map(\.values),
             try db.query("SELECT * FROM project_version_changes ORDER BY at, project_id, event_id, position").map(\.values))
        }
        #expect(kept.count > 500)
        #expect(kept == workedOut)
        #expect(Set(captured.map { $0.centreOverview.serialized }).count > 200, "the overview changed from day to day")
        #expect(Set(captured.map { $0.publicOverview.serialized }).count < Set(captured.map { $0.centreOverview.serialized }).count,
                "drafts made the public's overview differ from the centre's")
        var mismatches: [String] = []
        for day in 0..<days {
            let asOf = "as_of=\(Self.date(day))"
            let live = captured[day]
            if Self.withoutStamp(try registry.request("GET", "/api/v1/portfolio/overview?\(asOf)", token: centre).json) != live.centreOverview {
                mismatches.append("day \(day): the centre's overview")
            }
            if Self.withoutStamp(try registry.request("GET", "/api/v1/portfolio/overview?\(asOf)").json) != live.publicOverview {
                mismatches.append("day \(day): the public overview")
            }
            if try registry.request("GET", "/api/v1/projects?agency=MINFIN&limit=500&\(asOf)").json != live.agencyList {
                mismatches.append("day \(day): MINFIN's published projects")
            }
            for (id, project) in live.projects where try registry.request("GET", "/api/v1/projects/\(id)?\(asOf)", token: centre).json != project {
                mismatches.append("day \(day): project \(id)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")

        // Between any two days the changes account for the difference in totals exactly.
        for _ in 0..<25 {
            let a = dice.roll(days), b = dice.roll(days)
            let (from, to) = (min(a, b), max(a, b))
            let changes = try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(from))&to=\(Self.date(to))", token: centre)
            #expect(changes.status == 200)
            let totals = object(changes["totals"])
            #expect(totals["from"] == object(captured[from].centreOverview)["totals"], "from \(from)")
            #expect(totals["to"] == object(captured[to].centreOverview)["totals"], "to \(to)")
            var projectDelta = 0, costDelta = Decimal(0)
            for project in objects(changes["projects"]) {
                let was = object(project["from"]), now = object(project["to"])
                projectDelta += (now.isEmpty ? 0 : 1) - (was.isEmpty ? 0 : 1)
                costDelta += Self.decimal(now["whole_life_cost"]) - Self.decimal(was["whole_life_cost"])
            }
            let expectedProjects = Self.integer(object(totals["to"])["projects"]) - Self.integer(object(totals["from"])["projects"])
            #expect(projectDelta == expectedProjects, "\(from)–\(to)")
            #expect(costDelta == Self.decimal(object(totals["to"])["whole_life_cost"]) - Self.decimal(object(totals["from"])["whole_life_cost"]), "\(from)–\(to)")
            #expect(Self.decimal(object(totals["difference"])["whole_life_cost"]) == costDelta)
            if from < to { #expect(!objects(changes["events"]).isEmpty) }
        }

        // Over the whole year every kind of record is in the changes, each as often as it was recorded.
        let year = try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(0))&to=\(Self.date(days - 1))", token: centre)
        var kinds: [String: Int] = [:]
        for event in objects(year["events"]) { if case .string(let kind)? = event["kind"] { kinds[kind, default: 0] += 1 } }
        let recorded = try registry.storage.database.read { db in
            try db.query("""
                SELECT (SELECT count(*) FROM baselines WHERE number > 1 AND created_at >= ?1 AND created_at < ?2) AS rebaselined,
                       (SELECT count(*) FROM reviews WHERE requested_at >= ?1 AND requested_at < ?2) AS review_requested,
                       (SELECT count(*) FROM reviews WHERE completed_at >= ?1 AND completed_at < ?2) AS review_decided,
                       (SELECT count(*) FROM funding_tranches WHERE released_at >= ?1 AND released_at < ?2) AS tranche_released
                """, [Self.date(1), Self.date(days)]).first!
        }
        for kind in ["rebaselined", "review_requested", "review_decided", "tranche_released"] {
            let count = try recorded.decode(kind, as: Int.self)
            #expect(count > 0 && kinds[kind] == count, "\(kind): \(kinds[kind] ?? 0) listed, \(count) recorded")
        }
        for kind in ["registered", "published", "cost_changed", "spend_changed", "schedule_changed", "cancelled", "finding_raised"] {
            #expect(kinds[kind] ?? 0 > 0, "\(kind)")
        }
        #expect(objects(year["events"]).contains { event in
            if case .string(let detail)? = event["detail"], event["kind"] == .string("rebaselined") { return detail.hasPrefix("Scope changed on day") }
            return false
        }, "a re-baseline's reason")
    }

    static func decimal(_ value: JSONValue?) -> Decimal {
        if case .number(let text)? = value { return Decimal(string: text) ?? 0 }
        return 0
    }

    static func integer(_ value: JSONValue?) -> Int {
        if case .number(let text)? = value { return Int(text) ?? 0 }
        return 0
    }
}
