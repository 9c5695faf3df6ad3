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
        let today = clock.today()
        var context = try database.read { db -> RuleContext in
            let level = try db.queryFirst("SELECT level FROM agencies WHERE code = ?", [project.agency])?
                .string("level").flatMap(GovernmentLevel.init(rawValue:)) ?? .national
            let thresholds = ThresholdSchedule(try db.query("SELECT kind, amount_cents, effective_from, scope FROM thresholds").compactMap(Thresholds.threshold))
            let businessCase = try BusinessCases.latest(db, projectID: project.id)?.businessCase
            let reviews = try Reviews.all(db, projectID: project.id)
            let baselines = try Baselines.all(db, projectID: project.id)
            return RuleContext(project: project.record, status: project.status, agencyLevel: level, businessCase: businessCase,
                               thresholds: thresholds, reviews: reviews, baselines: baselines,
                               lastReported: LocalDate(String(project.reportedAt.prefix(10))), today: today, tolerances: tolerances)
        }
        if portfolioWide, project.status.isOpen {
            let snapshot = try similarity.current(database, today: today)
            context.similarProjects = similarity.matches(for: project.id, in: snapshot)
            context.thresholdSplits = similarity.splits(for: project.id, in: snapshot)
        }
        return context
    }

    /// The alike pairs across agencies, for the portfolio's duplicates list.
    public func duplicatePairs(includeDrafts: Bool) throws -> [(SimilarProjects, ProjectFingerprint, ProjectFingerprint)] {
        similarity.publishedPairs(in: try similarity.current(database, today: clock.today()), includeDrafts: includeDrafts)
    }

    /// Changes whenever any project's similarity findings may have: part of each project's state.
    public func similaritySignature(for id: Int64) throws -> Int {
        let snapshot = try similarity.current(database, today: clock.today())
        var hasher = Hasher()
        for match in similarity.matches(for: id, in: snapshot) { hasher.combine(match.other); hasher.combine(match.similarity.score); hasher.combine(match.otherTitle) }
        for split in similarity.splits(for: id, in: snapshot) { hasher.combine(split.projects); hasher.combine(split.total.minorUnits) }
        return hasher.finalize()
    }

    public func obligations(of project: StoredProject) throws -> Obligations {
        RulesEngine.obligations(for: try context(for: project, portfolioWide: false))
    }

    public func assess(_ project: StoredProject) throws -> Assessment {
        let context = try context(for: project)
        let variance = { (baseline: Baseline?) in
            baseline.map { Variance(forecastCost: project.record.wholeLifeCost, forecastEnd: project.record.forecastEnd, baseline: $0) }
        }
        return Assessment(obligations: RulesEngine.obligations(for: context), findings: RulesEngine.findings(for: context),
                          varianceAgainstOriginal: variance(context.baselines.first), varianceAgainstCurrent: variance(context.baselines.last),
                          deliveryConfidence: context.reviews.last(where: { $0.status == .completed && $0.deliveryConfidence != nil })?.deliveryConfidence)
    }
}
