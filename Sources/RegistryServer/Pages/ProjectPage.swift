import HTTPServer
import JSON
import Registry

/// `/projects/{id}`: one project, read by id with what belongs to it (its baselines, business
/// case, reviews, tranches, history) — bounded work whatever the size of the portfolio.
struct ProjectPage {
    let storage: RegistryStorage
    /// History events shown, newest first; the JSON has them all.
    static let historyShown = 50

    /// With `asOf`, the project as it stood then: its facts, findings, baselines, business case,
    /// reviews, funding and history as recorded by the end of that day.
    func response(project: StoredProject, asOf: AsOf? = nil) throws -> HTTPResponse {
        let assessment = try asOf.flatMap { try storage.portfolio.past($0).entry(project.id)?.assessment } ?? storage.compliance.assess(project)
        let baselines = try storage.baselines.list(projectID: project.id, asOf: asOf)
        let businessCase = try storage.businessCases.latest(projectID: project.id, asOf: asOf)
        let completeness = try businessCase.map { version in
            // Then, the principle 7 findings of the day; now, the case checked against today's rules.
            try asOf.map { _ in
                let findings = assessment.findings.filter { $0.rule.principle == 7 }
                let missing = RulesEngine.missingSections(of: version.businessCase)
                return (missing.isEmpty && findings.isEmpty, missing, findings)
            } ?? BusinessCaseRoutes.completeness(of: version, project: project, compliance: storage.compliance)
        }
        let reviews = try storage.reviews.forProject(project.id, asOf: asOf)
        let tranches = try storage.fundingTranches.forProject(project.id, asOf: asOf)
        let history = try storage.projects.history(id: project.id, asOf: asOf)
        let agency = try storage.agencies.list().first { $0.code == project.agency }
        let today = asOf?.day ?? storage.clock.today()
        let record = project.record
        let currency = storage.currency
        func money(_ amount: Money?) -> HTML { "\(amount.map { Format.money($0, currency: currency) } ?? "—")" }
        let base = "/api/v1/projects/\(project.id)"

        var main: HTML = asOf.map { PastNotice.html($0, now: "/projects/\(project.id)") } ?? HTML.empty
        main += """
        <p class="quiet"><a href="/projects">Projects</a> › <a href="/agencies/\(URLQuery.encode(project.agency))">\(agency?.name ?? project.agency)</a></p>
        <h1>\(record.title)</h1>
        <p class="lead">\(Format.status(project.status)) · \(agency?.name ?? project.agency) · reference <span class="code">\(record.externalID)</span></p>
        \(project.status == .proposed ? "<p class=\"notice\">This project is a draft (proposed): only its agency and the centre of government see it.</p>" : HTML.empty)

        """

        // Facts.
        func fact(_ term: String, _ value: HTML) -> HTML { "<dt>\(term)</dt><dd>\(value)</dd>" }
        let owner: HTML = record.owner.map { owner -> HTML in
            "\(owner.name)\(owner.role.map { ", " + $0 } ?? "")\(owner.email.map { " (" + $0 + ")" } ?? "")"
        } ?? "<strong>None named</strong>"
        main += """
        <section aria-labelledby="facts-heading">
        <h2 id="facts-heading">About the project</h2>
        \(record.description.map { "<p>\($0)</p>" as HTML } ?? HTML.empty)
        <dl class="facts">
        \(fact("Agency", "<a href=\"/agencies/\(URLQuery.encode(project.agency))\">\(agency?.name ?? project.agency)</a> <span class=\"code\">\(project.agency)</span>"))
        \(fact("Status", "\(Format.status(project.status))"))
        \(fact("Category", "\(record.category ?? "—")"))
        \(fact("Whole-life cost (forecast)", money(record.wholeLifeCost)))
        \(fact("Spend to date", money(record.spendToDate)))
        \(fact("Start", "\(Format.date(record.startDate))"))
        \(fact("Planned end", "\(record.plannedEndDate.description)"))
        \(fact("Forecast end", "\(record.forecastEndDate.map(\.description) ?? "as planned")"))
        \(fact("Risk rating (the agency's)", "\(record.riskRating.map { "\($0) of 5 (1 low, 5 high)" } ?? "not rated")"))
        \(fact("Delivery confidence (latest review)", Words.badge(assessment.deliveryConfidence)))
        \(fact("Senior responsible owner", owner))
        \(fact("Systems", "\(record.systems.isEmpty ? "—" : record.systems.joined(separator: "; "))"))
        \(fact("Datasets", "\(record.datasets.isEmpty ? "—" : record.datasets.joined(separator: "; "))"))
        \(fact("Registered", "\(Format.timestamp(project.createdAt))"))
        \(fact("Last updated", "\(Format.timestamp(project.updatedAt)) (version \(project.version))"))
        </dl>
        \(record.roles.isEmpty ? HTML.empty : Table.render(id: "table-roles", caption: "Roles (who is accountable, responsible, consulted, informed)", columns: [
            .init("Party"), .init("Responsibility"), .init("What they do"),
        ], rows: record.roles.map { role -> [HTML] in ["\(role.party)", "\(role.responsibility.rawValue.capitalized)", "\(role.description ?? "—")"] }))
        </section>

        """

        // Obligations and findings.
        let obligations = assessment.obligations
        func owed(_ required: Bool, _ what: String, _ threshold: Money?) -> HTML {
            let limit = threshold.map { Format.money($0, currency: currency) } ?? "no threshold in force"
            return required ? "<li><strong>\(what) required</strong>: the whole-life cost is at or above the threshold (\(limit)).</li>"
                : "<li>\(what) not required: the whole-life cost is below the threshold (\(limit)).</li>"
        }
        main += """
        <section aria-labelledby="findings-heading">
        <h2 id="findings-heading">Obligations and findings</h2>
        <ul>
        \(owed(obligations.businessCaseRequired, "Business case (OECD Principle 7)", obligations.businessCaseThreshold))
        \(owed(obligations.centralReviewRequired, "Central review (OECD Principle 8)", obligations.centralReviewThreshold))
        </ul>
        \(Table.render(id: "table-findings", caption: "What the rules find today", columns: [
            .init("Rule"), .init("Principle"), .init("Severity"), .init("Finding"),
        ], rows: assessment.findings.map { finding -> [HTML] in
            ["<a href=\"/projects?rule=\(finding.rule.rawValue)\">\(finding.rule.rawValue)</a>", "\(Words.principle(finding.principle))",
             Words.severity(finding.severity), "\(finding.message)"]
        }, empty: "No findings: the project holds to every rule."))
        </section>

        """

        main += baselineSection(project, assessment: assessment, baselines: baselines)
        main += milestoneSection(record.milestones, today: today)
        main += businessCaseSection(businessCase, completeness: completeness, required: obligations.businessCaseRequired)

        // Reviews.
        main += """
        <section aria-labelledby="reviews-heading">
        <h2 id="reviews-heading">Reviews</h2>
        \(Table.render(id: "table-reviews", caption: "Reviews of the project, oldest first", columns: [
            .init("Review"), .init("Status"), .init("Requested"), .init("Completed"), .init("Outcome"), .init("Delivery confidence"),
            .init("Reviewed cost", numeric: true), .init("Conditions and recommendations"),
        ], rows: reviews.map { review -> [HTML] in
            let notes = review.conditions.map { "Condition: " + $0 } + review.recommendations.map { "Recommendation: " + $0 }
            return ["\(Words.reviewKind(review))\(review.reviewer.map { " by " + $0 } ?? "")", "\(Words.reviewStatus(review.status))",
                    "\(String(review.requestedAt.prefix(10)))", "\(review.completedAt.map { String($0.prefix(10)) } ?? "—")",
                    "\(Words.outcome(review.outcome))", review.status == .completed ? Words.badge(review.deliveryConfidence) : "—",
                    money(review.reviewedCost),
                    notes.isEmpty ? "—" : "<ul class=\"plain\">\(notes.map { note -> HTML in "<li>\(note)</li>" })</ul>"]
        }, empty: "No review yet."))
        </section>

        """

        // Funding.
        let released = tranches.filter(\.isReleased).reduce(Money.zero) { $0 + $1.amount }
        main += """
        <section aria-labelledby="funding-heading">
        <h2 id="funding-heading">Funding</h2>
        <p>\(Format.money(released, currency: currency)) released of \(Format.money(tranches.reduce(Money.zero) { $0 + $1.amount }, currency: currency)) in \(tranches.count) \(tranches.count == 1 ? "tranche" : "tranches").</p>
        \(Table.render(id: "table-funding", caption: "Funding tranches and the conditions of their release", columns: [
            .init("Tranche"), .init("Amount", numeric: true), .init("Condition"), .init("Released"),
        ], rows: tranches.map { tranche -> [HTML] in
            let condition: String = switch tranche.condition {
            case .none: "None"
            case .centralReviewApproved: "A central review approves the project"
            case .gatePassed: "Gateway review \(tranche.gate ?? 0) is passed"
            }
            return ["Tranche \(tranche.id)", money(tranche.amount), "\(condition)",
                    "\(tranche.releasedAt.map { "Yes, on \($0.prefix(10))" } ?? "No")"]
        }, empty: "No funding tranche."))
        </section>

        """

        // History, newest first.
        main += """
        <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <p>Every change is on the record. \(history.count > Self.historyShown ? "The latest \(Self.historyShown) of \(history.count) changes are shown; the JSON has them all." : "")</p>
        \(Table.render(id: "table-history", caption: "Changes to the project, newest first", columns: [
            .init("When"), .init("Who"), .init("What"),
        ], rows: history.suffix(Self.historyShown).reversed().map { event -> [HTML] in
            ["\(Format.timestamp(event.at))", "\(Self.actor(event.actor))", Self.change(event)]
        }))
        </section>

        """

        var links: [(label: String, href: String)] = [
            ("The project as JSON", base), ("Its findings as JSON", base + "/findings"), ("Its baselines and variance as JSON", base + "/baselines"),
        ]
        if businessCase != nil { links.append(("Its business case as JSON", base + "/business-case")) }
        links += [
            ("Every version of its business case as JSON", base + "/business-case/versions"), ("Its reviews as JSON", base + "/reviews"),
            ("Its funding tranches as JSON", base + "/funding-tranches"), ("Its history as JSON", base + "/history"),
            ("Every published project as CSV", "/api/v1/export/projects.csv"),
        ]
        main += DataLinks.section(links)
        return HTMLLayout.response(title: record.title + (asOf.map { " as of \($0)" } ?? ""), current: .projects, main: main,
                                   feeds: [("Changes to \(record.title)", "/feeds/projects/\(project.id)")])
    }

    /// `agency:MINFIN:3f2a` → `agency MINFIN`; the JSON keeps the token's id.
    static func actor(_ name: String) -> String {
        let parts = name.split(separator: ":")
        switch parts.first {
        case "agency" where parts.count > 1: return "Agency \(parts[1])"
        case "centre": return "Centre of government"
        case "operator": return "Operator (command line)"
        case "system": return "The registry (\(parts.dropFirst().joined(separator: ":")))"
        default: return name
        }
    }

    static func change(_ event: Projects.HistoryEvent) -> HTML {
        let words: String = switch event.action {
        case "project.create": "Registered"
        case "project.import.create": "Registered by import"
        case "project.import.update": "Updated by import"
        case "project.update": "Updated"
        case "project.transition": "Status changed"
        case "project.version_of_row": "History completed from the record (its last report)"
        case "business_case.put": "Business case written"
        case "baseline.create": "Baseline set"
        case "review.request": "Review requested"
        case "review.outcome": "Review decided"
        case "funding.create": "Funding tranche added"
        case "funding.release": "Funding tranche released"
        default: event.action
        }
        func status(_ value: JSONValue?) -> String? {
            if case .object(let object)? = value, case .string(let status)? = object["status"] { return status }
            return nil
        }
        var detail = ""
        if event.action == "project.transition", let before = status(event.before), let after = status(event.after), before != after {
            detail = ": \(Format.status(raw: before)) → \(Format.status(raw: after))"
            if case .object(let object)? = event.after, case .string(let reason)? = object["reason"], !reason.isEmpty { detail += " (\(reason))" }
        }
        return "\(words)\(detail) <span class=\"code\">\(event.action)</span>"
    }

    func baselineSection(_ project: StoredProject, assessment: Assessment, baselines: [Baseline]) -> HTML {
        let currency = storage.currency
        guard let original = baselines.first, let current = baselines.last,
              let againstOriginal = assessment.varianceAgainstOriginal, let againstCurrent = assessment.varianceAgainstCurrent else {
            return """
            <section aria-labelledby="baselines-heading">
            <h2 id="baselines-heading">Baselines and variance</h2>
            <p>No baseline yet: the original baseline is taken when the project is approved.</p>
            </section>

            """
        }
        var bars = [Charts.Bar(label: "Original baseline", value: original.wholeLifeCost.minorUnits, display: Format.wholeUnits(original.wholeLifeCost))]
        if baselines.count > 1 {
            bars.append(.init(label: "Current baseline (\(current.number))", value: current.wholeLifeCost.minorUnits, display: Format.wholeUnits(current.wholeLifeCost)))
        }
        bars.append(.init(label: "Forecast", value: project.record.wholeLifeCost.minorUnits, display: Format.wholeUnits(project.record.wholeLifeCost), fill: "#505a5f"))
        return """
        <section aria-labelledby="baselines-heading">
        <h2 id="baselines-heading">Baselines and variance</h2>
        <p>Variance is shown against the original and the current baseline, so that a re-baseline cannot hide an overrun. Positive is worse.</p>
        <div class="chart-pair">
        \(Charts.bars(id: "chart-baselines", title: "Whole-life cost: baselines and forecast, \(currency)", caption: "The approved costs and today's forecast. The tables give every figure.", bars: bars))
        \(Table.render(id: "table-variance", caption: "Variance of the forecast", columns: [
            .init("Against"), .init("Cost", numeric: true), .init("Cost %", numeric: true), .init("Schedule", numeric: true),
        ], rows: [
            ["The original baseline (1)", "\(Format.signedMoney(againstOriginal.cost, currency: currency))", "\(Format.percent(againstOriginal))", "\(Format.days(againstOriginal.scheduleDays))"],
            ["The current baseline (\(current.number))", "\(Format.signedMoney(againstCurrent.cost, currency: currency))", "\(Format.percent(againstCurrent))", "\(Format.days(againstCurrent.scheduleDays))"],
        ]))
        </div>
        \(Table.render(id: "table-baselines", caption: "Every baseline, the original first (none is ever changed)", columns: [
            .init("Baseline"), .init("Whole-life cost", numeric: true), .init("Planned end"), .init("Reason"), .init("Set"),
        ], rows: baselines.map { baseline -> [HTML] in
            ["\(baseline.number == 1 ? "1 (original)" : String(baseline.number))", "\(Format.money(baseline.wholeLifeCost, currency: currency))",
             "\(baseline.plannedEndDate.description)", "\(baseline.reason)", "\(String(baseline.createdAt.prefix(10))) by \(Self.actor(baseline.createdBy))"]
        }))
        </section>

        """
    }

    func milestoneSection(_ milestones: [Milestone], today: LocalDate) -> HTML {
        guard !milestones.isEmpty else {
            return """
            <section aria-labelledby="milestones-heading">
            <h2 id="milestones-heading">Milestones</h2>
            <p>No milestones are reported.</p>
            </section>

            """
        }
        func state(_ milestone: Milestone) -> String {
            if let actual = milestone.actualDate {
                guard let baseline = milestone.baselineDate else { return "Done" }
                let late = LocalDate.days(from: baseline, to: actual)
                return late > 0 ? "Done, \(Format.days(late))" : "Done on time"
            }
            if let baseline = milestone.baselineDate, baseline < today { return "Missed: past its baseline date, not done" }
            if let baseline = milestone.baselineDate, let forecast = milestone.forecastDate, forecast > baseline {
                return "Due, forecast \(Format.days(LocalDate.days(from: baseline, to: forecast)))"
            }
            return "Due"
        }
        return """
        <section aria-labelledby="milestones-heading">
        <h2 id="milestones-heading">Milestones</h2>
        <div class="chart-pair">
        \(Charts.timeline(id: "chart-milestones", title: "Milestones on a timeline", caption: "Each milestone's baseline date, forecast and actual date, and today. The table gives every date.",
                          rows: milestones.map { .init(name: $0.name, baseline: $0.baselineDate, forecast: $0.forecastDate, actual: $0.actualDate) }, today: today))
        \(Table.render(id: "table-milestones", caption: "Milestones and their dates", columns: [
            .init("Milestone"), .init("Baseline"), .init("Forecast"), .init("Actual"), .init("State"),
        ], rows: milestones.map { milestone -> [HTML] in
            ["\(milestone.name)", "\(Format.date(milestone.baselineDate))", "\(Format.date(milestone.forecastDate))", "\(Format.date(milestone.actualDate))", "\(state(milestone))"]
        }))
        </div>
        </section>

        """
    }

    func businessCaseSection(_ version: BusinessCaseVersion?, completeness: (complete: Bool, missing: [String], findings: [Finding])?, required: Bool) -> HTML {
        let currency = storage.currency
        guard let version, let completeness else {
            return """
            <section aria-labelledby="business-case-heading">
            <h2 id="business-case-heading">Business case</h2>
            <p>\(required ? "No business case yet, though one is required (P7-BC-REQUIRED)." : "No business case; none is required below the threshold.")</p>
            </section>

            """
        }
        let businessCase = version.businessCase
        func section(_ number: Int, _ title: String, empty: Bool, _ body: HTML) -> HTML {
            let state: HTML = empty ? " <span class=\"incomplete\">(missing)</span>" : .empty
            return "<h3>\(number). \(title)\(state)</h3>\n" + (empty ? "<p>Not filled in.</p>\n" : body)
        }
        let status: HTML = completeness.complete
            ? "<p><span class=\"complete\">Complete</span>: every mandatory section is filled in and the Principle 7 rules find nothing.</p>"
            : """
            <p><span class="incomplete">Incomplete</span>.</p>
            <ul>\(completeness.missing.map { missing -> HTML in "<li>Missing: \(missing)</li>" })\(completeness.findings.filter { $0.rule != .businessCaseComplete }.map { finding -> HTML in "<li>\(finding.rule.rawValue): \(finding.message)</li>" })</ul>
            """
        var body: HTML = """
        <section aria-labelledby="business-case-heading">
        <h2 id="business-case-heading">Business case</h2>
        <p>Version \(version.version), written \(Format.timestamp(version.createdAt)) by \(Self.actor(version.createdBy)).</p>
        \(status)

        """
        body += section(1, "Value", empty: businessCase.economicValue.isEmpty && businessCase.nonMonetaryValue.isEmpty, """
            \(Table.render(id: "table-bc-economic", caption: "Economic value", columns: [.init("Value"), .init("Amount", numeric: true), .init("Year", numeric: true)],
                           rows: businessCase.economicValue.map { item -> [HTML] in ["\(item.description)", "\(Format.money(item.amount, currency: currency))", "\(item.year)"] }, empty: "None given."))
            \(Table.render(id: "table-bc-social", caption: "Value that is not money", columns: [.init("Outcome"), .init("Who benefits")],
                           rows: businessCase.nonMonetaryValue.map { item -> [HTML] in ["\(item.description)", "\(item.beneficiaries ?? "—")"] }, empty: "None given."))
            """)
        body += section(2, "Risks", empty: businessCase.risks.isEmpty, Table.render(id: "table-bc-risks", caption: "Risks, with likelihood and impact from 1 to 5", columns: [
            .init("Risk"), .init("Likelihood", numeric: true), .init("Impact", numeric: true), .init("Magnitude", numeric: true), .init("Mitigation"), .init("Owner"),
        ], rows: businessCase.risks.map { risk -> [HTML] in
            ["\(risk.description)", "\(risk.likelihood)", "\(risk.impact)", "\(risk.magnitude) of 25", "\(risk.mitigation ?? "—")", "\(risk.owner ?? "—")"]
        }))
        body += section(3, "Timeframes", empty: businessCase.timeframes.isEmpty, Table.render(id: "table-bc-timeframes", caption: "Results expected and by when", columns: [
            .init("Result"), .init("By"),
        ], rows: businessCase.timeframes.map { item -> [HTML] in ["\(item.result)", "\(item.by.description)"] }))
        let planTotal = businessCase.financialPlanTotal
        body += section(4, "Financial plan", empty: businessCase.financialPlan.isEmpty, Table.render(id: "table-bc-finance", caption: "How the money is spent, by year and kind", columns: [
            .init("Year"), .init("Kind"), .init("Amount", numeric: true), .init("Purpose"),
        ], rows: businessCase.financialPlan.map { line -> [HTML] in
            ["\(line.year)", "\(line.kind.rawValue.capitalized)", "\(Format.money(line.amount, currency: currency))", "\(line.purpose ?? "—")"]
        } + [["Total", "", "\(Format.money(planTotal, currency: currency))", ""]]))
        body += section(5, "Follow-up on the use of the service", empty: businessCase.followUp.isEmpty, Table.render(id: "table-bc-followup", caption: "Indicators", columns: [
            .init("Indicator"), .init("Baseline"), .init("Target"), .init("How measured"),
        ], rows: businessCase.followUp.map { item -> [HTML] in ["\(item.indicator)", "\(item.baseline ?? "—")", "\(item.target)", "\(item.method ?? "—")"] }))
        body += section(6, "Roles and responsibilities", empty: businessCase.responsibilities.isEmpty, Table.render(id: "table-bc-roles", caption: "Who does what", columns: [
            .init("Party"), .init("Role"),
        ], rows: businessCase.responsibilities.map { item -> [HTML] in ["\(item.party)", "\(item.role)"] }))
        let consequences = businessCase.milestoneConsequences ?? ""
        body += section(7, "Consequences of missing agreed milestones", empty: consequences.allSatisfy(\.isWhitespace), "<p>\(consequences)</p>\n")
        body += section(8, "Stakeholder participation", empty: businessCase.stakeholders.isEmpty, Table.render(id: "table-bc-stakeholders", caption: "The groups who took part in writing it", columns: [
            .init("Group"), .init("How"),
        ], rows: businessCase.stakeholders.map { item -> [HTML] in ["\(item.group.rawValue.replacingOccurrences(of: "_", with: " ").capitalized)", "\(item.how)"] }))
        if !businessCase.options.isEmpty {
            body += "<h3>Options considered</h3>\n" + Table.render(id: "table-bc-options", caption: "Options considered", columns: [
                .init("Option"), .init("Summary"), .init("Chosen"),
            ], rows: businessCase.options.map { option -> [HTML] in ["\(option.name)", "\(option.summary ?? "—")", "\(option.chosen ? "Yes" : "No")"] })
        }
        body += "</section>\n"
        return body
    }
}
