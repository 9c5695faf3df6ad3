import JSON
import Registry

/// JSON schemas of projects and business cases, for the OpenAPI document.
enum ProjectSchemas {
    static func inputProperties(withAgency: Bool) -> [(String, JSONValue)] {
        let date = Schema.nullable(Schema.date)
        var properties: [(String, JSONValue)] = []
        if withAgency { properties.append(("agency", Schema.nullable(Schema.agencyCode))) }
        properties += [
            ("external_id", Schema.text(maxLength: 100)), ("title", Schema.text(maxLength: 300)),
            ("description", Schema.optionalText(maxLength: 20_000)), ("category", Schema.optionalText(maxLength: 100)),
            ("whole_life_cost", Schema.money), ("spend_to_date", Schema.nullable(Schema.money)), ("start_date", date),
            ("planned_end_date", Schema.date), ("forecast_end_date", date),
            ("risk_rating", Schema.nullable(.object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(5)]))),
            ("owner", Schema.nullable(Schema.object([("name", Schema.text(maxLength: 200)), ("role", Schema.optionalText(maxLength: 200)),
                                                     ("email", Schema.nullable(.object(["type": .string("string"), "maxLength": .integer(254),
                                                                                        "pattern": .string("^[^@][\\s\\S]*@[\\s\\S]*[^@]$")])))],
                                                    required: ["name"]))),
            ("roles", Schema.array(Schema.object([
                ("party", Schema.text(maxLength: 200)), ("responsibility", Schema.enumeration(Responsibility.allCases.map(\.rawValue))),
                ("description", Schema.optionalText(maxLength: 2000)),
            ], required: ["party", "responsibility"]))),
            ("systems", Schema.nullable(Schema.strings(maxLength: 200))), ("datasets", Schema.nullable(Schema.strings(maxLength: 200))),
            ("milestones", Schema.nullable(Schema.array(Schema.object([
                ("name", Schema.text(maxLength: 300)), ("baseline_date", date), ("forecast_date", date), ("actual_date", date),
            ], required: ["name"])))),
        ]
        return properties
    }

    static func input(withAgency: Bool) -> JSONValue {
        Schema.object(inputProperties(withAgency: withAgency), required: ["external_id", "title", "whole_life_cost", "planned_end_date"])
    }

    static var project: JSONValue {
        let properties: [(String, JSONValue)] = [("id", Schema.integer), ("agency", Schema.string)] + inputProperties(withAgency: false) + [
            ("status", Schema.enumeration(ProjectStatus.allCases.map(\.rawValue))), ("currency", Schema.string), ("version", Schema.integer),
            ("created_at", Schema.dateTime), ("updated_at", Schema.dateTime),
            ("obligations", Schema.object([("business_case_required", Schema.boolean), ("central_review_required", Schema.boolean)],
                                          required: ["business_case_required", "central_review_required"])),
            ("findings", Schema.array(Schema.ref("Finding"))),
            ("variance", Schema.nullable(Schema.ref("Variance"))),
        ]
        return Schema.object(properties, required: ["id", "agency", "external_id", "title", "status", "currency", "whole_life_cost",
                                                    "planned_end_date", "version", "created_at", "updated_at", "obligations", "findings"])
    }

    static func businessCaseProperties() -> [(String, JSONValue)] {
        let scale = JSONValue.object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(5)])
        return [
            ("value", Schema.object([
                ("economic", Schema.array(Schema.object([("description", Schema.text(maxLength: 2000)), ("amount", Schema.money),
                                                         ("year", Schema.integer(1900...2200))], required: ["description", "amount", "year"]))),
                ("non_monetary", Schema.array(Schema.object([("description", Schema.text(maxLength: 2000)), ("beneficiaries", Schema.optionalText(maxLength: 500))],
                                                            required: ["description"]))),
            ])),
            ("risks", Schema.array(Schema.object([
                ("description", Schema.text(maxLength: 2000)), ("likelihood", scale), ("impact", scale),
                ("magnitude", .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(25), "readOnly": .bool(true), "description": .string("likelihood × impact; computed")])),
                ("mitigation", Schema.optionalText(maxLength: 2000)), ("owner", Schema.optionalText(maxLength: 200)),
            ], required: ["description", "likelihood", "impact"]))),
            ("timeframes", Schema.array(Schema.object([("result", Schema.text(maxLength: 2000)), ("by", Schema.date)], required: ["result", "by"]))),
            ("financial_plan", Schema.array(Schema.object([
                ("year", Schema.integer(1900...2200)), ("kind", Schema.enumeration(BusinessCase.SpendingKind.allCases.map(\.rawValue))), ("amount", Schema.money),
                ("purpose", Schema.optionalText(maxLength: 2000)),
            ], required: ["year", "kind", "amount"]))),
            ("follow_up", Schema.array(Schema.object([("indicator", Schema.text(maxLength: 500)), ("baseline", Schema.optionalText(maxLength: 500)),
                                                      ("target", Schema.text(maxLength: 500)), ("method", Schema.optionalText(maxLength: 2000))],
                                                     required: ["indicator", "target"]))),
            ("responsibilities", Schema.array(Schema.object([("party", Schema.text(maxLength: 200)), ("role", Schema.text(maxLength: 2000))], required: ["party", "role"]))),
            ("milestone_consequences", Schema.optionalText(maxLength: 5000)),
            ("stakeholders", Schema.array(Schema.object([
                ("group", Schema.enumeration(BusinessCase.StakeholderGroup.allCases.map(\.rawValue))), ("how", Schema.text(maxLength: 2000)),
            ], required: ["group", "how"]))),
            ("options", Schema.array(Schema.object([("name", Schema.text(maxLength: 300)), ("summary", Schema.optionalText(maxLength: 5000)), ("chosen", Schema.boolean)],
                                                   required: ["name"]))),
        ]
    }

    static var businessCaseVersion: JSONValue {
        Schema.object(businessCaseProperties() + [
            ("project_id", Schema.integer), ("version", Schema.integer), ("created_at", Schema.dateTime), ("created_by", Schema.string),
            ("completeness", Schema.object([("complete", Schema.boolean), ("findings", Schema.array(Schema.ref("Finding")))], required: ["complete", "findings"])),
        ], required: ["project_id", "version", "created_at", "created_by", "completeness"])
    }

    /// Against one baseline. Positive is worse: forecast cost above the baseline, forecast end after it.
    static var varianceFigures: JSONValue {
        Schema.object([
            ("cost", .object(["type": .string("number"), "description": .string("Forecast whole-life cost − baseline cost; positive is an overrun.")])),
            ("cost_percent", .object(["oneOf": .array([.object(["type": .string("number")]), .object(["type": .string("null")])]),
                                      "description": .string("The cost variance in percent of the baseline cost (two decimals, half away from zero); positive is an overrun.")])),
            ("schedule_days", .object(["type": .string("integer"), "description": .string("Forecast end − baseline end, in days; positive is late.")])),
        ], required: ["cost", "cost_percent", "schedule_days"])
    }

    /// Against the original and the current baseline.
    static var variance: JSONValue {
        Schema.object([("against_original", Schema.ref("VarianceFigures")), ("against_current", Schema.ref("VarianceFigures"))],
                      required: ["against_original", "against_current"])
    }

    static var historyEvent: JSONValue {
        Schema.object([("at", Schema.dateTime), ("actor", Schema.string), ("action", Schema.string),
                       ("before", .object(["description": .string("The record before, or null.")])),
                       ("after", .object(["description": .string("The record after, or null.")]))],
                      required: ["at", "actor", "action", "before", "after"])
    }
}
