/// A realistic, deterministic portfolio for a first look: a dozen agencies, a few hundred
/// projects in every status, business cases complete and not, reviews with every outcome,
/// re-baselines, overruns, slips and a pair of duplicates. Made through the same services
/// the API uses, so every rule has run on it.
public struct DemoPortfolio {
    let storage: RegistryStorage

    public init(storage: RegistryStorage) { self.storage = storage }

    public struct Summary: Sendable, Equatable {
        public var agencies: Int
        public var projects: Int
    }

    static let agencies: [(String, String, GovernmentLevel)] = [
        ("MINFIN", "Ministry of Finance", .national), ("MINHEALTH", "Ministry of Health", .national),
        ("MINEDU", "Ministry of Education", .national), ("MINJUS", "Ministry of Justice", .national),
        ("MININT", "Ministry of the Interior", .national), ("MINTRANS", "Ministry of Transport", .national),
        ("TAXAG", "Tax Agency", .national), ("SOCSEC", "Social Security Agency", .national),
        ("STATS", "Statistics Office", .national), ("NORTHREG", "Northern Region", .regional),
        ("SOUTHREG", "Southern Region", .regional), ("CAPITAL", "Capital City", .local),
    ]

    static let subjects = [
        ("Case management", "Case Management System", "Cases"), ("Payments platform", "Payments Engine", "Payments"),
        ("Data warehouse", "Data Warehouse", "Statistics"), ("Records archive", "Archive", "Records"),
        ("Citizen portal", "Citizen Portal", "Citizens"), ("Grants administration", "Grants System", "Grants"),
        ("Permit applications", "Permit Portal", "Permits"), ("Cloud migration", "Hosting Platform", "Infrastructure"),
        ("Workforce scheduling", "Scheduler", "Staff"), ("Inspection planning", "Inspection App", "Inspections"),
    ]

    static let categories = ["case management", "payments", "data", "infrastructure", "citizen services"]

    /// Fills an empty registry; refuses one that already has projects.
    public func fill() throws -> Summary {
        let existing = try storage.database.read { try $0.scalar("SELECT count(*) FROM projects") }
        guard existing == .integer(0) else { throw RegistryError.conflict("The registry already has projects; demo data goes only into an empty one.") }
        let known = Set(try storage.agencies.list().map(\.code))
        for (code, name, level) in Self.agencies where !known.contains(code) {
            try storage.agencies.create(Agency(code: code, name: name, level: level), by: .commandLine)
        }
        var random = SplitMix(seed: 2026)
        var count = 0
        for (index, (code, _, _)) in Self.agencies.enumerated() {
            let agency = Principal.agency(code: code, tokenID: "demo")
            for number in 0..<(18 + index % 5 * 4) {
                let subject = Self.subjects[(index * 7 + number) % Self.subjects.count]
                try makeProject(agency: agency, code: code, number: number, subject: subject, random: &random)
                count += 1
            }
        }
        try makeDuplicatePair()
        return Summary(agencies: Self.agencies.count, projects: count + 2)
    }

    private func makeProject(agency: Principal, code: String, number: Int, subject: (String, String, String), random: inout SplitMix) throws {
        let size = random.next(100)
        let cost: Money = size < 40 ? .units(Int64(50_000 + random.next(900) * 1000))
            : size < 75 ? .units(Int64(1_000_000 + random.next(3900) * 1000))
            : .units(Int64(5_000_000 + random.next(60_000) * 1000))
        let startYear = 2023 + random.next(3)
        let start = LocalDate(year: startYear, month: 1 + random.next(12), day: 1)!
        let end = start.adding(days: 365 + random.next(1200))
        let milestones = [
            Milestone(name: "Design complete", baselineDate: start.adding(days: 120), actualDate: random.next(4) == 0 ? nil : start.adding(days: 130)),
            Milestone(name: "Pilot live", baselineDate: start.adding(days: 300)),
            Milestone(name: "Full service", baselineDate: end.adding(days: -30)),
        ]
        let record = ProjectRecord(
            externalID: "\(code)-\(2020 + startYear % 10)-\(number + 1)", title: "\(subject.0) \(number + 1)",
            description: "\(subject.0) for the \(code) service teams, replacing the legacy \(subject.1.lowercased()).",
            category: Self.categories[random.next(Self.categories.count)], wholeLifeCost: cost,
            spendToDate: Money(minorUnits: cost.minorUnits / 100 * Int64(random.next(80))), startDate: start, plannedEndDate: end,
            forecastEndDate: random.next(3) == 0 ? end.adding(days: random.next(200)) : nil, riskRating: 1 + random.next(5),
            owner: random.next(10) == 0 ? nil : ProjectOwner(name: "Director \(code) \(number + 1)", role: "Senior responsible owner", email: "sro\(number + 1)@\(code.lowercased()).example.gov"),
            roles: [ProjectRole(party: "\(code) IT department", responsibility: .responsible), ProjectRole(party: "Ministry of Finance", responsibility: .consulted)],
            systems: ["\(code) \(subject.1)"], datasets: ["\(code) \(subject.2)"], milestones: milestones)
        let project = try storage.projects.create(record, agency: code, by: agency)

        // How far along: proposed, submitted, approved, in execution, completed, on hold, cancelled.
        let stage = random.next(100)
        guard stage >= 15 else { return }
        if try storage.compliance.obligations(of: project).businessCaseRequired {
            _ = try storage.businessCases.put(businessCase(for: record, complete: random.next(6) != 0), projectID: project.id, by: agency)
        }
        do {
            _ = try storage.projects.transition(id: project.id, to: .submitted, reason: "Ready for review", by: agency, compliance: storage.compliance)
        } catch RegistryError.blockedByRules {
            return // an incomplete business case keeps it in 'proposed', as it should
        }
        guard stage >= 35 else { return }
        let centre = Principal.centre(tokenID: "demo")
        if try storage.compliance.obligations(of: project).centralReviewRequired {
            let review = try storage.reviews.request(.init(kind: .central, reviewer: "ICT Project Council"), projectID: project.id, by: centre)
            guard stage >= 40 else { return } // still in the review queue
            let outcomes: [Review.Outcome] = [.approved, .approvedWithConditions, .approvedWithConditions, .rejected]
            let outcome = outcomes[random.next(outcomes.count)]
            let confidence = Review.DeliveryConfidence.allCases[random.next(5)]
            _ = try storage.reviews.decide(reviewID: review.id, .init(outcome: outcome, deliveryConfidence: confidence,
                conditions: outcome == .approvedWithConditions ? ["Report progress to the centre every quarter"] : [],
                recommendations: ["Strengthen the supplier contract management"]), by: centre)
            guard outcome.isPositive else { return }
        }
        _ = try storage.projects.transition(id: project.id, to: .approved, reason: "Approved", by: centre, compliance: storage.compliance)
        guard stage >= 45 else { return }
        _ = try storage.projects.transition(id: project.id, to: .inExecution, reason: "Started", by: agency, compliance: storage.compliance)
        // Some overrun, some are re-baselined, some slip.
        var changed = record
        let drift = random.next(100)
        if drift < 25 {
            changed.wholeLifeCost = Money(minorUnits: record.wholeLifeCost.minorUnits * Int64(112 + random.next(40)) / 100)
            changed.forecastEndDate = end.adding(days: 60 + random.next(300))
            if drift < 8 {
                _ = try storage.baselines.rebaseline(projectID: project.id, cost: changed.wholeLifeCost, plannedEndDate: changed.forecastEndDate!,
                                                     reason: "Scope extended by ministerial decision", by: centre)
            }
            _ = try storage.projects.replace(id: project.id, with: changed, expectedVersion: nil, by: agency)
        }
        switch stage {
        case 90..<94: _ = try storage.projects.transition(id: project.id, to: .completed, reason: "Delivered", by: agency, compliance: storage.compliance)
        case 94..<97: _ = try storage.projects.transition(id: project.id, to: .onHold, reason: "Awaiting budget decision", by: agency, compliance: storage.compliance)
        case 97..<100: _ = try storage.projects.transition(id: project.id, to: .cancelled, reason: "Superseded", by: centre, compliance: storage.compliance)
        default: break
        }
    }

    private func businessCase(for record: ProjectRecord, complete: Bool) -> BusinessCase {
        let capital = Money(minorUnits: record.wholeLifeCost.minorUnits * 6 / 10)
        var businessCase = BusinessCase(
            economicValue: [.init(description: "Less manual processing", amount: Money(minorUnits: record.wholeLifeCost.minorUnits / 5), year: 2028)],
            nonMonetaryValue: [.init(description: "Faster decisions for applicants", beneficiaries: "about 120,000 people a year")],
            risks: [.init(description: "Supplier delivers late", likelihood: 3, impact: 4, mitigation: "Milestone payments", owner: "Programme director"),
                    .init(description: "Data migration errors", likelihood: 2, impact: 5, mitigation: "Trial migrations", owner: "Data lead")],
            timeframes: [.init(result: "Pilot with one region", by: record.plannedEndDate.adding(days: -400))],
            financialPlan: [.init(year: 2026, kind: .capital, amount: capital, purpose: "Build and migrate"),
                            .init(year: 2027, kind: .operating, amount: record.wholeLifeCost - capital, purpose: "Run and support")],
            followUp: [.init(indicator: "Share of applications decided within 8 weeks", baseline: "62 %", target: "90 %", method: "Monthly case statistics")],
            responsibilities: [.init(party: "Senior responsible owner", role: "Accountable for benefits"), .init(party: "IT department", role: "Delivers the system")],
            milestoneConsequences: "A missed milestone holds back the next funding tranche until the centre has reviewed a recovery plan.",
            stakeholders: [.init(group: .users, how: "User research and testing"), .init(group: .civilSociety, how: "Public consultation")])
        if !complete {
            businessCase.followUp = []
            businessCase.stakeholders = [.init(group: .users, how: "Survey")]
        }
        return businessCase
    }

    /// Two agencies building the same identity register.
    private func makeDuplicatePair() throws {
        for (code, title) in [("MININT", "National identity register renewal"), ("SOCSEC", "Identity register for benefits")] {
            let agency = Principal.agency(code: code, tokenID: "demo")
            let record = ProjectRecord(externalID: "\(code)-ID-REG", title: title, description: "A register of persons and their identity documents.",
                                       category: "data", wholeLifeCost: .units(850_000), startDate: LocalDate("2026-01-01"), plannedEndDate: LocalDate("2027-12-31")!,
                                       riskRating: 3, owner: ProjectOwner(name: "Head of identity, \(code)"),
                                       systems: ["Identity Register"], datasets: ["Persons", "Identity documents"])
            let project = try storage.projects.create(record, agency: code, by: agency)
            _ = try storage.projects.transition(id: project.id, to: .submitted, reason: "Ready", by: agency, compliance: storage.compliance)
        }
    }
}

/// A small, fast, deterministic generator (SplitMix64), so the demo is the same every time.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(bound))
    }
}
