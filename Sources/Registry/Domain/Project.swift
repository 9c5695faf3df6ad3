/// Levels of government an agency belongs to; thresholds may be scoped to one.
public enum GovernmentLevel: String, Sendable, CaseIterable, Codable {
    case national, regional, local
}

public struct Agency: Sendable, Equatable {
    public var code: String
    public var name: String
    public var level: GovernmentLevel

    public init(code: String, name: String, level: GovernmentLevel) {
        self.code = code
        self.name = name
        self.level = level
    }
}

/// Where a project stands. Changed only through transitions, which the rules may block.
public enum ProjectStatus: String, Sendable, CaseIterable {
    case proposed, submitted, approved, inExecution = "in_execution", completed, onHold = "on_hold", cancelled

    /// Open statuses can still move; completed and cancelled are final.
    public var isOpen: Bool { self != .completed && self != .cancelled }
}

/// The senior responsible owner: the person accountable for the project.
public struct ProjectOwner: Sendable, Equatable {
    public var name: String
    public var role: String?
    public var email: String?

    public init(name: String, role: String? = nil, email: String? = nil) {
        self.name = name
        self.role = role
        self.email = email
    }
}

/// RACI: who is accountable, who does the work, who is consulted, who is kept informed.
public enum Responsibility: String, Sendable, CaseIterable {
    case accountable, responsible, consulted, informed
}

public struct ProjectRole: Sendable, Equatable {
    public var party: String
    public var responsibility: Responsibility
    public var description: String?

    public init(party: String, responsibility: Responsibility, description: String? = nil) {
        self.party = party
        self.responsibility = responsibility
        self.description = description
    }
}

public struct Milestone: Sendable, Equatable {
    public var name: String
    public var baselineDate: LocalDate?
    public var forecastDate: LocalDate?
    public var actualDate: LocalDate?

    public init(name: String, baselineDate: LocalDate? = nil, forecastDate: LocalDate? = nil, actualDate: LocalDate? = nil) {
        self.name = name
        self.baselineDate = baselineDate
        self.forecastDate = forecastDate
        self.actualDate = actualDate
    }
}

/// What an agency reports about one project. Identity, status and bookkeeping (id, version,
/// times) live with the stored record; this is the part the agency writes.
public struct ProjectRecord: Sendable, Equatable {
    public var externalID: String
    public var title: String
    public var description: String?
    public var category: String?
    /// The forecast whole-life cost.
    public var wholeLifeCost: Money
    public var spendToDate: Money?
    public var startDate: LocalDate?
    public var plannedEndDate: LocalDate
    public var forecastEndDate: LocalDate?
    /// 1 (low) to 5 (high), as the agency sees it.
    public var riskRating: Int?
    public var owner: ProjectOwner?
    public var roles: [ProjectRole]
    public var systems: [String]
    public var datasets: [String]
    public var milestones: [Milestone]

    public init(externalID: String, title: String, description: String? = nil, category: String? = nil,
                wholeLifeCost: Money, spendToDate: Money? = nil, startDate: LocalDate? = nil, plannedEndDate: LocalDate,
                forecastEndDate: LocalDate? = nil, riskRating: Int? = nil, owner: ProjectOwner? = nil, roles: [ProjectRole] = [],
                systems: [String] = [], datasets: [String] = [], milestones: [Milestone] = []) {
        self.externalID = externalID
        self.title = title
        self.description = description
        self.category = category
        self.wholeLifeCost = wholeLifeCost
        self.spendToDate = spendToDate
        self.startDate = startDate
        self.plannedEndDate = plannedEndDate
        self.forecastEndDate = forecastEndDate
        self.riskRating = riskRating
        self.owner = owner
        self.roles = roles
        self.systems = systems
        self.datasets = datasets
        self.milestones = milestones
    }

    /// Someone is accountable: a named owner, or a role marked accountable.
    public var namesAccountableParty: Bool {
        if let owner, !owner.name.trimmingSpaces.isEmpty { return true }
        return roles.contains { $0.responsibility == .accountable && !$0.party.trimmingSpaces.isEmpty }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return s
    }
}
