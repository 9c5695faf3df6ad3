import HTTPServer
import Registry

/// `/`: the portfolio overview, from the same `PortfolioOverview` the API's
/// /api/v1/portfolio/overview shows, so the numbers are the same.
struct OverviewPage {
    let storage: RegistryStorage
    /// How many rows the "top" tables and the variance chart show.
    static let top = 10

    func response(principal: Principal, today: LocalDate) throws -> HTTPResponse {
        let overview = try storage.portfolio.overview(ProjectQuery(), viewer: principal)
        let (queue, waiting) = try storage.reviews.queuePage(status: .requested, includeDrafts: principal.isCentre, limit: Self.top, offset: 0)
        let names = Dictionary(try storage.agencies.list().map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        let currency = storage.currency
        func money(_ amount: Money) -> HTML { "\(Format.money(amount, currency: currency))" }

        let scope = principal.isCentre ? "every project, drafts included" : principal.agencyCode.map { "every published project and the drafts of \($0)" } ?? "every published project"
        var main: HTML = """
        <h1>The portfolio of ICT projects</h1>
        <p class="lead">What the government's agencies are building, what it costs, and whether it holds to the business-case and review rules
        of OECD Principles 7 and 8. Figures as of \(today.description), over \(scope), in whole \(currency).</p>

        """

        // Totals.
        let totals = overview.totals
        main += """
        <section aria-labelledby="totals-heading">
        <h2 id="totals-heading">Totals</h2>
        <ul class="key-figures">
        <li><span class="key-label">Projects</span> <span class="key-value" id="total-projects">\(Format.count(totals.projects))</span></li>
        <li><span class="key-label">Whole-life cost (forecast)</span> <span class="key-value" id="total-cost">\(money(totals.wholeLifeCost))</span></li>
        <li><span class="key-label">Spend to date</span> <span class="key-value" id="total-spend">\(money(totals.spendToDate))</span></li>
        <li><span class="key-label">At or above the business-case threshold</span> <span class="key-value">\(Format.count(overview.aboveBusinessCaseThreshold.projects)) projects, \(money(overview.aboveBusinessCaseThreshold.wholeLifeCost))</span></li>
        <li><span class="key-label">At or above the central-review threshold</span> <span class="key-value">\(Format.count(overview.aboveCentralReviewThreshold.projects)) projects, \(money(overview.aboveCentralReviewThreshold.wholeLifeCost))</span></li>
        </ul>
        </section>

        """

        // Spend by agency.
        let agencyBars = overview.byAgency.sorted { ($0.wholeLifeCost, $1.key) > ($1.wholeLifeCost, $0.key) }
        main += """
        <section aria-labelledby="agencies-heading">
        <h2 id="agencies-heading">Spend by agency</h2>
        <div class="chart-pair">
        \(Charts.bars(id: "chart-agencies", title: "Whole-life cost by agency, \(currency)",
                      caption: "Whole-life cost by agency, largest first. The table gives every figure.",
                      bars: agencyBars.map { Charts.Bar(label: names[$0.key] ?? $0.key, value: $0.wholeLifeCost.minorUnits, display: Format.wholeUnits($0.wholeLifeCost)) }))
        \(Table.render(id: "table-agencies", caption: "Projects and money by agency", columns: [
            .init("Agency"), .init("Projects", numeric: true), .init("Whole-life cost", numeric: true), .init("Spend to date", numeric: true),
        ], rows: overview.byAgency.map { slice -> [HTML] in
            ["<a href=\"/agencies/\(URLQuery.encode(slice.key))\">\(names[slice.key] ?? slice.key)</a>",
             "\(Format.count(slice.projects))", money(slice.wholeLifeCost), money(slice.spendToDate)]
        } + [["Total", "\(Format.count(totals.projects))", money(totals.wholeLifeCost), money(totals.spendToDate)]]))
        </div>
        </section>

        """

        // By status.
        main += """
        <section aria-labelledby="status-heading">
        <h2 id="status-heading">Projects by status</h2>
        <div class="chart-pair">
        \(Charts.bars(id: "chart-status", title: "Number of projects by status",
                      caption: "Projects in each status of the life cycle. The table gives every figure.",
                      bars: overview.byStatus.map { Charts.Bar(label: Format.status(raw: $0.key), value: Int64($0.projects), display: Format.count($0.projects)) }))
        \(Table.render(id: "table-status", caption: "Projects and whole-life cost by status", columns: [
            .init("Status"), .init("Projects", numeric: true), .init("Whole-life cost", numeric: true),
        ], rows: overview.byStatus.map { slice -> [HTML] in
            ["<a href=\"/projects?status=\(URLQuery.encode(slice.key))\">\(Format.status(raw: slice.key))</a>", "\(Format.count(slice.projects))", money(slice.wholeLifeCost)]
        }))
        </div>
        </section>

        """

        // By delivery confidence.
        main += """
        <section aria-labelledby="confidence-heading">
        <h2 id="confidence-heading">Projects by delivery confidence</h2>
        <p>The rating of each project's latest completed review that gave one, on the five-point Delivery Confidence Assessment scale.</p>
        <div class="chart-pair">
        \(Charts.bars(id: "chart-confidence", title: "Number of projects by delivery confidence",
                      caption: "Projects by delivery confidence, from green to red, then those not assessed. The table gives every figure.",
                      bars: overview.byDeliveryConfidence.map { Charts.Bar(label: Words.confidence(raw: $0.key), value: Int64($0.projects), display: Format.count($0.projects), fill: Words.fill(raw: $0.key)) }))
        \(Table.render(id: "table-confidence", caption: "Projects and whole-life cost by delivery confidence", columns: [
            .init("Delivery confidence"), .init("Projects", numeric: true), .init("Whole-life cost", numeric: true),
        ], rows: overview.byDeliveryConfidence.map { slice -> [HTML] in
            [Words.badge(Review.DeliveryConfidence(rawValue: slice.key)), "\(Format.count(slice.projects))", money(slice.wholeLifeCost)]
        }))
        </div>
        </section>

        """

        // Cost variance: the top overruns and slips together.
        var flagged: [PortfolioOverview.Flagged] = []
        for item in overview.overruns.prefix(Self.top) + overview.slips.prefix(Self.top) where !flagged.contains(where: { $0.projectID == item.projectID }) {
            flagged.append(item)
        }
        let points = flagged.enumerated().map { index, item in
            Charts.Point(number: index + 1, label: item.title, days: item.variance.scheduleDays, basisPoints: item.variance.costBasisPoints ?? 0)
        }
        func projectLink(_ item: PortfolioOverview.Flagged) -> HTML { "<a href=\"/projects/\(item.projectID)\">\(item.title)</a>" }
        main += """
        <section aria-labelledby="variance-heading">
        <h2 id="variance-heading">Cost and schedule variance</h2>
        <p>\(Format.count(overview.overruns.count)) projects overrun their cost (P8-COST-OVERRUN) and \(Format.count(overview.slips.count)) slip
        (P8-SCHEDULE-SLIP). Variance is against the original baseline, so that re-baselining cannot hide it; positive is worse.</p>
        \(Charts.varianceScatter(id: "chart-variance", title: "Cost variance against schedule variance of the largest overruns and slips",
                                 caption: "Each point is a project, numbered as in the table below it; up and right is worse.", points: points))
        \(Table.render(id: "table-variance", caption: "The projects in the variance chart", columns: [
            .init("Number"), .init("Project"), .init("Agency"), .init("Cost variance", numeric: true), .init("Cost variance %", numeric: true), .init("Schedule variance", numeric: true),
        ], rows: zip(points, flagged).map { pair -> [HTML] in
            let (point, item) = pair
            return ["\(point.number)", projectLink(item), "\(item.agency)", "\(Format.signedMoney(item.variance.cost, currency: currency))",
             "\(Format.percent(item.variance))", "\(Format.days(item.variance.scheduleDays))"]
        }, empty: "No project overruns or slips."))
        \(Table.render(id: "table-overruns", caption: "The \(Self.top) largest cost overruns, against the original baseline", columns: [
            .init("Project"), .init("Agency"), .init("Cost variance", numeric: true), .init("Cost variance %", numeric: true),
        ], rows: overview.overruns.prefix(Self.top).map { item -> [HTML] in
            [projectLink(item), "\(item.agency)", "\(Format.signedMoney(item.variance.cost, currency: currency))", "\(Format.percent(item.variance))"]
        }, empty: "No project overruns its cost."))
        <p><a href="/projects?rule=P8-COST-OVERRUN">Every project that overruns</a></p>
        \(Table.render(id: "table-slips", caption: "The \(Self.top) longest schedule slips, against the original baseline", columns: [
            .init("Project"), .init("Agency"), .init("Schedule variance", numeric: true),
        ], rows: overview.slips.prefix(Self.top).map { item -> [HTML] in
            [projectLink(item), "\(item.agency)", "\(Format.days(item.variance.scheduleDays))"]
        }, empty: "No project slips."))
        <p><a href="/projects?rule=P8-SCHEDULE-SLIP">Every project that slips</a></p>
        </section>

        """

        // The review queue: the longest waiting.
        var titles: [Int64: (title: String, agency: String)] = [:]
        for review in queue.prefix(Self.top) where titles[review.projectID] == nil {
            if let project = try storage.projects.get(id: review.projectID) { titles[review.projectID] = (project.record.title, project.agency) }
        }
        main += """
        <section aria-labelledby="queue-heading">
        <h2 id="queue-heading">Review queue</h2>
        <p>\(Format.count(waiting)) \(waiting == 1 ? "review is" : "reviews are") requested and waiting, the longest waiting first.</p>
        \(Table.render(id: "table-queue", caption: "The \(Self.top) reviews waiting longest", columns: [
            .init("Project"), .init("Agency"), .init("Review"), .init("Requested"), .init("Waited", numeric: true), .init("Reviewed cost", numeric: true),
        ], rows: queue.prefix(Self.top).map { review -> [HTML] in
            let project = titles[review.projectID]
            return ["<a href=\"/projects/\(review.projectID)\">\(project?.title ?? "Project \(review.projectID)")</a>", "\(project?.agency ?? "")",
                    "\(Words.reviewKind(review))", "\(String(review.requestedAt.prefix(10)))",
                    "\(Format.count(ReviewRoutes.waitedDays(review, today: today))) days", money(review.reviewedCost)]
        }, empty: "No review is waiting."))
        <p><a href="/reviews">The whole review queue</a></p>
        </section>

        """

        // Findings by rule.
        main += """
        <section aria-labelledby="findings-heading">
        <h2 id="findings-heading">Findings by rule</h2>
        \(Table.render(id: "table-findings", caption: "Projects with a finding of each rule", columns: [
            .init("Rule"), .init("Principle"), .init("What it checks"), .init("Projects", numeric: true),
        ], rows: overview.findingsByRule.map { item -> [HTML] in
            ["<a href=\"/projects?rule=\(item.rule.rawValue)\">\(item.rule.rawValue)</a>", "\(Words.principle(item.rule.principle))",
             "\(Words.rule(item.rule))", "\(Format.count(item.projects))"]
        }))
        </section>

        """

        main += DataLinks.section([
            ("This overview as JSON", "/api/v1/portfolio/overview"),
            ("Every finding in the portfolio as JSON", "/api/v1/portfolio/findings"),
            ("Projects that look like duplicates, as JSON", "/api/v1/portfolio/duplicates"),
            ("Every published project as CSV", "/api/v1/export/projects.csv"),
            ("Every published project as JSON", "/api/v1/export/projects.json"),
        ])
        return HTMLLayout.response(title: "Portfolio overview", current: .overview, main: main)
    }
}
