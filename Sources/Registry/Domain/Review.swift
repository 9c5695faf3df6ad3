/// A review of a project (Principle 8): the centre's central review, an OGC-style gateway
/// review at gates 0–5, or a peer review. It records what it looked at, so a later rise in
/// cost can be measured against what was approved.
public struct Review: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case central, gateway, peer }
    public enum Status: String, Sendable, CaseIterable { case requested, inProgress = "in_progress", completed }
    public enum Outcome: String, Sendable, CaseIterable {
        case approved, approvedWithConditions = "approved_with_conditions", rejected
        public var isPositive: Bool { self != .rejected }
    }
    /// The UK's Delivery Confidence Assessment scale.
    public enum DeliveryConfidence: String, Sendable, CaseIterable {
        case green, amberGreen = "amber_green", amber, amberRed = "amber_red", red
    }

    public var id: Int64
    public var projectID: Int64
    public var kind: Kind
    public var gate: Int?
    public var status: Status
    public var reviewer: String?
    public var reviewedCost: Money
    public var reviewedPlannedEndDate: LocalDate
    public var reviewedVersion: Int
    public var businessCaseThreshold: Money?
    public var centralReviewThreshold: Money?
    public var requestedAt: String
    public var requestedBy: String
    public var completedAt: String?
    public var outcome: Outcome?
    public var deliveryConfidence: DeliveryConfidence?
    public var conditions: [String]
    public var recommendations: [String]

    /// A completed central review that let the project go ahead.
    public var approvesProject: Bool {
        kind == .central && status == .completed && (outcome?.isPositive ?? false)
    }
}
