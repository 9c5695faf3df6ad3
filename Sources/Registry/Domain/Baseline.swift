/// An approved cost and schedule. Number 1 is the original; later ones are re-baselines.
public struct Baseline: Sendable, Equatable {
    public var number: Int
    public var wholeLifeCost: Money
    public var plannedEndDate: LocalDate
    public var reason: String
    public var createdAt: String
    public var createdBy: String

    public init(number: Int, wholeLifeCost: Money, plannedEndDate: LocalDate, reason: String, createdAt: String = "", createdBy: String = "") {
        self.number = number
        self.wholeLifeCost = wholeLifeCost
        self.plannedEndDate = plannedEndDate
        self.reason = reason
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}

/// How far the forecast is from a baseline. Positive means worse: more cost, a later end.
public struct Variance: Sendable, Equatable {
    /// Forecast cost − baseline cost.
    public var cost: Money
    /// Of the baseline cost, in hundredths of a percent (basis points), rounded half away from
    /// zero as the US IT Dashboard publishes them; nil when the baseline cost is zero. For
    /// showing only: the rules compare the exact amounts.
    public var costBasisPoints: Int64?
    /// Forecast end − baseline end, in days.
    public var scheduleDays: Int

    public init(forecastCost: Money, forecastEnd: LocalDate, baseline: Baseline) {
        cost = forecastCost - baseline.wholeLifeCost
        costBasisPoints = Self.basisPoints(of: cost.minorUnits, in: baseline.wholeLifeCost.minorUnits)
        scheduleDays = LocalDate.days(from: baseline.plannedEndDate, to: forecastEnd)
    }

    /// `part / whole` in basis points, rounded half away from zero; 128-bit, so no amount overflows.
    static func basisPoints(of part: Int64, in whole: Int64) -> Int64? {
        guard whole != 0 else { return nil }
        let numerator = Int128(part).magnitude * 10_000, denominator = Int128(whole).magnitude
        let rounded = Int128((numerator * 2 + denominator) / (denominator * 2))
        let negative = (part < 0) != (whole < 0)
        return Int64(clamping: negative ? -rounded : rounded)
    }

    /// `12.57` for 1257 basis points, as the API shows percentages (always two decimals).
    public var costPercentText: String? {
        costBasisPoints.map { "\($0 < 0 ? "-" : "")\(abs($0) / 100).\(String(abs($0) % 100 + 100).dropFirst())" }
    }
}

extension ProjectRecord {
    /// The end the agency now forecasts (the planned end when it gives no forecast).
    public var forecastEnd: LocalDate { forecastEndDate ?? plannedEndDate }
}
