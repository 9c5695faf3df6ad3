import Foundation
import HTTPTestSupport
import JSON
import Registry
import Testing

/// Open data exports: every published project, RFC 4180 quoting, streamed.
@Suite(.serialized) struct ExportRoutesTests {
    /// A small RFC 4180 reader for checking what the export wrote.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false
        var characters = Array(text.unicodeScalars)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.unicodeScalars.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\r", characters.first == "\n" { characters.removeFirst(); row.append(field); rows.append(row); row = []; field = "" }
            else { field.unicodeScalars.append(c) }
        }
        return rows
    }

    @Test func exportsEveryPublishedProjectQuotedPerRFC4180() throws {
        let registry = try RunningRegistry()
        let agency = try registry.agency("MINFIN")
        let tricky = #"Ledger, \"phase 2\"\nand more — ünïcode"#
        let body = #"{"external_id":"X-1","title":"\#(tricky)","whole_life_cost":1234.5,"planned_end_date":"2028-01-01","systems":["Ledger","Pay, roll"]}"#
        let created = try registry.request("POST", "/api/v1/projects", token: agency, body: body)
        guard case .number(let id)? = created["id"] else { Issue.record("not created"); return }
        _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: agency, body: #"{"to":"submitted"}"#)
        _ = try registry.request("POST", "/api/v1/projects", token: agency,
                                 body: #"{"external_id":"DRAFT","title":"Secret draft","whole_life_cost":1,"planned_end_date":"2028-01-01"}"#)

        let csv = try registry.request("GET", "/api/v1/export/projects.csv")
        #expect(csv.status == 200)
        #expect(csv.response.header("Content-Type") == "text/csv; charset=utf-8")
        #expect(csv.response.text.hasSuffix("\r\n"))
        let rows = Self.parseCSV(csv.response.text)
        #expect(rows.count == 2, "header and the one published project; drafts are not open data")
        #expect(rows[0].first == "id")
        #expect(rows.allSatisfy { $0.count == rows[0].count })
        let record = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[1]))
        #expect(record["title"] == "Ledger, \"phase 2\"\nand more — ünïcode")
        #expect(record["whole_life_cost"] == "1234.5")
        #expect(record["systems"] == "Ledger\nPay, roll")
        #expect(record["status"] == "submitted")
        #expect(!csv.response.text.contains("Secret draft"))

        let json = try registry.request("GET", "/api/v1/export/projects.json")
        guard case .array(let items)? = json["items"] else { Issue.record("no items: \(json.response.text.prefix(200))"); return }
        #expect(items.count == 1)
        #expect(json.json?.serialized.contains(#""title":"Ledger, \"phase 2\"\nand more — ünïcode""#) == true)
    }

    @Test func exportsTheWholeDemoPortfolio() throws {
        let registry = try RunningRegistry()
        _ = try DemoPortfolio(storage: registry.storage).fill()
        let published = try registry.storage.database.read { try $0.scalar("SELECT count(*) FROM projects WHERE status != 'proposed'") }
        let rows = Self.parseCSV(try registry.request("GET", "/api/v1/export/projects.csv").response.text)
        #expect(published == .integer(Int64(rows.count - 1)))
    }
}

/// Import: all rows or none, and an export imports back to the same bytes.
@Suite(.serialized) struct ImportRoutesTests {
    func importCSV(_ registry: RunningRegistry, _ csv: String, token: String?) throws -> RunningRegistry.Reply {
        try registry.request("POST", "/api/v1/import/projects", token: token, body: csv, contentType: "text/csv")
    }

    @Test func anExportImportsBackToTheSameBytes() throws {
        let source = try RunningRegistry()
        let agency = try source.agency("MINFIN")
        let bodies = [
            #"{"external_id":"A-1","title":"Ledger, \"phase 2\"","description":"Line one\nline two","category":"payments","whole_life_cost":250000.5,"spend_to_date":10.25,"start_date":"2026-01-01","planned_end_date":"2028-01-01","risk_rating":4,"owner":{"name":"Jane Doe","role":"SRO","email":"jane@example.gov"},"systems":["Ledger","Pay, roll"],"datasets":["Accounts"]}"#,
            #"{"external_id":"A-2","title":"Ünïcode — portal","whole_life_cost":42,"planned_end_date":"2027-06-30"}"#,
            #"{"external_id":"A-3","title":"Plain","whole_life_cost":900000,"planned_end_date":"2029-12-31","forecast_end_date":"2030-03-31"}"#,
        ]
        for body in bodies {
            let created = try source.request("POST", "/api/v1/projects", token: agency, body: body)
            guard case .number(let id)? = created["id"] else { Issue.record("not created"); return }
            _ = try source.request("POST", "/api/v1/projects/\(id)/transitions", token: agency, body: #"{"to":"submitted"}"#)
        }
        let exported = try source.request("GET", "/api/v1/export/projects.csv").response.text

        // Into the same registry: nothing changes, and the export is the same.
        let again = try importCSV(source, exported, token: agency)
        #expect(again.json?.serialized == #"{"created":0,"updated":0,"unchanged":3}"#)
        #expect(try source.request("GET", "/api/v1/export/projects.csv").response.text == exported)

        // Into a new registry: the same projects, and once published the same bytes.
        let target = try RunningRegistry()
        let targetAgency = try target.agency("MINFIN")
        let imported = try importCSV(target, exported, token: targetAgency)
        #expect(imported.status == 200)
        #expect(imported.json?.serialized == #"{"created":3,"updated":0,"unchanged":0}"#)
        for id in 1...3 {
            _ = try target.request("POST", "/api/v1/projects/\(id)/transitions", token: targetAgency, body: #"{"to":"submitted"}"#)
        }
        #expect(try target.request("GET", "/api/v1/export/projects.csv").response.text == exported)

        // A changed cell updates just that project.
        let edited = exported.replacingOccurrences(of: "Plain", with: "Plain renamed")
        #expect(try importCSV(target, edited, token: targetAgency).json?.serialized == #"{"created":0,"updated":1,"unchanged":2}"#)
    }

    /// OWASP's CSV-injection rule: no text cell can run as a formula, and the import reads back what was written.
    @Test func exportedTextCannotRunAsAFormulaAndImportsBackAsWritten() throws {
        let source = try RunningRegistry()
        let agency = try source.agency("MINFIN")
        let body = #"{"external_id":"=1+1","title":"=HYPERLINK(\"http://evil.example\",\"click\")","description":"+cmd|' /C calc'!A0","category":"-2+3","whole_life_cost":250000,"planned_end_date":"2028-01-01","owner":{"name":"@SUM(A1:A9)","role":"\tSRO","email":"jane@example.gov"},"systems":["=Ledger","Pay"],"datasets":["'quoted"]}"#
        let created = try source.request("POST", "/api/v1/projects", token: agency, body: body)
        #expect(created.status == 201)
        guard case .number(let id)? = created["id"] else { Issue.record("not created"); return }
        _ = try source.request("POST", "/api/v1/projects/\(id)/transitions", token: agency, body: #"{"to":"submitted"}"#)
        let exported = try source.request("GET", "/api/v1/export/projects.csv").response.text
        let rows = ExportRoutesTests.parseCSV(exported)
        let cells = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[1]))
        for column in ["external_id", "title", "description", "category", "owner_name", "owner_role", "systems", "datasets"] {
            let first = cells[column]?.first
            #expect(first == "'", "\(column) starts with \(String(describing: first))")
        }
        #expect(cells["datasets"] == "''quoted")
        #expect(cells["owner_email"] == "jane@example.gov")
        #expect(cells["whole_life_cost"] == "250000")

        let target = try RunningRegistry()
        let targetAgency = try target.agency("MINFIN")
        #expect(try importCSV(target, exported, token: targetAgency).status == 200)
        let project = try target.request("GET", "/api/v1/projects/1", token: targetAgency)
        #expect(project["external_id"] == .string("=1+1"))
        #expect(project["title"] == .string("=HYPERLINK(\"http://evil.example\",\"click\")"))
        #expect(project["description"] == .string("+cmd|' /C calc'!A0"))
        #expect(project["category"] == .string("-2+3"))
        #expect(object(project["owner"])["name"] == .string("@SUM(A1:A9)"))
        #expect(object(project["owner"])["role"] == .string("\tSRO"))
        #expect(project["systems"] == .array([.string("=Ledger"), .string("Pay")]))
        #expect(project["datasets"] == .array([.string("'quoted")]))
    }

    @Test func oneBadRowStopsTheWholeImportAndEveryBadRowIsNamed() throws {
        let registry = try RunningRegistry()
        let agency = try registry.agency("MINFIN")
        let csv = "external_id,title,whole_life_cost,planned_end_date,risk_rating\r\n"
            + "G-1,Good,100,2028-01-01,3\r\n"
            + "B-1,,100.001,2028-02-30,9\r\n"
            + "G-2,Also good,5,2028-01-01,\r\n"
            + "G-1,Repeated,5,2028-01-01,\r\n"
            + "B-2,Short row\r\n"
        let reply = try importCSV(registry, csv, token: agency)
        #expect(reply.status == 422)
        #expect(reply.response.header("Content-Type") == "application/problem+json")
        guard case .array(let errors)? = reply["errors"] else { Issue.record("no errors"); return }
        let named = Set(errors.compactMap { error -> String? in
            guard case .object(let o) = error, case .number(let row)? = o["row"], case .string(let field)? = o["field"] else { return nil }
            return "\(row):\(field)"
        })
        #expect(named == ["3:title", "3:whole_life_cost", "3:planned_end_date", "3:risk_rating", "5:external_id", "6:*"])
        #expect(try registry.storage.database.read { try $0.scalar("SELECT count(*) FROM projects") } == .integer(0), "nothing stored")

        #expect(try importCSV(registry, "external_id,title,colour\r\n", token: agency).status == 400)
        #expect(try importCSV(registry, "title,whole_life_cost\r\n", token: agency).status == 400)
        #expect(try importCSV(registry, "external_id,title,whole_life_cost,planned_end_date\r\n\"unclosed,x,1,2028-01-01\r\n", token: agency).status == 400)
        #expect(try importCSV(registry, csv, token: nil).status == 401)
        #expect(try importCSV(registry, csv, token: registry.centreToken).status == 403)
        #expect(try registry.request("POST", "/api/v1/import/projects", token: agency, body: "{}").status == 400)
    }
}

/// The export is public: clients that open it and stop reading must not stall anyone else.
struct ExportUnderStalledReadersTests {
    @Test func stalledExportReadersLeaveHealthAProjectAndAWholeExportAnswered() throws {
        let workers = 2
        let registry = try RunningRegistry { $0.workerThreads = workers }
        // Published projects with long descriptions: an export of several MB, more than the
        // kernel's socket buffers hold, so a client that stops reading really stalls it.
        _ = try registry.agency("BIG")
        let agency = Principal.agency(code: "BIG", tokenID: "test")
        let words = ["ledger", "payments", "grants", "licences", "permits", "benefits", "archive", "portal", "identity", "case"]
        let records = (0..<300).map { index in
            let text = (0..<1800).map { words[($0 * 7 + index) % words.count] }.joined(separator: " ")
            return ProjectRecord(externalID: "BIG-\(index)", title: "Service \(index)", description: String(text.prefix(15_000)),
                                 wholeLifeCost: .units(100_000), plannedEndDate: LocalDate(year: 2030, month: 1, day: 1)!)
        }
        _ = try registry.storage.projects.importRecords(records, agency: "BIG", by: agency)
        let ids = try registry.storage.database.read({ try $0.query("SELECT id FROM projects") }).map({ try $0.decode("id", as: Int64.self) })
        for id in ids {
            _ = try registry.storage.projects.transition(id: id, to: .submitted, reason: nil, by: agency, compliance: registry.storage.compliance)
        }
        let whole = try registry.request("GET", "/api/v1/export/projects.json").response.body
        #expect(whole.count > 4_000_000)

        // Six times as many clients as workers open the export and never read.
        var stalled: [RawClient] = []
        for index in 0..<(workers * 6) {
            let client = try RawClient(port: registry.port, receiveTimeout: 5, receiveBufferSize: 4096)
            try client.send("GET /api/v1/export/projects.\(index % 2 == 0 ? "json" : "csv") HTTP/1.1\r\nHost: registry\r\n\r\n")
            stalled.append(client)
        }
        usleep(500_000)

        // Everyone else is answered while they stall (with the write timeout at its 30 s default,
        // a server whose workers waited for them would answer nobody before it).
        #expect(try registry.request("GET", "/healthz").status == 200)
        #expect(try registry.request("GET", "/api/v1/projects/\(ids[0])").status == 200)
        let again = try registry.request("GET", "/api/v1/export/projects.json")
        #expect(again.status == 200 && again.response.body.count == whole.count)
        #expect(registry.server.connectionCount >= stalled.count, "the stalled readers are still connected")

        // They go away; the server lets go of everything they held and is as before.
        for client in stalled { client.reset(); client.close() }
        let deadline = Date().addingTimeInterval(10)
        while registry.server.connectionCount > 0 && Date() < deadline { usleep(50_000) }
        #expect(registry.server.connectionCount == 0)
        #expect(try registry.request("GET", "/healthz").status == 200)
    }
}
