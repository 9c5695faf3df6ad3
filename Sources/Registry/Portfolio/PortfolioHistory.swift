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
        let (every, levels) = try database.read { db in
            (try Projects.allIDs(db), try Agencies.levels(db))
        }
        // The projects as they stood, and the fingerprints of the open ones, read and made on every core.
        var loaded: [Int64: StoredProject] = [:]
        var fingerprints: [ProjectFingerprint] = []
        try Batches.run(every, size: PortfolioProjection.batchSize, assess: { ids in
            let batch = try database.read { try Projects.loadMany($0, ids: ids, asOf: asOf) }
            return (batch, ids.compactMap { batch[$0] }.filter(\.status.isOpen).map { project in
                ProjectFingerprint(id: project.id, agency: project.agency, record: project.record,
                                   level: levels[project.agency] ?? .national, draft: project.status == .proposed)
            })
        }, take: { batch, open in
            loaded.merge(batch) { _, new in new }
            fingerprints += open
        })
        let projects = loaded
        let ids = projects.keys.sorted()
        let similarity = SimilarityIndex.Snapshot(fingerprints)
        var entries = PortfolioProjection.Entries()
        try Batches.run(ids, size: PortfolioProjection.batchSize, assess: { ids in
            let batch = ids.compactMap { projects[$0] }
            var contexts = try database.read { try compliance.ownContexts(on: $0, for: batch, asOf: asOf) }
            compliance.addPortfolioWide(to: &contexts, for: batch, in: similarity, today: asOf.day)
            return batch.compactMap { project -> PortfolioProjection.Assessed? in
                guard let context = contexts[project.id] else { return nil }
                return (project, Compliance.assessment(of: project, in: context), similarity.neighbours(of: project.id))
            }
        }, take: { PortfolioProjection.put($0, into: &entries) })
        return Past(asOf: asOf, entries: entries, similarity: similarity)
    }
}
