import HTTPServer
import JSON

/// The OpenAPI 3.1 document, generated from the same operation list the router is built from.
enum OpenAPIDocument {
    static func build(_ operations: [APIOperation]) -> JSONValue {
        var paths = JSONObject()
        for operation in operations {
            let path = openAPIPath(operation.path)
            var item: JSONObject
            if case .object(let existing)? = paths[path] { item = existing } else { item = JSONObject() }
            item[operation.method.rawValue.lowercased()] = describe(operation)
            paths[path] = .object(item)
        }
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Portfolio Registry API"),
                "version": .string("1"),
                "description": .string("""
                    A registry of a government's ICT projects that enforces OECD Principles 7 and 8. \
                    Money is a JSON number of whole currency units with at most 2 decimals; dates are YYYY-MM-DD; \
                    times RFC 3339 UTC. Errors are application/problem+json (RFC 9457). Access: no token reads \
                    what is public; agency tokens write their own agency's records; the centre's token manages \
                    agencies, thresholds and tokens.
                    """),
            ]),
            "servers": .array([.object(["url": .string("/")])]),
            "paths": .object(paths),
            "components": .object([
                "schemas": .object(components),
                "securitySchemes": .object(["bearer": .object(["type": .string("http"), "scheme": .string("bearer")])]),
            ]),
        ])
    }

    /// `/static/{path...}` → `/static/{path}`.
    static func openAPIPath(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: "...}", with: "}")
    }

    private static func describe(_ operation: APIOperation) -> JSONValue {
        var object: JSONObject = [
            "operationId": .string(operation.id),
            "summary": .string(operation.summary),
            "tags": .array([.string(operation.tag)]),
            "x-access": .string(operation.access.rawValue),
        ]
        if operation.access != .everyone {
            object["security"] = .array([.object(["bearer": .array([])])])
        }
        if !operation.parameters.isEmpty {
            object["parameters"] = .array(operation.parameters.map { parameter in
                .object([
                    "name": .string(parameter.name), "in": .string(parameter.location),
                    "required": .bool(parameter.required), "description": .string(parameter.description),
                    "schema": parameter.schema,
                ])
            })
        }
        if let body = requestBody(of: operation) { object["requestBody"] = body }
        var responses = JSONObject()
        for response in operation.responses + failures(of: operation) where responses[String(response.status)] == nil {
            var description: JSONObject = ["description": .string(response.description)]
            if let type = response.contentType {
                description["content"] = .object([type: .object(response.schema.map { ["schema": $0] } ?? [:])])
            }
            responses[String(response.status)] = .object(description)
        }
        object["responses"] = .object(responses)
        return .object(object)
    }

    /// The body the operation reads, if any.
    static func requestBody(of operation: APIOperation) -> JSONValue? {
        if let schema = operation.requestSchema {
            return .object([
                "required": .bool(true),
                "content": .object(["application/json": .object(["schema": schema])]),
            ])
        }
        guard operation.id == "importProjects" else { return nil }
        return .object([
            "required": .bool(true),
            "content": .object(["text/csv": .object(["schema": .object(["type": .string("string"),
                "description": .string("RFC 4180 CSV with a header row in the columns of GET /api/v1/export/projects.csv.")])])]),
        ])
    }

    /// What the one error mapping answers on any route besides what the operation declares: an
    /// unexpected failure (a stored row that does not decode, say) and, for a write, a database
    /// busy for longer than its timeout or a read-only replica (nothing written either way); for
    /// an operation that reads a body, one larger than the server takes.
    static func failures(of operation: APIOperation) -> [APIOperation.Response] {
        let pages = RegistryApplication.answersErrorsWithPages(operation.path)
        func failure(_ status: Int, _ description: String) -> APIOperation.Response {
            pages ? .init(status: status, description: description, contentType: "text/html", schema: nil) : .problem(status, description)
        }
        var failures = [failure(500, "An unexpected failure; the problem says no more (no SQL, paths or stack traces).")]
        if operation.method != .GET && operation.method != .HEAD {
            failures.append(failure(503, "The database stayed busy or this server is a read-only replica (`primary` names the primary): nothing was written; or the write was stored but its replica did not confirm it (`serve --litestream-socket`), so it is not acknowledged."))
        }
        if requestBody(of: operation) != nil {
            // Refused by the HTTP layer before any handler, as problem+json.
            failures.append(.problem(413, "The body is larger than the server takes (`--max-body-size`, 10 MiB unless set): nothing was read or written."))
        }
        return failures
    }

    static let components: JSONObject = [
        "Project": ProjectSchemas.project,
        "BusinessCaseVersion": ProjectSchemas.businessCaseVersion,
        "HistoryEvent": ProjectSchemas.historyEvent,
        "Review": ReviewRoutes.reviewSchema,
        "Variance": ProjectSchemas.variance,
        "VarianceFigures": ProjectSchemas.varianceFigures,
        "Baseline": BaselineRoutes.baselineSchema,
        "FundingTranche": FundingRoutes.trancheSchema,
        "Problem": Schema.object([
            ("type", Schema.string), ("title", Schema.string), ("status", Schema.integer), ("detail", Schema.string),
            ("errors", Schema.array(Schema.object([("field", Schema.string), ("message", Schema.string)], required: ["field", "message"]))),
            ("fields", Schema.string),
            ("findings", Schema.array(Schema.ref("Finding"))),
            ("primary", Schema.string),
        ], required: ["type", "title", "status"], closed: false),
        "Finding": Schema.object([
            ("rule", Schema.string), ("principle", .object(["type": .string("integer"), "enum": .array([.integer(7), .integer(8)])])),
            ("severity", Schema.enumeration(["blocking", "warning"])), ("message", Schema.string),
        ], required: ["rule", "principle", "severity", "message"]),
        "Agency": Schema.object([
            ("code", Schema.string), ("name", Schema.string), ("level", Schema.enumeration(["national", "regional", "local"])),
        ], required: ["code", "name", "level"]),
        "AgencySummary": Schema.object([
            ("code", Schema.string), ("name", Schema.string), ("level", Schema.enumeration(["national", "regional", "local"])),
            ("project_count", Schema.integer), ("whole_life_cost", Schema.moneyTotal), ("spend_to_date", Schema.moneyTotal),
        ], required: ["code", "name", "level", "project_count", "whole_life_cost", "spend_to_date"]),
        "Threshold": Schema.object([
            ("kind", Schema.enumeration(["business_case", "central_review"])), ("amount", Schema.money),
            ("effective_from", Schema.date), ("scope", Schema.nullable(Schema.enumeration(["national", "regional", "local"]))),
            ("in_force", Schema.boolean),
        ], required: ["kind", "amount", "effective_from", "scope", "in_force"]),
    ]
}

import Foundation
