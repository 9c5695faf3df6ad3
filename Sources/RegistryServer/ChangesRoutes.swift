import Dispatch
import HTTPServer
import JSON
import Registry
import Synchronization

/// What changed in the portfolio between two days, as JSON or CSV.
struct ChangesRoutes {
    let projects: ProjectRoutes

    static let parameters: [APIOperation.Parameter] = [
        .init(name: "from", location: "query", description: "Changes after the end of this day (UTC). Default: the day before the last full quarter began. The day before the registry's first record is the empty registry.", schema: Schema.date),
        .init(name: "to", location: "query", description: "Changes up to the end of this day (UTC), at most today. Default: the last full quarter's last day.", schema: Schema.date),
    ] + ProjectListParameters.parameters.filter { !["sort", "limit", "cursor", "as_of"].contains($0.name) }

    static let csvColumns = ["at", "project_id", "agency", "title", "kind", "field", "old", "new", "detail"]

    /// The last full quarter before `today`: the changes after the end of the day before it
    /// began, up to the end of its last day.
    static func lastFullQuarter(before today: LocalDate) -> (from: LocalDate, to: LocalDate) {
        let quarterStartMonth = (today.month - 1) / 3 * 3 + 1
        let thisQuarter = LocalDate(year: today.year, month: quarterStartMonth, day: 1)!
        let previous = quarterStartMonth == 1 ? LocalDate(year: today.year - 1, month: 10, day: 1)! : LocalDate(year: today.year, month: quarterStartMonth - 3, day: 1)!
        return (previous.adding(days: -1), thisQuarter.adding(days: -1))
    }

    /// The range asked for, or the last full quarter clamped to the registry's record.
    static func range(_ query: QueryParameters, _ storage: RegistryStorage) throws -> (from: AsOf, to: AsOf) {
        let first = try RegistryRecord.firstDay(storage.database) ?? storage.clock.today()
        let quarter = lastFullQuarter(before: storage.clock.today())
        let to = try AsOfParameter.date(query, "to", storage) ?? AsOf(max(quarter.to, first))
        let from = try AsOfParameter.date(query, "from", storage, fromTheEmptyRegistry: true) ?? AsOf(max(quarter.from, first.adding(days: -1)))
        guard from <= to else { throw RegistryError.invalid([FieldError("from", "must not be after to (\(to))")]) }
        return (from, to)
    }

    static func figures(_ figures: PortfolioChanges.Figures?) -> JSONValue {
        guard let figures else { return .null }
        return .object(["status": .string(figures.status.rawValue), "whole_life_cost": Money.json(figures.wholeLifeCost),
                        "spend_to_date": Money.json(figures.spendToDate)])
    }

    static func difference(_ a: PortfolioOverview.Slice, _ b: PortfolioOverview.Slice) -> PortfolioOverview.Slice {
        .init(key: b.key, projects: b.projects - a.projects, wholeLifeCost: b.wholeLifeCost - a.wholeLifeCost, spendToDate: b.spendToDate - a.spendToDate)
    }

    /// An event as JSON, written straight into `out`: a quarter's changes hold 150,000 of them,
    /// and a tree of values for each cost more than writing it.
    static func write(_ event: PortfolioChanges.Event, into out: inout [UInt8]) {
        // Keys as static bytes and values quoted where they are, not wrapped or copied: the two
        // threads that write the pages do not retain the same keys (a quarter's changes are
        // 150,000 events).
        func key(_ bytes: StaticString) { bytes.withUTF8Buffer { out.append(contentsOf: $0) } }
        func optional(_ name: StaticString, _ value: String?) {
            key(name)
            if let value { JSONString.quote(value, into: &out) } else { key("null") }
        }
        key(#"{"at":"#)
        JSONString.quote(event.at, into: &out)
        key(#","project_id":"#)
        out.append(contentsOf: String(event.projectID).utf8)
        key(#","agency":"#)
        JSONString.quote(event.agency, into: &out)
        key(#","title":"#)
        JSONString.quote(event.title, into: &out)
        key(#","kind":"#)
        JSONString.quote(event.kind.rawValue, into: &out)
        optional(#","field":"#, event.field)
        optional(#","old":"#, event.old)
        optional(#","new":"#, event.new)
        optional(#","detail":"#, event.detail)
        out.append(UInt8(ascii: "}"))
    }

    /// Everything but the projects and the events, as one object.
    static func head(_ changes: PortfolioChanges, currency: String) -> JSONValue {
        let slice = { (s: PortfolioOverview.Slice) in PortfolioRoutes.slice(s, key: "") }
        return .object([
            "from": .string(changes.from.description), "to": .string(changes.to.description), "currency": .string(currency),
            "totals": .object(["from": slice(changes.totalsFrom), "to": slice(changes.totalsTo),
                               "difference": slice(difference(changes.totalsFrom, changes.totalsTo))]),
            "by_agency": .array(changes.byAgency.map { agency, from, to in
                .object(["agency": .string(agency), "from": slice(from), "to": slice(to), "difference": slice(difference(from, to))])
            }),
        ])
    }

    static func project(_ change: PortfolioChanges.ProjectChange) -> JSONValue {
        .object(["id": .integer(change.id), "agency": .string(change.agency), "title": .string(change.title),
                 "from": figures(change.from), "to": figures(change.to)])
    }

    /// The changes as JSON, streamed: the head, then the projects and the events a few thousand
    /// at a time as the client takes them, so that a quarter's 50 MB is never one buffer.
    static func body(_ changes: PortfolioChanges, currency: String) -> StreamedBody {
        var prefix = head(changes, currency: currency).serializedBytes
        prefix.removeLast() // the head's closing brace: the projects and events follow inside it
        prefix.append(contentsOf: #","projects":["#.utf8)
        let projects = pages(of: changes.projects) { index, change, out in
            if index > 0 { out.append(UInt8(ascii: ",")) }
            project(change).write(into: &out)
        }
        let events = pages(of: changes.events) { index, event, out in
            if index > 0 { out.append(UInt8(ascii: ",")) }
            write(event, into: &out)
        }
        var projectsWritten = false
        return StreamedBody(prefix: prefix, suffix: Array("]}".utf8), pages: {
            if !projectsWritten {
                if let page = try projects() { return page }
                projectsWritten = true
                return Array(#"],"events":["#.utf8)
            }
            return try events()
        })
    }

    /// `items` rendered a few thousand at a time, for a streamed body: when the client has taken
    /// what was rendered, the next pages are rendered together on every core (a quarter's 50 MB
    /// took a third of a second on one), a few megabytes at most held at once.
    static func pages<Element: Sendable>(of items: [Element],
                                         render: @escaping @Sendable (Int, Element, inout [UInt8]) -> Void) -> () throws -> [UInt8]? {
        let pageSize = 2_000, pagesAhead = 2 * System.coreCount
        var next = 0
        var rendered: [[UInt8]] = []
        return {
            if rendered.isEmpty {
                guard next < items.count else { return nil }
                let starts = Array(stride(from: next, to: min(next + pageSize * pagesAhead, items.count), by: pageSize))
                let pages = Mutex([[UInt8]](repeating: [], count: starts.count))
                DispatchQueue.concurrentPerform(iterations: starts.count) { page in
                    let range = starts[page]..<min(starts[page] + pageSize, items.count)
                    var bytes: [UInt8] = []
                    bytes.reserveCapacity(range.count * 400)
                    // Each item lent to `render`, not copied out of the array.
                    items.withUnsafeBufferPointer { items in
                        for index in range { render(index, items[index], &bytes) }
                    }
                    pages.withLock { $0[page] = bytes }
                }
                rendered = pages.withLock { $0 }.reversed()
                next = min(next + pageSize * pagesAhead, items.count)
            }
            return rendered.removeLast()
        }
    }

    static var schema: JSONValue {
        let slice = Schema.object([("projects", Schema.integer), ("whole_life_cost", Schema.moneyTotal), ("spend_to_date", Schema.moneyTotal)])
        let signedMoney: JSONValue = .object(["type": .string("number"), "multipleOf": .number("0.01"), "description": .string("A difference: negative when it fell.")])
        let difference = Schema.object([("projects", Schema.integer), ("whole_life_cost", signedMoney), ("spend_to_date", signedMoney)])
        let totals = Schema.object([("from", slice), ("to", slice), ("difference", difference)])
        let figures = Schema.nullable(Schema.object([("status", Schema.string), ("whole_life_cost", Schema.moneyTotal), ("spend_to_date", Schema.moneyTotal)]))
        let text = Schema.nullable(Schema.string)
        return Schema.object([
            ("from", Schema.date), ("to", Schema.date), ("currency", Schema.string), ("totals", totals),
            ("by_agency", Schema.array(Schema.object([("agency", Schema.string), ("from", slice), ("to", slice), ("difference", difference)]))),
            ("projects", Schema.array(Schema.object([("id", Schema.integer), ("agency", Schema.string), ("title", Schema.string), ("from", figures), ("to", figures)]))),
            ("events", Schema.array(Schema.object([
                ("at", Schema.dateTime), ("project_id", Schema.integer), ("agency", Schema.string), ("title", Schema.string),
                ("kind", Schema.enumeration(PortfolioChanges.Kind.allCases.map(\.rawValue))), ("field", text), ("old", text), ("new", text), ("detail", text),
            ]))),
        ], required: ["from", "to", "currency", "totals", "by_agency", "projects", "events"])
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let storage = projects.storage
        let summary = "What changed between the end of one day and the end of another among the projects the list's filters match at either end: registrations, publications, status changes, closures and cancellations, cost, spend and date changes (old and new), re-baselines, reviews requested and decided, tranches released, findings raised and cleared; the totals at both ends and per agency. Every project whose figures differ is listed with both, so the differences add up exactly."
        let changes: @Sendable (RequestContext) throws -> PortfolioChanges = { context in
            let principal = try routes.projects.access.principal(context.request)
            let query = try ProjectListParameters.query(context.query, known: Self.parameters)
            let (from, to) = try Self.range(context.query, storage)
            return try storage.portfolio.changes(query, viewer: principal, from: from, to: to)
        }
        api.add(APIOperation(
            method: .GET, path: "/api/v1/portfolio/changes", id: "portfolioChanges", summary: summary,
            tag: "Portfolio", access: .everyone, parameters: Self.parameters,
            responses: [.json(200, "The changes.", Self.schema), .badRequest, .unauthorized, .invalid])
        ) { context in
            HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/json")]),
                         stream: Self.body(try changes(context), currency: storage.currency))
        }
        api.add(APIOperation(
            method: .GET, path: "/api/v1/portfolio/changes.csv", id: "portfolioChangesCSV", summary: "The same changes as CSV (RFC 4180, header row): one row per event.",
            tag: "Portfolio", access: .everyone, parameters: Self.parameters,
            responses: [.init(status: 200, description: "The events, oldest first.", contentType: "text/csv", schema: Schema.string), .badRequest, .unauthorized, .invalid])
        ) { context in
            let changes = try changes(context)
            let (from, to) = (changes.from, changes.to)
            let pages = Self.pages(of: changes.events) { _, event, out in
                out.append(contentsOf: CSVWriter.line([event.at, String(event.projectID), event.agency, SpreadsheetText.escape(event.title),
                                                       event.kind.rawValue, event.field ?? "", event.old ?? "", event.new ?? "",
                                                       SpreadsheetText.escape(event.detail ?? "")]))
            }
            return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/csv; charset=utf-8"),
                                                                   ("Content-Disposition", "attachment; filename=\"changes-\(from)-\(to).csv\"")]),
                                stream: StreamedBody(prefix: CSVWriter.line(Self.csvColumns), pages: pages))
        }
    }
}
