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
    /// Built portfolios, most recently used last, with the commit count they were built at if
    /// their day had not ended then: such a one is kept only until the next commit.
    private let built = Mutex<[(past: Past, generation: UInt64?)]>([])

    /// Whole-portfolio overviews of past days by viewer, for trends: small, and never changing.
    let overviews = Mutex<[String: PortfolioOverview]>([:])
    /// Past days' findings by project, for the findings feed's day-to-day differences.
    let findings = Mutex<[AsOf: [Int64: (agency: String, title: String, status: ProjectStatus, findings: [Finding])]]>([:])

    /// The live entries: a project unchanged since a past day, and steady over it, is taken from them.
    private let projection: PortfolioProjection
    init(projection: PortfolioProjection) {
        self.projection = projection
    }

    func past(_ asOf: AsOf, _ compliance: Compliance) throws -> Past {
        let generation = compliance.database.generation
        let today = compliance.clock.today()
        let found = built.withLock { built -> Past? in
            guard let index = built.firstIndex(where: { $0.past.asOf == asOf && ($0.generation == nil || $0.generation == generation) }) else { return nil }
            let hit = built.remove(at: index)
            built.append(hit)
            return hit.past
        }
        if let found { return found }
        let past = try Self.build(asOf, compliance, served: projection.served())
        built.withLock { built in
            built.removeAll { $0.past.asOf == asOf }
            built.append((past, asOf.day < today ? nil : generation))
            if built.count > Self.kept { built.removeFirst(built.count - Self.kept) }
        }
        return past
    }

    /// Projects are read and assessed as they stood, except those whose records have not
    /// changed since the day and whose findings have been steady since before it (see
    /// `RulesEngine.steadySince`): their served entries say what the rules said then, with the
    /// report's staleness counted to that day and their alike projects those of then.
    private static func build(_ asOf: AsOf, _ compliance: Compliance, served: (entries: PortfolioProjection.Entries, position: Int64)?) throws -> Past {
        let database = compliance.database
        // The live index and entries before the database: every commit they reflect is in what
        // is read after them. Changed since: anything of the project recorded after the day (a
        // version, a review, a baseline...), or (for today) a commit the index does not reflect
        // yet. Touched: those, and any commit the served entries do not reflect; nil (every
        // project read afresh) if a threshold has been recorded since.
        let live = try compliance.similarity.current(database)
        let (every, levels, changed, touched, thresholds) = try database.read { db in
            let recorded = try AuditChanges.recorded(db, after: asOf)
            let changed = recorded.projects.union(try AuditChanges.read(db, after: live.position).projects)
            var touched: Set<Int64>?
            if let served {
                let sinceServed = try AuditChanges.read(db, after: served.position)
                if recorded.registryWide.isSubset(of: Self.readThroughProjects) && sinceServed.entities.isSubset(of: Self.readThroughProjects) {
                    touched = changed.union(sinceServed.projects)
                }
            }
            return (try Projects.allIDs(db), try Agencies.levels(db), changed.sorted(), touched, try Thresholds.schedule(db, asOf: asOf))
        }
        let similarity = try similarity(asOf, derivedFrom: live, changed: changed, every: every, levels: levels, database)
        var steady: [Int64] = [], fresh: [Int64] = []
        for id in every {
            if let served, let touched, !touched.contains(id), served.entries[id]?.isSteady(on: asOf.day) == true {
                steady.append(id)
            } else {
                fresh.append(id)
            }
        }
        // Fresh: each batch read as it stood, its rules' records read as they stood, and assessed with that day as today.
        var entries = served.map { PortfolioProjection.Entries(namesOf: $0.entries) } ?? PortfolioProjection.Entries()
        var made: [PortfolioProjection.Entry] = []
        made.reserveCapacity(every.count)
        try Batches.run(fresh, size: PortfolioProjection.batchSize, assess: { ids in
            let (projects, ownContexts) = try database.read { db in
                var loaded = try Projects.loadMany(db, ids: ids, asOf: asOf, parts: .ruled)
                let projects = ids.compactMap { loaded.removeValue(forKey: $0) }
                return (projects, try compliance.ownContexts(on: db, for: projects, asOf: asOf))
            }
            var contexts = ownContexts
            compliance.addPortfolioWide(to: &contexts, for: projects, in: similarity, today: asOf.day)
            return projects.compactMap { project -> PortfolioProjection.Assessed? in
                guard let context = contexts.removeValue(forKey: project.id) else { return nil }
                return (project, Compliance.assessment(of: project, in: context), similarity.neighbours(of: project.id), asOf.day,
                        RulesEngine.steadySince(context))
            }
        }, take: { made += PortfolioProjection.entries(for: $0, names: &entries) })
        // Steady: the served entry, its findings said again for that day.
        if let served {
            Batches.run(steady, size: 4 * PortfolioProjection.batchSize, assess: { ids in
                ids.map { id in
                    let entry = served.entries[id]!
                    let (matches, splits) = entry.status.isOpen ? compliance.portfolioWide(for: id, thresholds: thresholds, in: similarity, today: asOf.day) : ([], [])
                    let findings = RulesEngine.findings(entry.assessment.findings, steadyOn: asOf.day, status: entry.status, lastReported: entry.lastReportedDay,
                                                        tolerances: compliance.tolerances, similarProjects: matches, thresholdSplits: splits)
                    return PortfolioProjection.Entry(entry, findings: findings, neighbours: similarity.neighbours(of: id), on: asOf.day)
                }
            }, take: { made += $0 })
        }
        made.sort { $0.id < $1.id }
        for entry in made { entries.put(entry) }
        return Past(asOf: asOf, entries: entries, similarity: similarity)
    }

    /// The kinds of record the rules read only through the projects they belong to, or not at
    /// all: tokens, and agencies (created, never changed; a new one's projects are new). Any
    /// other recorded since a day (a threshold) makes every project of that day be read afresh.
    private static let readThroughProjects: Set<String> = ["project", "business_case", "review", "baseline", "funding_tranche", "token", "agency"]

    /// The similarity index of the open projects of then. A project unchanged since is indexed
    /// and linked as it is now, so while the projects changed since (indexed now or not) are at
    /// most nine in ten of those indexed, the live index is taken with only those changed put
    /// back as they were; otherwise it is built afresh from the fingerprints of then.
    private static func similarity(_ asOf: AsOf, derivedFrom live: SimilarityIndex.Snapshot, changed: [Int64], every: [Int64],
                                   levels: [String: GovernmentLevel], _ database: SQLiteDatabase) throws -> SimilarityIndex.Snapshot {
        if changed.count <= live.index.count * 9 / 10 {
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
