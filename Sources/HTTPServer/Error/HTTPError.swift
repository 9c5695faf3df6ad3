import JSON

/// An error that knows its HTTP status. Whatever is thrown (by the parser, a handler, a layer
/// above) and conforms answers as its problem details, rendered by the server's one renderer:
/// one path from a thrown error to the bytes on the wire.
public protocol HTTPResponseError: Error {
    var status: HTTPStatus { get }
    /// The error as RFC 9457 problem details.
    var problem: HTTPError { get }
}

/// The HTTP layer's error: a status with problem details (RFC 9457), rendered as
/// `application/problem+json` unless the application renders it its own way (HTML pages).
/// The parser throws it too, with the status to answer before closing (400, 413, 414, 431, 501, 505).
public struct HTTPError: HTTPResponseError, Sendable, CustomStringConvertible {
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

    /// A request the parser refuses: `reason` says what was wrong with the bytes.
    init(parsing status: Int, _ reason: String) {
        self.init(HTTPStatus(code: status), detail: reason)
    }

    public var problem: HTTPError { self }

    public var description: String { "\(status.code): \(detail ?? title)" }

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
