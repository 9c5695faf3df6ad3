import SQLiteDatabase
import Synchronization

/// Every project's key facts and what the rules say of it, held in memory so that the
/// portfolio-wide reads (the overview, the findings, the list's rule filters, the exports)
/// need no rule evaluation. Built once, then brought up to date from the audit trail: a write
/// re-assesses the projects it touched and those whose findings name them (alike projects).
/// A new day or a new threshold re-assesses everything, since both change what every project owes.
public final class PortfolioProjection: Sendable {
    public struct Entry: Sendable {
        public var id: Int64
        public var agency: String
        public var title: String
        public var status: ProjectStatus
        public var category: String?
        public var riskRating: Int?
        public var wholeLifeCost: Money
        public var spendToDate: Money?
        public var plannedEndDate: LocalDate
        public var forecastEnd: LocalDate
        public var assessment: Assessment
        /// The alike projects when this was assessed: their findings may name this one.
        var neighbours: [Int64]

        init(_ project: StoredProject, _ assessment: Assessment, neighbours: [Int64]) {
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
            self.assessment = assessment
            self.neighbours = neighbours
        }

        public func hasFinding(_ rule: RuleID) -> Bool { assessment.findings.contains { $0.rule == rule } }
    }

    struct State: Sendable {
        var generation: UInt64
        var position: Int64
        var day: LocalDate
        var entries: [Int64: Entry]
    }

    private let state = Mutex<State?>(nil)
    /// Projects assessed per step of a rebuild: a query per kind of fact for each step.
    static let batchSize = 500

    public init() {}

    /// Every project's entry as of the last commit.
    func entries(_ compliance: Compliance) throws -> [Int64: Entry] {
        let database = compliance.database
        let generation = database.commitCount
        let today = compliance.clock.today()
        return try state.withLock { state in
            if let state, state.generation == generation, state.day == today { return state.entries }
            do {
                if state == nil || state!.day != today {
                    state = try Self.build(compliance, generation: generation, today: today)
                } else {
                    let changes = try database.read { try AuditChanges.read($0, after: state!.position) }
                    if changes.entities.contains("threshold") {
                        state = try Self.build(compliance, generation: generation, today: today)
                    } else {
                        try Self.update(&state!, changes.projects, compliance)
                        state!.position = changes.position
                        state!.generation = generation
                    }
                }
                return state!.entries
            } catch {
                state = nil
                throw error
            }
        }
    }

    private static func build(_ compliance: Compliance, generation: UInt64, today: LocalDate) throws -> State {
        let database = compliance.database
        let position = try database.read { try AuditChanges.latestPosition($0) }
        var state = State(generation: generation, position: position, day: today, entries: [:])
        var after: Int64 = 0
        while true {
            let ids = try database.read { db in
                try db.query("SELECT id FROM projects WHERE id > ? ORDER BY id LIMIT ?", [after, batchSize]).compactMap { $0.int64("id") }
            }
            guard let last = ids.last else { return state }
            try assess(Set(ids), into: &state, compliance)
            after = last
        }
    }

    /// Re-assesses the changed projects and every project alike to one of them, before or after.
    private static func update(_ state: inout State, _ changed: Set<Int64>, _ compliance: Compliance) throws {
        guard !changed.isEmpty else { return }
        let similarity = try compliance.similarity.current(compliance.database)
        var affected = changed
        for id in changed {
            affected.formUnion(state.entries[id]?.neighbours ?? [])
            affected.formUnion(similarity.neighbours(of: id))
        }
        let list = Array(affected)
        for start in stride(from: 0, to: list.count, by: batchSize) {
            try assess(Set(list[start..<min(start + batchSize, list.count)]), into: &state, compliance)
        }
    }

    private static func assess(_ ids: Set<Int64>, into state: inout State, _ compliance: Compliance) throws {
        let projects = try compliance.database.read { try Projects.loadMany($0, ids: Array(ids)) }
        let contexts = try compliance.contexts(for: Array(projects.values))
        // Every alike project, drafts too: a draft's own findings name the projects it resembles.
        let similarity = try compliance.similarity.current(compliance.database)
        for id in ids {
            guard let project = projects[id], let context = contexts[id] else { state.entries[id] = nil; continue }
            state.entries[id] = Entry(project, Compliance.assessment(of: project, in: context), neighbours: similarity.neighbours(of: id))
        }
    }
}
