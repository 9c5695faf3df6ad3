import SQLiteDatabase

/// The portfolio-wide reads: the overview and every assessed project a query matches, from the
/// in-memory projection. The API and the dashboard both ask here, so their numbers are the same.
public struct Portfolio: Sendable {
    let compliance: Compliance
    let projection: PortfolioProjection

    /// Totals and breakdowns of what `query` matches, as `viewer` may see it.
    public func overview(_ query: ProjectQuery, viewer: Principal) throws -> PortfolioOverview {
        let entries = try projection.entries(compliance)
        return PortfolioOverview(try matching(query, viewer: viewer, in: entries), names: entries.names)
    }

    /// Every project `query` matches (its filters, not its order or paging), in id order.
    public func entries(_ query: ProjectQuery, viewer: Principal) throws -> [PortfolioProjection.Entry] {
        try matching(query, viewer: viewer, in: try projection.entries(compliance))
    }

    /// Brings the projection up to date now, so that the next read does not wait for it: at
    /// start-up (the first build reads every project) and after writes and midnight.
    public func refresh() throws {
        _ = try projection.entries(compliance)
    }

    private func matching(_ query: ProjectQuery, viewer: Principal, in entries: PortfolioProjection.Entries) throws -> [PortfolioProjection.Entry] {
        // Only the full-text index can answer `q`; every other filter is checked in memory.
        let texts: Set<Int64>? = try query.text.map { text in
            try compliance.database.read { db in
                Set(try db.query("SELECT rowid AS id FROM projects_fts WHERE projects_fts MATCH ?", [ProjectSearch.ftsQuery(text)]).map { try $0.decode("id", as: Int64.self) })
            }
        }
        return entries.ordered.filter { entry in query.admits(entry, viewer: viewer) && texts?.contains(entry.id) != false }
    }
}
