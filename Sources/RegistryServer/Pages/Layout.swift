import HTTPServer
import Registry

/// The layout every page shares: landmarks, a skip link, the navigation with the current
/// page marked, the stylesheet, no script. Pages send a CSP that forbids any script.
enum HTMLLayout {
    enum Section: String, CaseIterable {
        case overview, projects, reviews, changes

        var title: String {
            switch self {
            case .overview: "Overview"
            case .projects: "Projects"
            case .reviews: "Review queue"
            case .changes: "What changed"
            }
        }

        var path: String {
            switch self {
            case .overview: "/"
            case .projects: "/projects"
            case .reviews: "/reviews"
            case .changes: "/changes"
            }
        }
    }

    /// No script at all, no inline style, nothing from elsewhere; forms post only here.
    static let contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    /// `feeds`: the Atom feeds of what the page shows, for feed readers to find.
    static func page(title: String, current: Section?, main: HTML, feeds: [(title: String, href: String)] = []) -> String {
        let alternates = HTML.join(feeds.map { feed -> HTML in "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"\(feed.title)\" href=\"\(feed.href)\">\n" })
        let navigation = HTML.join(Section.allCases.map { section -> HTML in
            section == current
                ? "<li><a href=\"\(section.path)\" aria-current=\"page\">\(section.title)</a></li>"
                : "<li><a href=\"\(section.path)\">\(section.title)</a></li>"
        })
        let document: HTML = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) – Portfolio Registry</title>
        <link rel="stylesheet" href="/static/app.css">
        \(alternates)</head>
        <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        <header class="site-header">
        <div class="site-header-inner">
        <a class="site-name" href="/">Portfolio Registry</a>
        <nav class="site-nav" aria-label="Main"><ul>\(navigation)</ul></nav>
        </div>
        </header>
        <main id="main">
        \(main)
        </main>
        <footer class="site-footer">
        <p>The register of the government's ICT projects and how they hold to OECD Principles 7 and 8 (business cases, central review).
        Open data: <a href="/api/v1/export/projects.csv">every published project as CSV</a>,
        <a href="/api/v1/export/projects.json">as JSON</a>; the API is described in <a href="/openapi.json">/openapi.json</a>.</p>
        </footer>
        </body>
        </html>

        """
        return document.text
    }

    static func response(status: HTTPStatus = .ok, title: String, current: Section?, main: HTML, headers: HTTPHeaders = HTTPHeaders(),
                         feeds: [(title: String, href: String)] = []) -> HTTPResponse {
        var headers = headers
        headers.set("Content-Type", "text/html; charset=utf-8")
        headers.set("Content-Security-Policy", contentSecurityPolicy)
        return HTTPResponse(status: status, headers: headers, body: Array(page(title: title, current: current, main: main, feeds: feeds).utf8))
    }
}

/// Errors on pages: the same layout, the problem in words, a way back.
enum ErrorPage {
    static func response(for error: HTTPError) -> HTTPResponse {
        var headers = error.headers
        headers.remove("Content-Type")
        return HTMLLayout.response(status: error.status, title: "\(error.status.code) \(error.title)", current: nil, main: """
            <h1>\(error.title)</h1>
            <p>\(error.detail ?? "The request could not be answered.")</p>
            <p><a href="/">Back to the portfolio overview</a> or <a href="/projects">find a project</a>.</p>
            """, headers: headers)
    }
}

/// Words and badges the pages share.
enum Words {
    static func confidence(_ confidence: Review.DeliveryConfidence?) -> String {
        switch confidence {
        case .green: "Green"
        case .amberGreen: "Amber-green"
        case .amber: "Amber"
        case .amberRed: "Amber-red"
        case .red: "Red"
        case nil: "Not assessed"
        }
    }

    static func confidence(raw: String) -> String { confidence(Review.DeliveryConfidence(rawValue: raw)) }

    /// A RAG badge: the colour and, always, the rating in words.
    static func badge(_ confidence: Review.DeliveryConfidence?) -> HTML {
        let key = confidence?.rawValue.replacingOccurrences(of: "_", with: "-") ?? "none"
        return "<span class=\"rag rag-\(key)\">\(Self.confidence(confidence))</span>"
    }

    /// The SVG fill of a rating: dark enough for 3:1 against white (WCAG 1.4.11).
    static func fill(raw: String) -> String {
        switch Review.DeliveryConfidence(rawValue: raw) {
        case .green: "#00703c"
        case .amberGreen: "#4d6b00"
        case .amber: "#8a6100"
        case .amberRed: "#b13d0b"
        case .red: "#a4161a"
        case nil: "#505a5f"
        }
    }

    static func outcome(_ outcome: Review.Outcome?) -> String {
        switch outcome {
        case .approved: "Approved"
        case .approvedWithConditions: "Approved with conditions"
        case .rejected: "Rejected"
        case nil: "—"
        }
    }

    static func reviewKind(_ review: Review) -> String {
        switch review.kind {
        case .central: "Central review"
        case .gateway: "Gateway review \(review.gate.map(String.init) ?? "")"
        case .peer: "Peer review"
        }
    }

    static func reviewStatus(_ status: Review.Status) -> String {
        switch status {
        case .requested: "Requested"
        case .inProgress: "In progress"
        case .completed: "Completed"
        }
    }

    /// What each rule checks, as SPEC §3 says it.
    static func rule(_ rule: RuleID) -> String {
        switch rule {
        case .businessCaseRequired: "A project at or above the business-case threshold needs a business case before it leaves proposed."
        case .businessCaseComplete: "The business case has every mandatory section."
        case .businessCaseFinanceMatch: "The financial plan totals the whole-life cost within 1 %."
        case .businessCaseStakeholders: "Users of the final service and at least one other group took part in writing it."
        case .reviewRequired: "A project at or above the review threshold needs a completed, positive central review before approval."
        case .reviewStale: "The forecast grew beyond the tolerance above the reviewed cost, or crossed a threshold: a new review is due."
        case .fundingCondition: "A funding tranche is released only when its condition is met."
        case .accountable: "A project above a threshold names an accountable owner."
        case .costOverrun: "Forecast cost above the current or original baseline by more than the tolerance."
        case .scheduleSlip: "Forecast end later than the baseline by more than the tolerance, or a milestone missed."
        case .staleReport: "No update from the agency for longer than the reporting period."
        case .duplication: "Another agency's project looks like the same system or dataset."
        case .thresholdSplit: "Several alike, overlapping projects of one agency, each under a threshold, together reach it."
        }
    }

    static func severity(_ severity: Finding.Severity) -> HTML {
        switch severity {
        case .blocking: "<strong class=\"tag tag-blocking\">Blocking</strong>"
        case .warning: "<span class=\"tag tag-warning\">Warning</span>"
        }
    }

    static func principle(_ principle: Int) -> String { "OECD Principle \(principle)" }
}

/// "Get this data" links under each page's content.
enum DataLinks {
    static func section(_ links: [(label: String, href: String)]) -> HTML {
        let items = HTML.join(links.map { link -> HTML in "<li><a href=\"\(link.href)\">\(link.label)</a></li>" })
        return """
        <section class="data-links" aria-labelledby="data-links-heading">
        <h2 id="data-links-heading">Get this data</h2>
        <ul>\(items)</ul>
        </section>
        """
    }
}
