import HTTPServer
import JSON
import Registry

/// One endpoint as the OpenAPI document describes it. Routes are registered through these
/// descriptions, so the router and `/openapi.json` cannot drift apart.
struct APIOperation {
    enum Access: String, Sendable {
        case everyone = "public"
        case agency
        case centre
        case agencyOrCentre = "agency or centre"

        /// Whether `principal` may call an operation of this access at all (which project or
        /// agency it may touch is the handler's to say).
        func admit(_ principal: Principal) throws(RegistryError) {
            switch (self, principal) {
            case (.everyone, _), (.agency, .agency), (.centre, .centre), (.agencyOrCentre, .agency), (.agencyOrCentre, .centre), (_, .commandLine):
                return
            case (_, .anonymous):
                throw RegistryError.unauthenticated
            case (.agency, _):
                throw RegistryError.forbidden("Only an agency may do this.")
            case (.centre, _):
                throw RegistryError.forbidden("Only the centre of government may do this.")
            case (.agencyOrCentre, _):
                throw RegistryError.forbidden("Only an agency or the centre may do this.")
            }
        }
    }

    struct Parameter {
        var name: String
        var location: String // "path" or "query"
        var description: String
        var schema: JSONValue
        var required: Bool { location == "path" }
    }

    struct Response {
        var status: Int
        var description: String
        var contentType: String?
        var schema: JSONValue?
    }

    var method: HTTPMethod
    var path: String
    var id: String
    var summary: String
    var tag: String
    var access: Access
    var parameters: [Parameter] = []
    var requestSchema: JSONValue?
    var responses: [Response]
}

/// The routes of the application and their descriptions, built together.
struct APIBuilder {
    private(set) var router = Router()
    private(set) var operations: [APIOperation] = []
    let role: RegistryApplication.Role
    let access: AccessControl?

    init(role: RegistryApplication.Role = .primary, access: AccessControl? = nil) {
        self.role = role
        self.access = access
    }

    /// Every handler goes through here: on a replica a write is refused before it starts; who
    /// may call it at all is checked from the operation's declared access before the handler
    /// looks at anything (so the public learns 401, not whether a project exists); and a
    /// database that stays busy is a refusal the client may retry, not a failure.
    mutating func add(_ operation: APIOperation, _ handler: @escaping HTTPHandler) {
        let method = operation.method
        let role = role
        let declared = operation.access
        let access = access
        // The router spells a catch-all `{name...}`; OpenAPI knows only `{name}`.
        router.add(method, operation.path) { context in
            if case .replica(let primaryURL) = role, method != .GET, method != .HEAD {
                throw RegistryError.readOnlyReplica(primaryURL: primaryURL)
            }
            // A token that is malformed, unknown or revoked is 401 on every operation, public ones too.
            if let access { try declared.admit(try access.principal(context.request)) }
            do {
                return try handler(context)
            } catch {
                throw RegistryError(storage: error) ?? error
            }
        }
        operations.append(operation)
    }
}

/// Schema fragments shared by the operations.
enum Schema {
    static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }
    static let string: JSONValue = .object(["type": .string("string")])
    static let date: JSONValue = .object(["type": .string("string"), "format": .string("date")])
    static let dateTime: JSONValue = .object(["type": .string("string"), "format": .string("date-time")])
    static let integer: JSONValue = .object(["type": .string("integer")])

    static let agencyCode: JSONValue = .object(["type": .string("string"), "pattern": .string("^[A-Z0-9_-]{2,32}$")])

    /// What `FieldReader` refuses in any text: C0 controls but tab and line breaks, and DEL.
    static let noControls = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$"

    /// A string the server requires to have something in it (not only spaces), of at most `maxLength` characters.
    static func text(maxLength: Int) -> JSONValue {
        .object(["type": .string("string"), "maxLength": .integer(maxLength),
                 "allOf": .array([.object(["pattern": .string("\\S")]), .object(["pattern": .string(noControls)])])])
    }

    /// A string of at most `maxLength` characters, or null.
    static func optionalText(maxLength: Int) -> JSONValue {
        nullable(.object(["type": .string("string"), "maxLength": .integer(maxLength), "pattern": .string(noControls)]))
    }

    /// Strings as `FieldReader.strings` takes them: each non-empty and at most `maxLength` characters.
    static func strings(maxLength: Int, maxItems: Int = 1000) -> JSONValue {
        .object(["type": .string("array"), "maxItems": .integer(maxItems),
                 "items": .object(["type": .string("string"), "minLength": .integer(1), "maxLength": .integer(maxLength), "pattern": .string(noControls)])])
    }

    static func integer(_ range: ClosedRange<Int>) -> JSONValue {
        .object(["type": .string("integer"), "minimum": .integer(range.lowerBound), "maximum": .integer(range.upperBound)])
    }

    /// JSON Schema's if/then/else on one property's value, added to an object schema.
    static func when(_ schema: JSONValue, _ property: String, is value: String, then: JSONValue, otherwise: JSONValue) -> JSONValue {
        guard case .object(var object) = schema else { return schema }
        object["if"] = .object(["properties": .object([property: .object(["const": .string(value)])]), "required": .array([.string(property)])])
        object["then"] = then
        object["else"] = otherwise
        return .object(object)
    }
    static let boolean: JSONValue = .object(["type": .string("boolean")])
    static let money: JSONValue = .object([
        "type": .string("number"), "minimum": .integer(0), "maximum": .number("1000000000000000"), "multipleOf": .number("0.01"),
        "description": .string("Whole currency units with at most 2 decimals."),
    ])
    /// A sum of amounts (a portfolio's total), which no single amount's maximum bounds.
    static let moneyTotal: JSONValue = .object([
        "type": .string("number"), "minimum": .integer(0), "multipleOf": .number("0.01"),
        "description": .string("Whole currency units with at most 2 decimals."),
    ])
    static let positiveMoney: JSONValue = .object([
        "type": .string("number"), "exclusiveMinimum": .integer(0), "maximum": .number("1000000000000000"), "multipleOf": .number("0.01"),
        "description": .string("Whole currency units with at most 2 decimals, more than zero."),
    ])

    static func enumeration(_ values: [String]) -> JSONValue {
        .object(["type": .string("string"), "enum": .array(values.map { .string($0) })])
    }

    static func nullable(_ schema: JSONValue) -> JSONValue { .object(["oneOf": .array([schema, .object(["type": .string("null")])])]) }

    static func array(_ items: JSONValue) -> JSONValue { .object(["type": .string("array"), "items": items]) }

    static func object(_ properties: [(String, JSONValue)], required: [String] = [], closed: Bool = true) -> JSONValue {
        var object: JSONObject = ["type": .string("object"), "properties": .object(JSONObject(properties))]
        if !required.isEmpty { object["required"] = .array(required.map { .string($0) }) }
        if closed { object["additionalProperties"] = .bool(false) }
        return .object(object)
    }

    static func list(of item: JSONValue) -> JSONValue {
        object([("items", array(item)), ("next_cursor", nullable(string))], required: ["items", "next_cursor"])
    }
}

extension APIOperation.Response {
    static func json(_ status: Int, _ description: String, _ schema: JSONValue) -> Self {
        .init(status: status, description: description, contentType: "application/json", schema: schema)
    }

    static func problem(_ status: Int, _ description: String) -> Self {
        .init(status: status, description: description, contentType: "application/problem+json", schema: Schema.ref("Problem"))
    }

    static let badRequest = problem(400, "The body is not valid JSON, or has a key the schema does not know.")
    static let unauthorized = problem(401, "No valid bearer token.")
    static let forbidden = problem(403, "The token may not do this.")
    static let notFound = problem(404, "No such resource.")
    static let invalid = problem(422, "A field is missing or out of range; `errors` names each.")
}
