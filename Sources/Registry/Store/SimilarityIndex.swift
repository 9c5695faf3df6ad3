import SQLiteDatabase
import Synchronization

/// Alike projects across the portfolio (P8-DUPLICATION) and split-looking groups within an
/// agency (P8-THRESHOLD-SPLIT), computed over every open project and kept until the next
/// write commits.
public final class SimilarityIndex: Sendable {
    public struct Match: Sendable, Equatable {
        public var other: Int64
        public var otherAgency: String
        public var otherTitle: String
        public var similarity: SimilarProjects
    }

    public struct Split: Sendable, Equatable {
        public var projects: [Int64]
        public var total: Money
        public var threshold: Money
        public var kind: Threshold.Kind
    }

    struct Snapshot: Sendable {
        var generation: UInt64
        var day: LocalDate
        var pairs: [SimilarProjects]
        var splits: [Split]
        var fingerprints: [Int64: ProjectFingerprint]
        var drafts: Set<Int64>
    }

    private let snapshot = Mutex<Snapshot?>(nil)

    public init() {}

    func current(_ database: SQLiteDatabase, today: LocalDate) throws -> Snapshot {
        let generation = database.commitCount
        if let cached = snapshot.withLock({ $0 }), cached.generation == generation, cached.day == today { return cached }
        let fresh = try build(database, generation: generation, today: today)
        snapshot.withLock { $0 = fresh }
        return fresh
    }

    private func build(_ database: SQLiteDatabase, generation: UInt64, today: LocalDate) throws -> Snapshot {
        try database.read { db in
            var fingerprints: [Int64: ProjectFingerprint] = [:]
            var drafts = Set<Int64>()
            var levels: [Int64: GovernmentLevel] = [:]
            var records: [Int64: (agency: String, record: ProjectRecord)] = [:]
            for row in try db.query("""
                SELECT p.id, p.agency_code, p.title, p.description, p.whole_life_cost_cents, p.start_date, p.planned_end_date,
                       p.forecast_end_date, p.status, a.level
                FROM projects p JOIN agencies a ON a.code = p.agency_code
                WHERE p.status NOT IN ('completed', 'cancelled')
                """) {
                guard let id = row.int64("id"), let planned = LocalDate(row.string("planned_end_date") ?? "") else { continue }
                var record = ProjectRecord(externalID: "", title: row.string("title") ?? "", description: row.string("description"),
                                           wholeLifeCost: Money(minorUnits: row.int64("whole_life_cost_cents") ?? 0),
                                           startDate: row.string("start_date").flatMap(LocalDate.init), plannedEndDate: planned,
                                           forecastEndDate: row.string("forecast_end_date").flatMap(LocalDate.init))
                records[id] = (row.string("agency_code") ?? "", record)
                if row.string("status") == "proposed" { drafts.insert(id) }
                levels[id] = GovernmentLevel(rawValue: row.string("level") ?? "") ?? .national
            }
            // Systems and datasets of every project in two queries.
            try db.forEach("SELECT project_id, name FROM project_systems") { row in
                if let id = row.int64("project_id"), let name = row.string("name") { records[id]?.record.systems.append(name) }
            }
            try db.forEach("SELECT project_id, name FROM project_datasets") { row in
                if let id = row.int64("project_id"), let name = row.string("name") { records[id]?.record.datasets.append(name) }
            }
            for (id, entry) in records { fingerprints[id] = ProjectFingerprint(id: id, agency: entry.agency, record: entry.record) }
            let all = Array(fingerprints.values).sorted { $0.id < $1.id }
            let schedule = ThresholdSchedule(try db.query("SELECT kind, amount_cents, effective_from, scope FROM thresholds").compactMap(Thresholds.threshold))
            var splits: [Split] = []
            for kind in Threshold.Kind.allCases {
                for level in GovernmentLevel.allCases {
                    guard let threshold = schedule.inForce(kind, on: today, level: level)?.amount else { continue }
                    let atLevel = all.filter { levels[$0.id] == level }
                    for group in Similarity.thresholdSplits(atLevel, threshold: threshold) {
                        splits.append(Split(projects: group, total: group.reduce(.zero) { $0 + (fingerprints[$1]?.cost ?? .zero) }, threshold: threshold, kind: kind))
                    }
                }
            }
            return Snapshot(generation: generation, day: today, pairs: Similarity.duplicates(all), splits: splits, fingerprints: fingerprints, drafts: drafts)
        }
    }

    /// Other agencies' alike projects; drafts are never named to anyone but their own agency.
    func matches(for id: Int64, in snapshot: Snapshot) -> [Match] {
        snapshot.pairs.compactMap { pair in
            guard pair.first == id || pair.second == id else { return nil }
            let other = pair.first == id ? pair.second : pair.first
            guard !snapshot.drafts.contains(other), let fingerprint = snapshot.fingerprints[other] else { return nil }
            return Match(other: other, otherAgency: fingerprint.agency, otherTitle: fingerprint.title, similarity: pair)
        }
    }

    func splits(for id: Int64, in snapshot: Snapshot) -> [Split] {
        snapshot.splits.filter { $0.projects.contains(id) }
    }

    /// Every alike pair of published projects (for the portfolio's duplicates list).
    func publishedPairs(in snapshot: Snapshot, includeDrafts: Bool) -> [(SimilarProjects, ProjectFingerprint, ProjectFingerprint)] {
        snapshot.pairs.compactMap { pair in
            guard includeDrafts || (!snapshot.drafts.contains(pair.first) && !snapshot.drafts.contains(pair.second)),
                  let a = snapshot.fingerprints[pair.first], let b = snapshot.fingerprints[pair.second] else { return nil }
            return (pair, a, b)
        }
    }
}
