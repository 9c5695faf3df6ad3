/// The portfolio-wide reads: the overview and every assessed project a query matches.
/// The API and the dashboard both ask here, so their numbers are the same.
public struct Portfolio: Sendable {
    let search: ProjectSearch

    /// Totals and breakdowns of what `query` matches, as `viewer` may see it.
    public func overview(_ query: ProjectQuery, viewer: Principal) throws -> PortfolioOverview {
        PortfolioOverview(try search.all(query, viewer: viewer))
    }

    /// Every project `query` matches with what the rules say of it, in the query's order.
    public func assessed(_ query: ProjectQuery, viewer: Principal) throws -> [(project: StoredProject, assessment: Assessment)] {
        try search.all(query, viewer: viewer)
    }
}
