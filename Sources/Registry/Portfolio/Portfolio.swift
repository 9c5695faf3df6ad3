import SQLiteDatabase

/// The portfolio-wide reads: the overview and every assessed project a query matches, from the
/// in-memory projection. The API and the dashboard both ask here, so their numbers are the same.
public struct Portfolio: Sendable {
    let compliance: Compliance
    let projection: PortfolioProjection
    let history: PortfolioHistory

    /// Totals and breakdowns of what `query` matches, as `viewer` may see it; with `asOf`, as
    /// the portfolio stood then (drafts hidden as they were hidden then).
    public func overview(_ query: ProjectQuery, viewer: Principal, asOf: AsOf? = nil) throws -> PortfolioOverview {
        let entries = try self.entries(asOf)
        return PortfolioOverview(try matching(query, viewer: viewer, in: entries, asOf: asOf), names: entries.names)
    }

    /// Every project `query` matches (its filters, not its order or paging), in id order.
    public func entries(_ query: ProjectQuery, viewer: Principal, asOf: AsOf? = nil) throws -> [PortfolioProjection.Entry] {
        try matching(query, viewer: viewer, in: try entries(asOf), asOf: asOf)
    }

    /// The alike pairs across agencies, for the portfolio's duplicates list: now, or among the
    /// projects of then.
    public func duplicatePairs(includeDrafts: Bool, asOf: AsOf?) throws -> [(SimilarProjects, ProjectFingerprint, ProjectFingerprint)] {
        guard let asOf else { return try compliance.duplicatePairs(includeDrafts: includeDrafts) }
        return compliance.similarity.publishedPairs(in: try past(asOf).similarity, includeDrafts: includeDrafts)
    }

    /// The whole portfolio's overview at the end of each of `days` (today's as it is now), as
    /// `viewer` may see it: the points of a trend. Past days' are kept, so a trend over years
    /// costs a rebuild per day only once.
    public func overviews(at days: [AsOf], viewer: Principal) throws -> [PortfolioOverview] {
        let today = compliance.clock.today()
        let viewerKey = viewer.isCentre ? "centre" : viewer.agencyCode.map { "agency:" + $0 } ?? "public"
        return try days.map { asOf in
            guard asOf.day < today else { return try overview(ProjectQuery(), viewer: viewer) }
            let key = "\(asOf)|\(viewerKey)"
            if let kept = history.overviews.withLock({ $0[key] }) { return kept }
            let computed = try overview(ProjectQuery(), viewer: viewer, asOf: asOf)
            history.overviews.withLock { $0[key] = computed }
            return computed
        }
    }

    /// The portfolio as it stood at the end of a past day (or today, as far as it has gone).
    public func past(_ asOf: AsOf) throws -> PortfolioHistory.Past {
        try history.past(asOf, compliance)
    }

    private func entries(_ asOf: AsOf?) throws -> PortfolioProjection.Entries {
        try asOf.map { try history.past($0, compliance).entries } ?? projection.entries(compliance)
    }

    /// Brings the projection up to date now, so that the next read does not wait for it: at
    /// start-up (the first build reads every project) and after writes and midnight.
    public func refresh() throws {
        _ = try projection.entries(compliance)
    }

    /// The first build, in its two parts (the similarity index, then the projection), with
    /// `measure` asked before, between and after: what each part costs, for the start-up log.
    public func build<Measure>(measuring measure: () -> Measure) throws -> (projects: Int, before: Measure, afterSimilarity: Measure, afterProjection: Measure) {
        let before = measure()
        try compliance.similarity.withCurrent(compliance.database) { _ in }
        let afterSimilarity = measure()
        let projects = try projection.entries(compliance).ordered.count
        return (projects, before, afterSimilarity, measure())
    }

    func matching(_ query: ProjectQuery, viewer: Principal, in entries: PortfolioProjection.Entries, asOf: AsOf?) throws -> [PortfolioProjection.Entry] {
        // Only the full-text index can answer `q` (or, for a past day, the texts of then); every
        // other filter is checked in memory.
        let texts: Set<Int64>? = try query.text.map { try ProjectSearch.matchingText($0, asOf: asOf, compliance.database) }
        return entries.ordered.filter { entry in query.admits(entry, viewer: viewer) && texts?.contains(entry.id) != false }
    }
}
