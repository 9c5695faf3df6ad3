import JSON

/// Reads a project record from a request body: every field checked, every problem named
/// with its path (`milestones[2].baseline_date`), nothing half-accepted.
public enum ProjectInput {
    public static let keys: Set<String> = [
        "external_id", "title", "description", "category", "whole_life_cost", "spend_to_date", "start_date",
        "planned_end_date", "forecast_end_date", "risk_rating", "owner", "roles", "systems", "datasets", "milestones",
    ]

    /// `extraKeys` are accepted and left to the caller (e.g. `agency` when the centre creates).
    public static func read(_ object: JSONObject, extraKeys: Set<String> = []) throws(RegistryError) -> ProjectRecord {
        if object["status"] != nil {
            throw RegistryError.invalid([FieldError("status", "cannot be changed here; use POST /api/v1/projects/{id}/transitions")])
        }
        var body = try FieldReader(object, path: "", allowed: keys.union(extraKeys))
        let externalID = body.string("external_id", required: true, maxLength: 100)
        let title = body.string("title", required: true, maxLength: 300)
        let description = body.string("description", maxLength: 20_000)
        let category = body.string("category", maxLength: 100)
        let cost = body.money("whole_life_cost", required: true)
        let spend = body.money("spend_to_date")
        let start = body.date("start_date")
        let plannedEnd = body.date("planned_end_date", required: true)
        let forecastEnd = body.date("forecast_end_date")
        let risk = body.integer("risk_rating", in: 1...5)
        if let start, let plannedEnd, plannedEnd < start { body.fail("planned_end_date", "must not be before start_date") }
        if let start, let forecastEnd, forecastEnd < start { body.fail("forecast_end_date", "must not be before start_date") }

        var owner: ProjectOwner?
        var roles: [ProjectRole] = []
        var milestones: [Milestone] = []
        if body.has("owner") {
            if case .object(let ownerObject)? = object["owner"] {
                var reader = try FieldReader(ownerObject, path: "owner.", allowed: ["name", "role", "email"])
                let name = reader.string("name", required: true, maxLength: 200)
                let role = reader.string("role", maxLength: 200)
                let email = reader.string("email", maxLength: 254)
                if let email, !(email.contains("@") && !email.hasPrefix("@") && !email.hasSuffix("@")) { reader.fail("email", "must be an e-mail address") }
                body.errors(from: reader)
                if let name { owner = ProjectOwner(name: name, role: role, email: email) }
            } else {
                body.fail("owner", "must be an object with name, role and email")
            }
        }
        for (index, element) in body.objects("roles") {
            var reader = try FieldReader(element, path: "roles[\(index)].", allowed: ["party", "responsibility", "description"])
            let party = reader.string("party", required: true, maxLength: 200)
            let responsibility = reader.choice("responsibility", Responsibility.self, required: true)
            let description = reader.string("description", maxLength: 2000)
            body.errors(from: reader)
            if let party, let responsibility { roles.append(ProjectRole(party: party, responsibility: responsibility, description: description)) }
        }
        let systems = body.strings("systems", maxLength: 200)
        let datasets = body.strings("datasets", maxLength: 200)
        for (index, element) in body.objects("milestones") {
            var reader = try FieldReader(element, path: "milestones[\(index)].", allowed: ["name", "baseline_date", "forecast_date", "actual_date"])
            let name = reader.string("name", required: true, maxLength: 300)
            let baseline = reader.date("baseline_date")
            let forecast = reader.date("forecast_date")
            let actual = reader.date("actual_date")
            body.errors(from: reader)
            if let name { milestones.append(Milestone(name: name, baselineDate: baseline, forecastDate: forecast, actualDate: actual)) }
        }
        try body.finish()
        return ProjectRecord(
            externalID: externalID!, title: title!, description: description, category: category, wholeLifeCost: cost!,
            spendToDate: spend, startDate: start, plannedEndDate: plannedEnd!, forecastEndDate: forecastEnd, riskRating: risk,
            owner: owner, roles: roles, systems: systems, datasets: datasets, milestones: milestones)
    }
}

extension FieldReader {
    public mutating func errors(from nested: FieldReader) {
        for error in nested.errors { fail(String(error.field.dropFirst(path.count)), error.message) }
    }

    /// The objects of an array field, with their index; anything else is reported.
    public mutating func objects(_ key: String, maxCount: Int = 1000) -> [(Int, JSONObject)] {
        switch object[key] {
        case nil, .null?: return []
        case .array(let elements)?:
            if elements.count > maxCount { fail(key, "must have at most \(maxCount) entries"); return [] }
            var result: [(Int, JSONObject)] = []
            for (index, element) in elements.enumerated() {
                if case .object(let object) = element { result.append((index, object)) } else { fail("\(key)[\(index)]", "must be an object") }
            }
            return result
        case let other?:
            fail(key, "must be an array, not \(other.typeDescription)")
            return []
        }
    }

    public mutating func strings(_ key: String, maxLength: Int, maxCount: Int = 1000) -> [String] {
        switch object[key] {
        case nil, .null?: return []
        case .array(let elements)?:
            if elements.count > maxCount { fail(key, "must have at most \(maxCount) entries"); return [] }
            var result: [String] = []
            for (index, element) in elements.enumerated() {
                if case .string(let text) = element, !text.isEmpty, text.count <= maxLength, !text.unicodeScalars.contains(where: FieldReader.isRefusedControl) {
                    result.append(text)
                } else {
                    fail("\(key)[\(index)]", "must be a non-empty string of at most \(maxLength) characters, without control characters")
                }
            }
            return result
        case let other?:
            fail(key, "must be an array of strings, not \(other.typeDescription)")
            return []
        }
    }
}
