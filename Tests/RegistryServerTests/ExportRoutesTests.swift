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
