import HTTPServer
import Registry

/// `/agencies/{code}`: an agency, its published projects counted and totalled (one SQL
/// aggregate), and its largest projects (one page of the search) — bounded work.
struct AgencyPage {
    let storage: RegistryStorage
    static let largest = 25

    func response(code: String, principal: Principal) throws -> HTTPResponse {
        let summary = try storage.agencies.summary(code: code)
        let agency = summary.agency
        var query = ProjectQuery()
        query.agency = agency.code
        query.sort = .costDescending
        query.limit = Self.largest
        let page = try storage.search.search(query, viewer: principal)
        let currency = storage.currency
        let level = switch agency.level {
        case .national: "National government"
        case .regional: "Regional government"
        case .local: "Local government"
        }
        let top = page.items.prefix(10)
        let listLink = URLQuery.link("/projects", [("agency", agency.code), ("sort", ProjectSort.costDescending.rawValue)])
        var main: HTML = """
        <h1>\(agency.name)</h1>
        <p class="lead">\(level) · code <span class="code">\(agency.code)</span></p>
        <section aria-labelledby="totals-heading">
        <h2 id="totals-heading">Totals</h2>
        <ul class="key-figures">
        <li><span class="key-label">Published projects</span> <span class="key-value">\(Format.count(summary.projectCount))</span></li>
        <li><span class="key-label">Whole-life cost (forecast)</span> <span class="key-value">\(Format.money(summary.wholeLifeCost, currency: currency))</span></li>
        <li><span class="key-label">Spend to date</span> <span class="key-value">\(Format.money(summary.spendToDate, currency: currency))</span></li>
        </ul>
        <p>Drafts (proposed projects) are the agency's own until submitted and are not counted.</p>
        </section>
        <section aria-labelledby="largest-heading">
        <h2 id="largest-heading">Largest projects</h2>
        \(Charts.bars(id: "chart-largest", title: "Whole-life cost of the agency's \(top.count) largest projects, \(currency)",
                      caption: "The largest projects by whole-life cost. The table gives every figure.",
                      bars: top.map { Charts.Bar(label: $0.project.record.title, value: $0.project.record.wholeLifeCost.minorUnits, display: Format.wholeUnits($0.project.record.wholeLifeCost)) }))
        \(Table.render(id: "table-largest", caption: "The agency's \(page.items.count) largest projects, by whole-life cost", columns: [
            .init("Project"), .init("Status"), .init("Whole-life cost", numeric: true), .init("Spend to date", numeric: true), .init("Delivery confidence"), .init("Findings", numeric: true),
        ], rows: page.items.map { item -> [HTML] in
            ["<a href=\"/projects/\(item.project.id)\">\(item.project.record.title)</a>", "\(Format.status(item.project.status))",
             "\(Format.money(item.project.record.wholeLifeCost, currency: currency))", "\(item.project.record.spendToDate.map { Format.money($0, currency: currency) } ?? "—")",
             Words.badge(item.assessment.deliveryConfidence), "\(Format.count(item.assessment.findings.count))"]
        }, empty: "The agency has no published project."))
        <p><a href="\(listLink)">Every project of \(agency.name)</a></p>
        </section>

        """
        main += DataLinks.section([
            ("The agency and its totals as JSON", "/api/v1/agencies/\(URLQuery.encode(agency.code))"),
            ("The overview of its projects as JSON", URLQuery.link("/api/v1/portfolio/overview", [("agency", agency.code)])),
            ("Its projects as JSON", URLQuery.link("/api/v1/projects", [("agency", agency.code), ("sort", ProjectSort.costDescending.rawValue)])),
            ("Every published project as CSV", "/api/v1/export/projects.csv"),
        ])
        return HTMLLayout.response(title: agency.name, current: nil, main: main,
                                   feeds: [("Changes to the projects of \(agency.name)", "/feeds/agencies/\(agency.code)")])
    }
}
