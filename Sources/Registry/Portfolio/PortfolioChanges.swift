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
        /// The reason of a transition or re-baseline, a review's kind or outcome, a finding's message.
        public var detail: String?
        /// The record it comes from (see `source`).
        public var origin: Origin

        /// Where an event comes from.
        public enum Origin: Sendable, Equatable {
            case auditEvent(Int64), baseline(Int), reviewRequested(Int64), reviewDecided(Int64), tranche(Int64)
            /// What the rules said at the end of `to` and not at `from` (the rule in `field`,
            /// its words in `detail`), or the reverse.
            case findingRaised, findingCleared
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
        let beforeByID = Dictionary(uniqueKeysWithValues: before.map { ($0.id, $0) })
        let afterByID = Dictionary(uniqueKeysWithValues: after.map { ($0.id, $0) })
        let ids = Set(beforeByID.keys).union(afterByID.keys).sorted()

        func figures(_ entry: PortfolioProjection.Entry?) -> PortfolioChanges.Figures? {
            entry.map { .init(status: $0.status, wholeLifeCost: $0.wholeLifeCost, spendToDate: $0.spendToDate ?? .zero) }
        }
        var projects: [PortfolioChanges.ProjectChange] = []
        for id in ids {
            let a = figures(beforeByID[id]), b = figures(afterByID[id])
            guard a != b, let latest = afterByID[id] ?? beforeByID[id] else { continue }
            projects.append(.init(id: id, agency: latest.agency, title: latest.title, from: a, to: b))
        }

        // The records' events (read from the database) and the findings' (compared in memory),
        // each for a quarter of the projects, eight parts on every core, each part sorted.
        let quarters = (0..<4).map { quarter in Array(ids[(ids.count * quarter / 4)..<(ids.count * (quarter + 1) / 4)]) }
        let found = Mutex([Result<[PortfolioChanges.Event], any Error>](repeating: .success([]), count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { part in
            let result = Result { () throws -> [PortfolioChanges.Event] in
                var events = part < 4
                    ? try recordedEvents(ids: quarters[part], from: from, to: to, viewer: viewer)
                    : Self.findingEvents(ids: quarters[part - 4], from: pastFrom, to: pastTo, viewer: viewer)
                events.sort(by: Self.inOrder)
                return events
            }
            found.withLock { $0[part] = result }
        }
        let events = Self.merged(try found.withLock { try $0.map { try $0.get() } }, by: Self.inOrder)

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
        let ids = try compliance.database.read { db in
            try db.query("""
                SELECT DISTINCT project_id FROM project_versions WHERE at < ?
                """ + (agency == nil ? "" : " AND agency_code = ?") + (project == nil ? "" : " AND project_id = ?"),
                [to.cutoff] + (agency.map { [$0] } ?? []) + (project.map { [$0] } ?? [])).map { try $0.decode("project_id", as: Int64.self) }
        }
        return try recordedEvents(ids: ids, from: from, to: to, viewer: viewer).sorted { ($0.at, $0.projectID) > ($1.at, $1.projectID) }
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
            for id in Set(was.keys).union(now.keys) {
                guard let project = now[id] ?? was[id], viewer.sees(agency: project.agency, status: project.status) else { continue }
                events += Self.findingEvents(id: id, agency: project.agency, title: project.title, was: was[id]?.findings ?? [],
                                             now: now[id]?.findings ?? [], at: asOf)
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
        for id in ids {
            let was = from.entry(id), now = to.entry(id)
            guard (was?.ruleMask ?? 0) != (now?.ruleMask ?? 0), let latest = now ?? was,
                  viewer.sees(agency: latest.agency, status: latest.status) else { continue }
            events += findingEvents(id: id, agency: latest.agency, title: latest.title, was: was?.assessment.findings ?? [],
                                    now: now?.assessment.findings ?? [], at: to.asOf)
        }
        return events
    }

    /// Sorted parts merged into one sorted list: an element of an earlier part first among
    /// equals, as a stable sort of the parts one after another would put it.
    static func merged<Element>(_ parts: [[Element]], by areInIncreasingOrder: (Element, Element) -> Bool) -> [Element] {
        var parts = parts.map { Array($0.reversed()) }
        var merged: [Element] = []
        merged.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        while true {
            var next: Int?
            for part in parts.indices where !parts[part].isEmpty {
                if let current = next, !areInIncreasingOrder(parts[part].last!, parts[current].last!) { continue }
                next = part
            }
            guard let next else { return merged }
            merged.append(parts[next].removeLast())
        }
    }

    /// A project's findings raised (at `at` and not before, one per finding) and cleared (one per
    /// rule no longer found), dated at the end of `at`'s day.
    static func findingEvents(id: Int64, agency: String, title: String, was: [Finding], now: [Finding], at: AsOf) -> [PortfolioChanges.Event] {
        let before = Set(was.map(\.rule)), after = Set(now.map(\.rule))
        let time = "\(at.day)T23:59:59Z"
        let raised = now.filter { !before.contains($0.rule) }.map { finding in
            PortfolioChanges.Event(at: time, projectID: id, agency: agency, title: title, kind: .findingRaised, field: finding.rule.rawValue,
                                   detail: finding.message, origin: .findingRaised)
        }
        let cleared = RuleID.allCases.filter { before.contains($0) && !after.contains($0) }.map { rule in
            PortfolioChanges.Event(at: time, projectID: id, agency: agency, title: title, kind: .findingCleared, field: rule.rawValue, origin: .findingCleared)
        }
        return raised + cleared
    }

    /// The events the records themselves date: each project version after `from` compared with
    /// the one before it, and the reviews, re-baselines and releases recorded in between.
    private func recordedEvents(ids: [Int64], from: AsOf, to: AsOf, viewer: Principal) throws -> [PortfolioChanges.Event] {
        let list = Projects.idList(ids)
        return try compliance.database.read { db in
            var events: [PortfolioChanges.Event] = []
            // Only the figures are compared: no version's parts are read. Only the projects that
            // changed in between are read as they were before.
            let changed = try db.query("""
                SELECT DISTINCT project_id FROM project_versions WHERE at >= ? AND at < ? AND project_id IN (SELECT value FROM json_each(?))
                """, [from.cutoff, to.cutoff, list]).map { try $0.decode("project_id", as: Int64.self) }
            var previous = try Projects.loadMany(db, ids: changed, asOf: from, withParts: false)
            try Projects.forEachVersion(db, """
                SELECT v.*, json_extract(e.after, '$.reason') AS reason FROM project_versions v JOIN audit_events e ON e.id = v.event_id
                WHERE v.at >= ? AND v.at < ? AND v.project_id IN (SELECT value FROM json_each(?)) ORDER BY v.event_id
                """, [from.cutoff, to.cutoff, list], withParts: false) { row, project in
                defer { previous[project.id] = project }
                guard viewer.sees(agency: project.agency, status: project.status) else { return }
                let at: String = try row.decode("at")
                let eventID: Int64 = try row.decode("event_id")
                func event(_ kind: PortfolioChanges.Kind, _ field: String? = nil, _ old: String? = nil, _ new: String? = nil, detail: String? = nil) {
                    events.append(.init(at: at, projectID: project.id, agency: project.agency, title: project.record.title, kind: kind,
                                        field: field, old: old, new: new, detail: detail, origin: .auditEvent(eventID)))
                }
                guard let was = previous[project.id] else {
                    event(.registered, "whole_life_cost", nil, project.record.wholeLifeCost.decimalString)
                    return
                }
                if was.status != project.status {
                    let kind: PortfolioChanges.Kind = was.status == .proposed ? .published
                        : project.status == .completed ? .closed : project.status == .cancelled ? .cancelled : .statusChanged
                    event(kind, "status", was.status.rawValue, project.status.rawValue, detail: try row.decodeIfPresent("reason"))
                }
                if was.record.wholeLifeCost != project.record.wholeLifeCost {
                    event(.costChanged, "whole_life_cost", was.record.wholeLifeCost.decimalString, project.record.wholeLifeCost.decimalString)
                }
                if was.record.spendToDate != project.record.spendToDate {
                    event(.spendChanged, "spend_to_date", was.record.spendToDate?.decimalString, project.record.spendToDate?.decimalString)
                }
                for (field, old, new) in [("start_date", was.record.startDate, project.record.startDate),
                                          ("planned_end_date", was.record.plannedEndDate, project.record.plannedEndDate),
                                          ("forecast_end_date", was.record.forecastEndDate, project.record.forecastEndDate)] where old != new {
                    event(.scheduleChanged, field, old?.description, new?.description)
                }
            }
            // Reviews, re-baselines and releases: a project's own records, shown as the project was then.
            let owners = try db.query("""
                SELECT project_id FROM baselines WHERE number > 1 AND created_at >= ?1 AND created_at < ?2
                UNION SELECT project_id FROM reviews WHERE (requested_at >= ?1 AND requested_at < ?2) OR (completed_at >= ?1 AND completed_at < ?2)
                UNION SELECT project_id FROM funding_tranches WHERE released_at >= ?1 AND released_at < ?2
                """, [from.cutoff, to.cutoff]).map { try $0.decode("project_id", as: Int64.self) }
            let figures = try Projects.loadMany(db, ids: owners, asOf: to, withParts: false)
            func add(_ projectID: Int64, _ at: String, _ kind: PortfolioChanges.Kind, _ field: String?, _ old: String?, _ new: String?, _ detail: String?, origin: PortfolioChanges.Event.Origin) {
                guard let project = figures[projectID], viewer.sees(agency: project.agency, status: project.status) else { return }
                events.append(.init(at: at, projectID: projectID, agency: project.agency, title: project.record.title, kind: kind,
                                    field: field, old: old, new: new, detail: detail, origin: origin))
            }
            let window: [any SQLiteBindable] = [from.cutoff, to.cutoff, list]
            try db.forEach("""
                SELECT b.*, (SELECT whole_life_cost_cents FROM baselines p WHERE p.project_id = b.project_id AND p.number = b.number - 1) AS previous_cents
                FROM baselines b WHERE b.number > 1 AND b.created_at >= ? AND b.created_at < ? AND b.project_id IN (SELECT value FROM json_each(?))
                """, window) { row in
                let baseline = try Baselines.baseline(row)
                add(try row.decode("project_id"), baseline.createdAt, .rebaselined, "whole_life_cost",
                    try row.decodeIfPresent("previous_cents", as: Money.self)?.decimalString, baseline.wholeLifeCost.decimalString, baseline.reason,
                    origin: .baseline(baseline.number))
            }
            try db.forEach("SELECT * FROM reviews WHERE ((requested_at >= ?1 AND requested_at < ?2) OR (completed_at >= ?1 AND completed_at < ?2)) AND project_id IN (SELECT value FROM json_each(?3))",
                           window) { row in
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
            try db.forEach("SELECT * FROM funding_tranches WHERE released_at >= ? AND released_at < ? AND project_id IN (SELECT value FROM json_each(?))",
                           window) { row in
                let tranche = try FundingTranches.tranche(row)
                add(tranche.projectID, tranche.releasedAt ?? "", .trancheReleased, "amount", nil, tranche.amount.decimalString, tranche.condition.rawValue,
                    origin: .tranche(tranche.id))
            }
            return events
        }
    }
}
