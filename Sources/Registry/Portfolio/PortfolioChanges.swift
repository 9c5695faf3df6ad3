import Dispatch
import SQLiteDatabase
import Synchronization

/// What changed in the portfolio between the end of one day and the end of another: every
/// event of the projects a query matches at either end, and the totals at both ends. Every
/// project whose figures differ between the two ends is listed with both, so the difference in
/// the totals is exactly the sum of theirs.
public struct PortfolioChanges: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case registered, published, statusChanged = "status_changed", closed, cancelled
        case costChanged = "cost_changed", spendChanged = "spend_changed", scheduleChanged = "schedule_changed"
        case rebaselined, reviewRequested = "review_requested", reviewDecided = "review_decided", trancheReleased = "tranche_released"
        case findingRaised = "finding_raised", findingCleared = "finding_cleared"
    }

    public struct Event: Sendable, Equatable {
        /// When it was recorded; a finding raised or cleared is dated at the end of `to` (it is
        /// what the rules said then that they did not say at `from`).
        public var at: String
        public var projectID: Int64
        public var agency: String
        public var title: String
        public var kind: Kind
        /// The field or rule it concerns, with its old and new values where it has them.
        public var field: String?
        public var old: String?
        public var new: String?
        /// The record it comes from (see `source`).
        public var origin: Origin
        /// The reason of a transition or re-baseline, a review's kind or outcome.
        private var recordedDetail: String?

        /// Where an event comes from.
        public enum Origin: Sendable, Equatable {
            case auditEvent(Int64), baseline(Int), reviewRequested(Int64), reviewDecided(Int64), tranche(Int64)
            /// What the rules said at the end of `to` and not at `from` (the rule in `field`),
            /// or the reverse.
            case findingRaised(Finding), findingCleared
        }

        public init(at: String, projectID: Int64, agency: String, title: String, kind: Kind, field: String? = nil,
                    old: String? = nil, new: String? = nil, detail: String? = nil, origin: Origin) {
            self.at = at
            self.projectID = projectID
            self.agency = agency
            self.title = title
            self.kind = kind
            self.field = field
            self.old = old
            self.new = new
            self.origin = origin
            recordedDetail = detail
        }

        /// The reason of a transition or re-baseline, a review's kind or outcome, a finding's
        /// message. A finding is worded when read: a quarter's changes raise 100,000 findings,
        /// worded as the pages of the response are written, on every core.
        public var detail: String? {
            if case .findingRaised(let finding) = origin { return finding.message }
            return recordedDetail
        }

        /// The record it comes from, unique among a project's changes and the same every time
        /// they are read (a feed entry's id). Made when asked: the feeds ask, a quarter's
        /// changes of 150,000 events do not.
        public var source: String {
            switch origin {
            case .auditEvent(let id): "event-\(id)-\(field ?? kind.rawValue)"
            case .baseline(let number): "baseline-\(number)"
            case .reviewRequested(let id): "review-\(id)-requested"
            case .reviewDecided(let id): "review-\(id)-decided"
            case .tranche(let id): "tranche-\(id)"
            case .findingRaised: "finding-\(field ?? "")-" + Hex.sha256(Array((detail ?? "").utf8)).prefix(12)
            case .findingCleared: "cleared-\(field ?? "")"
            }
        }
    }

    /// A project's figures at one end.
    public struct Figures: Sendable, Equatable {
        public var status: ProjectStatus
        public var wholeLifeCost: Money
        public var spendToDate: Money
    }

    public struct ProjectChange: Sendable, Equatable {
        public var id: Int64
        public var agency: String
        public var title: String
        /// Nil at an end where the query did not match it (or it did not exist, or was a draft the viewer may not see).
        public var from: Figures?
        public var to: Figures?
    }

    public var from: AsOf
    public var to: AsOf
    public var totalsFrom: PortfolioOverview.Slice
    public var totalsTo: PortfolioOverview.Slice
    /// Every agency with projects at either end: its totals at both.
    public var byAgency: [(agency: String, from: PortfolioOverview.Slice, to: PortfolioOverview.Slice)]
    public var projects: [ProjectChange]
    public var events: [Event]
}

extension Portfolio {
    /// The changes between the ends of `from`'s and `to`'s days among what `query` matches at
    /// either end, as `viewer` may see them: a draft's changes only for those who may see it.
    public func changes(_ query: ProjectQuery, viewer: Principal, from: AsOf, to: AsOf) throws -> PortfolioChanges {
        // Each end's portfolio read once: its matching projects give both the totals and the list.
        let pastFrom = try past(from), pastTo = try past(to)
        let before = try matching(query, viewer: viewer, in: pastFrom.entries, asOf: from)
        let after = try matching(query, viewer: viewer, in: pastTo.entries, asOf: to)
        let overviewBefore = PortfolioOverview(before, names: pastFrom.entries.names)
        let overviewAfter = PortfolioOverview(after, names: pastTo.entries.names)
        // Both ends' projects are in id order: walked side by side, each id once.
        var ends: [(before: PortfolioProjection.Entry?, after: PortfolioProjection.Entry?)] = []
        ends.reserveCapacity(max(before.count, after.count))
        var b = 0, a = 0
        while b < before.count || a < after.count {
            if a == after.count || (b < before.count && before[b].id < after[a].id) {
                ends.append((before[b], nil)); b += 1
            } else if b == before.count || after[a].id < before[b].id {
                ends.append((nil, after[a])); a += 1
            } else {
                ends.append((before[b], after[a])); b += 1; a += 1
            }
        }
        let ids = ends.map { ($0.after ?? $0.before)!.id }

        func figures(_ entry: PortfolioProjection.Entry?) -> PortfolioChanges.Figures? {
            entry.map { .init(status: $0.status, wholeLifeCost: $0.wholeLifeCost, spendToDate: $0.spendToDate ?? .zero) }
        }
        var projects: [PortfolioChanges.ProjectChange] = []
        for end in ends {
            let was = figures(end.before), now = figures(end.after)
            guard was != now, let latest = end.after ?? end.before else { continue }
            projects.append(.init(id: latest.id, agency: latest.agency, title: latest.title, from: was, to: now))
        }

        // The records' events, read from the database in time order a stretch of days at a time,
        // and the findings', compared in memory a quarter of the projects at a time: every part
        // on every core, and each part's events after the one before's.
        let quarters = (0..<4).map { quarter in Array(ids[(ids.count * quarter / 4)..<(ids.count * (quarter + 1) / 4)]) }
        let stretches = Self.stretches(from: from, to: to, count: 4)
        let found = Mutex([Result<[PortfolioChanges.Event], any Error>](repeating: .success([]), count: stretches.count + 4))
        DispatchQueue.concurrentPerform(iterations: stretches.count + 4) { part in
            let result = Result { () throws -> [PortfolioChanges.Event] in
                part < stretches.count
                    ? try recordedEvents(of: .sorted(ids), from: stretches[part].from, to: stretches[part].to, shownAsOf: to, viewer: viewer)
                    : Self.findingEvents(ids: quarters[part - stretches.count], from: pastFrom, to: pastTo, viewer: viewer)
            }
            found.withLock { $0[part] = result }
        }
        // Taken out, so that the merge can grow the first part in place.
        let parts = try found.withLock { results in
            defer { results = [] }
            return try results.map { try $0.get() }
        }
        let events = Self.merged(parts, by: Self.inOrder)

        let agencies = Set(overviewBefore.byAgency.map(\.key)).union(overviewAfter.byAgency.map(\.key)).sorted()
        let empty = { (key: String) in PortfolioOverview.Slice(key: key, projects: 0, wholeLifeCost: .zero, spendToDate: .zero) }
        let byAgency = agencies.map { code in
            (code, overviewBefore.byAgency.first { $0.key == code } ?? empty(code), overviewAfter.byAgency.first { $0.key == code } ?? empty(code))
        }
        return PortfolioChanges(from: from, to: to, totalsFrom: overviewBefore.totals, totalsTo: overviewAfter.totals,
                                byAgency: byAgency, projects: projects, events: events)
    }

    /// The changes the records themselves date between `from` and `to` (no finding, so no
    /// portfolio of then is built): of every project, one agency's or one project, as `viewer`
    /// may see them, newest first. What the Atom feeds show.
    public func recordedChanges(viewer: Principal, agency: String? = nil, project: Int64? = nil, from: AsOf, to: AsOf) throws -> [PortfolioChanges.Event] {
        let scope: RecordScope
        if let project {
            scope = .project(project)
        } else if let agency {
            // A project is its agency's for good, so the agency's projects now are all it has had
            // (found by the agency's index, not a walk of every version).
            scope = .sorted(try compliance.database.read { db in
                try db.query("SELECT id FROM projects WHERE agency_code = ? ORDER BY id", [agency]).map { try $0.decode("id", as: Int64.self) }
            })
        } else {
            scope = .all
        }
        return Self.newestFirst(try recordedEvents(of: scope, from: from, to: to, viewer: viewer))
    }

    /// Events `inOrder` turned newest first, the events of one moment of one project kept in
    /// the order they were recorded (a version's fields in their order, then its other records).
    static func newestFirst(_ events: [PortfolioChanges.Event]) -> [PortfolioChanges.Event] {
        var newest: [PortfolioChanges.Event] = []
        newest.reserveCapacity(events.count)
        var end = events.endIndex
        while end > events.startIndex {
            var start = end - 1
            while start > events.startIndex, !inOrder(events[start - 1], events[end - 1]) { start -= 1 }
            newest.append(contentsOf: events[start..<end])
            end = start
        }
        return newest
    }

    /// What the rules said at the end of each of `days` that they had not said the day before
    /// (raised), and the reverse (cleared), dated that day; past days' findings are kept.
    public func findingChanges(days: [AsOf], viewer: Principal) throws -> [PortfolioChanges.Event] {
        let today = compliance.clock.today()
        func findings(_ asOf: AsOf) throws -> [Int64: (agency: String, title: String, status: ProjectStatus, findings: [Finding])] {
            if asOf.day < today, let kept = history.findings.withLock({ $0[asOf] }) { return kept }
            var result: [Int64: (agency: String, title: String, status: ProjectStatus, findings: [Finding])] = [:]
            for entry in try past(asOf).entries.ordered where !entry.assessment.findings.isEmpty {
                result[entry.id] = (entry.agency, entry.title, entry.status, entry.assessment.findings)
            }
            if asOf.day < today { history.findings.withLock { $0[asOf] = result } }
            return result
        }
        var events: [PortfolioChanges.Event] = []
        for asOf in days {
            let was = try findings(AsOf(asOf.day.adding(days: -1))), now = try findings(asOf)
            let time = Self.findingTime(asOf)
            for id in Set(was.keys).union(now.keys) {
                guard let project = now[id] ?? was[id], viewer.sees(agency: project.agency, status: project.status) else { continue }
                Self.findingEvents(id: id, agency: project.agency, title: project.title, was: was[id]?.findings ?? [],
                                   now: now[id]?.findings ?? [], at: time, into: &events)
            }
        }
        return events.sorted { ($0.at, $0.projectID, $0.field ?? "") > ($1.at, $1.projectID, $1.field ?? "") }
    }

    /// Changes in time order, a project's together.
    static func inOrder(_ a: PortfolioChanges.Event, _ b: PortfolioChanges.Event) -> Bool {
        (a.at, a.projectID) < (b.at, b.projectID)
    }

    /// What the rules said at the end of `to` and not at `from`, and the reverse, for `ids`: a
    /// project whose rules found the same at both ends has none.
    static func findingEvents(ids: [Int64], from: PortfolioHistory.Past, to: PortfolioHistory.Past, viewer: Principal) -> [PortfolioChanges.Event] {
        var events: [PortfolioChanges.Event] = []
        let time = findingTime(to.asOf)
        for id in ids {
            let was = from.entry(id), now = to.entry(id)
            guard (was?.ruleMask ?? 0) != (now?.ruleMask ?? 0), let latest = now ?? was,
                  viewer.sees(agency: latest.agency, status: latest.status) else { continue }
            findingEvents(id: id, agency: latest.agency, title: latest.title, was: was?.assessment.findings ?? [],
                          now: now?.assessment.findings ?? [], at: time, into: &events)
        }
        return events
    }

    /// `events` stably sorted `inOrder`. Their positions are sorted and each event is copied
    /// once: an event holds some ten strings, and a sort of the events themselves copies each
    /// many times.
    static func sortedInOrder(_ events: [PortfolioChanges.Event]) -> [PortfolioChanges.Event] {
        events.indices.sorted { a, b in (events[a].at, events[a].projectID, a) < (events[b].at, events[b].projectID, b) }.map { events[$0] }
    }

    /// Sorted parts merged into one sorted list: an element of an earlier part first among
    /// equals, as a stable sort of the parts one after another would put it.
    static func merged<Element>(_ parts: consuming [[Element]], by areInIncreasingOrder: (Element, Element) -> Bool) -> [Element] {
        var parts = parts
        parts.removeAll { $0.isEmpty }
        // Parts already in order one after another (each starts no earlier than the one before
        // ends) need no comparing, and the first is grown in place: the records' changes end
        // before the findings' are dated.
        if zip(parts, parts.dropFirst()).allSatisfy({ !areInIncreasingOrder($1.first!, $0.last!) }) {
            guard !parts.isEmpty else { return [] }
            var all = parts.removeFirst()
            all.reserveCapacity(parts.reduce(all.count) { $0 + $1.count })
            for part in parts { all.append(contentsOf: part) }
            return all
        }
        var next = Array(repeating: 0, count: parts.count)
        var merged: [Element] = []
        merged.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        var left = parts.count
        while left > 1 {
            var first: Int?
            for part in parts.indices where next[part] < parts[part].count {
                if let current = first, !areInIncreasingOrder(parts[part][next[part]], parts[current][next[current]]) { continue }
                first = part
            }
            merged.append(parts[first!][next[first!]])
            next[first!] += 1
            if next[first!] == parts[first!].count { left -= 1 }
        }
        // The last part left: the rest of it as it is.
        if let last = parts.indices.first(where: { next[$0] < parts[$0].count }) { merged.append(contentsOf: parts[last][next[last]...]) }
        return merged
    }

    /// When a finding raised or cleared as of `asOf` is dated: the end of its day.
    static func findingTime(_ asOf: AsOf) -> String { "\(asOf.day)T23:59:59Z" }

    /// A project's findings raised (at `time` and not before, one per finding) and cleared (one
    /// per rule no longer found), appended to `events`.
    static func findingEvents(id: Int64, agency: String, title: String, was: [Finding], now: [Finding], at time: String,
                              into events: inout [PortfolioChanges.Event]) {
        let before = was.reduce(0) { $0 | $1.rule.bit }, after = now.reduce(0) { $0 | $1.rule.bit }
        for finding in now where before & finding.rule.bit == 0 {
            events.append(.init(at: time, projectID: id, agency: agency, title: title, kind: .findingRaised, field: finding.rule.rawValue,
                                origin: .findingRaised(finding)))
        }
        for rule in RuleID.ordered where before & rule.bit != 0 && after & rule.bit == 0 {
            events.append(.init(at: time, projectID: id, agency: agency, title: title, kind: .findingCleared, field: rule.rawValue, origin: .findingCleared))
        }
    }

    /// The days after `from` up to `to` in up to `count` stretches, one after another.
    static func stretches(from: AsOf, to: AsOf, count: Int) -> [(from: AsOf, to: AsOf)] {
        let first = from.day.daysSinceEpoch, days = to.day.daysSinceEpoch - first
        let ends = (0...count).map { AsOf(LocalDate(daysSinceEpoch: first + days * $0 / count)) }
        return zip(ends, ends.dropFirst()).filter { $0.0 != $0.1 }
    }

    /// Whose records are read: every project's, those of a list (ascending ids), or one project's.
    enum RecordScope {
        case all, sorted([Int64]), project(Int64)

        func includes(_ id: Int64) -> Bool {
            switch self {
            case .all: return true
            case .project(let project): return id == project
            case .sorted(let ids):
                var low = 0, high = ids.count
                while low < high {
                    let middle = (low + high) / 2
                    if ids[middle] < id { low = middle + 1 } else { high = middle }
                }
                return low < ids.count && ids[low] == id
            }
        }
    }

    /// The events the records themselves date after `from` up to `to`, `inOrder`: what each
    /// project version changed (migration 0009 keeps it, in time order), shown as the project
    /// was in that version, and the reviews, re-baselines and releases, shown as it was at
    /// `shownAsOf` (the end of the whole window, when this is a stretch of it; else `to`).
    private func recordedEvents(of scope: RecordScope, from: AsOf, to: AsOf, shownAsOf: AsOf? = nil, viewer: Principal) throws -> [PortfolioChanges.Event] {
        try compliance.database.read { db in
            var changes: [PortfolioChanges.Event] = []
            // Every query below: ?1 and ?2 the window, and for one project, ?3 its id.
            var window: [any SQLiteBindable] = [from.cutoff, to.cutoff]
            var projectFilter = ""
            if case .project(let id) = scope { window.append(id); projectFilter = " AND project_id = ?3" }
            try db.forEach("""
                SELECT at, project_id, event_id, field, old, new, agency_code, title, status, reason FROM project_changes
                WHERE at >= ?1 AND at < ?2\(projectFilter) ORDER BY at, project_id, event_id, position
                """, window) { row in
                let projectID: Int64 = try row.decode("project_id")
                guard scope.includes(projectID) else { return }
                let agency: String = try row.decode("agency_code"), status: ProjectStatus = try row.decode("status")
                guard viewer.sees(agency: agency, status: status) else { return }
                let field: String = try row.decode("field")
                func event(_ kind: PortfolioChanges.Kind, _ field: String, _ old: String?, _ new: String?, detail: String? = nil) throws {
                    changes.append(.init(at: try row.decode("at"), projectID: projectID, agency: agency, title: try row.decode("title"),
                                         kind: kind, field: field, old: old, new: new, detail: detail,
                                         origin: .auditEvent(try row.decode("event_id"))))
                }
                switch field {
                case "registered":
                    try event(.registered, "whole_life_cost", nil, try row.decode("new", as: Money.self).decimalString)
                case "status":
                    let was: ProjectStatus = try row.decode("old")
                    let kind: PortfolioChanges.Kind = was == .proposed ? .published
                        : status == .completed ? .closed : status == .cancelled ? .cancelled : .statusChanged
                    try event(kind, field, was.rawValue, status.rawValue, detail: try row.decodeIfPresent("reason"))
                case "whole_life_cost":
                    try event(.costChanged, field, try row.decode("old", as: Money.self).decimalString, try row.decode("new", as: Money.self).decimalString)
                case "spend_to_date":
                    try event(.spendChanged, field, try row.decodeIfPresent("old", as: Money.self)?.decimalString,
                              try row.decodeIfPresent("new", as: Money.self)?.decimalString)
                default:
                    try event(.scheduleChanged, field, try row.decodeIfPresent("old", as: LocalDate.self)?.description,
                              try row.decodeIfPresent("new", as: LocalDate.self)?.description)
                }
            }

            // Reviews, re-baselines and releases, shown as their project was at `to`.
            var others: [PortfolioChanges.Event] = []
            let owners = try db.query("""
                SELECT project_id FROM baselines WHERE number > 1 AND created_at >= ?1 AND created_at < ?2\(projectFilter)
                UNION SELECT project_id FROM reviews WHERE requested_at >= ?1 AND requested_at < ?2\(projectFilter)
                UNION SELECT project_id FROM reviews WHERE completed_at >= ?1 AND completed_at < ?2\(projectFilter)
                UNION SELECT project_id FROM funding_tranches WHERE released_at >= ?1 AND released_at < ?2\(projectFilter)
                """, window).map { try $0.decode("project_id", as: Int64.self) }.filter(scope.includes)
            let owned = try VersionNames.latest(db, ids: owners, asOf: shownAsOf ?? to)
            func add(_ projectID: Int64, _ at: String, _ kind: PortfolioChanges.Kind, _ field: String?, _ old: String?, _ new: String?, _ detail: String?, origin: PortfolioChanges.Event.Origin) {
                guard let project = owned[projectID], viewer.sees(agency: project.agency, status: project.status) else { return }
                others.append(.init(at: at, projectID: projectID, agency: project.agency, title: project.title, kind: kind,
                                    field: field, old: old, new: new, detail: detail, origin: origin))
            }
            try db.forEach("""
                SELECT b.*, (SELECT whole_life_cost_cents FROM baselines p WHERE p.project_id = b.project_id AND p.number = b.number - 1) AS previous_cents
                FROM baselines b WHERE b.number > 1 AND b.created_at >= ?1 AND b.created_at < ?2\(projectFilter) ORDER BY b.project_id, b.number
                """, window) { row in
                let baseline = try Baselines.baseline(row)
                add(try row.decode("project_id"), baseline.createdAt, .rebaselined, "whole_life_cost",
                    try row.decodeIfPresent("previous_cents", as: Money.self)?.decimalString, baseline.wholeLifeCost.decimalString, baseline.reason,
                    origin: .baseline(baseline.number))
            }
            try db.forEach("""
                SELECT * FROM reviews WHERE ((requested_at >= ?1 AND requested_at < ?2) OR (completed_at >= ?1 AND completed_at < ?2))\(projectFilter)
                ORDER BY project_id, id
                """, window) { row in
                let review = try Reviews.review(row)
                let name = review.kind.rawValue + (review.gate.map { " gate \($0)" } ?? "")
                if from.cutoff <= review.requestedAt, review.requestedAt < to.cutoff {
                    add(review.projectID, review.requestedAt, .reviewRequested, "review", nil, String(review.id), name, origin: .reviewRequested(review.id))
                }
                if let completedAt = review.completedAt, from.cutoff <= completedAt, completedAt < to.cutoff {
                    add(review.projectID, completedAt, .reviewDecided, "review", String(review.id), review.outcome?.rawValue,
                        name + (review.deliveryConfidence.map { ", delivery confidence \($0.rawValue)" } ?? ""), origin: .reviewDecided(review.id))
                }
            }
            try db.forEach("""
                SELECT * FROM funding_tranches WHERE released_at >= ?1 AND released_at < ?2\(projectFilter) ORDER BY project_id, id
                """, window) { row in
                let tranche = try FundingTranches.tranche(row)
                add(tranche.projectID, tranche.releasedAt ?? "", .trancheReleased, "amount", nil, tranche.amount.decimalString, tranche.condition.rawValue,
                    origin: .tranche(tranche.id))
            }
            // A version's changes first among those of the same moment, as they were recorded first.
            return Self.merged([changes, Self.sortedInOrder(others)], by: Self.inOrder)
        }
    }
}

/// Who a project was at a time, as a change to its other records shows it: read without the
/// rest of its record.
private struct VersionNames {
    static let columns = "project_id, agency_code, title, status"

    var id: Int64
    var agency: String
    var title: String
    var status: ProjectStatus

    init(_ row: SQLiteRow) throws(SQLiteError) {
        id = try row.decode("project_id")
        agency = try row.decode("agency_code")
        title = try row.decode("title")
        status = try row.decode("status")
    }

    /// Those of `ids` as they stood at the end of `asOf`'s day (those not yet registered are absent).
    static func latest(_ db: SQLiteConnection, ids: [Int64], asOf: AsOf) throws -> [Int64: VersionNames] {
        guard !ids.isEmpty else { return [:] }
        var names: [Int64: VersionNames] = [:]
        try db.forEach(ProjectVersions.latestSQL(ids: true, columns: columns), [asOf.cutoff, Projects.idList(ids)]) { row in
            let version = try VersionNames(row)
            names[version.id] = version
        }
        return names
    }
}
