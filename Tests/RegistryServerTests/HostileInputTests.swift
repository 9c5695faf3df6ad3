import Foundation
import JSON
import Registry
import Testing

/// Hostile text in every text field of a project: each value is refused with a 422 naming the
/// field (or a 400 for JSON that is not Unicode), or stored exactly and rendered inert
/// everywhere it appears: the API's JSON, the project page, the list and agency pages, and
/// both exports.
@Suite(.serialized) struct HostileInputTests {
    /// As JSON string literals (escapes included), so that NUL and a lone surrogate travel as a client would send them.
    static let hostile: [(name: String, json: String)] = [
        ("script", #""<script>alert(1)</script>""#),
        ("attribute", #""\"><img src=x onerror=alert(1)>""#),
        ("sql", #""'; DROP TABLE projects; --""#),
        ("fts5", #""NEAR(pension ledger) OR \"x\" AND title:* ^""#),
        ("formula", #""=HYPERLINK(\"http://evil.example\",\"x\")""#),
        ("rtl override", #""abc\u202Etxt.exe""#),
        ("nul", #""a\u0000b""#),
        ("lone surrogate", #""a\uD800b""#),
        ("100 KB", "\"" + String(repeating: "x", count: 100_000) + "\""),
    ]

    /// Every text field, and how to put a value in it.
    static let fields: [(name: String, body: @Sendable (String) -> String)] = [
        ("external_id", { #"{"external_id":\#($0),"title":"T","whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("title", { #"{"external_id":"E","title":\#($0),"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("description", { #"{"external_id":"E","title":"T","description":\#($0),"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("category", { #"{"external_id":"E","title":"T","category":\#($0),"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("owner.name", { #"{"external_id":"E","title":"T","owner":{"name":\#($0)},"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("owner.role", { #"{"external_id":"E","title":"T","owner":{"name":"N","role":\#($0)},"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("systems[0]", { #"{"external_id":"E","title":"T","systems":[\#($0)],"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("datasets[0]", { #"{"external_id":"E","title":"T","datasets":[\#($0)],"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("milestones[0].name", { #"{"external_id":"E","title":"T","milestones":[{"name":\#($0)}],"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
        ("roles[0].party", { #"{"external_id":"E","title":"T","roles":[{"party":\#($0),"responsibility":"consulted"}],"whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }),
    ]

    @Test func everyTextFieldRefusesOrNeutralisesHostileText() throws {
        let registry = try RunningRegistry()
        var n = 0
        for field in Self.fields {
            for value in Self.hostile {
                n += 1
                let agency = "H\(n)"
                let token = try registry.agency(agency)
                // A fresh agency each time, so that external_id "E" is free and the pages show one project.
                let reply = try registry.request("POST", "/api/v1/projects", token: token, body: field.body(value.json))
                let label = "\(field.name) ← \(value.name)"
                switch reply.status {
                case 422:
                    #expect(reply.response.text.contains(field.name), "\(label): the 422 names the field: \(reply.response.text.prefix(300))")
                case 400:
                    #expect(value.name == "lone surrogate", "\(label): only JSON that is not Unicode is malformed: \(reply.response.text.prefix(300))")
                case 201:
                    try checkInert(registry, reply: reply, token: token, agency: agency, field: field.name, value: value, label: label)
                default:
                    Issue.record("\(label): status \(reply.status): \(reply.response.text.prefix(300))")
                }
            }
        }
        // Search syntax in the search box is text, never a query language.
        for value in Self.hostile where value.name != "100 KB" {
            guard case .string(let text)? = try? JSONParser.parse(value.json) else { continue }
            let q = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            for path in ["/api/v1/projects?q=\(q)", "/projects?q=\(q)", "/api/v1/portfolio/overview?q=\(q)"] {
                let status = try registry.request("GET", path).status
                #expect(status == 200 || status == 422, "GET \(path): \(status)")
            }
        }
    }

    /// The text fields beyond a project's record: an agency's name, a business case's risk, a
    /// review's reviewer and a re-baseline's reason, shown on the agency, project and review pages.
    @Test func otherTextFieldsRefuseOrNeutraliseHostileText() throws {
        let registry = try RunningRegistry()
        let token = try registry.agency("MINA")
        let created = try registry.request("POST", "/api/v1/projects", token: token,
                                           body: #"{"external_id":"E","title":"T","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#)
        guard case .number(let id)? = created["id"] else { Issue.record("no project"); return }
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"submitted"}"#).status == 200)
        var n = 0
        var stored: [String: Int] = [:]
        for value in Self.hostile {
            n += 1
            let writes: [(field: String, method: String, path: String, token: String, body: String, page: String)] = [
                ("name", "POST", "/api/v1/agencies", registry.centreToken, #"{"code":"X\#(n)","name":\#(value.json),"level":"local"}"#, "/agencies/X\(n)"),
                ("risks[0].description", "PUT", "/api/v1/projects/\(id)/business-case", token,
                 #"{"risks":[{"description":\#(value.json),"likelihood":2,"impact":3}]}"#, "/projects/\(id)"),
            ] + Self.businessCaseTextFields.map { field, body in
                (field, "PUT", "/api/v1/projects/\(id)/business-case", token, body(value.json), "/projects/\(id)")
            } + [
                ("roles[0].description", "PATCH", "/api/v1/projects/\(id)", token,
                 #"{"roles":[{"party":"P","responsibility":"informed","description":\#(value.json)}]}"#, "/projects/\(id)"),
                ("reviewer", "POST", "/api/v1/projects/\(id)/reviews", registry.centreToken, #"{"kind":"peer","reviewer":\#(value.json)}"#, "/reviews"),
                ("reason", "POST", "/api/v1/projects/\(id)/baselines", registry.centreToken,
                 #"{"whole_life_cost":200,"planned_end_date":"2029-01-01","reason":\#(value.json)}"#, "/projects/\(id)"),
            ]
            for write in writes {
                let label = "\(write.field) ← \(value.name)"
                let reply = try registry.request(write.method, write.path, token: write.token, body: write.body)
                switch reply.status {
                case 422: #expect(reply.response.text.contains(write.field), "\(label): the 422 names the field: \(reply.response.text.prefix(300))")
                case 400: #expect(value.name == "lone surrogate", "\(label): \(reply.response.text.prefix(300))")
                case 200, 201:
                    stored[write.field, default: 0] += 1
                    let html = try registry.request("GET", write.page).response.text
                    for danger in ["<script", "<img", "\u{0}"] where html.contains(danger) {
                        Issue.record("\(label): \(write.page) contains \(danger.debugDescription) unescaped")
                    }
                case 409 where write.field == "reviewer" || write.field == "reason":
                    break // the project's state allows only so many reviews or baselines; the text was not the problem
                default:
                    Issue.record("\(label): status \(reply.status): \(reply.response.text.prefix(300))")
                }
            }
        }
        // Markup, SQL and the like are text like any other: each field stored some of them.
        for field in ["name", "risks[0].description", "reviewer", "roles[0].description"] + Self.businessCaseTextFields.map(\.0) {
            #expect(stored[field, default: 0] >= 4, "\(field): \(stored[field, default: 0]) stored")
        }
    }

    /// Every other text field of a business case, each in a minimal body.
    static let businessCaseTextFields: [(String, @Sendable (String) -> String)] = [
        ("value.economic[0].description", { #"{"value":{"economic":[{"description":\#($0),"amount":10,"year":2027}]}}"# }),
        ("value.non_monetary[0].description", { #"{"value":{"non_monetary":[{"description":\#($0)}]}}"# }),
        ("value.non_monetary[0].beneficiaries", { #"{"value":{"non_monetary":[{"description":"d","beneficiaries":\#($0)}]}}"# }),
        ("risks[0].mitigation", { #"{"risks":[{"description":"d","likelihood":1,"impact":1,"mitigation":\#($0)}]}"# }),
        ("risks[0].owner", { #"{"risks":[{"description":"d","likelihood":1,"impact":1,"owner":\#($0)}]}"# }),
        ("timeframes[0].result", { #"{"timeframes":[{"result":\#($0),"by":"2027-01-01"}]}"# }),
        ("financial_plan[0].purpose", { #"{"financial_plan":[{"year":2027,"kind":"capital","amount":5,"purpose":\#($0)}]}"# }),
        ("follow_up[0].indicator", { #"{"follow_up":[{"indicator":\#($0),"target":"t"}]}"# }),
        ("follow_up[0].target", { #"{"follow_up":[{"indicator":"i","target":\#($0)}]}"# }),
        ("follow_up[0].method", { #"{"follow_up":[{"indicator":"i","target":"t","method":\#($0)}]}"# }),
        ("responsibilities[0].party", { #"{"responsibilities":[{"party":\#($0),"role":"r"}]}"# }),
        ("responsibilities[0].role", { #"{"responsibilities":[{"party":"p","role":\#($0)}]}"# }),
        ("milestone_consequences", { #"{"milestone_consequences":\#($0)}"# }),
        ("stakeholders[0].how", { #"{"stakeholders":[{"group":"users","how":\#($0)}]}"# }),
        ("options[0].name", { #"{"options":[{"name":\#($0)}]}"# }),
        ("options[0].summary", { #"{"options":[{"name":"n","summary":\#($0)}]}"# }),
    ]

    func checkInert(_ registry: RunningRegistry, reply: RunningRegistry.Reply, token: String, agency: String, field: String,
                    value: (name: String, json: String), label: String) throws {
        guard case .number(let idText)? = reply["id"], let id = Int(idText) else { Issue.record("\(label): no id"); return }
        guard case .string(let sent) = try JSONParser.parse(value.json) else { return }
        // The API gives back exactly what was sent.
        #expect(reply.response.text.contains(JSONString.quote(sent)), "\(label): stored as sent")
        #expect(try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"submitted"}"#).status == 200, "\(label)")

        // Escaped, `onerror=` is only text; what must never appear is a tag the value opened, or a NUL.
        let markup = ["<script", "<img", "\u{0}"]
        for page in ["/projects/\(id)", "/projects?agency=\(agency)", "/agencies/\(agency)"] {
            let html = try registry.request("GET", page)
            #expect(html.status == 200, "\(label): \(page)")
            for danger in markup where html.response.text.contains(danger) {
                // The page's own markup has no <script> or <img>; any there came from the value.
                Issue.record("\(label): \(page) contains \(danger.debugDescription) unescaped")
            }
        }
        let json = try registry.request("GET", "/api/v1/export/projects.json")
        #expect((try? JSONParser.parse(json.response.body)) != nil, "\(label): the JSON export stays JSON")
        let csv = try registry.request("GET", "/api/v1/export/projects.csv").response.text
        let records = try CSVReader.records(csv)
        let header = try #require(records.first)
        let row = try #require(records.first { $0.first == String(id) }, "\(label): the project is in the CSV")
        for (column, cell) in zip(header, row) {
            let first = cell.unicodeScalars.first
            if let first, "=+-@\t\r".unicodeScalars.contains(first), !["whole_life_cost", "spend_to_date", "cost_variance_original", "cost_variance_current",
                                                                      "cost_variance_percent_original", "cost_variance_percent_current",
                                                                      "schedule_variance_days_original", "schedule_variance_days_current"].contains(column) {
                Issue.record("\(label): CSV column \(column) starts with \(first) and could run as a formula")
            }
        }
        // Through the pages' text the agency's words are shown, not lost: the title page shows the value escaped.
        if field == "title", value.name == "script" {
            #expect(try registry.request("GET", "/projects/\(id)").response.text.contains("&lt;script&gt;"), "\(label)")
        }
    }
}
