import JSON

/// Reads a business case from its JSON form (a request body, or a stored version), checking
/// every field. Sections may be empty: completeness is the rules' business (P7-BC-COMPLETE),
/// so an agency can save a draft and see what is still missing.
public enum BusinessCaseInput {
    public static let keys: Set<String> = [
        "value", "risks", "timeframes", "financial_plan", "follow_up", "responsibilities",
        "milestone_consequences", "stakeholders", "options",
    ]

    public static func read(_ object: JSONObject) throws(RegistryError) -> BusinessCase {
        var body = try FieldReader(object, path: "", allowed: keys)
        var businessCase = BusinessCase()
        if body.has("value") {
            if case .object(let value)? = object["value"] {
                var reader = try FieldReader(value, path: "value.", allowed: ["economic", "non_monetary"])
                for (index, element) in reader.objects("economic") {
                    var item = try FieldReader(element, path: "value.economic[\(index)].", allowed: ["description", "amount", "year"])
                    let description = item.string("description", required: true, maxLength: 2000)
                    let amount = item.money("amount", required: true)
                    let year = item.integer("year", in: 1900...2200, required: true)
                    reader.errors(from: item)
                    if let description, let amount, let year { businessCase.economicValue.append(.init(description: description, amount: amount, year: year)) }
                }
                for (index, element) in reader.objects("non_monetary") {
                    var item = try FieldReader(element, path: "value.non_monetary[\(index)].", allowed: ["description", "beneficiaries"])
                    let description = item.string("description", required: true, maxLength: 2000)
                    let beneficiaries = item.string("beneficiaries", maxLength: 500)
                    reader.errors(from: item)
                    if let description { businessCase.nonMonetaryValue.append(.init(description: description, beneficiaries: beneficiaries)) }
                }
                body.errors(from: reader)
            } else {
                body.fail("value", "must be an object with economic and non_monetary")
            }
        }
        for (index, element) in body.objects("risks") {
            var item = try FieldReader(element, path: "risks[\(index)].", allowed: ["description", "likelihood", "impact", "mitigation", "owner", "magnitude"])
            let description = item.string("description", required: true, maxLength: 2000)
            let likelihood = item.integer("likelihood", in: 1...5, required: true)
            let impact = item.integer("impact", in: 1...5, required: true)
            let mitigation = item.string("mitigation", maxLength: 2000)
            let owner = item.string("owner", maxLength: 200)
            // `magnitude` is computed; a client echoing it back must echo it right.
            if let magnitude = item.integer("magnitude", in: 1...25), let likelihood, let impact, magnitude != likelihood * impact {
                item.fail("magnitude", "is likelihood × impact (\(likelihood * impact)); leave it out")
            }
            body.errors(from: item)
            if let description, let likelihood, let impact {
                businessCase.risks.append(.init(description: description, likelihood: likelihood, impact: impact, mitigation: mitigation, owner: owner))
            }
        }
        for (index, element) in body.objects("timeframes") {
            var item = try FieldReader(element, path: "timeframes[\(index)].", allowed: ["result", "by"])
            let result = item.string("result", required: true, maxLength: 2000)
            let by = item.date("by", required: true)
            body.errors(from: item)
            if let result, let by { businessCase.timeframes.append(.init(result: result, by: by)) }
        }
        for (index, element) in body.objects("financial_plan") {
            var item = try FieldReader(element, path: "financial_plan[\(index)].", allowed: ["year", "kind", "amount", "purpose"])
            let year = item.integer("year", in: 1900...2200, required: true)
            let kind = item.choice("kind", BusinessCase.SpendingKind.self, required: true)
            let amount = item.money("amount", required: true)
            let purpose = item.string("purpose", maxLength: 2000)
            body.errors(from: item)
            if let year, let kind, let amount { businessCase.financialPlan.append(.init(year: year, kind: kind, amount: amount, purpose: purpose)) }
        }
        for (index, element) in body.objects("follow_up") {
            var item = try FieldReader(element, path: "follow_up[\(index)].", allowed: ["indicator", "baseline", "target", "method"])
            let indicator = item.string("indicator", required: true, maxLength: 500)
            let baseline = item.string("baseline", maxLength: 500)
            let target = item.string("target", required: true, maxLength: 500)
            let method = item.string("method", maxLength: 2000)
            body.errors(from: item)
            if let indicator, let target { businessCase.followUp.append(.init(indicator: indicator, baseline: baseline, target: target, method: method)) }
        }
        for (index, element) in body.objects("responsibilities") {
            var item = try FieldReader(element, path: "responsibilities[\(index)].", allowed: ["party", "role"])
            let party = item.string("party", required: true, maxLength: 200)
            let role = item.string("role", required: true, maxLength: 2000)
            body.errors(from: item)
            if let party, let role { businessCase.responsibilities.append(.init(party: party, role: role)) }
        }
        businessCase.milestoneConsequences = body.string("milestone_consequences", maxLength: 5000)
        for (index, element) in body.objects("stakeholders") {
            var item = try FieldReader(element, path: "stakeholders[\(index)].", allowed: ["group", "how"])
            let group = item.choice("group", BusinessCase.StakeholderGroup.self, required: true)
            let how = item.string("how", required: true, maxLength: 2000)
            body.errors(from: item)
            if let group, let how { businessCase.stakeholders.append(.init(group: group, how: how)) }
        }
        for (index, element) in body.objects("options") {
            var item = try FieldReader(element, path: "options[\(index)].", allowed: ["name", "summary", "chosen"])
            let name = item.string("name", required: true, maxLength: 300)
            let summary = item.string("summary", maxLength: 5000)
            var chosen = false
            if case .bool(let flag)? = element["chosen"] { chosen = flag } else if item.has("chosen") { item.fail("chosen", "must be true or false") }
            body.errors(from: item)
            if let name { businessCase.options.append(.init(name: name, summary: summary, chosen: chosen)) }
        }
        try body.finish()
        return businessCase
    }
}

extension BusinessCase {
    /// The canonical JSON form, as the API shows it and versions are stored (magnitude included).
    public var json: JSONObject {
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        return [
            "value": .object([
                "economic": .array(economicValue.map { .object(["description": .string($0.description), "amount": Money.json($0.amount), "year": .integer($0.year)]) }),
                "non_monetary": .array(nonMonetaryValue.map { .object(["description": .string($0.description), "beneficiaries": optional($0.beneficiaries)]) }),
            ]),
            "risks": .array(risks.map { .object([
                "description": .string($0.description), "likelihood": .integer($0.likelihood), "impact": .integer($0.impact),
                "magnitude": .integer($0.magnitude), "mitigation": optional($0.mitigation), "owner": optional($0.owner),
            ]) }),
            "timeframes": .array(timeframes.map { .object(["result": .string($0.result), "by": .string($0.by.description)]) }),
            "financial_plan": .array(financialPlan.map { .object([
                "year": .integer($0.year), "kind": .string($0.kind.rawValue), "amount": Money.json($0.amount), "purpose": optional($0.purpose),
            ]) }),
            "follow_up": .array(followUp.map { .object([
                "indicator": .string($0.indicator), "baseline": optional($0.baseline), "target": .string($0.target), "method": optional($0.method),
            ]) }),
            "responsibilities": .array(responsibilities.map { .object(["party": .string($0.party), "role": .string($0.role)]) }),
            "milestone_consequences": optional(milestoneConsequences),
            "stakeholders": .array(stakeholders.map { .object(["group": .string($0.group.rawValue), "how": .string($0.how)]) }),
            "options": .array(options.map { .object(["name": .string($0.name), "summary": optional($0.summary), "chosen": .bool($0.chosen)]) }),
        ]
    }
}
