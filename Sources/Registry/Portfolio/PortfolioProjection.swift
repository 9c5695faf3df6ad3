import SQLiteDatabase
import Synchronization

/// Every project's key facts and what the rules say of it, held in memory so that the
/// portfolio-wide reads (the overview, the findings, the list's rule filters, the exports)
/// need no rule evaluation. Built once, then brought up to date from the audit trail: a write
/// re-assesses the projects it touched and those whose findings name them (alike projects).
/// A new day or a new threshold re-assesses everything, since both change what every project owes.
public final class PortfolioProjection: Sendable {
    /// Immutable and shared: a read of 100,000 entries passes references, not copies.
    public final class Entry: Sendable {
        public let id: Int64
        public let agency: String
        public let title: String
        public let status: ProjectStatus
        public let category: String?
        public let riskRating: Int?
        public let wholeLifeCost: Money
        public let spendToDate: Money?
        public let plannedEndDate: LocalDate
        public let forecastEnd: LocalDate
        public let updatedAt: String
        public let assessment: Assessment
        /// The alike projects when this was assessed: their findings may name this one.
        let neighbours: ProjectIDs
        /// A bit per rule with a finding here (`RuleID.allCases` order). This and the keys
        /// below let the overview count 100,000 projects without hashing a string or copying
        /// an assessment.
        let ruleMask: UInt32
        /// Positions in `Entries.names` of the agency code and the category ("uncategorised" if none).
        let agencyKey: Int
        let categoryKey: Int
        /// Position in `Review.DeliveryConfidence.allCases`, or nil when not assessed.
        let confidenceKey: Int?
        let businessCaseRequired: Bool
        let centralReviewRequired: Bool
        /// Days since the epoch: the day it was assessed as of, the first day since which the
        /// rules have said the same of it (`RulesEngine.steadySince`), and its last report (or
        /// `Int32.min`). While its records stay as they are, a past day between the first two
        /// need not read it again (see `PortfolioHistory`).
        let assessedOn: Int32
        let steadySince: Int32
        let lastReported: Int32

        init(_ project: StoredProject, _ assessment: Assessment, neighbours: ProjectIDs, agencyKey: Int, categoryKey: Int,
             assessedOn: LocalDate, steadySince: LocalDate) {
            id = project.id
            agency = project.agency
            title = project.record.title
            status = project.status
            category = project.record.category
            riskRating = project.record.riskRating
            wholeLifeCost = project.record.wholeLifeCost
            spendToDate = project.record.spendToDate
            plannedEndDate = project.record.plannedEndDate
            forecastEnd = project.record.forecastEnd
            updatedAt = project.updatedAt
            self.assessment = assessment
            self.neighbours = neighbours
            ruleMask = assessment.findings.reduce(0) { $0 | $1.rule.bit }
            self.agencyKey = agencyKey
            self.categoryKey = categoryKey
            confidenceKey = assessment.deliveryConfidence.flatMap(Review.DeliveryConfidence.allCases.firstIndex(of:))
            businessCaseRequired = assessment.obligations.businessCaseRequired
            centralReviewRequired = assessment.obligations.centralReviewRequired
            self.assessedOn = Int32(clamping: assessedOn.daysSinceEpoch)
            self.steadySince = Int32(clamping: steadySince.daysSinceEpoch)
            lastReported = project.reportedOn.map { Int32(clamping: $0.daysSinceEpoch) } ?? .min
        }

        /// `entry` as the rules saw it on an earlier day of its steady span, saying `findings`
        /// among the alike projects of then.
        init(_ entry: Entry, findings: [Finding], neighbours: ProjectIDs, on day: LocalDate) {
            id = entry.id
            agency = entry.agency
            title = entry.title
            status = entry.status
            category = entry.category
            riskRating = entry.riskRating
            wholeLifeCost = entry.wholeLifeCost
            spendToDate = entry.spendToDate
            plannedEndDate = entry.plannedEndDate
            forecastEnd = entry.forecastEnd
            updatedAt = entry.updatedAt
            var assessment = entry.assessment
            assessment.findings = findings
            self.assessment = assessment
            self.neighbours = neighbours
            ruleMask = findings.reduce(0) { $0 | $1.rule.bit }
            agencyKey = entry.agencyKey
            categoryKey = entry.categoryKey
            confidenceKey = entry.confidenceKey
            businessCaseRequired = entry.businessCaseRequired
            centralReviewRequired = entry.centralReviewRequired
            assessedOn = Int32(clamping: day.daysSinceEpoch)
            steadySince = entry.steadySince
            lastReported = entry.lastReported
        }

        /// Whether it was assessed on or after `day` and the rules have said the same of it since before.
        func isSteady(on day: LocalDate) -> Bool {
            let day = day.daysSinceEpoch
            return Int(steadySince) <= day && day <= Int(assessedOn)
        }

        var lastReportedDay: LocalDate? { lastReported == .min ? nil : LocalDate(daysSinceEpoch: Int(lastReported)) }

        public func hasFinding(_ rule: RuleID) -> Bool { ruleMask & rule.bit != 0 }
    }

    /// Every entry in id order (projects are never deleted and ids only grow, so a new project
    /// goes at the end), and each one's place in that order at its id: a registry's ids are
    /// dense row ids, so that costs 4 bytes a project where hash tables by id cost about 80.
    struct Entries: Sendable {
        var ordered: [Entry] = []
        /// `positions[id]` is the entry's index in `ordered`, or -1.
        private var positions: [Int32] = []
        /// Agency codes and categories, each once, in the order first seen.
        private(set) var names: [String] = []
        private var nameKeys: [String: Int] = [:]

        init() {}

        /// Empty, with the agency codes and categories of `other` under the same keys: its
        /// entries can be put here as they are.
        init(namesOf other: Entries) {
            names = other.names
            nameKeys = other.nameKeys
        }

        mutating func key(_ name: String) -> Int {
            if let key = nameKeys[name] { return key }
            names.append(name)
            nameKeys[name] = names.count - 1
            return names.count - 1
        }

        subscript(id: Int64) -> Entry? {
            guard id >= 0 && id < positions.count, positions[Int(id)] >= 0 else { return nil }
            return ordered[Int(positions[Int(id)])]
        }

        mutating func put(_ entry: Entry) {
            let id = Int(ProjectIDs.number(entry.id))
            if id >= positions.count { positions.append(contentsOf: repeatElement(-1, count: id + 1 - positions.count)) }
            if positions[id] >= 0 {
                ordered[Int(positions[id])] = entry
            } else {
                positions[id] = Int32(ordered.count)
                ordered.append(entry)
                if ordered.count > 1, ordered[ordered.count - 2].id > entry.id {
                    ordered.sort { $0.id < $1.id }
                    for (position, entry) in ordered.enumerated() { positions[Int(entry.id)] = Int32(position) }
                }
            }
        }
    }

    struct State: Sendable {
        var generation: UInt64
        var position: Int64
        var day: LocalDate
        var entries = Entries()
    }

    /// The entries served, whether they await a full rebuild (a threshold changed, or the day),
    /// and whether one is under way.
    private struct Guarded {
        var current: State?
        var stale = false
        var rebuilding = false
    }

    private let state = Mutex<Guarded>(Guarded())
    /// Runs when a rebuild has built its entries, before they are swapped in (tests hold it there).
    private let beforeSwap: @Sendable () -> Void
    /// Projects assessed per step of a rebuild: a query per kind of fact for each step.
    static let batchSize = 500

    public init(beforeSwap: @escaping @Sendable () -> Void = {}) {
        self.beforeSwap = beforeSwap
    }

    /// Every project's entry as of the last commit.
    ///
    /// A full rebuild (a new threshold, a new day) is made aside, outside the lock, by the
    /// request that finds it needed, and swapped in when done; requests meanwhile are answered
    /// from the entries there were, brought up to date with the writes since, and never wait
    /// for it. Only the very first build, with nothing yet to serve, is waited for.
    func entries(_ compliance: Compliance) throws -> Entries {
        let database = compliance.database
        let generation = database.generation
        let today = compliance.clock.today()
        enum Next { case serve(Entries), rebuild }
        let next: Next = try state.withLock { guarded in
            guard guarded.current != nil else {
                // The first build: nothing to serve until it is done, so it takes every core.
                guarded.current = try Self.build(compliance, generation: generation, today: today, onEveryCore: true)
                return .serve(guarded.current!.entries)
            }
            let upToDate = guarded.current!.generation == generation
            if upToDate && (guarded.rebuilding || (!guarded.stale && guarded.current!.day == today)) {
                return .serve(guarded.current!.entries)
            }
            do {
                if !upToDate {
                    let changes = try database.read { try AuditChanges.read($0, after: guarded.current!.position) }
                    try Self.update(&guarded.current!, changes.projects, compliance)
                    guarded.current!.position = changes.position
                    guarded.current!.generation = generation
                    if changes.entities.contains("threshold") { guarded.stale = true }
                }
            } catch {
                guarded = Guarded(rebuilding: guarded.rebuilding)
                throw error
            }
            if (guarded.stale || guarded.current!.day != today) && !guarded.rebuilding {
                guarded.rebuilding = true
                return .rebuild
            }
            return .serve(guarded.current!.entries)
        }
        switch next {
        case .serve(let entries):
            return entries
        case .rebuild:
            do {
                // Made aside while the entries there were are served: one core, leaving the others to them.
                var fresh = try Self.build(compliance, generation: generation, today: today, onEveryCore: false)
                beforeSwap()
                return try state.withLock { guarded in
                    guarded.rebuilding = false
                    // The writes committed while it was built.
                    let changes = try database.read { try AuditChanges.read($0, after: fresh.position) }
                    try Self.update(&fresh, changes.projects, compliance)
                    fresh.position = changes.position
                    guarded.stale = changes.entities.contains("threshold")
                    guarded.current = fresh
                    return fresh.entries
                }
            } catch {
                state.withLock { $0.rebuilding = false }
                throw error
            }
        }
    }

    /// The entries served now, as they are, and the audit position they reflect; nil before
    /// the first build and while a threshold change awaits the rebuild that re-assesses
    /// everything. Neither updates nor rebuilds: for a past day, which reads what came after.
    func served() -> (entries: Entries, position: Int64)? {
        state.withLock { guarded in
            guard !guarded.stale, let current = guarded.current else { return nil }
            return (current.entries, current.position)
        }
    }

    private static func build(_ compliance: Compliance, generation: UInt64, today: LocalDate, onEveryCore: Bool) throws -> State {
        let database = compliance.database
        let position = try database.read { try AuditChanges.latestPosition($0) }
        var state = State(generation: generation, position: position, day: today)
        let ids = try database.read { try Projects.allIDs($0) }
        try Batches.run(ids, size: batchSize, onEveryCore: onEveryCore, assess: { try assessed($0, compliance) }, take: { put($0, into: &state.entries) })
        return state
    }

    /// Re-assesses the changed projects and every project alike to one of them, before or after.
    private static func update(_ state: inout State, _ changed: Set<Int64>, _ compliance: Compliance) throws {
        guard !changed.isEmpty else { return }
        var affected = changed
        for id in changed { affected.formUnion(state.entries[id]?.neighbours ?? []) }
        try compliance.similarity.withCurrent(compliance.database) { similarity in
            for id in changed { affected.formUnion(similarity.neighbours(of: id)) }
        }
        let list = affected.sorted()
        for start in stride(from: 0, to: list.count, by: batchSize) {
            put(try assessed(Array(list[start..<min(start + batchSize, list.count)]), compliance), into: &state.entries)
        }
    }

    /// A project assessed, with the alike projects it was assessed among, the day it was
    /// assessed as of, and since when the rules have said the same (`RulesEngine.steadySince`).
    typealias Assessed = (project: StoredProject, assessment: Assessment, neighbours: ProjectIDs, today: LocalDate, steadySince: LocalDate)

    /// `ids` assessed, in their order; touches no state, so batches can be assessed at once.
    private static func assessed(_ ids: [Int64], _ compliance: Compliance) throws -> [Assessed] {
        let projects = try compliance.database.read { try Projects.loadMany($0, ids: ids, parts: .ruled) }
        var contexts = try compliance.contexts(for: Array(projects.values))
        // Every alike project, drafts too: a draft's own findings name the projects it resembles.
        let neighbours = try compliance.similarity.withCurrent(compliance.database) { similarity in
            ids.map { similarity.neighbours(of: $0) }
        }
        return zip(ids, neighbours).compactMap { id, neighbours in
            guard let project = projects[id], let context = contexts.removeValue(forKey: id) else { return nil }
            return (project, Compliance.assessment(of: project, in: context), neighbours, context.today, RulesEngine.steadySince(context))
        }
    }

    /// Entries for `assessed` (in ascending order, so that new entries go at the end of the ordered list).
    static func put(_ assessed: [Assessed], into entries: inout Entries) {
        for entry in Self.entries(for: assessed, names: &entries) { entries.put(entry) }
    }

    /// Entries for `assessed`, keyed by the names of `names`.
    static func entries(for assessed: [Assessed], names: inout Entries) -> [Entry] {
        // By index, each part read in place: a loop over the items would copy every project.
        assessed.indices.map { index in
            Entry(assessed[index].project, assessed[index].assessment, neighbours: assessed[index].neighbours,
                  agencyKey: names.key(assessed[index].project.agency),
                  categoryKey: names.key(assessed[index].project.record.category ?? "uncategorised"),
                  assessedOn: assessed[index].today, steadySince: assessed[index].steadySince)
        }
    }
}

extension RuleID {
    /// Its bit in an entry's mask: its place in `allCases`, kept once (`allCases` is built anew
    /// each time it is asked for, and every finding of every project asks).
    var bit: UInt32 { UInt32(1) << UInt32(Self.ordered.firstIndex(of: self)!) }

    /// `allCases`, made once.
    static let ordered = allCases
}
