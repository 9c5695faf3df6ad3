/// The end of a day, UTC: the registry as it stood then. Every time the registry records is
/// RFC 3339 UTC, so "recorded by then" is a comparison of texts with the next day's date.
public struct AsOf: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let day: LocalDate

    public init(_ day: LocalDate) { self.day = day }

    /// The first instant after the day, as recorded times begin.
    public var cutoff: String { LocalDate(daysSinceEpoch: day.daysSinceEpoch + 1).description }

    /// Whether something recorded at `timestamp` had happened by then.
    public func includes(_ timestamp: String) -> Bool { timestamp < cutoff }

    public var description: String { day.description }

    public static func < (a: AsOf, b: AsOf) -> Bool { a.day < b.day }
}

extension Review {
    /// The review as it stood at `asOf`: nil if not yet requested; still requested if decided later.
    public func asItStood(at asOf: AsOf) -> Review? {
        guard asOf.includes(requestedAt) else { return nil }
        guard let completedAt, !asOf.includes(completedAt) else { return self }
        var requested = self
        requested.status = .requested
        requested.completedAt = nil
        requested.outcome = nil
        requested.deliveryConfidence = nil
        requested.conditions = []
        requested.recommendations = []
        return requested
    }
}

extension FundingTranche {
    /// The tranche as it stood at `asOf`: nil if not yet created; unreleased if released later.
    public func asItStood(at asOf: AsOf) -> FundingTranche? {
        guard asOf.includes(createdAt) else { return nil }
        guard let releasedAt, !asOf.includes(releasedAt) else { return self }
        var held = self
        held.releasedAt = nil
        held.releasedBy = nil
        return held
    }
}
