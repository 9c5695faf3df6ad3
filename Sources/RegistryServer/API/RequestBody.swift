import HTTPServer
import JSON
import Registry

extension FieldReader {
    /// The request's body as a JSON object.
    static func body(of request: HTTPRequest, allowed: Set<String>) throws(RegistryError) -> FieldReader {
        let type = request.headers["Content-Type"]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") || type.hasPrefix("application/merge-patch+json") else {
            throw RegistryError.malformed("The body must be JSON, sent with Content-Type: application/json.")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(request.body) } catch {
            throw RegistryError.malformed("The body is not valid JSON: \(error).")
        }
        guard case .object(let object) = value else { throw RegistryError.malformed("The body must be a JSON object.") }
        return try FieldReader(object, path: "", allowed: allowed)
    }

}
