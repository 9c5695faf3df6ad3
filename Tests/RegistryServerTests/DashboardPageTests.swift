import Foundation
import HTTPTestSupport
import JSON
import Registry
import Testing

/// The HTML dashboard against a real server: escaping, the numbers the API gives, filters
/// and paging, 404s, drafts kept from the public, and the structure accessibility needs.
@Suite(.serialized) struct DashboardPageTests {
    // MARK: - Helpers

    func page(_ registry: RunningRegistry, _ target: String, token: String? = nil) throws -> RawClient.Response {
        try registry.request("GET", target, token: token).response
    }



    func string(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case .number(let text)?: text
        default: "?"
        }
    }

    /// An API amount as the pages show it: whole units, thousands separated, the currency first.
    func shown(_ value: JSONValue?, currency: String = "EUR") -> String {
        guard case .number(let text)? = value, let money = try? Money(decimal: text) else { return "?" }
        let whole = (money.minorUnits + 50) / 100
        var digits = String(whole)
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(digits, at: 0)
        return currency + " " + groups.joined(separator: ",")
    }

    /// Creates a project and returns its id; `submit` publishes it (out of `proposed`).
    @discardableResult
    func project(_ registry: RunningRegistry, _ token: String, _ externalID: String, title: String, cost: String,
                 spend: String = "0", status submit: Bool = true, extra: String = "") throws -> String {
        let titleJSON = JSONValue.string(title).serialized
        let body = #"{"external_id":"\#(externalID)","title":\#(titleJSON),"whole_life_cost":\#(cost),"spend_to_date":\#(spend),"planned_end_date":"2028-01-01","owner":{"name":"O"}\#(extra)}"#
        let created = try registry.request("POST", "/api/v1/projects", token: token, body: body)
        #expect(created.status == 201, "\(created.response.text)")
        let id = created.number("id")
        if submit {
            #expect(try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"submitted"}"#).status == 200)
        }
        return id
    }

    /// The `href` values of the page, unescaped.
    func links(_ html: String) -> [String] {
        html.components(separatedBy: "href=\"").dropFirst().compactMap { $0.split(separator: "\"", maxSplits: 1).first }
            .map { $0.replacingOccurrences(of: "&amp;", with: "&") }
    }

    /// What WCAG asks of the markup that a test can see: one h1 and no skipped heading level,
    /// landmarks and a skip link, the current page marked, tables with captions and scoped
    /// headers, every form control labelled, every chart an image with a title and description.
    func checkStructure(_ html: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let levels = html.components(separatedBy: "<h").dropFirst().compactMap { $0.first?.wholeNumberValue }
        #expect(levels.first == 1, "\(name): starts with h1", sourceLocation: sourceLocation)
        #expect(levels.filter { $0 == 1 }.count == 1, "\(name): one h1", sourceLocation: sourceLocation)
        for (previous, next) in zip(levels, levels.dropFirst()) {
            #expect(next <= previous + 1, "\(name): h\(previous) is followed by h\(next)", sourceLocation: sourceLocation)
        }
        for landmark in ["<header", "<nav", "<main id=\"main\">", "<footer", ##"<a class="skip-link" href="#main">"##, #"<html lang="en">"#] {
            #expect(html.contains(landmark), "\(name): \(landmark)", sourceLocation: sourceLocation)
        }
        let tables = html.components(separatedBy: "<table").count - 1
        #expect(html.components(separatedBy: "<caption").count - 1 == tables, "\(name): every table has a caption", sourceLocation: sourceLocation)
        let headers = html.components(separatedBy: "<th").dropFirst().filter { !$0.hasPrefix("ead") }
        #expect(headers.allSatisfy { $0.hasPrefix(" scope=\"col\"") || $0.hasPrefix(" scope=\"row\"") }, "\(name): every th has a scope", sourceLocation: sourceLocation)
        for control in ["<input", "<select"] {
            for piece in html.components(separatedBy: control).dropFirst() {
                let id = piece.components(separatedBy: "id=\"").dropFirst().first?.split(separator: "\"").first.map(String.init) ?? ""
                #expect(!id.isEmpty && html.contains("<label for=\"\(id)\">"), "\(name): \(control) \(id) has a label", sourceLocation: sourceLocation)
            }
        }
        for svg in html.components(separatedBy: "<svg").dropFirst() {
            #expect(svg.contains("role=\"img\"") && svg.contains("<title id=") && svg.contains("<desc id="), "\(name): the chart has a title and a text alternative",
                    sourceLocation: sourceLocation)
        }
        #expect(!html.contains("<script"), "\(name): no script", sourceLocation: sourceLocation)
        #expect(!html.contains(" style=\""), "\(name): no inline style (the CSP forbids it)", sourceLocation: sourceLocation)
    }

    func checkHeaders(_ response: RawClient.Response, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.header("Content-Type") == "text/html; charset=utf-8", "\(name)", sourceLocation: sourceLocation)
        let policy = response.header("Content-Security-Policy") ?? ""
        #expect(policy.contains("default-src 'none'") && policy.contains("style-src 'self'") && !policy.contains("script-src"), "\(name): \(policy)",
                sourceLocation: sourceLocation)
    }

    /// A count as the pages show it: `1,234`.
    func count(_ value: JSONValue?) -> String {
        var digits = string(value)
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(digits, at: 0)
        return groups.joined(separator: ",")
    }

    /// The 300 characters after `marker`'s first occurrence.
    func after(_ html: String, _ marker: String) -> Substring {
        html.components(separatedBy: marker).dropFirst().first?.prefix(300) ?? ""
    }

    /// The overview page shows the numbers of /api/v1/portfolio/overview: totals, every
    /// breakdown's row, the thresholds, findings by rule, the queue, the largest overruns and slips.
    func checkOverview(_ html: String, matches api: RunningRegistry.Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        let totals = object(api["totals"])
        #expect(html.contains(#"<span class="key-value" id="total-projects">\#(count(totals["projects"]))</span>"#), sourceLocation: sourceLocation)
        #expect(html.contains(#"<span class="key-value" id="total-cost">\#(shown(totals["whole_life_cost"]))</span>"#), sourceLocation: sourceLocation)
        #expect(html.contains(#"<span class="key-value" id="total-spend">\#(shown(totals["spend_to_date"]))</span>"#), sourceLocation: sourceLocation)
        #expect(!objects(api["by_agency"]).isEmpty, sourceLocation: sourceLocation)
        for slice in objects(api["by_agency"]) {
            let code = string(slice["agency"])
            let row = #"</a></th><td class="number">\#(count(slice["projects"]))</td><td class="number">\#(shown(slice["whole_life_cost"]))</td><td class="number">\#(shown(slice["spend_to_date"]))</td>"#
            #expect(after(html, #"<tr><th scope="row"><a href="/agencies/\#(code)">"#).contains(row), "agency \(code)", sourceLocation: sourceLocation)
        }
        for slice in objects(api["by_status"]) {
            let status = string(slice["status"])
            let row = #"</a></th><td class="number">\#(count(slice["projects"]))</td><td class="number">\#(shown(slice["whole_life_cost"]))</td>"#
            #expect(after(html, #"<a href="/projects?status=\#(status)">"#).contains(row), "status \(status)", sourceLocation: sourceLocation)
        }
        #expect(objects(api["by_delivery_confidence"]).count == 6, sourceLocation: sourceLocation)
        for slice in objects(api["by_delivery_confidence"]) {
            let key = string(slice["delivery_confidence"]).replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: "not-assessed", with: "none")
            let row = #"</span></th><td class="number">\#(count(slice["projects"]))</td><td class="number">\#(shown(slice["whole_life_cost"]))</td>"#
            #expect(after(html, #"<tr><th scope="row"><span class="rag rag-\#(key)">"#).contains(row), "confidence \(key)", sourceLocation: sourceLocation)
        }
        let above = object(api["above_threshold"])
        for (kind, words) in [("business_case", "business-case"), ("central_review", "central-review")] {
            let slice = object(above[kind])
            #expect(after(html, "At or above the \(words) threshold</span>").hasPrefix(#" <span class="key-value">\#(count(slice["projects"])) projects, \#(shown(slice["whole_life_cost"]))</span>"#),
                    "\(kind)", sourceLocation: sourceLocation)
        }
        #expect(objects(api["findings_by_rule"]).count == RuleID.allCases.count, sourceLocation: sourceLocation)
        for slice in objects(api["findings_by_rule"]) {
            let rule = string(slice["rule"])
            let cells = after(html, #"<a href="/projects?rule=\#(rule)">\#(rule)</a></th>"#)
            #expect(cells.hasPrefix("<td>OECD Principle \(string(slice["principle"]))</td>"), "\(rule)", sourceLocation: sourceLocation)
            #expect(cells.contains(#"<td class="number">\#(count(slice["projects"]))</td></tr>"#), "\(rule)", sourceLocation: sourceLocation)
        }
        let queue = objects(api["review_queue"])
        #expect(html.contains("<p>\(count(.number(String(queue.count)))) \(queue.count == 1 ? "review is" : "reviews are") requested and waiting"), sourceLocation: sourceLocation)
        // The largest overruns and slips, in the API's order.
        for (key, table) in [("overruns", "table-overruns"), ("slips", "table-slips")] {
            let rows = html.components(separatedBy: #"<table id="\#(table)">"#).dropFirst().first?.components(separatedBy: "</table>").first ?? ""
            let shownIDs = rows.components(separatedBy: #"<a href="/projects/"#).dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
            let apiIDs = objects(api[key]).prefix(10).map { string($0["project_id"]) }
            #expect(shownIDs == Array(apiIDs), "\(key)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Tests

    @Test func theOverviewShowsTheNumbersOfTheAPI() throws {
        let registry = try RunningRegistry()
        let finance = try registry.agency("MINFIN")
        let health = try registry.agency("MINHEALTH")
        try project(registry, finance, "F-1", title: "Tax platform", cost: "900000.10", spend: "100.05")
        try project(registry, finance, "F-2", title: "Payroll", cost: "300000.20", spend: "0.10")
        try project(registry, health, "H-1", title: "Patient records", cost: "999999.50", spend: "10")
        try project(registry, health, "H-2", title: "A draft", cost: "7000000", status: false)

        let api = try registry.request("GET", "/api/v1/portfolio/overview")
        let response = try page(registry, "/")
        #expect(response.status == 200)
        checkHeaders(response, "/")
        let html = response.text
        checkStructure(html, "/")
        #expect(html.contains(#"<a href="/" aria-current="page">Overview</a>"#))

        let totals = object(api["totals"])
        #expect(string(totals["projects"]) == "3")
        #expect(html.contains(#"<span class="key-value" id="total-projects">3</span>"#))
        #expect(html.contains(#"<span class="key-value" id="total-cost">\#(shown(totals["whole_life_cost"]))</span>"#), "\(shown(totals["whole_life_cost"]))")
        #expect(html.contains(#"<span class="key-value" id="total-spend">\#(shown(totals["spend_to_date"]))</span>"#))
        #expect(shown(totals["whole_life_cost"]) == "EUR 2,200,000", "900,000.10 + 300,000.20 + 999,999.50, summed exactly and rounded once")

        checkOverview(html, matches: api)
        #expect(objects(api["by_delivery_confidence"]).count == 6)
        #expect(html.contains(#"<span class="rag rag-none">Not assessed</span></th><td class="number">3</td>"#), "RAG in words, not colour alone")
        #expect(!html.contains("A draft"), "drafts are not the public's")

        // Charts with their tables, and the data behind the page.
        for chart in ["chart-agencies", "chart-status", "chart-confidence", "chart-variance"] {
            #expect(html.contains(#"aria-labelledby="\#(chart)-title \#(chart)-desc""#), "\(chart)")
        }
        let hrefs = links(html)
        for link in ["/api/v1/portfolio/overview", "/api/v1/export/projects.csv", "/api/v1/export/projects.json", "/projects", "/reviews", "/agencies/MINFIN"] {
            #expect(hrefs.contains(link), "\(link)")
        }

        // The centre sees the drafts too, with the same numbers as its API view; a write shows at once.
        let centreAPI = try registry.request("GET", "/api/v1/portfolio/overview", token: registry.centreToken)
        let centrePage = try page(registry, "/", token: registry.centreToken).text
        #expect(centrePage.contains(#"<span class="key-value" id="total-cost">\#(shown(object(centreAPI["totals"])["whole_life_cost"]))</span>"#))
        #expect(centrePage.contains(#"<span class="key-value" id="total-projects">4</span>"#))
        try project(registry, finance, "F-3", title: "Late addition", cost: "1")
        #expect(try page(registry, "/").text.contains(#"<span class="key-value" id="total-projects">4</span>"#))
    }

    @Test func everyValueIsEscaped() throws {
        let registry = try RunningRegistry()
        let finance = try registry.agency("MINFIN")
        let hostile = "<script>alert(1)</script>"
        let id = try project(registry, finance, "X-1", title: hostile, cost: "10", extra: #","description":"\"><img src=x onerror=alert(2)>","category":"a&b""#)
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
        for target in ["/projects", "/projects/\(id)", "/agencies/MINFIN", "/projects?q=alert", "/projects?category=a%26b"] {
            let html = try page(registry, target).text
            #expect(html.contains(escaped), "\(target)")
            #expect(!html.contains(hostile), "\(target)")
            #expect(!html.contains("<img"), "\(target)")
        }
        let projectPage = try page(registry, "/projects/\(id)").text
        #expect(projectPage.contains("<title>\(escaped) – Portfolio Registry</title>"))
        #expect(projectPage.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        // What the visitor typed into the form comes back escaped too.
        let search = try page(registry, "/projects?q=%22%3E%3Cb%3Ebold").text
        #expect(search.contains(#"value="&quot;&gt;&lt;b&gt;bold""#))
        #expect(!search.contains("<b>bold"))
    }

    @Test func theListHonoursFiltersSortingAndPaging() throws {
        let registry = try RunningRegistry()
        let finance = try registry.agency("MINFIN")
        let health = try registry.agency("MINHEALTH")
        for (index, cost) in ["100", "500", "300", "400", "200"].enumerated() {
            try project(registry, finance, "F-\(index)", title: "Finance project \(cost)", cost: cost)
        }
        try project(registry, health, "H-1", title: "Health project", cost: "999")

        // Empty fields, as a form sends them, are no filter.
        let first = try page(registry, "/projects?q=&status=&agency=MINFIN&sort=-whole_life_cost&limit=2&min_cost=&max_cost=")
        #expect(first.status == 200)
        checkHeaders(first, "/projects")
        checkStructure(first.text, "/projects")
        let html = first.text
        #expect(html.contains(#"<a href="/projects" aria-current="page">Projects</a>"#))
        #expect(html.contains("Finance project 500") && html.contains("Finance project 400"))
        #expect(!html.contains("Finance project 300") && !html.contains("Health project"))
        #expect(html.range(of: "Finance project 500")!.lowerBound < html.range(of: "Finance project 400")!.lowerBound, "largest first")
        // The form shows the view it made.
        #expect(html.contains(#"<option value="MINFIN" selected>"#))
        #expect(html.contains(#"<option value="-whole_life_cost" selected>"#))
        #expect(html.contains(#"<option value="2" selected>"#))
        #expect(html.contains(#"<form method="get" action="/projects""#))
        // The same query as JSON.
        #expect(links(html).contains("/api/v1/projects?agency=MINFIN&sort=-whole_life_cost&limit=2"))
        #expect(links(html).contains("/api/v1/portfolio/overview?agency=MINFIN"))

        // Paging: follow "Next page" to the end; every project once, none of another agency.
        var seen: [String] = []
        var target: String? = "/projects?agency=MINFIN&sort=-whole_life_cost&limit=2"
        var pages = 0
        while let current = target, pages < 10 {
            let text = try page(registry, current).text
            seen += ["500", "400", "300", "200", "100"].filter { text.contains("Finance project \($0)<") }
            target = text.components(separatedBy: "\" rel=\"next\">Next page").first.flatMap { $0.components(separatedBy: "href=\"").last }?
                .replacingOccurrences(of: "&amp;", with: "&")
            if !text.contains("rel=\"next\"") { target = nil } else { #expect(target?.contains("cursor=") == true) }
            if pages > 0 { #expect(text.contains(">First page</a>")) }
            pages += 1
        }
        #expect(seen == ["500", "400", "300", "200", "100"])
        #expect(pages == 3)

        // Sorting by a column header keeps the filters.
        let byTitle = try page(registry, "/projects?agency=MINFIN&sort=title").text
        #expect(links(byTitle).contains("/projects?agency=MINFIN&sort=-whole_life_cost"))
        #expect(byTitle.contains(#"<th scope="col" aria-sort="ascending"><a href="/projects?agency=MINFIN&amp;sort=title">Title"#))

        // Filters the API knows, and refusals as a page that names the field.
        #expect(try page(registry, "/projects?max_cost=250&agency=MINFIN").text.contains("Finance project 200<"))
        #expect(!(try page(registry, "/projects?max_cost=250&agency=MINFIN").text.contains("Finance project 300<")))
        let bad = try page(registry, "/projects?risk_rating=9")
        #expect(bad.status == 422)
        #expect(bad.text.contains(##"<li><a href="#f-risk_rating">Risk rating: must be a whole number from 1 to 5</a></li>"##))
        checkStructure(bad.text, "/projects?risk_rating=9")
        #expect(try page(registry, "/projects?colour=red").status == 400)
        #expect(try page(registry, "/projects?cursor=nonsense").status == 400)
    }

    @Test func unknownProjectsAndAgenciesAre404Pages() throws {
        let registry = try RunningRegistry()
        _ = try registry.agency("MINFIN")
        for target in ["/projects/999999", "/projects/abc", "/agencies/NOPE", "/agencies/minfin"] {
            let response = try page(registry, target)
            #expect(response.status == 404, "\(target)")
            checkHeaders(response, target)
            #expect(response.text.contains("<h1>Not Found</h1>"), "\(target)")
            checkStructure(response.text, target)
        }
        #expect(try page(registry, "/agencies/MINFIN").status == 200)
        #expect(try page(registry, "/reviews?status=bogus").status == 422)
    }

    @Test func draftsAreNotShownToThePublic() throws {
        let registry = try RunningRegistry()
        let finance = try registry.agency("MINFIN")
        let other = try registry.agency("MINHEALTH")
        let draft = try project(registry, finance, "D-1", title: "Secret draft", cost: "20000", status: false)
        try project(registry, finance, "P-1", title: "Published one", cost: "100")

        for target in ["/", "/projects", "/projects?status=proposed", "/agencies/MINFIN", "/reviews?status=all", "/projects?q=secret"] {
            let text = try page(registry, target).text
            #expect(!text.contains("Secret draft"), "\(target)")
        }
        #expect(try page(registry, "/projects/\(draft)").status == 404)
        #expect(try page(registry, "/projects/\(draft)", token: other).status == 404, "another agency does not see it")
        let own = try page(registry, "/projects/\(draft)", token: finance)
        #expect(own.status == 200)
        #expect(own.text.contains("This project is a draft"))
        #expect(try page(registry, "/projects", token: registry.centreToken).text.contains("Secret draft"))
        #expect(try page(registry, "/", token: "not-a-token").status == 401)

        // Submitted, it is public at once: the cached pages are rendered afresh after a write.
        #expect(try registry.request("POST", "/api/v1/projects/\(draft)/transitions", token: finance, body: #"{"to":"submitted"}"#).status == 200)
        for target in ["/", "/projects", "/agencies/MINFIN", "/projects/\(draft)"] {
            let response = try page(registry, target)
            #expect(response.status == 200, "\(target)")
            #expect(response.text.contains("Secret draft") || target == "/", "\(target)")
        }
        #expect(try page(registry, "/").text.contains(#"<span class="key-value" id="total-projects">2</span>"#))
    }

    @Test func everyPageOfTheDemoPortfolioIsWhole() throws {
        let registry = try RunningRegistry()
        _ = try DemoPortfolio(storage: registry.storage).fill()

        // A project that went through review, approval and execution.
        let running = try registry.request("GET", "/api/v1/projects?status=in_execution&above_threshold=central_review&limit=1")
        let id = string(objects(running["items"]).first?["id"])
        let projectPage = try page(registry, "/projects/\(id)")
        #expect(projectPage.status == 200)
        let html = projectPage.text
        checkHeaders(projectPage, "/projects/\(id)")
        checkStructure(html, "/projects/\(id)")
        for heading in ["About the project", "Obligations and findings", "Baselines and variance", "Milestones", "Business case", "Reviews", "Funding", "History"] {
            #expect(html.contains("\">\(heading)</h2>"), "\(heading)")
        }
        for section in ["1. Value", "2. Risks", "3. Timeframes", "4. Financial plan", "5. Follow-up", "6. Roles", "7. Consequences", "8. Stakeholder"] {
            #expect(html.contains("<h3>\(section)"), "\(section)")
        }
        #expect(html.contains("Complete</span>") || html.contains("Incomplete</span>"))
        #expect(html.contains("The original baseline (1)") && html.contains("The current baseline ("))
        #expect(html.contains(#"id="chart-milestones-title""#) && html.contains(#"id="chart-baselines-title""#))
        #expect(html.contains("Central review by ICT Project Council"))
        #expect(html.contains("class=\"rag rag-"))
        #expect(html.contains("Status changed: Submitted → Approved (Approved)"))
        for link in ["/api/v1/projects/\(id)", "/api/v1/projects/\(id)/baselines", "/api/v1/projects/\(id)/business-case", "/api/v1/projects/\(id)/reviews",
                     "/api/v1/projects/\(id)/funding-tranches", "/api/v1/projects/\(id)/history", "/api/v1/projects/\(id)/findings"] {
            #expect(links(html).contains(link), "\(link)")
        }
        // The variance it shows is the API's.
        let variance = object(object(try registry.request("GET", "/api/v1/projects/\(id)/baselines")["variance"])["against_original"])
        let days = Int(string(variance["schedule_days"])) ?? 0
        let words = days == 0 ? "on time" : "\(abs(days)) \(abs(days) == 1 ? "day" : "days") \(days > 0 ? "late" : "early")"
        #expect(html.contains("<td class=\"number\">\(words)</td>"), "\(words)")

        // The overview of the demo portfolio: every number the API's.
        checkOverview(try page(registry, "/").text, matches: try registry.request("GET", "/api/v1/portfolio/overview"))
        checkOverview(try page(registry, "/", token: registry.centreToken).text,
                      matches: try registry.request("GET", "/api/v1/portfolio/overview", token: registry.centreToken))

        // The other pages, whole and linked to their data.
        let pages: [(String, [String])] = [
            ("/", ["/api/v1/portfolio/overview"]),
            ("/projects", ["/api/v1/projects"]),
            ("/projects?status=in_execution&sort=-whole_life_cost", ["/api/v1/projects?status=in_execution&sort=-whole_life_cost"]),
            ("/agencies/MINFIN", ["/api/v1/agencies/MINFIN", "/api/v1/portfolio/overview?agency=MINFIN"]),
            ("/reviews", ["/api/v1/reviews?status=requested"]),
            ("/reviews?status=completed", ["/api/v1/reviews?status=completed"]),
            ("/reviews?status=all", ["/api/v1/reviews"]),
        ]
        for (target, dataLinks) in pages {
            let response = try page(registry, target)
            #expect(response.status == 200, "\(target)")
            checkHeaders(response, target)
            checkStructure(response.text, target)
            for link in dataLinks { #expect(links(response.text).contains(link), "\(target) links \(link)") }
            #expect(links(response.text).contains("/api/v1/export/projects.csv"), "\(target)")
        }
        let reviews = try page(registry, "/reviews").text
        #expect(reviews.contains(#"<a href="/reviews" aria-current="page">Review queue</a>"#))
        let queue = objects(try registry.request("GET", "/api/v1/reviews?status=requested")["items"])
        #expect(reviews.contains("\(queue.count) review"), "the page counts the API's queue")
        for review in queue.prefix(5) { #expect(reviews.contains(#"<a href="/projects/\#(string(review["project_id"]))">"#)) }
        let completed = try page(registry, "/reviews?status=completed").text
        #expect(completed.contains("Approved with conditions"))
    }

    @Test func theReviewQueueIsPaged() throws {
        let registry = try RunningRegistry()
        let finance = try registry.agency("MINFIN")
        let id = try project(registry, finance, "R-1", title: "Reviewed often", cost: "100")
        for _ in 0..<51 {
            #expect(try registry.request("POST", "/api/v1/projects/\(id)/reviews", token: registry.centreToken, body: #"{"kind":"peer"}"#).status == 201)
        }
        let first = try page(registry, "/reviews").text
        #expect(first.contains("<p>51 reviews, page 1 of 2.</p>"))
        #expect(first.components(separatedBy: #"<a href="/projects/\#(id)">Reviewed often</a>"#).count - 1 == 50)
        #expect(links(first).contains("/reviews?page=2"))
        #expect(!first.contains("Previous page"))
        let second = try page(registry, "/reviews?page=2").text
        #expect(second.components(separatedBy: #"<a href="/projects/\#(id)">Reviewed often</a>"#).count - 1 == 1)
        #expect(links(second).contains("/reviews") && second.contains("rel=\"prev\">Previous page"))
        #expect(!second.contains("Next page"))
        let overview = try page(registry, "/").text
        #expect(overview.contains("<p>51 reviews are requested and waiting"))
        #expect(try page(registry, "/reviews?status=completed").text.contains("No review is completed."))
        #expect(try page(registry, "/reviews?page=0").status == 422)
    }

    @Test func thePagesAreInTheOpenAPIDocument() throws {
        let registry = try RunningRegistry()
        let paths = object(try registry.request("GET", "/openapi.json")["paths"])
        for path in ["/", "/projects", "/projects/{id}", "/agencies/{code}", "/reviews"] {
            let get = object(object(paths[path])["get"])
            #expect(object(object(get["responses"])["200"])["content"].map { object($0)["text/html"] != nil } == true, "\(path)")
        }
        let names = objects(object(object(paths["/projects"])["get"])["parameters"]).map { string($0["name"]) }
        #expect(names == ["agency", "status", "category", "min_cost", "max_cost", "risk_rating", "rule", "above_threshold", "q", "sort", "limit", "cursor", "as_of"])
    }
}
