import HTTPServer
import Registry

/// `/`: the portfolio overview, from the same `PortfolioOverview` the API's
/// /api/v1/portfolio/overview shows, so the numbers are the same.
struct OverviewPage {
    let storage: RegistryStorage
    /// How many rows the "top" tables and the variance chart show.
    static let top = 10

    /// With `asOf`, the overview as it stood at the end of that day, saying so first.
    func response(principal: Principal, today now: LocalDate, asOf: AsOf? = nil) throws -> HTTPResponse {
        let today = asOf?.day ?? now
        let overview = try storage.portfolio.overview(ProjectQuery(), viewer: principal, asOf: asOf)
        let (queue, waiting) = try asOf.map { asOf in
            let all = try storage.reviews.queue(status: .requested, includeDrafts: principal.isCentre, asOf: asOf)
            return (Array(all.prefix(Self.top)), all.count)
        } ?? storage.reviews.queuePage(status: .requested, includeDrafts: principal.isCentre, limit: Self.top, offset: 0)
        let first = try RegistryRecord.firstDay(storage.database)
        let names = Dictionary(try storage.agencies.list().map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        let currency = storage.currency
        func money(_ amount: Money) -> HTML { "\(Format.money(amount, currency: currency))" }

        let scope = principal.isCentre ? "every project, drafts included" : principal.agencyCode.map { "every published project and the drafts of \($0)" } ?? "every published project"
        var main: HTML = asOf.map { PastNotice.html($0, now: "/") } ?? HTML.empty
        main += """
        <h1>The portfolio of ICT projects\(asOf.map { " as it stood on \($0.description)" as HTML } ?? HTML.empty)</h1>
        <p class="lead">What the government's agencies are building, what it costs, and whether it holds to the business-case and review rules
        of OECD Principles 7 and 8. Figures as of \(asOf.map { "the end of " + $0.description } ?? today.description), over \(scope), in whole \(currency).</p>
        \(PastNotice.form(action: "/", asOf: asOf, today: now, first: first))
        <p><a href="/changes">What changed in the last full quarter</a></p>

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
            if let project = try storage.projects.get(id: review.projectID, asOf: asOf) { titles[review.projectID] = (project.record.title, project.agency) }
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

        main += try trends(principal: principal, upTo: today, first: first, currency: currency)

        main += DataLinks.section([
            ("This overview as JSON", "/api/v1/portfolio/overview" + (asOf.map { "?as_of=\($0)" } ?? "")),
            ("Every finding in the portfolio as JSON", "/api/v1/portfolio/findings"),
            ("Projects that look like duplicates, as JSON", "/api/v1/portfolio/duplicates"),
            ("Every published project as CSV", "/api/v1/export/projects.csv"),
            ("Every published project as JSON", "/api/v1/export/projects.json"),
        ])
        return HTMLLayout.response(title: "Portfolio overview" + (asOf.map { " as of \($0)" } ?? ""), current: .overview, main: main, feeds: Self.feeds)
    }

    static let feeds = [("Changes to published projects", "/feeds/changes")]

    /// The end of every quarter since the registry's first record, up to `day` (which ends the last, partial one).
    static func quarterEnds(from first: LocalDate, upTo day: LocalDate) -> [AsOf] {
        var ends: [AsOf] = []
        var year = first.year, quarter = (first.month - 1) / 3
        while true {
            let next = quarter == 3 ? LocalDate(year: year + 1, month: 1, day: 1)! : LocalDate(year: year, month: quarter * 3 + 4, day: 1)!
            let end = next.adding(days: -1)
            if end >= day { ends.append(AsOf(day)); return ends }
            ends.append(AsOf(end))
            (year, quarter) = quarter == 3 ? (year + 1, 0) : (year, quarter + 1)
        }
    }

    static func quarterName(_ asOf: AsOf) -> String {
        let quarter = "Q\((asOf.day.month - 1) / 3 + 1) \(asOf.day.year)"
        let end = (asOf.day.month % 3 == 0) && asOf.day.adding(days: 1).month != asOf.day.month
        return end ? quarter : quarter + " to \(asOf.day)"
    }

    /// Total forecast cost, projects and open findings by rule at the end of every quarter.
    func trends(principal: Principal, upTo day: LocalDate, first: LocalDate?, currency: String) throws -> HTML {
        guard let first else { return HTML.empty }
        let ends = Self.quarterEnds(from: first, upTo: day)
        let points = try storage.portfolio.overviews(at: ends, viewer: principal)
        let names = ends.map(Self.quarterName)
        let openFindings = points.map { $0.findingsByRule.reduce(0) { $0 + $1.projects } }
        return """
        <section aria-labelledby="trends-heading">
        <h2 id="trends-heading">Over time</h2>
        <p>The portfolio at the end of every quarter since the registry's first record (\(first.description)), as it stood then.</p>
        <div class="chart-pair">
        \(Charts.bars(id: "chart-trend-cost", title: "Total whole-life cost (forecast) by quarter, \(currency)",
                      caption: "The forecast whole-life cost of the portfolio at the end of each quarter. The table gives every figure.",
                      bars: zip(names, points).map { Charts.Bar(label: $0, value: $1.wholeLifeCost.minorUnits, display: Format.wholeUnits($1.wholeLifeCost)) }))
        \(Charts.bars(id: "chart-trend-projects", title: "Number of projects by quarter",
                      caption: "Projects in the portfolio at the end of each quarter.",
                      bars: zip(names, points).map { Charts.Bar(label: $0, value: Int64($1.projects), display: Format.count($1.projects)) }))
        \(Charts.bars(id: "chart-trend-findings", title: "Open findings by quarter",
                      caption: "Findings open at the end of each quarter, all rules together; the table gives them by rule.",
                      bars: zip(names, openFindings).map { Charts.Bar(label: $0, value: Int64($1), display: Format.count($1)) }))
        </div>
        \(Table.render(id: "table-trends", caption: "The portfolio at the end of each quarter", columns: [
            .init("Quarter"), .init("Projects", numeric: true), .init("Whole-life cost", numeric: true),
        ] + RuleID.allCases.map { Table.Column("\($0.rawValue)", numeric: true) }, rows: zip(ends, points).map { asOf, point -> [HTML] in
            ["<a href=\"/?as_of=\(asOf.description)\">\(Self.quarterName(asOf))</a>", "\(Format.count(point.projects))",
             "\(Format.money(point.wholeLifeCost, currency: currency))"] + point.findingsByRule.map { "\(Format.count($0.projects))" as HTML }
        }))
        </section>

        """
    }
}
