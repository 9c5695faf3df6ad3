import HTTPServer
import Registry

/// `/projects`: the API's project list as a page. The form's fields are the API's query
/// parameters, sent with GET, so every view has a URL; one page of `ProjectSearch` is read.
struct ProjectListPage {
    let storage: RegistryStorage

    static let pageSizes = [10, 25, 50, 100, 200]

    func response(parameters: QueryParameters, principal: Principal) throws -> HTTPResponse {
        let agencies = try storage.agencies.list()
        do {
            let query = try ProjectListParameters.query(parameters)
            let asOf = try AsOfParameter.read(parameters, storage)
            let page = try storage.search.search(query, viewer: principal, asOf: asOf)
            return HTMLLayout.response(title: title(parameters, cursor: query.cursor) + (asOf.map { " as of \($0)" } ?? ""), current: .projects,
                                       main: (asOf.map(PastNotice.html) ?? "") + render(parameters: parameters, agencies: agencies, query: query, page: page, errors: []))
        } catch let error as RegistryError {
            // A filter out of range: the form again, saying what is wrong, and no results.
            let errors: [(field: String?, message: String)]
            let status: HTTPStatus
            switch error {
            case .invalid(let fields): errors = fields.map { ($0.field, "\(Self.label($0.field)): \($0.message)") }; status = .unprocessableContent
            case .malformed(let detail): errors = [(nil, detail)]; status = .badRequest
            default: throw error
            }
            return HTMLLayout.response(status: status, title: "Error: " + title(parameters, cursor: nil), current: .projects,
                                       main: render(parameters: parameters, agencies: agencies, query: nil, page: nil, errors: errors))
        }
    }

    func title(_ parameters: QueryParameters, cursor: String?) -> String {
        let filtered = parameters.names.contains { !["sort", "limit", "cursor"].contains($0) }
        return (filtered ? "Projects matching the filters" : "Projects") + (cursor == nil ? "" : ", a later page")
    }

    static func label(_ field: String) -> String {
        switch field {
        case "q": "Words in the title or description"
        case "agency": "Agency"
        case "status": "Status"
        case "category": "Category"
        case "min_cost": "Whole-life cost at least"
        case "max_cost": "Whole-life cost at most"
        case "risk_rating": "Risk rating"
        case "rule": "Has a finding of rule"
        case "above_threshold": "At or above the threshold"
        case "sort": "Sort by"
        case "limit": "Projects a page"
        case "as_of": "As it stood on"
        default: field
        }
    }

    static func sortLabel(_ sort: ProjectSort) -> String {
        switch sort {
        case .id: "Registration, oldest first"
        case .costAscending: "Whole-life cost, smallest first"
        case .costDescending: "Whole-life cost, largest first"
        case .updatedAscending: "Last update, oldest first"
        case .updatedDescending: "Last update, newest first"
        case .title: "Title, A to Z"
        }
    }

    /// The filters as given (not the cursor), for links that keep them.
    static func filterPairs(_ parameters: QueryParameters, without: Set<String> = ["cursor"]) -> [(String, String)] {
        parameters.pairs.filter { !without.contains($0.name) }.map { ($0.name, $0.value) }
    }

    func render(parameters: QueryParameters, agencies: [Agency], query: ProjectQuery?, page: ProjectSearch.Page?, errors: [(field: String?, message: String)]) -> HTML {
        let currency = storage.currency
        var main: HTML = "<h1>\(title(parameters, cursor: query?.cursor))</h1>\n"
        if !errors.isEmpty {
            main += """
            <div class="error-summary" role="alert" aria-labelledby="error-summary-title">
            <h2 id="error-summary-title">There is a problem with the filters</h2>
            <ul>\(errors.map { error -> HTML in
                // Each error links to its field, as the GOV.UK error summary does.
                error.field.map { "<li><a href=\"#f-\($0)\">\(error.message)</a></li>" } ?? "<li>\(error.message)</li>"
            })</ul>
            </div>

            """
        }
        main += form(parameters, agencies: agencies)

        guard let query, let page else { return main }
        let sort = query.sort
        // A column's first click sorts the way most asked for (largest, newest); the next click reverses.
        func sortLink(_ label: String, first: ProjectSort, second: ProjectSort?) -> (HTML, String?) {
            let current = sort == first || sort == second ? (sort.rawValue.hasPrefix("-") ? "descending" : "ascending") : nil
            let next = sort == first ? (second ?? first) : first
            let pairs = Self.filterPairs(parameters, without: ["cursor", "sort"]) + [("sort", next.rawValue)]
            let state: HTML = current.map { "<span class=\"visually-hidden\">, sorted \($0)</span>" } ?? .empty
            return ("<a href=\"\(URLQuery.link("/projects", pairs))\">\(label)\(state)</a>", current)
        }
        let titleSort = sortLink("Title", first: .title, second: nil)
        let costSort = sortLink("Whole-life cost", first: .costDescending, second: .costAscending)
        let updatedSort = sortLink("Last update", first: .updatedDescending, second: .updatedAscending)
        let rows = page.items.map { item -> [HTML] in
            let project = item.project, assessment = item.assessment
            let variance = assessment.varianceAgainstOriginal
            return [
                "<a href=\"/projects/\(project.id)\">\(project.record.title)</a>",
                "<a href=\"/agencies/\(URLQuery.encode(project.agency))\">\(project.agency)</a>",
                "\(Format.status(project.status))",
                "\(Format.money(project.record.wholeLifeCost, currency: currency))",
                Words.badge(assessment.deliveryConfidence),
                "\(variance.map { Format.percent($0) } ?? "no baseline")",
                "\(Format.count(assessment.findings.count))",
                "\(String(project.updatedAt.prefix(10)))",
            ]
        }
        let shown = page.items.count
        main += """
        <section aria-labelledby="results-heading">
        <h2 id="results-heading">Results</h2>
        <p>\(shown == 0 ? "No project matches." : "\(Format.count(shown)) \(shown == 1 ? "project" : "projects") on this page, sorted by \(Self.sortLabel(sort).lowercased()).")
        \(page.nextCursor == nil ? "This is the last page." : "More follow on the next page.")</p>
        \(Table.render(id: "table-projects", caption: "Projects, \(Self.sortLabel(sort).lowercased())", columns: [
            .init(titleSort.0, sort: titleSort.1), .init("Agency"), .init("Status"),
            .init(costSort.0, numeric: true, sort: costSort.1),
            .init("Delivery confidence"), .init("Cost variance against the original baseline", numeric: true),
            .init("Findings", numeric: true), .init(updatedSort.0, sort: updatedSort.1),
        ], rows: rows, empty: "No project matches these filters."))
        \(pagination(parameters, query: query, page: page))
        </section>

        """
        let filters = Self.filterPairs(parameters, without: ["cursor", "sort", "limit"])
        main += DataLinks.section([
            ("This page of projects as JSON", URLQuery.link("/api/v1/projects", Self.filterPairs(parameters, without: []))),
            ("The overview of the projects these filters match, as JSON", URLQuery.link("/api/v1/portfolio/overview", filters)),
            ("Every published project as CSV", "/api/v1/export/projects.csv"),
            ("Every published project as JSON", "/api/v1/export/projects.json"),
        ])
        return main
    }

    func pagination(_ parameters: QueryParameters, query: ProjectQuery, page: ProjectSearch.Page) -> HTML {
        var links: [HTML] = []
        if query.cursor != nil {
            links.append("<li><a href=\"\(URLQuery.link("/projects", Self.filterPairs(parameters)))\">First page</a></li>")
        }
        if let next = page.nextCursor {
            links.append("<li><a href=\"\(URLQuery.link("/projects", Self.filterPairs(parameters) + [("cursor", next)]))\" rel=\"next\">Next page</a></li>")
        }
        guard !links.isEmpty else { return .empty }
        return "<nav class=\"pagination\" aria-label=\"Pages of results\"><ul>\(links)</ul></nav>"
    }

    /// The filters: every field labelled, the values of this view filled in.
    func form(_ parameters: QueryParameters, agencies: [Agency]) -> HTML {
        func value(_ name: String) -> String { parameters[name] ?? "" }
        func select(_ name: String, _ options: [(value: String, label: String)], hint: String? = nil) -> HTML {
            let chosen = value(name)
            let items = options.map { option -> HTML in
                option.value == chosen ? "<option value=\"\(option.value)\" selected>\(option.label)</option>" : "<option value=\"\(option.value)\">\(option.label)</option>"
            }
            let hintHTML: HTML = hint.map { "<span class=\"hint\" id=\"f-\(name)-hint\">\($0)</span>" } ?? .empty
            let described: HTML = hint == nil ? .empty : " aria-describedby=\"f-\(name)-hint\""
            return """
            <div class="field"><label for="f-\(name)">\(Self.label(name))</label>\(hintHTML)<select id="f-\(name)" name="\(name)"\(described)>\(items)</select></div>
            """
        }
        func input(_ name: String, type: String = "text", hint: String? = nil, numeric: Bool = false) -> HTML {
            let hintHTML: HTML = hint.map { "<span class=\"hint\" id=\"f-\(name)-hint\">\($0)</span>" } ?? .empty
            let described: HTML = hint == nil ? .empty : " aria-describedby=\"f-\(name)-hint\""
            let mode: HTML = numeric ? " inputmode=\"decimal\"" : .empty
            return """
            <div class="field"><label for="f-\(name)">\(Self.label(name))</label>\(hintHTML)<input type="\(type)" id="f-\(name)" name="\(name)" value="\(value(name))"\(described)\(mode)></div>
            """
        }
        let any = [(value: "", label: "Any")]
        let limit = value("limit").isEmpty ? "50" : value("limit")
        // A size given in the URL stays selectable, so sending the form again keeps it.
        let sizes = Set(Self.pageSizes + [Int(limit)].compactMap { $0 }).sorted().map { size -> HTML in
            String(size) == limit ? "<option value=\"\(size)\" selected>\(size)</option>" : "<option value=\"\(size)\">\(size)</option>"
        }
        return """
        <form method="get" action="/projects" class="filters" role="search" aria-labelledby="filters-legend">
        <fieldset class="filters-fieldset">
        <legend id="filters-legend">Filter the projects</legend>
        <div class="filter-grid">
        \(input("q", type: "search"))
        \(select("agency", [(value: "", label: "All agencies")] + agencies.map { (value: $0.code, label: "\($0.name) (\($0.code))") }))
        \(select("status", any + ProjectStatus.allCases.map { (value: $0.rawValue, label: Format.status($0)) }))
        \(input("category", hint: "Exactly, for example: payments"))
        \(input("min_cost", hint: "In \(storage.currency), for example 5000000", numeric: true))
        \(input("max_cost", hint: "In \(storage.currency), for example 5000000", numeric: true))
        \(select("risk_rating", any + (1...5).map { (value: String($0), label: "\($0) of 5") }, hint: "1 low, 5 high"))
        \(select("rule", any + RuleID.allCases.map { (value: $0.rawValue, label: $0.rawValue) }))
        \(select("above_threshold", any + Threshold.Kind.allCases.map { (value: $0.rawValue, label: $0 == .businessCase ? "Business case" : "Central review") }))
        \(select("sort", ProjectSort.allCases.map { (value: $0.rawValue, label: Self.sortLabel($0)) }))
        <div class="field"><label for="f-limit">\(Self.label("limit"))</label><select id="f-limit" name="limit">\(sizes)</select></div>
        </div>
        <div class="actions"><button type="submit">Show projects</button> <a href="/projects">Clear the filters</a></div>
        </fieldset>
        </form>

        """
    }
}
