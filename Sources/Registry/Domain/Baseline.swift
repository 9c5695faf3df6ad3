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
    /// Of the baseline cost, in tenths of a percent (rounded toward zero); nil when the baseline cost is zero.
    public var costPerMille: Int64?
    /// Forecast end − baseline end, in days.
    public var scheduleDays: Int

    public init(forecastCost: Money, forecastEnd: LocalDate, baseline: Baseline) {
        cost = forecastCost - baseline.wholeLifeCost
        costPerMille = baseline.wholeLifeCost.minorUnits == 0 ? nil : cost.minorUnits * 1000 / baseline.wholeLifeCost.minorUnits
        scheduleDays = LocalDate.days(from: baseline.plannedEndDate, to: forecastEnd)
    }

    /// `12.5` for 125 per mille, as the API shows percentages.
    public var costPercentText: String? {
        costPerMille.map { "\($0 < 0 ? "-" : "")\(abs($0) / 10).\(abs($0) % 10)" }
    }
}

extension ProjectRecord {
    /// The end the agency now forecasts (the planned end when it gives no forecast).
    public var forecastEnd: LocalDate { forecastEndDate ?? plannedEndDate }
}
