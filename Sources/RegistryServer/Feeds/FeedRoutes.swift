import HTTPServer
import Registry

/// Atom feeds for people and tools that watch the portfolio: changes to published projects (all,
/// one agency's, one project's) and the centre's findings raised and cleared. Each entry links
/// to the project as it stood that day; each feed has an ETag and answers If-None-Match.
struct FeedRoutes {
    let projects: ProjectRoutes

    /// How far back a feed reaches, and how many entries it holds at most.
    static let days = 90
    static let findingDays = 30
    static let limit = 200

    /// Where the feed is served, for absolute links: the request's Host (feeds are read from elsewhere).
    static func base(_ request: HTTPRequest) -> String {
        "http://" + (request.headers["Host"].flatMap { $0.isEmpty ? nil : $0 } ?? "localhost")
    }

    static func words(_ event: PortfolioChanges.Event, currency: String) -> (title: String, summary: String) {
        let what = ChangesPage.kind(event.kind)
        let change = [event.old.map { "from \($0)" }, event.new.map { "to \($0)" }].compactMap { $0 }.joined(separator: " ")
        let field = event.field.map { " (\($0))" } ?? ""
        let title = "\(event.title): \(what.lowercased())\(field)"
        var summary = "\(what)\(field) of project \(event.projectID), \(event.title), agency \(event.agency)"
        if !change.isEmpty { summary += ", " + change + (["whole_life_cost", "spend_to_date", "amount"].contains(event.field ?? "") ? " \(currency)" : "") }
        if let detail = event.detail, !detail.isEmpty { summary += ". " + detail }
        return (title, summary + ".")
    }

    func feed(_ request: HTTPRequest, path: String, title: String, page: String, events: [PortfolioChanges.Event]) -> HTTPResponse {
        let base = Self.base(request)
        let currency = projects.storage.currency
        let entries = events.prefix(Self.limit).map { event -> AtomFeed.Entry in
            let (title, summary) = Self.words(event, currency: currency)
            let day = String(event.at.prefix(10))
            return AtomFeed.Entry(
                id: "\(base)/projects/\(event.projectID)#\(event.at)-\(event.source)",
                title: title, updated: event.at, link: "\(base)/projects/\(event.projectID)?as_of=\(day)", summary: summary, category: event.kind.rawValue)
        }
        let feed = AtomFeed(id: base + path, title: title, updated: entries.first?.updated ?? "\(projects.storage.clock.today().adding(days: -Self.days))T00:00:00Z",
                            selfLink: base + path, pageLink: base + page, entries: Array(entries))
        let body = Array(feed.xml.utf8)
        let etag = "\"" + String(Hex.sha256(body).prefix(32)) + "\""
        if let tags = request.headers["If-None-Match"],
           tags.split(separator: ",").contains(where: { let tag = $0.trimmingHTTPWhitespace(); return tag == etag || tag == "W/" + etag || tag == "*" }) {
            return HTTPResponse(status: .notModified, headers: HTTPHeaders([("ETag", etag)]))
        }
        return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/atom+xml; charset=utf-8"), ("ETag", etag)]), body: body)
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let storage = projects.storage
        let window: @Sendable () -> (AsOf, AsOf) = {
            let today = storage.clock.today()
            return (AsOf(today.adding(days: -Self.days)), AsOf(today))
        }
        let ok = APIOperation.Response(status: 200, description: "An Atom feed (RFC 4287), newest first; ETag is set.", contentType: "application/atom+xml", schema: Schema.string)
        let notModified = APIOperation.Response(status: 304, description: "Not modified (If-None-Match).", contentType: nil, schema: nil)

        api.add(APIOperation(
            method: .GET, path: "/feeds/changes", id: "changesFeed",
            summary: "Changes to published projects over the last 90 days (at most 200 entries), newest first.",
            tag: "Feeds", access: .everyone, responses: [ok, notModified, .unauthorized])
        ) { context in
            // A token may be sent, and is checked, but the feed is the public's: published projects only.
            _ = try routes.projects.access.principal(context.request)
            let (from, to) = window()
            return routes.feed(context.request, path: "/feeds/changes", title: "Portfolio Registry: changes to published projects", page: "/changes",
                               events: try storage.portfolio.recordedChanges(viewer: .anonymous, from: from, to: to))
        }

        api.add(APIOperation(
            method: .GET, path: "/feeds/agencies/{code}", id: "agencyFeed",
            summary: "Changes to an agency's published projects over the last 90 days, newest first.", tag: "Feeds", access: .everyone,
            parameters: [.init(name: "code", location: "path", description: "The agency's code.", schema: Schema.string)],
            responses: [ok, notModified, .unauthorized, .notFound])
        ) { context in
            _ = try routes.projects.access.principal(context.request)
            let code = context.parameter("code") ?? ""
            guard try storage.agencies.list().contains(where: { $0.code == code }) else { throw RegistryError.notFound("No agency has the code '\(code)'.") }
            let (from, to) = window()
            return routes.feed(context.request, path: "/feeds/agencies/\(code)", title: "Portfolio Registry: changes to the projects of \(code)",
                               page: "/agencies/\(code)",
                               events: try storage.portfolio.recordedChanges(viewer: .anonymous, agency: code, from: from, to: to))
        }

        api.add(APIOperation(
            method: .GET, path: "/feeds/projects/{id}", id: "projectFeed",
            summary: "Changes to one project over the last 90 days, newest first.", tag: "Feeds", access: .everyone,
            parameters: [.init(name: "id", location: "path", description: "The project's id.", schema: Schema.integer)],
            responses: [ok, notModified, .unauthorized, .notFound])
        ) { context in
            let principal = try routes.projects.access.principal(context.request)
            let project = try routes.projects.visibleProject(context, principal)
            let (from, to) = window()
            return routes.feed(context.request, path: "/feeds/projects/\(project.id)", title: "Portfolio Registry: changes to \(project.record.title)",
                               page: "/projects/\(project.id)",
                               events: try storage.portfolio.recordedChanges(viewer: principal, project: project.id, from: from, to: to))
        }

        api.add(APIOperation(
            method: .GET, path: "/feeds/findings", id: "findingsFeed",
            summary: "The centre's feed: findings raised and cleared, day by day, over the last 30 days, drafts included (centre token).",
            tag: "Feeds", access: .centre, responses: [ok, notModified, .unauthorized, .forbidden])
        ) { context in
            // Only the centre gets here (the operation's access).
            let principal = try routes.projects.access.principal(context.request)
            let today = storage.clock.today()
            let first = try RegistryRecord.firstDay(storage.database) ?? today
            let days = (0..<Self.findingDays).map { AsOf(today.adding(days: -$0)) }.filter { $0.day >= first }
            return routes.feed(context.request, path: "/feeds/findings", title: "Portfolio Registry: findings raised and cleared", page: "/changes",
                               events: try storage.portfolio.findingChanges(days: days, viewer: principal))
        }
    }
}
