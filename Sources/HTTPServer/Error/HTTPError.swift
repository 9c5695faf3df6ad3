import JSON

/// The one error type handlers throw: it knows its status and renders itself as
/// `application/problem+json` (RFC 9457). Layers above map their own errors to it in one place.
public struct HTTPError: Error, Sendable {
    public var status: HTTPStatus
    /// A URI naming the problem type; `about:blank` when the status says it all.
    public var type: String
    public var title: String
    public var detail: String?
    /// Extra members of the problem object, already encoded as JSON values
    /// (e.g. `"findings": "[...]"`), so this layer needs no knowledge of them.
    public var extensions: [(name: String, json: String)]
    /// Extra response headers, e.g. `Allow` on 405.
    public var headers: HTTPHeaders

    public init(
        _ status: HTTPStatus,
        type: String = "about:blank",
        title: String? = nil,
        detail: String? = nil,
        extensions: [(name: String, json: String)] = [],
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.status = status
        self.type = type
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.extensions = extensions
        self.headers = headers
    }

    /// The RFC 9457 problem document.
    public var problemJSON: String {
        var members = [
            "\"type\":\(JSONString.quote(type))",
            "\"title\":\(JSONString.quote(title))",
            "\"status\":\(status.code)",
        ]
        if let detail { members.append("\"detail\":\(JSONString.quote(detail))") }
        for (name, json) in extensions { members.append("\(JSONString.quote(name)):\(json)") }
        return "{" + members.joined(separator: ",") + "}"
    }

    public var response: HTTPResponse {
        var headers = self.headers
        headers.set("Content-Type", "application/problem+json")
        return HTTPResponse(status: status, headers: headers, body: Array(problemJSON.utf8))
    }
}
