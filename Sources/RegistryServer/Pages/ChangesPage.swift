import HTTPServer
import Registry

/// `/changes`: what changed between two days (by default the last full quarter), from the
/// same `PortfolioChanges` as /api/v1/portfolio/changes; every change links to its project as it was.
struct ChangesPage {
    let storage: RegistryStorage

    static let parameters = [ChangesRoutes.parameters[0], ChangesRoutes.parameters[1]]

    static func kind(_ kind: PortfolioChanges.Kind) -> String {
        switch kind {
        case .registered: "Registered"
        case .published: "Published"
        case .statusChanged: "Status changed"
        case .closed: "Completed"
        case .cancelled: "Cancelled"
        case .costChanged: "Cost changed"
        case .spendChanged: "Spend reported"
        case .scheduleChanged: "Dates changed"
        case .rebaselined: "Re-baselined"
        case .reviewRequested: "Review requested"
        case .reviewDecided: "Review decided"
        case .trancheReleased: "Funding released"
        case .findingRaised: "Finding raised"
        case .findingCleared: "Finding cleared"
        }
    }

    func response(parameters: QueryParameters, principal: Principal) throws -> HTTPResponse {
        let (from, to) = try ChangesRoutes.range(parameters, storage)
        let changes = try storage.portfolio.changes(ProjectQuery(), viewer: principal, from: from, to: to)
        let currency = storage.currency
        let today = storage.clock.today()
        func money(_ amount: Money) -> HTML { "\(Format.money(amount, currency: currency))" }
        func signed(_ amount: Money) -> HTML { "\(Format.signedMoney(amount, currency: currency))" }
        func totalsRow(_ label: HTML, _ a: PortfolioOverview.Slice, _ b: PortfolioOverview.Slice) -> [HTML] {
            let difference = ChangesRoutes.difference(a, b)
            return [label, "\(Format.count(a.projects))", "\(Format.count(b.projects))", "\(difference.projects >= 0 ? "+" : "")\(difference.projects)",
                    money(a.wholeLifeCost), money(b.wholeLifeCost), signed(difference.wholeLifeCost)]
        }
        let columns: [Table.Column] = [.init("Agency"), .init("Projects at \(from.description)", numeric: true), .init("Projects at \(to.description)", numeric: true),
                                       .init("Difference", numeric: true), .init("Cost at \(from.description)", numeric: true),
                                       .init("Cost at \(to.description)", numeric: true), .init("Difference", numeric: true)]
        let range = "from=\(from.description)&to=\(to.description)"
        var main: HTML = """
        <h1>What changed between \(from.description) and \(to.description)</h1>
        <p class="lead">Every change after the end of \(from.description) up to the end of \(to.description) (UTC), and the portfolio's totals at both ends.
        Each change links to the project as it stood that day.</p>
        <form class="as-of" method="get" action="/changes">
        <label for="from">After the end of</label> <input type="date" id="from" name="from" value="\(from.description)" max="\(today.description)">
        <label for="to">up to the end of</label> <input type="date" id="to" name="to" value="\(to.description)" max="\(today.description)">
        <button type="submit">Show</button>
        </form>
        <section aria-labelledby="totals-heading">
        <h2 id="totals-heading">Totals at both ends</h2>
        \(Table.render(id: "table-change-totals", caption: "The portfolio at \(from.description) and at \(to.description), by agency", columns: columns,
                       rows: changes.byAgency.map { totalsRow("<a href=\"/agencies/\(URLQuery.encode($0.agency))\">\($0.agency)</a>", $0.from, $0.to) }
                           + [totalsRow("Total", changes.totalsFrom, changes.totalsTo)]))
        </section>
        <section aria-labelledby="changes-heading">
        <h2 id="changes-heading">The changes</h2>
        <p>\(Format.count(changes.events.count)) changes to \(Format.count(Set(changes.events.map(\.projectID)).count)) projects.</p>
        \(Table.render(id: "table-changes", caption: "Every change, oldest first", columns: [
            .init("When"), .init("Project"), .init("Agency"), .init("Change"), .init("What"), .init("Was"), .init("Became"), .init("Detail"),
        ], rows: changes.events.map { event -> [HTML] in
            let day = String(event.at.prefix(10))
            return ["\(Format.timestamp(event.at))", "<a href=\"/projects/\(event.projectID)?as_of=\(day)\">\(event.title)</a>", "\(event.agency)",
                    "\(Self.kind(event.kind))", "\(event.field ?? "")", "\(event.old ?? "—")", "\(event.new ?? "—")", "\(event.detail ?? "")"]
        }, empty: "Nothing changed."))
        </section>

        """
        main += DataLinks.section([
            ("These changes as JSON", "/api/v1/portfolio/changes?" + range),
            ("These changes as CSV", "/api/v1/portfolio/changes.csv?" + range),
            ("Changes to published projects as an Atom feed", "/feeds/changes"),
        ])
        return HTMLLayout.response(title: "What changed between \(from.description) and \(to.description)", current: .changes, main: main,
                                   feeds: OverviewPage.feeds)
    }
}
