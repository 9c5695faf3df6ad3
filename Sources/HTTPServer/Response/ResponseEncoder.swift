/// Turns a handler's response into the bytes on the wire: the headers every response
/// carries, gzip where it pays and the client accepts it, and the header section itself.
struct ResponseEncoder: Sendable {
    let gzipMinimumSize: Int
    let dateCache: DateCache

    /// Media types worth compressing; images and archives are compressed already.
    static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercasedASCII() else { return false }
        return type.hasPrefix("text/")
            || type.hasPrefix("application/json")
            || type.hasPrefix("application/problem+json")
            || type.hasPrefix("application/javascript")
            || type.hasPrefix("application/xml")
            || type.hasPrefix("image/svg+xml")
    }

    static let htmlSecurityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
    ]

    /// - Parameters:
    ///   - omitBody: a response to HEAD: the headers of the GET, no body.
    func encode(_ response: HTTPResponse, requestID: String, acceptEncoding: String?, keepAlive: Bool, omitBody: Bool,
                chunked: Bool = false) -> (head: [UInt8], body: [UInt8]) {
        var headers = response.headers
        var body = response.body
        let status = response.status.code
        let bodyless = status == 204 || status == 304 || (100..<200).contains(status)

        let contentType = headers["Content-Type"]
        let streamed = response.stream != nil
        // A part of a representation (206) is of its identity bytes, never compressed.
        let partial = status == 206 || headers.contains("Content-Range")
        if !streamed, !bodyless, !partial, Self.isCompressible(contentType), body.count >= gzipMinimumSize, !headers.contains("Content-Encoding") {
            headers.add("Vary", "Accept-Encoding")
            if ContentNegotiation.acceptsGzip(acceptEncoding) {
                body = response.shared?.gzipped ?? Gzip.compress(body)
                headers.set("Content-Encoding", "gzip")
                // The gzipped bytes differ; a strong validator must not claim they are the same.
                if let etag = headers["ETag"], etag.hasPrefix("\"") { headers.set("ETag", "W/" + etag) }
            }
        }
        if let contentType, contentType.hasPrefix("text/html") {
            for (name, value) in Self.htmlSecurityHeaders where !headers.contains(name) { headers.add(name, value) }
        }
        if !headers.contains("X-Content-Type-Options") { headers.add("X-Content-Type-Options", "nosniff") }

        var head: [UInt8] = []
        head.reserveCapacity(256)
        head.append(contentsOf: "HTTP/1.1 \(status) \(response.status.reasonPhrase)\r\n".utf8)
        append(&head, "Date", dateCache.current())
        for (name, value) in headers where !Self.framingHeaders.contains(where: { name.equalsIgnoringASCIICase($0) }) {
            append(&head, name, value)
        }
        append(&head, "X-Request-Id", requestID)
        if let stream = response.stream {
            // A streamed body of unknown length: chunked, or ended by closing (HTTP/1.0).
            if let length = stream.length {
                append(&head, "Content-Length", String(length))
            } else if chunked {
                append(&head, "Transfer-Encoding", "chunked")
            }
        } else if !bodyless {
            // 304 carries no body; its Content-Length would describe the full representation, so it is left out.
            append(&head, "Content-Length", String(body.count))
        }
        append(&head, "Connection", keepAlive ? "keep-alive" : "close")
        head.append(13); head.append(10)
        return (head, (omitBody || bodyless) ? [] : body)
    }

    /// Set by the server alone, whatever a handler put there.
    private static let framingHeaders = ["Content-Length", "Transfer-Encoding", "Connection", "Date", "X-Request-Id"]

    private func append(_ out: inout [UInt8], _ name: String, _ value: String) {
        out.append(contentsOf: name.utf8)
        out.append(58); out.append(32)
        // A handler must never be able to split the response: drop CR and LF from values.
        for byte in value.utf8 where byte != 13 && byte != 10 { out.append(byte) }
        out.append(13); out.append(10)
    }
}
