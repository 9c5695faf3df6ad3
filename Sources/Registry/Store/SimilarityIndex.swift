import Foundation
import SQLiteDatabase

/// Alike projects across the portfolio (P8-DUPLICATION) and split-looking groups within an
/// agency (P8-THRESHOLD-SPLIT). Built once over every open project, then kept up to date from
/// the audit trail: a write re-indexes only the projects it touched, so the cost of a write
/// grows with that project's likenesses, not with the portfolio.
public final class SimilarityIndex: @unchecked Sendable {
    public struct Match: Sendable, Equatable {
        public var other: Int64
        public var otherAgency: String
        public var otherTitle: String
        public var similarity: SimilarProjects
    }

    public struct Split: Sendable, Equatable {
        /// The project the finding is on, and the alike projects that make the group with it,
        /// ascending: the index's own neighbour list when every neighbour is in the group, so
        /// that a finding holds no copy of it.
        public var head: Int64
        public var partners: ProjectIDs
        public var total: Money
        public var threshold: Money
        public var kind: Threshold.Kind

        /// The whole group, ascending.
        public var projects: [Int64] {
            var group = Array(partners)
            group.insert(head, at: group.firstIndex { $0 > head } ?? group.endIndex)
            return group
        }
    }

    struct Snapshot: Sendable {
        /// The database's commit count and audit position this snapshot reflects.
        var generation: UInt64
        var position: Int64
        /// Open projects (not completed, not cancelled).
        var index = Similarity.Index()

        func neighbours(of id: Int64) -> ProjectIDs { index.neighbours(of: id) }
    }

    // Read with `lock` held for reading, by any number of threads at once; changed with it
    // held for writing.
    nonisolated(unsafe) private var snapshot: Snapshot?
    private let lock = ReadWriteLock()

    public init() {}

    /// Runs `body` on the index as of the last commit: built on first use, then updated by the
    /// projects the audit trail names since. Bodies run together, under the index's lock held
    /// for reading (the writes of a group commit all look at it at once, after their commit);
    /// an update waits for them and they for it. `body` must not keep the snapshot: a copy held
    /// past it would make the next update copy every table of the index (copy-on-write) instead
    /// of changing the few entries a write touched. A copy to keep is `current`'s, with tables
    /// of its own.
    func withCurrent<T>(_ database: SQLiteDatabase, _ body: (borrowing Snapshot) throws -> T) throws -> T {
        let generation = database.generation
        lock.lockForReading()
        if snapshot?.generation == generation {
            defer { lock.unlock() }
            return try body(snapshot!)
        }
        lock.unlock()
        lock.lockForWriting()
        defer { lock.unlock() }
        return try Self.update(&snapshot, to: generation, database, then: body)
    }

    /// Brings `cached` up to `generation` (unless another thread just did), then runs `body` on it.
    private static func update<T>(_ cached: inout Snapshot?, to generation: UInt64, _ database: SQLiteDatabase,
                                  then body: (borrowing Snapshot) throws -> T) throws -> T {
        if cached?.generation != generation {
            do {
                // Updated in place: a copy of the whole index per write is what this avoids.
                if cached != nil {
                    let changes = try database.read { try AuditChanges.read($0, after: cached!.position) }
                    try Self.reindex(&cached!, changes.projects, database)
                    cached!.position = changes.position
                    cached!.generation = generation
                } else {
                    let position = try database.read { try AuditChanges.latestPosition($0) }
                    var fresh = Snapshot(generation: generation, position: position)
                    try Self.reindex(&fresh, nil, database)
                    cached = fresh
                }
            } catch {
                // Half-applied changes must not be served: start again next time.
                cached = nil
                throw error
            }
        }
        return try body(cached!)
    }

    /// A copy of the index as of the last commit, with tables of its own (see `makeUnique`):
    /// for a past day derived from it, which changes only the projects changed since.
    func current(_ database: SQLiteDatabase) throws -> Snapshot {
        // Made unique under the lock: a write in between would find the tables shared and copy them all.
        try withCurrent(database) { snapshot in
            var copied = copy snapshot
            copied.index.makeUnique()
            return copied
        }
    }

    /// The fingerprints of the projects among `ids` that were open at the end of `asOf`'s day,
    /// as they stood then, in id order.
    static func fingerprints(_ db: SQLiteConnection, ids: [Int64], asOf: AsOf, levels: [String: GovernmentLevel]) throws -> [ProjectFingerprint] {
        guard !ids.isEmpty else { return [] }
        var found: [ProjectFingerprint] = []
        try Projects.forEachVersion(db, ProjectVersions.latestSQL(ids: true) + " ORDER BY project_id", [asOf.cutoff, Projects.idList(ids)],
                                    parts: []) { row, project in
            guard project.status.isOpen else { return }
            var record = project.record
            record.systems = try row.decode("systems", as: StoredStrings.self).values
            record.datasets = try row.decode("datasets", as: StoredStrings.self).values
            found.append(ProjectFingerprint(id: project.id, agency: project.agency, record: record,
                                            level: levels[project.agency] ?? .national, draft: project.status == .proposed))
        }
        return found
    }

    /// Re-reads `ids` (nil: every project) and re-links them.
    private static func reindex(_ snapshot: inout Snapshot, _ ids: Set<Int64>?, _ database: SQLiteDatabase) throws {
        if let ids, ids.isEmpty { return }
        let fresh = try database.read { try fingerprints($0, ids: ids) }
        if let ids {
            snapshot.index.replace(ids, with: fresh)
        } else {
            snapshot.index.insert(contentsOf: fresh)
            snapshot.index.linkAll()
        }
    }

    /// Fingerprints of the open projects among `ids` (nil: all), in three queries.
    private static func fingerprints(_ db: SQLiteConnection, ids: Set<Int64>?) throws -> [ProjectFingerprint] {
        let list = Projects.idList(Array(ids ?? []))
        let only = ids == nil ? "" : " AND p.id IN (SELECT value FROM json_each(?))"
        let partsOnly = ids == nil ? "" : " WHERE project_id IN (SELECT value FROM json_each(?))"
        let arguments: [any SQLiteBindable] = ids == nil ? [] : [list]
        var records: [Int64: (agency: String, record: ProjectRecord, level: GovernmentLevel, draft: Bool)] = [:]
        try db.forEach("""
            SELECT p.id, p.agency_code, p.title, p.description, p.whole_life_cost_cents, p.start_date, p.planned_end_date,
                   p.forecast_end_date, p.status, a.level
            FROM projects p JOIN agencies a ON a.code = p.agency_code
            WHERE p.status NOT IN ('completed', 'cancelled')
            """ + only, arguments) { row in
            let record = ProjectRecord(externalID: "", title: try row.decode("title"), description: try row.decodeIfPresent("description"),
                                       wholeLifeCost: try row.decode("whole_life_cost_cents"), startDate: try row.decodeIfPresent("start_date"),
                                       plannedEndDate: try row.decode("planned_end_date"), forecastEndDate: try row.decodeIfPresent("forecast_end_date"))
            records[try row.decode("id")] = (try row.decode("agency_code"), record, try row.decode("level"),
                                             try row.decode("status", as: ProjectStatus.self) == .proposed)
        }
        try db.forEach("SELECT project_id, name FROM project_systems" + partsOnly, arguments) { row in
            records[try row.decode("project_id")]?.record.systems.append(try row.decode("name"))
        }
        try db.forEach("SELECT project_id, name FROM project_datasets" + partsOnly, arguments) { row in
            records[try row.decode("project_id")]?.record.datasets.append(try row.decode("name"))
        }
        return records.sorted { $0.key < $1.key }.map { id, entry in
            ProjectFingerprint(id: id, agency: entry.agency, record: entry.record, level: entry.level, draft: entry.draft)
        }
    }

    /// Other agencies' alike projects, most alike first; drafts are never named to anyone but
    /// their own agency.
    func matches(for id: Int64, in snapshot: Snapshot) -> [Match] {
        guard let project = snapshot.index.fingerprint(id) else { return [] }
        return snapshot.neighbours(of: id).numbers.compactMap { other -> Match? in
            let facts = snapshot.index.facts(other)
            guard !facts.draft, !facts.sameAgency(project.facts), let fingerprint = snapshot.index.fingerprint(Int64(other)) else { return nil }
            return Match(other: Int64(other), otherAgency: fingerprint.agency, otherTitle: fingerprint.title, similarity: Similarity.compare(project, fingerprint))
        }.sorted { ($0.similarity.score, $1.other) > ($1.similarity.score, $0.other) }
    }

    /// The split groups `id` heads, one per threshold kind it is under (see `Similarity.split`).
    func splits(for id: Int64, in snapshot: Snapshot, thresholds: ThresholdSchedule, today: LocalDate) -> [Split] {
        guard let project = snapshot.index.fingerprint(id) else { return [] }
        let neighbours = snapshot.neighbours(of: id)
        guard !neighbours.isEmpty else { return [] }
        return Threshold.Kind.allCases.compactMap { kind in
            guard let threshold = thresholds.inForce(kind, on: today, level: project.level)?.amount,
                  let (partners, total) = Similarity.splitPartners(of: project.facts, alike: neighbours.numbers, facts: snapshot.index.facts, threshold: threshold)
            else { return nil }
            return Split(head: id, partners: partners.count == neighbours.count ? neighbours : ProjectIDs(numbers: partners),
                         total: total, threshold: threshold, kind: kind)
        }
    }

    /// Every alike pair of different agencies, most alike first (the portfolio's duplicates list).
    func publishedPairs(in snapshot: Snapshot, includeDrafts: Bool) -> [(SimilarProjects, ProjectFingerprint, ProjectFingerprint)] {
        var pairs: [(SimilarProjects, ProjectFingerprint, ProjectFingerprint)] = []
        for (id, other) in snapshot.index.pairs {
            guard let a = snapshot.index.fingerprint(id), let b = snapshot.index.fingerprint(other), !a.facts.sameAgency(b.facts),
                  includeDrafts || (!a.draft && !b.draft) else { continue }
            pairs.append((Similarity.compare(a, b), a, b))
        }
        return pairs.sorted { ($0.0.score, $1.0.first, $1.0.second) > ($1.0.score, $0.0.first, $0.0.second) }
    }
}

extension SimilarityIndex.Snapshot {
    /// The index of `fingerprints` (in id order) as they are given, e.g. of the open projects as
    /// they stood on a past day: linked as a build from the database links them.
    init(_ fingerprints: [ProjectFingerprint]) {
        self.init(generation: 0, position: 0)
        index.insert(contentsOf: fingerprints)
        index.linkAll()
    }
}
