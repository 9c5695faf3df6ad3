import HTTPServer
import JSON
import Registry

/// Agencies, tokens and thresholds: what the centre of government manages.
struct AdministrationRoutes {
    let storage: RegistryStorage
    let access: AccessControl

    func register(in api: inout APIBuilder) {
        let storage = self.storage, access = self.access
        let levels = GovernmentLevel.allCases.map(\.rawValue)

        api.add(APIOperation(
            method: .GET, path: "/api/v1/agencies", id: "listAgencies", summary: "Every agency, by code.", tag: "Agencies", access: .everyone,
            responses: [.json(200, "The agencies.", Schema.object([("items", Schema.array(Schema.ref("Agency")))], required: ["items"])), .unauthorized])
        ) { context in
            _ = try access.principal(context.request)
            let items = try storage.agencies.list().map { JSONValue.object(Representation.agency($0)) }
            return Representation.response(.object(["items": .array(items)]))
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/agencies", id: "createAgency", summary: "Register an agency (centre only).", tag: "Agencies", access: .centre,
            requestSchema: Schema.object([("code", Schema.agencyCode), ("name", Schema.text(maxLength: 200)),
                                          ("level", Schema.enumeration(levels))], required: ["code", "name", "level"]),
            responses: [.json(201, "Created.", Schema.ref("Agency")), .badRequest, .unauthorized, .forbidden,
                        .problem(409, "An agency with this code exists."), .invalid])
        ) { context in
            let actor = try access.principal(context.request)
            var body = try FieldReader.body(of: context.request, allowed: ["code", "name", "level"])
            let code = body.string("code", required: true, maxLength: 32)
            if let code, let problem = Agencies.codeProblem(code) { body.fail("code", problem) }
            let name = body.string("name", required: true, maxLength: 200)
            let level = body.choice("level", GovernmentLevel.self, required: true)
            try body.finish()
            let agency = Agency(code: code!, name: name!, level: level!)
            try storage.agencies.create(agency, by: actor)
            return Representation.response(.object(Representation.agency(agency)), status: .created,
                                           headers: HTTPHeaders([("Location", "/api/v1/agencies/\(agency.code)")]))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/agencies/{code}", id: "getAgency", summary: "An agency with its published projects counted and totalled.",
            tag: "Agencies", access: .everyone,
            parameters: [.init(name: "code", location: "path", description: "The agency's code.", schema: Schema.string)],
            responses: [.json(200, "The agency.", Schema.ref("AgencySummary")), .unauthorized, .notFound])
        ) { context in
            _ = try access.principal(context.request)
            let summary = try storage.agencies.summary(code: context.parameter("code") ?? "")
            var object = Representation.agency(summary.agency)
            object["project_count"] = .integer(summary.projectCount)
            object["whole_life_cost"] = Representation.money(summary.wholeLifeCost)
            object["spend_to_date"] = Representation.money(summary.spendToDate)
            return Representation.response(.object(object))
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/tokens", id: "issueToken", summary: "Issue a token for the centre or an agency (centre only); shown once.",
            tag: "Access", access: .centre,
            requestSchema: .object(["oneOf": .array([
                Schema.object([("role", Schema.enumeration(["centre"]))], required: ["role"]),
                Schema.object([("agency", Schema.agencyCode)], required: ["agency"]),
            ])]),
            responses: [.json(201, "The new token.", Schema.object([("token", Schema.string)], required: ["token"])),
                        .badRequest, .unauthorized, .forbidden, .invalid])
        ) { context in
            let actor = try access.principal(context.request)
            var body = try FieldReader.body(of: context.request, allowed: ["role", "agency"])
            let role = body.string("role")
            let agency = body.string("agency")
            switch (role, agency) {
            case ("centre"?, nil), (nil, _?): break
            case (_?, _?): body.fail("role", "give either role or agency, not both")
            case (let other?, nil): body.fail("role", "must be 'centre' (agencies are named with 'agency'), not '\(other)'")
            case (nil, nil): body.fail("agency", "is required unless role is 'centre'")
            }
            try body.finish()
            let token = try storage.tokens.issue(agency.map { .agency($0) } ?? .centre, by: actor)
            return Representation.response(.object(["token": .string(token)]), status: .created,
                                           headers: HTTPHeaders([("Cache-Control", "no-store")]))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/thresholds", id: "listThresholds", summary: "Every threshold, in force and past, oldest first.",
            tag: "Thresholds", access: .everyone,
            responses: [.json(200, "The thresholds.", Schema.object([("items", Schema.array(Schema.ref("Threshold")))], required: ["items"])), .unauthorized])
        ) { context in
            _ = try access.principal(context.request)
            let schedule = try storage.thresholds.schedule()
            let today = storage.clock.today()
            let items = schedule.thresholds.map { Representation.threshold($0, inForce: schedule.isInForce($0, on: today)) }
            return Representation.response(.object(["items": .array(items)]))
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/thresholds", id: "createThreshold",
            summary: "Set a threshold from a date (centre only); the old ones stay on record.", tag: "Thresholds", access: .centre,
            requestSchema: Schema.object([
                ("kind", Schema.enumeration(Threshold.Kind.allCases.map(\.rawValue))), ("amount", Schema.money),
                ("effective_from", Schema.date), ("scope", Schema.nullable(Schema.enumeration(levels))),
            ], required: ["kind", "amount", "effective_from"]),
            responses: [.json(201, "Created.", Schema.ref("Threshold")), .badRequest, .unauthorized, .forbidden, .invalid])
        ) { context in
            let actor = try access.principal(context.request)
            var body = try FieldReader.body(of: context.request, allowed: ["kind", "amount", "effective_from", "scope"])
            let kind = body.choice("kind", Threshold.Kind.self, required: true)
            let amount = body.money("amount", required: true)
            let from = body.date("effective_from", required: true)
            let scope = body.choice("scope", GovernmentLevel.self)
            try body.finish()
            let threshold = Threshold(kind: kind!, amount: amount!, effectiveFrom: from!, scope: scope)
            try storage.thresholds.add(threshold, by: actor)
            // Every project's obligations change: this request rebuilds the projection (aside,
            // others are meanwhile answered from the previous one), so no reader waits for it.
            try storage.portfolio.refresh()
            let schedule = try storage.thresholds.schedule()
            return Representation.response(Representation.threshold(threshold, inForce: schedule.isInForce(threshold, on: storage.clock.today())),
                                           status: .created)
        }
    }
}
