import JSON

extension Money {
    /// As the API and the audit trail write money: an exact JSON number.
    public static func json(_ money: Money) -> JSONValue { .number(money.decimalString) }
}

extension ProjectRecord {
    /// The writable part of a project as JSON: what PUT takes and what a merge patch applies to.
    public var json: JSONObject {
        let record = self
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        func date(_ date: LocalDate?) -> JSONValue { date.map { .string($0.description) } ?? .null }
        return [
            "external_id": .string(record.externalID),
            "title": .string(record.title),
            "description": optional(record.description),
            "category": optional(record.category),
            "whole_life_cost": Money.json(record.wholeLifeCost),
            "spend_to_date": record.spendToDate.map(Money.json) ?? .null,
            "start_date": date(record.startDate),
            "planned_end_date": .string(record.plannedEndDate.description),
            "forecast_end_date": date(record.forecastEndDate),
            "risk_rating": record.riskRating.map { .integer($0) } ?? .null,
            "owner": record.owner.map { owner in
                .object(["name": .string(owner.name), "role": optional(owner.role), "email": optional(owner.email)])
            } ?? .null,
            "roles": .array(record.roles.map { role in
                .object(["party": .string(role.party), "responsibility": .string(role.responsibility.rawValue), "description": optional(role.description)])
            }),
            "systems": .array(record.systems.map { .string($0) }),
            "datasets": .array(record.datasets.map { .string($0) }),
            "milestones": .array(record.milestones.map { milestone in
                .object(["name": .string(milestone.name), "baseline_date": date(milestone.baselineDate),
                         "forecast_date": date(milestone.forecastDate), "actual_date": date(milestone.actualDate)])
            }),
        ]
    }
}
