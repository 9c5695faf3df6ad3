import SQLiteDatabase

/// What the rules say about a stored project today: its obligations and findings.
public struct Assessment: Sendable, Equatable {
    public var obligations: Obligations
    public var findings: [Finding]
    /// Against the original (first) and the current (last) baseline; nil before approval.
    public var varianceAgainstOriginal: Variance?
    public var varianceAgainstCurrent: Variance?
    /// From the latest decided review that rated it.
    public var deliveryConfidence: Review.DeliveryConfidence?
}

/// Gathers a project's rule context (agency level, thresholds, latest business case) and
/// asks the one rules engine.
public struct Compliance: Sendable {
    let database: SQLiteDatabase
    let clock: RegistryClock
    let tolerances: Tolerances
    let similarity: SimilarityIndex

    /// `portfolioWide: false` leaves out the findings that compare the project with all others
    /// (duplication, splits): they block nothing, and the decisions that ask only for blockers
    /// should not pay for a portfolio-wide comparison.
    public func context(for project: StoredProject, portfolioWide: Bool = true) throws -> RuleContext {
        try contexts(for: [project], portfolioWide: portfolioWide)[project.id]!
    }

    /// The project's own rule context, without the portfolio-wide comparisons, read on `db`:
    /// inside a write, the writer's connection, which sees the transaction's own changes and
    /// needs no reader while it holds the writer.
    /// `created`: the transaction itself just inserted the project, so it has no business case,
    /// review or baseline to look for.
    public func ownContext(on db: SQLiteConnection, for project: StoredProject, created: Bool = false) throws -> RuleContext {
        try ownContexts(on: db, for: [project], created: created)[project.id]!
    }

    /// The rule contexts of many projects, a query per kind of fact however many there are.
    public func contexts(for projects: [StoredProject], portfolioWide: Bool = true) throws -> [Int64: RuleContext] {
        var contexts = try database.read { try ownContexts(on: $0, for: projects) }
        if portfolioWide { try addPortfolioWide(to: &contexts, for: projects) }
        return contexts
    }

    /// The duplication and split comparisons, from the similarity index as of the last commit.
    private func addPortfolioWide(to contexts: inout [Int64: RuleContext], for projects: [StoredProject]) throws {
        try similarity.withCurrent(database) { snapshot in addPortfolioWide(to: &contexts, for: projects, in: snapshot, today: clock.today()) }
    }

    /// The same from `snapshot`: the index as of the last commit, or as it stood on a past day.
    func addPortfolioWide(to contexts: inout [Int64: RuleContext], for projects: [StoredProject], in snapshot: borrowing SimilarityIndex.Snapshot, today: LocalDate) {
        for project in projects where project.status.isOpen {
            guard let thresholds = contexts[project.id]?.thresholds else { continue }
            (contexts[project.id]!.similarProjects, contexts[project.id]!.thresholdSplits) = portfolioWide(for: project.id, thresholds: thresholds, in: snapshot, today: today)
        }
    }

    /// One open project's alike projects of other agencies and the split groups it heads, in `snapshot`.
    func portfolioWide(for id: Int64, thresholds: ThresholdSchedule, in snapshot: borrowing SimilarityIndex.Snapshot,
                       today: LocalDate) -> (matches: [SimilarityIndex.Match], splits: [SimilarityIndex.Split]) {
        (similarity.matches(for: id, in: snapshot), similarity.splits(for: id, in: snapshot, thresholds: thresholds, today: today))
    }

    /// With `asOf`, from what had been recorded by then, with that day as today.
    func ownContexts(on db: SQLiteConnection, for projects: [StoredProject], asOf: AsOf? = nil, created: Bool = false) throws -> [Int64: RuleContext] {
        let today = asOf?.day ?? clock.today()
        let levels = try Agencies.levels(db, of: Set(projects.map(\.agency)))
        let thresholds = try Thresholds.schedule(db, asOf: asOf)
        var businessCases: [Int64: BusinessCase] = [:]
        var reviews: [Int64: [Review]] = [:]
        var baselines: [Int64: [Baseline]] = [:]
        if !created {
            (businessCases, reviews, baselines) = try records(on: db, of: projects.map(\.id), asOf: asOf)
        }
        var contexts: [Int64: RuleContext] = [:]
        contexts.reserveCapacity(projects.count)
        // By index, each part read in place: a loop over the projects would copy every one.
        for index in projects.indices {
            let id = projects[index].id
            contexts[id] = RuleContext(
                project: projects[index].record, status: projects[index].status, agencyLevel: levels[projects[index].agency] ?? .national,
                businessCase: businessCases[id], thresholds: thresholds, reviews: reviews[id] ?? [],
                baselines: baselines[id] ?? [], lastReported: projects[index].reportedOn,
                today: today, tolerances: tolerances)
        }
        return contexts
    }

    /// The business cases, reviews and baselines of `ids` (with `asOf`, as recorded by then).
    private func records(on db: SQLiteConnection, of ids: [Int64], asOf: AsOf?) throws
        -> (businessCases: [Int64: BusinessCase], reviews: [Int64: [Review]], baselines: [Int64: [Baseline]]) {
        let list = Projects.idList(ids)
        let cases = asOf.recorded("created_at")
        var businessCases: [Int64: BusinessCase] = [:]
        try db.forEach("""
            SELECT * FROM business_case_versions b WHERE project_id IN (SELECT value FROM json_each(?))
            AND version = (SELECT max(version) FROM business_case_versions WHERE project_id = b.project_id\(cases.sql))
            """, [list] + cases.arguments) { row in
            let version = try BusinessCases.version(row)
            businessCases[version.projectID] = version.businessCase
        }
        var reviews: [Int64: [Review]] = [:]
        let requested = asOf.recorded("requested_at")
        try db.forEach("SELECT * FROM reviews WHERE project_id IN (SELECT value FROM json_each(?))\(requested.sql) ORDER BY id", [list] + requested.arguments) { row in
            let stored = try Reviews.review(row)
            guard let review = asOf.map(stored.asItStood) ?? stored else { return }
            reviews[review.projectID, default: []].append(review)
        }
        var baselines: [Int64: [Baseline]] = [:]
        let taken = asOf.recorded("created_at")
        try db.forEach("SELECT * FROM baselines WHERE project_id IN (SELECT value FROM json_each(?))\(taken.sql) ORDER BY project_id, number", [list] + taken.arguments) { row in
            baselines[try row.decode("project_id"), default: []].append(try Baselines.baseline(row))
        }
        return (businessCases, reviews, baselines)
    }

    /// The alike pairs across agencies, for the portfolio's duplicates list.
    public func duplicatePairs(includeDrafts: Bool) throws -> [(SimilarProjects, ProjectFingerprint, ProjectFingerprint)] {
        try similarity.withCurrent(database) { similarity.publishedPairs(in: $0, includeDrafts: includeDrafts) }
    }

    /// Changes whenever any project's similarity findings may have: part of each project's state.
    public func similaritySignature(for id: Int64) throws -> Int {
        try similarity.withCurrent(database) { snapshot in Self.signature(of: id, in: snapshot) }
    }

    private static func signature(of id: Int64, in snapshot: borrowing SimilarityIndex.Snapshot) -> Int {
        var hasher = Hasher()
        // Matches and splits follow from the alike projects and these facts of theirs (the
        // thresholds and the day are in the state already); what two share, and so the
        // explanation, from their names and words (this project's own are in its state).
        for other in snapshot.neighbours(of: id) {
            guard let fingerprint = snapshot.index.fingerprint(other) else { continue }
            hasher.combine(other)
            hasher.combine(fingerprint.agency)
            hasher.combine(fingerprint.systemNumbers)
            hasher.combine(fingerprint.datasetNumbers)
            hasher.combine(fingerprint.wordNumbers)
            hasher.combine(fingerprint.title)
            hasher.combine(fingerprint.facts)
        }
        hasher.combine(snapshot.index.fingerprint(id)?.cost.minorUnits)
        return hasher.finalize()
    }

    public func obligations(of project: StoredProject) throws -> Obligations {
        RulesEngine.obligations(for: try context(for: project, portfolioWide: false))
    }

    public func assess(_ project: StoredProject) throws -> Assessment {
        Self.assessment(of: project, in: try context(for: project))
    }

    /// The project assessed from its own context as a write left it (`ownContext(on:for:)` on
    /// the writer's connection), with the portfolio-wide comparisons added after the commit;
    /// and its similarity signature (`similaritySignature(for:)`), from the same look at the index.
    public func assess(_ project: StoredProject, ownContext: RuleContext) throws -> (assessment: Assessment, similaritySignature: Int) {
        var contexts = [project.id: ownContext]
        let signature = try similarity.withCurrent(database) { snapshot in
            addPortfolioWide(to: &contexts, for: [project], in: snapshot, today: clock.today())
            return Self.signature(of: project.id, in: snapshot)
        }
        return (Self.assessment(of: project, in: contexts[project.id] ?? ownContext), signature)
    }

    /// Many projects assessed together; see `contexts(for:)`.
    public func assess(_ projects: [StoredProject]) throws -> [Int64: Assessment] {
        let contexts = try contexts(for: projects)
        var assessments: [Int64: Assessment] = [:]
        for project in projects {
            if let context = contexts[project.id] { assessments[project.id] = Self.assessment(of: project, in: context) }
        }
        return assessments
    }

    static func assessment(of project: StoredProject, in context: RuleContext) -> Assessment {
        let variance = { (baseline: Baseline?) in
            baseline.map { Variance(forecastCost: project.record.wholeLifeCost, forecastEnd: project.record.forecastEnd, baseline: $0) }
        }
        return Assessment(obligations: RulesEngine.obligations(for: context), findings: RulesEngine.findings(for: context),
                          varianceAgainstOriginal: variance(context.baselines.first), varianceAgainstCurrent: variance(context.baselines.last),
                          deliveryConfidence: context.reviews.last(where: { $0.status == .completed && $0.deliveryConfidence != nil })?.deliveryConfidence)
    }
}
