import SQLiteDatabase
import Synchronization

/// The portfolio as it stood at the end of a past day: every project as its versions say it
/// was, assessed by the one rules engine with the business cases, reviews, baselines and
/// thresholds recorded by then and that day as today, its alike projects compared among the
/// projects of then. Built whole on first use and kept: a past day never changes.
public final class PortfolioHistory: Sendable {
    /// One day's portfolio.
    public final class Past: Sendable {
        public let asOf: AsOf
        let entries: PortfolioProjection.Entries
        let similarity: SimilarityIndex.Snapshot

        init(asOf: AsOf, entries: PortfolioProjection.Entries, similarity: SimilarityIndex.Snapshot) {
            self.asOf = asOf
            self.entries = entries
            self.similarity = similarity
        }

        public func entry(_ id: Int64) -> PortfolioProjection.Entry? { entries[id] }
    }

    /// Each portfolio of 100,000 projects holds a few hundred megabytes: only the last few asked for are kept.
    static let kept = 2
    /// Built portfolios, most recently used last; one of today is kept only until the next commit.
    private let built = Mutex<[(past: Past, generation: UInt64)]>([])

    /// Whole-portfolio overviews of past days by viewer, for trends: small, and never changing.
    let overviews = Mutex<[String: PortfolioOverview]>([:])
    /// Past days' findings by project, for the findings feed's day-to-day differences.
    let findings = Mutex<[AsOf: [Int64: (agency: String, title: String, status: ProjectStatus, findings: [Finding])]]>([:])

    public init() {}

    func past(_ asOf: AsOf, _ compliance: Compliance) throws -> Past {
        let generation = compliance.database.generation
        let today = compliance.clock.today()
        let found = built.withLock { built -> Past? in
            guard let index = built.firstIndex(where: { $0.past.asOf == asOf && (asOf.day < today || $0.generation == generation) }) else { return nil }
            let hit = built.remove(at: index)
            built.append(hit)
            return hit.past
        }
        if let found { return found }
        let past = try Self.build(asOf, compliance)
        built.withLock { built in
            built.removeAll { $0.past.asOf == asOf }
            built.append((past, generation))
            if built.count > Self.kept { built.removeFirst(built.count - Self.kept) }
        }
        return past
    }

    private static func build(_ asOf: AsOf, _ compliance: Compliance) throws -> Past {
        let database = compliance.database
        // The live index before the database: every commit it reflects is in what is read after
        // it. Changed since: a version recorded after the day, or (for today) a commit the index
        // does not reflect yet.
        let live = try compliance.similarity.current(database)
        let (every, levels, changed) = try database.read { db in
            (try Projects.allIDs(db), try Agencies.levels(db),
             Set(try ProjectVersions.changed(db, after: asOf)).union(try AuditChanges.read(db, after: live.position).projects).sorted())
        }
        let similarity = try similarity(asOf, derivedFrom: live, changed: changed, every: every, levels: levels, database)
        // Each batch read as it stood, its rules' records read as they stood, and assessed with that day as today.
        var entries = PortfolioProjection.Entries()
        try Batches.run(every, size: PortfolioProjection.batchSize, assess: { ids in
            let (projects, ownContexts) = try database.read { db in
                var loaded = try Projects.loadMany(db, ids: ids, asOf: asOf, parts: .ruled)
                let projects = ids.compactMap { loaded.removeValue(forKey: $0) }
                return (projects, try compliance.ownContexts(on: db, for: projects, asOf: asOf))
            }
            var contexts = ownContexts
            compliance.addPortfolioWide(to: &contexts, for: projects, in: similarity, today: asOf.day)
            return projects.compactMap { project -> PortfolioProjection.Assessed? in
                guard let context = contexts.removeValue(forKey: project.id) else { return nil }
                return (project, Compliance.assessment(of: project, in: context), similarity.neighbours(of: project.id))
            }
        }, take: { PortfolioProjection.put($0, into: &entries) })
        return Past(asOf: asOf, entries: entries, similarity: similarity)
    }

    /// The similarity index of the open projects of then. A project unchanged since is indexed
    /// and linked as it is now, so while the projects changed since (indexed now or not) are at
    /// most half as many as those indexed, the live index is taken with only those changed put
    /// back as they were; otherwise it is built afresh from the fingerprints of then.
    private static func similarity(_ asOf: AsOf, derivedFrom live: SimilarityIndex.Snapshot, changed: [Int64], every: [Int64],
                                   levels: [String: GovernmentLevel], _ database: SQLiteDatabase) throws -> SimilarityIndex.Snapshot {
        if changed.count <= live.index.count / 2 {
            var derived = live
            derived.index.replace(changed, with: try database.read { try SimilarityIndex.fingerprints($0, ids: changed, asOf: asOf, levels: levels) })
            return derived
        }
        var fingerprints: [ProjectFingerprint] = []
        try Batches.run(every, size: PortfolioProjection.batchSize, assess: { ids in
            try database.read { try SimilarityIndex.fingerprints($0, ids: ids, asOf: asOf, levels: levels) }
        }, take: { fingerprints += $0 })
        return SimilarityIndex.Snapshot(fingerprints)
    }
}
