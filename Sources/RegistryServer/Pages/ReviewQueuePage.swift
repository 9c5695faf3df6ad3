import HTTPServer
import Registry

/// `/reviews`: the review queue by status, oldest request first, a page at a time; only the
/// projects of the page shown are read.
struct ReviewQueuePage {
    let storage: RegistryStorage
    static let pageSize = 50

    static let maximumPage = 1_000_000

    static let parameters: [APIOperation.Parameter] = [
        .init(name: "status", location: "query", description: "requested (the default), in_progress, completed, or all.",
              schema: Schema.enumeration(Review.Status.allCases.map(\.rawValue) + ["all"])),
        .init(name: "page", location: "query", description: "Page number, from 1 (\(pageSize) reviews a page).",
              schema: Schema.integer(1...Self.maximumPage)),
    ]

    func response(parameters: QueryParameters, principal: Principal) throws -> HTTPResponse {
        let known = Set(Self.parameters.map(\.name))
        if let unknown = parameters.names.first(where: { !known.contains($0) }) {
            throw RegistryError.malformed("Unknown query parameter '\(unknown)'; known: page, status.")
        }
        let statusText = parameters["status"] ?? Review.Status.requested.rawValue
        let status: Review.Status?
        if statusText == "all" { status = nil } else {
            guard let parsed = Review.Status(rawValue: statusText) else {
                throw RegistryError.invalid([FieldError("status", "must be requested, in_progress, completed or all")])
            }
            status = parsed
        }
        guard let pageNumber = Int(parameters["page"] ?? "1"), (1...Self.maximumPage).contains(pageNumber) else {
            throw RegistryError.invalid([FieldError("page", "must be a whole number from 1 to \(Self.maximumPage)")])
        }
        let (shown, total) = try storage.reviews.queuePage(status: status, includeDrafts: principal.isCentre,
                                                           limit: Self.pageSize, offset: (pageNumber - 1) * Self.pageSize)
        var projects: [Int64: StoredProject] = [:]
        for review in shown where projects[review.projectID] == nil {
            projects[review.projectID] = try storage.projects.get(id: review.projectID)
        }
        let today = storage.clock.today()
        let currency = storage.currency
        let options = [("requested", "Requested, waiting"), ("in_progress", "In progress"), ("completed", "Completed"), ("all", "All reviews")].map { option -> HTML in
            option.0 == statusText ? "<option value=\"\(option.0)\" selected>\(option.1)</option>" : "<option value=\"\(option.0)\">\(option.1)</option>"
        }
        let statusWords = status.map { Words.reviewStatus($0).lowercased() } ?? "all"
        let pages = max(1, (total + Self.pageSize - 1) / Self.pageSize)
        var main: HTML = """
        <h1>Review queue</h1>
        <p class="lead">Reviews of projects (OECD Principle 8): the centre of government's central reviews, gateway reviews 0–5 and peer reviews,
        oldest request first, with how long each has waited.</p>
        <form method="get" action="/reviews" class="filters">
        <div class="field"><label for="f-status">Reviews to show</label><select id="f-status" name="status">\(options)</select></div>
        <div class="actions"><button type="submit">Show reviews</button></div>
        </form>
        <section aria-labelledby="queue-heading">
        <h2 id="queue-heading">\(status == nil ? "All reviews" : Words.reviewStatus(status!) + " reviews")</h2>
        <p>\(Format.count(total)) \(total == 1 ? "review" : "reviews")\(pages > 1 ? ", page \(pageNumber) of \(pages)" : "").</p>
        \(Table.render(id: "table-reviews", caption: "Reviews \(statusWords == "all" ? "of every status" : statusWords), oldest request first", columns: [
            .init("Project"), .init("Agency"), .init("Review"), .init("Status"), .init("Requested"), .init("Waited", numeric: true),
            .init("Reviewed cost", numeric: true), .init("Outcome"), .init("Delivery confidence"),
        ], rows: shown.map { review -> [HTML] in
            let project = projects[review.projectID]
            return ["<a href=\"/projects/\(review.projectID)\">\(project?.record.title ?? "Project \(review.projectID)")</a>",
                    project.map { "<a href=\"/agencies/\(URLQuery.encode($0.agency))\">\($0.agency)</a>" } ?? "—",
                    "\(Words.reviewKind(review))", "\(Words.reviewStatus(review.status))", "\(String(review.requestedAt.prefix(10)))",
                    "\(Format.count(ReviewRoutes.waitedDays(review, today: today))) days", "\(Format.money(review.reviewedCost, currency: currency))",
                    "\(Words.outcome(review.outcome))", review.status == .completed ? Words.badge(review.deliveryConfidence) : "—"]
        }, empty: "No review \(statusWords == "all" ? "yet" : "is " + statusWords)."))

        """
        var links: [HTML] = []
        func link(_ page: Int) -> String { URLQuery.link("/reviews", [("status", statusText == "requested" ? "" : statusText), ("page", page == 1 ? "" : String(page))]) }
        if pageNumber > 1 { links.append("<li><a href=\"\(link(pageNumber - 1))\" rel=\"prev\">Previous page</a></li>") }
        if pageNumber < pages { links.append("<li><a href=\"\(link(pageNumber + 1))\" rel=\"next\">Next page</a></li>") }
        if !links.isEmpty { main += "<nav class=\"pagination\" aria-label=\"Pages of reviews\"><ul>\(links)</ul></nav>\n" }
        main += "</section>\n"
        main += DataLinks.section([
            ("These reviews as JSON", URLQuery.link("/api/v1/reviews", [("status", status?.rawValue ?? "")])),
            ("The portfolio overview as JSON (its review_queue)", "/api/v1/portfolio/overview"),
        ])
        return HTMLLayout.response(title: "Review queue", current: .reviews, main: main)
    }
}
