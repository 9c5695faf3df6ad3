import Foundation
import JSON
import Registry
import SQLiteDatabase
import Testing

/// `as_of`, `changes`, the pages of the past and the feeds at their edges: dates refused, drafts
/// hidden as they were, records that did not exist yet, access to the centre's feed.
@Suite(.serialized) struct AsOfTests {
    typealias ScriptClock = PortfolioOverTimeTests.ScriptClock
    static let date = PortfolioOverTimeTests.date

    /// A registry with one agency whose project is registered on day 1 (a draft) and published on day 3.
    func registry() throws -> (RunningRegistry, ScriptClock, token: String, id: String) {
        let clock = ScriptClock()
        clock.set(day: 0, second: 3600)
        let registry = try RunningRegistry(clock: clock.registryClock)
        let token = try registry.agency("MINFIN")
        clock.set(day: 1, second: 3600)
        let created = try registry.request("POST", "/api/v1/projects", token: token,
                                           body: ProjectRoutesTests.projectBody("P-1", cost: "600000", title: "Tax ledger"))
        #expect(created.status == 201)
        let id = created.number("id")
        clock.set(day: 3, second: 3600)
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"submitted"}"#).status == 200)
        clock.set(day: 5, second: 3600)
        return (registry, clock, token, id)
    }

    @Test func datesOutsideTheRecordAreRefusedNamingTheField() throws {
        let (registry, _, _, id) = try registry()
        for path in ["/api/v1/portfolio/overview", "/api/v1/projects", "/api/v1/projects/\(id)", "/api/v1/portfolio/findings",
                     "/api/v1/portfolio/duplicates", "/api/v1/projects/\(id)/reviews"] {
            for (value, words) in [("2024-12-31", "before the registry's first record"), (Self.date(6), "after today"), ("2025-02-30", "YYYY-MM-DD"), ("yesterday", "YYYY-MM-DD")] {
                let reply = try registry.request("GET", path + "?as_of=" + value, token: registry.centreToken)
                #expect(reply.status == 422, "\(path) as_of=\(value)")
                #expect(reply.response.header("content-type")?.hasPrefix("application/problem+json") == true)
                let error = objects(reply["errors"]).first
                #expect(error?["field"] == .string("as_of"), "\(path) as_of=\(value)")
                let message = error.flatMap { if case .string(let text)? = $0["message"] { return text } else { return nil } } ?? ""
                #expect(message.contains(words), "\(path) as_of=\(value): \(message)")
            }
        }
        #expect(try registry.request("GET", "/?as_of=2024-01-01").status == 422)
        #expect(try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(4))&to=\(Self.date(2))").status == 422)
    }

    @Test func draftsAreHiddenAsTheyWereAndLaterRecordsAreAbsent() throws {
        let (registry, _, _, id) = try registry()
        // Day 0: the project did not exist; day 2: a draft, seen by the centre only; day 3: published.
        #expect(try registry.request("GET", "/api/v1/projects/\(id)?as_of=\(Self.date(0))", token: registry.centreToken).status == 404)
        #expect(try registry.request("GET", "/api/v1/projects/\(id)?as_of=\(Self.date(2))").status == 404)
        let draft = try registry.request("GET", "/api/v1/projects/\(id)?as_of=\(Self.date(2))", token: registry.centreToken)
        #expect(draft["status"] == .string("proposed"))
        #expect(try registry.request("GET", "/api/v1/projects/\(id)?as_of=\(Self.date(3))")["status"] == .string("submitted"))
        #expect(objects(try registry.request("GET", "/api/v1/projects?as_of=\(Self.date(2))")["items"]).isEmpty)
        #expect(objects(try registry.request("GET", "/api/v1/projects?as_of=\(Self.date(3))&q=tax")["items"]).count == 1)
        #expect(objects(try registry.request("GET", "/api/v1/projects?as_of=\(Self.date(3))&q=railway")["items"]).isEmpty)
        let before = object(try registry.request("GET", "/api/v1/portfolio/overview?as_of=\(Self.date(2))")["totals"])
        #expect(before["projects"] == .integer(0))
        let after = object(try registry.request("GET", "/api/v1/portfolio/overview?as_of=\(Self.date(3))")["totals"])
        #expect(after["projects"] == .integer(1))
        // The public sees the publication, not the draft's registration.
        let changes = try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(0))&to=\(Self.date(4))")
        let kinds = objects(changes["events"]).compactMap { if case .string(let kind)? = $0["kind"] { return kind } else { return nil } }
        #expect(kinds.contains("published") && !kinds.contains("registered"), "\(kinds)")
        let centreKinds = objects(try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(0))&to=\(Self.date(4))", token: registry.centreToken)["events"])
            .compactMap { if case .string(let kind)? = $0["kind"] { return kind } else { return nil } }
        #expect(centreKinds.contains("registered") && centreKinds.contains("published"), "\(centreKinds)")
    }

    @Test func changesTakeTheListsFiltersAndStartFromTheEmptyRegistry() throws {
        let (registry, _, _, id) = try registry()
        let other = try registry.agency("CITY", level: .local)
        #expect(try registry.request("POST", "/api/v1/projects", token: other, body: ProjectRoutesTests.projectBody("C-1", cost: "300000", title: "City permits")).status == 201)
        // The day before the first record is the empty registry: every project is new since.
        let all = try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(-1))&to=\(Self.date(5))", token: registry.centreToken)
        #expect(all.status == 200)
        #expect(object(object(all["totals"])["from"])["projects"] == .integer(0))
        #expect(object(object(all["totals"])["to"])["projects"] == .integer(2))
        #expect(try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(-2))&to=\(Self.date(5))").status == 422)
        let city = try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(-1))&to=\(Self.date(5))&agency=CITY", token: registry.centreToken)
        let agencies = Set(objects(city["events"]).compactMap { if case .string(let code)? = $0["agency"] { return code } else { return nil } })
        #expect(agencies == ["CITY"], "\(agencies)")
        #expect(objects(city["projects"]).map { $0["id"] } != [.number(id)])
        #expect(object(object(city["totals"])["to"])["projects"] == .integer(1))
        #expect(try registry.request("GET", "/api/v1/portfolio/changes?from=\(Self.date(0))&to=\(Self.date(5))&as_of=\(Self.date(1))").status == 400)
    }

    @Test func aThresholdCountsFromWhenItWasSetNotOnlyFromItsEffectiveDate() throws {
        let (registry, clock, _, id) = try registry()
        // Set on day 5, effective from day 2: before day 5 nobody could have owed it.
        #expect(try registry.request("POST", "/api/v1/thresholds", token: registry.centreToken,
                                     body: #"{"kind":"business_case","amount":500000,"effective_from":"\#(Self.date(2))"}"#).status == 201)
        clock.set(day: 6, second: 3600)
        let required = { (day: Int) throws -> JSONValue? in
            object(try registry.request("GET", "/api/v1/projects/\(id)?as_of=\(Self.date(day))")["obligations"])["business_case_required"]
        }
        #expect(try required(4) == .bool(false))
        #expect(try required(5) == .bool(true))
    }

    /// The changes are streamed a page of 2,000 events at a time: over the real server, more
    /// than a page comes whole, as one valid JSON document and as a CSV row per event.
    @Test func changesOfManyPagesComeWholeAsJSONAndCSV() throws {
        let clock = ScriptClock()
        clock.set(day: 0, second: 3600)
        let registry = try RunningRegistry(clock: clock.registryClock)
        let token = try registry.agency("MINFIN")
        clock.set(day: 1, second: 3600)
        let count = 2_345
        let csv = "external_id,title,whole_life_cost,planned_end_date\n"
            + (0..<count).map { "P-\($0),Project \($0),1000,2030-01-01" }.joined(separator: "\n")
        #expect(try registry.request("POST", "/api/v1/import/projects", token: token, body: csv, contentType: "text/csv").status == 200)
        clock.set(day: 2, second: 3600)
        let range = "from=\(Self.date(0))&to=\(Self.date(1))"
        let json = try registry.request("GET", "/api/v1/portfolio/changes?" + range, token: registry.centreToken)
        #expect(json.status == 200)
        #expect(json.response.header("Transfer-Encoding")?.lowercased() == "chunked")
        let events = objects(json["events"])
        let registered = events.filter { $0["kind"] == .string("registered") }.compactMap { event -> String? in
            if case .number(let id)? = event["project_id"] { return id } else { return nil }
        }
        #expect(registered.count == count && Set(registered).count == count, "each registration once")
        #expect(object(object(json["totals"])["to"])["projects"] == .integer(Int64(count)))
        let rows = try registry.request("GET", "/api/v1/portfolio/changes.csv?" + range, token: registry.centreToken)
            .response.text.split(separator: "\r\n")
        #expect(rows.count == events.count + 1, "a header and a row per event")
    }

    @Test func changesComeAsCSVAndThePagesOfThePastSaySo() throws {
        let (registry, _, _, id) = try registry()
        let csv = try registry.request("GET", "/api/v1/portfolio/changes.csv?from=\(Self.date(0))&to=\(Self.date(4))", token: registry.centreToken)
        #expect(csv.status == 200)
        #expect(csv.response.header("content-type")?.hasPrefix("text/csv") == true)
        let lines = String(decoding: csv.response.body, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.first == "at,project_id,agency,title,kind,field,old,new,detail")
        #expect(lines.contains { $0.contains(",\(id),MINFIN,Tax ledger,published,status,proposed,submitted,") })

        let overview = try registry.request("GET", "/?as_of=\(Self.date(3))")
        let html = String(decoding: overview.response.body, as: UTF8.self)
        #expect(overview.status == 200)
        #expect(html.contains("id=\"past-notice\"") && html.contains("the end of \(Self.date(3))"))
        #expect(html.contains("<input type=\"date\" id=\"as_of\" name=\"as_of\" value=\"\(Self.date(3))\""))
        #expect(html.contains("id=\"trends-heading\"") && html.contains("chart-trend-cost"))
        #expect(!String(decoding: try registry.request("GET", "/").response.body, as: UTF8.self).contains("id=\"past-notice\""))
        let project = String(decoding: try registry.request("GET", "/projects/\(id)?as_of=\(Self.date(3))").response.body, as: UTF8.self)
        #expect(project.contains("id=\"past-notice\"") && project.contains("Tax ledger"))
        #expect(try registry.request("GET", "/projects/\(id)?as_of=\(Self.date(2))").status == 404)
        let page = try registry.request("GET", "/changes?from=\(Self.date(0))&to=\(Self.date(4))")
        let changes = String(decoding: page.response.body, as: UTF8.self)
        #expect(page.status == 200)
        #expect(changes.contains("id=\"table-changes\"") && changes.contains("href=\"/projects/\(id)?as_of=\(Self.date(3))\""))
        // By default: the last full quarter, here the one before the registry began, so from its first day.
        #expect(try registry.request("GET", "/changes").status == 200)
    }

    @Test func theFindingsFeedIsTheCentresAndFeedsAnswerIfNoneMatch() throws {
        let (registry, _, token, id) = try registry()
        #expect(try registry.request("GET", "/feeds/findings").status == 401)
        #expect(try registry.request("GET", "/feeds/findings", token: token).status == 403)
        let findings = try registry.request("GET", "/feeds/findings", token: registry.centreToken)
        #expect(findings.status == 200)
        let feed = try registry.request("GET", "/feeds/projects/\(id)")
        #expect(feed.response.header("content-type")?.hasPrefix("application/atom+xml") == true)
        let xml = String(decoding: feed.response.body, as: UTF8.self)
        #expect(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">") && xml.contains("published"))
        let etag = try #require(feed.response.header("etag"))
        #expect(try registry.request("GET", "/feeds/projects/\(id)", headers: ["If-None-Match: \(etag)"]).status == 304)
        #expect(try registry.request("GET", "/feeds/agencies/NOPE").status == 404)
        #expect(try registry.request("GET", "/feeds/changes").status == 200)
        // The public feeds are the public's whoever asks; a draft's own feed is its agency's.
        let draft = try registry.request("POST", "/api/v1/projects", token: token, body: ProjectRoutesTests.projectBody("P-2", cost: "600000", title: "Secret draft"))
        let publicFeed = String(decoding: try registry.request("GET", "/feeds/changes", token: token).response.body, as: UTF8.self)
        #expect(publicFeed.contains("Tax ledger") && !publicFeed.contains("Secret draft"))
        #expect(!String(decoding: try registry.request("GET", "/feeds/agencies/MINFIN", token: registry.centreToken).response.body, as: UTF8.self).contains("Secret draft"))
        #expect(try registry.request("GET", "/feeds/projects/\(draft.number("id"))").status == 404)
        #expect(String(decoding: try registry.request("GET", "/feeds/projects/\(draft.number("id"))", token: token).response.body, as: UTF8.self).contains("Secret draft"))
    }

    /// A registry written before migration 0007 gets its history from its audit trail.
    @Test func theMigrationRebuildsHistoryFromTheAuditTrail() throws {
        let (storage, directory) = try Self.openedFromBeforeHistory(reportedAt: "2025-01-04T10:00:00Z", now: Date(timeIntervalSince1970: 1_736_000_000))
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(storage.appliedMigrations == ["0007_project_versions", "0008_audit_events_by_time", "0009_project_changes", "0010_versions_of_rows_ahead",
                                             "0011_search_index_once_per_transaction", "0012_change_fields_table"])
        let draft = try #require(try storage.projects.get(id: 1, asOf: AsOf(LocalDate("2025-01-03")!)))
        #expect(draft.status == .proposed && draft.record.systems == ["Ledger"] && draft.record.wholeLifeCost == Money(minorUnits: 250_000_000))
        #expect(try storage.projects.get(id: 1, asOf: AsOf(LocalDate("2025-01-04")!))?.record.wholeLifeCost == Money(minorUnits: 250_000_050))
        #expect(try storage.projects.get(id: 1, asOf: AsOf(LocalDate("2025-01-01")!)) == nil)
        // Migration 0009 keeps what each rebuilt version changed: the history's changes are listed.
        let changes = try storage.portfolio.recordedChanges(viewer: .centre(tokenID: "t"), from: AsOf(LocalDate("2025-01-01")!), to: AsOf(LocalDate("2025-01-04")!))
        #expect(changes.map { "\($0.kind.rawValue) \($0.field ?? "") \($0.old ?? "-") \($0.new ?? "-")" }
                == ["published status proposed submitted", "cost_changed whole_life_cost 2500000 2500000.5", "registered whole_life_cost - 2500000"])
    }

    /// A row ahead of its versions (before 0007 an agency's business case counted as a report
    /// without a project event, so the rebuilt history dates the report earlier) gets a version
    /// of its row from migration 0010, dated at that report, with an audit event of the
    /// registry's own: before the report a past day says what the older version says, after it
    /// what the row says, however the day is built.
    @Test func aRowAheadOfItsVersionsGetsAVersionAtItsReport() throws {
        let (storage, directory) = try Self.openedFromBeforeHistory(reportedAt: "2025-03-01T10:00:00Z", now: Date(timeIntervalSince1970: 1_749_556_800))
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(storage.appliedMigrations.suffix(4) == ["0009_project_changes", "0010_versions_of_rows_ahead", "0011_search_index_once_per_transaction", "0012_change_fields_table"])
        #expect(try storage.projects.get(id: 1, asOf: AsOf(LocalDate("2025-02-28")!))?.reportedAt == "2025-01-04T10:00:00Z")
        #expect(try storage.projects.get(id: 1, asOf: AsOf(LocalDate("2025-03-01")!))?.reportedAt == "2025-03-01T10:00:00Z")
        let completed = try #require(try storage.projects.history(id: 1).last)
        #expect(completed.action == "project.version_of_row" && completed.actor == "system:migration-0010" && completed.at == "2025-03-01T10:00:00Z")
        let centre = Principal.centre(tokenID: "c")
        let live = try #require(try storage.portfolio.entries(ProjectQuery(), viewer: centre).first).assessment.findings
        #expect(live.contains { $0.rule == .staleReport && $0.message.contains("since 2025-03-01") }, "now: the row's report")
        let then = try #require(try storage.portfolio.entries(ProjectQuery(), viewer: centre, asOf: AsOf(LocalDate("2025-06-09")!)).first).assessment.findings
        #expect(then.contains { $0.rule == .staleReport && $0.message.contains("for 100 days (since 2025-03-01)") }, "2025-06-09: the report of 2025-03-01")
        // Opened again: nothing more to complete.
        let again = try RegistryStorage.open(path: directory.appendingPathComponent("registry.sqlite").path,
                                             migrationsDirectory: RunningRegistry.repository.appendingPathComponent("Migrations").path,
                                             clock: RegistryClock(now: { Date(timeIntervalSince1970: 1_749_556_800) }))
        #expect(again.appliedMigrations.isEmpty)
        #expect(try again.projects.history(id: 1).filter { $0.action == "project.version_of_row" }.count == 1)
    }

    @Test func theProjectPageSaysTheRegistryCompletedTheHistory() throws {
        let (storage, directory) = try Self.openedFromBeforeHistory(reportedAt: "2025-03-01T10:00:00Z", now: Date(timeIntervalSince1970: 1_749_556_800))
        let registry = try RunningRegistry(storage: storage, directory: directory)
        let page = try registry.request("GET", "/projects/1")
        #expect(page.status == 200)
        // One row of the history: when, who (the registry itself), what (worded, with its code).
        #expect(page.response.text.contains("""
            <tr><th scope="row">2025-03-01 10:00</th><td>The registry (migration-0010)</td>\
            <td>History completed from the record (its last report) <span class="code">project.version_of_row</span></td></tr>
            """))
    }

    /// A registry of one project written by the migrations before 0007 (its agency's audit
    /// events: registered on 2025-01-02, submitted on 2025-01-04; its row reported at
    /// `reportedAt`), opened by this code on a clock at `now`, and the folder to remove.
    static func openedFromBeforeHistory(reportedAt: String, now: Date) throws -> (RegistryStorage, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
        let old = directory.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        let migrations = RunningRegistry.repository.appendingPathComponent("Migrations")
        for file in try FileManager.default.contentsOfDirectory(atPath: migrations.path) where file < "0007" {
            try FileManager.default.copyItem(at: migrations.appendingPathComponent(file), to: old.appendingPathComponent(file))
        }
        let path = directory.appendingPathComponent("registry.sqlite").path
        let database = try SQLiteDatabase(path: path)
        _ = try Migrator(directory: old.path).migrate(database)
        try database.write { db in
            try db.execute("INSERT INTO agencies (code, name, level, created_at) VALUES ('MINFIN', 'Finance', 'national', '2025-01-01T00:00:00Z')")
            try db.execute("""
                INSERT INTO projects (id, agency_code, external_id, title, status, whole_life_cost_cents, planned_end_date, version, created_at, updated_at, reported_at)
                VALUES (1, 'MINFIN', 'P-1', 'Ledger', 'submitted', 250000050, '2027-01-01', 2, '2025-01-02T10:00:00Z', '2025-01-04T10:00:00Z', ?)
                """, [reportedAt])
            try db.execute("""
                INSERT INTO audit_events (at, actor, action, entity, entity_id, project_id, before, after) VALUES
                ('2025-01-02T10:00:00Z', 'agency:MINFIN:t1', 'project.create', 'project', '1', 1, NULL,
                 '{"external_id":"P-1","title":"Ledger","description":null,"category":null,"whole_life_cost":2500000,"spend_to_date":null,"start_date":null,"planned_end_date":"2027-01-01","forecast_end_date":null,"risk_rating":null,"owner":null,"roles":[],"systems":["Ledger"],"datasets":[],"milestones":[],"status":"proposed","version":1}'),
                ('2025-01-04T10:00:00Z', 'agency:MINFIN:t1', 'project.transition', 'project', '1', 1, NULL,
                 '{"external_id":"P-1","title":"Ledger","description":null,"category":null,"whole_life_cost":2500000.5,"spend_to_date":null,"start_date":null,"planned_end_date":"2027-01-01","forecast_end_date":null,"risk_rating":null,"owner":null,"roles":[],"systems":["Ledger"],"datasets":[],"milestones":[],"status":"submitted","version":2}')
                """)
        }
        return (try RegistryStorage.open(path: path, migrationsDirectory: migrations.path, clock: RegistryClock(now: { now })), directory)
    }
}
