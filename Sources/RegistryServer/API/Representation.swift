import HTTPServer
import JSON
import Registry

/// How the registry's values look in the API (snake_case, money as exact decimal numbers).
enum Representation {
    static func finding(_ finding: Finding) -> JSONValue {
        .object([
            "rule": .string(finding.rule.rawValue),
            "principle": .integer(finding.principle),
            "severity": .string(finding.severity.rawValue),
            "message": .string(finding.message),
        ])
    }

    static func money(_ money: Money) -> JSONValue { .number(money.decimalString) }

    static func agency(_ agency: Agency) -> JSONObject {
        ["code": .string(agency.code), "name": .string(agency.name), "level": .string(agency.level.rawValue)]
    }

    static func threshold(_ threshold: Threshold, inForce: Bool) -> JSONValue {
        .object([
            "kind": .string(threshold.kind.rawValue),
            "amount": money(threshold.amount),
            "effective_from": .string(threshold.effectiveFrom.description),
            "scope": threshold.scope.map { .string($0.rawValue) } ?? .null,
            "in_force": .bool(inForce),
        ])
    }

    /// Against the original and the current baseline; null before the first baseline.
    static func variance(original: Variance?, current: Variance?) -> JSONValue {
        guard let original, let current else { return .null }
        return .object(["against_original": Baselines.json(original), "against_current": Baselines.json(current)])
    }

    static func list(_ items: [JSONValue], nextCursor: String? = nil) -> JSONValue {
        .object(["items": .array(items), "next_cursor": nextCursor.map { .string($0) } ?? .null])
    }

    static func response(_ value: JSONValue, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        headers.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: value.serializedBytes)
    }
}
