#if canImport(Glibc)
import Glibc
#endif

/// An incremental (push) parser for HTTP/1.1 requests, RFC 9112.
///
/// Bytes are appended as they arrive; `next()` parses as far as they allow. It is strict
/// where leniency enables request smuggling: CRLF only, no bare CR or LF, no obs-fold, no
/// space before a colon, one Host, never both Content-Length and Transfer-Encoding.
/// Work is linear in the input: a partial line is not rescanned when more bytes arrive.
public struct HTTPRequestParser: Sendable {
    public enum Phase: Sendable, Equatable {
        /// No byte of the next request has arrived.
        case idle
        /// Part of a request line or header section has arrived.
        case head
        /// The head is complete; the body is still arriving.
        case body
    }

    public enum Result: Sendable {
        /// The buffered bytes do not complete anything further.
        case needMoreData
        /// The head is complete and a body is expected; reported once per request, before `.request`.
        case head(HTTPRequestHead)
        /// A whole request. Bytes after it stay buffered for the next call (pipelining).
        case request(HTTPRequest)
    }

    private enum Stage: Sendable {
        case requestLine, headers, fixedBody, chunkSize, chunkData, chunkDataEnd, trailers, failed
    }

    public let limits: HTTPParserLimits

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the end of the current line resumes.
    private var scanIndex = 0
    private var stage = Stage.requestLine
    private var failure: HTTPError?

    // The request being parsed.
    private var method = HTTPMethod.GET
    private var target = ""
    private var version = HTTPVersion.http1_1
    private var fields: [(String, String)] = []
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var trailers = HTTPHeaders()
    private var remaining = 0
    private var headerBytes = 0
    private var emptyLinesSkipped = 0

    /// Longest chunk-size line (with extensions) accepted.
    static let maxChunkLineLength = 4096
    /// Empty lines tolerated before a request line (RFC 9112 §2.2).
    static let maxLeadingEmptyLines = 8

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    public var phase: Phase {
        switch stage {
        case .requestLine:
            return bufferedByteCount == 0 || buffer[readIndex..<buffer.count].allSatisfy({ $0 == 13 || $0 == 10 }) ? .idle : .head
        case .headers: return .head
        case .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers: return .body
        case .failed: return .head
        }
    }

    /// Bytes buffered and not yet consumed by a returned request.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Buffers bytes read from the connection.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            scanIndex = 0
            readIndex = 0
        } else if readIndex > 4096 && readIndex > buffer.count / 2 {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }

    /// Parses as far as the buffered bytes allow. After an error the parser is unusable:
    /// answer `error.status` and close the connection.
    public mutating func next() throws(HTTPError) -> Result {
        if let failure { throw failure }
        do {
            return try parse()
        } catch {
            failure = error
            stage = .failed
            throw error
        }
    }

    private mutating func parse() throws(HTTPError) -> Result {
        while true {
            switch stage {
            case .failed:
                throw failure!

            case .requestLine:
                guard let line = try nextLine(limit: limits.maxRequestLineLength, tooLong: HTTPError(parsing: 414, "request line longer than \(limits.maxRequestLineLength) bytes")) else {
                    return .needMoreData
                }
                if line.isEmpty {
                    emptyLinesSkipped += 1
                    if emptyLinesSkipped > Self.maxLeadingEmptyLines { throw HTTPError(parsing: 400, "too many empty lines before the request line") }
                    continue
                }
                try parseRequestLine(line)
                emptyLinesSkipped = 0
                fields = []
                headerBytes = 0
                stage = .headers

            case .headers:
                let left = limits.maxHeaderBytes - headerBytes
                guard let line = try nextLine(limit: max(0, left), tooLong: Self.headersTooLarge(limits)) else { return .needMoreData }
                if line.isEmpty {
                    let head = HTTPRequestHead(method: method, target: target, version: version, headers: HTTPHeaders(fields))
                    fields = []
                    if let result = try startBody(for: head) { return result }
                    continue
                }
                let field = try parseField(line)
                headerBytes += line.count + 2
                fields.append(field)
                if fields.count > limits.maxHeaderCount || headerBytes > limits.maxHeaderBytes { throw Self.headersTooLarge(limits) }

            case .fixedBody:
                guard bufferedByteCount >= remaining else { return .needMoreData }
                body = Array(buffer[readIndex..<(readIndex + remaining)])
                consume(upTo: readIndex + remaining)
                return completeRequest()

            case .chunkSize:
                guard let line = try nextLine(limit: Self.maxChunkLineLength, tooLong: HTTPError(parsing: 400, "chunk-size line too long")) else {
                    return .needMoreData
                }
                let size = try Self.parseChunkSize(line)
                if size > limits.maxBodySize - body.count {
                    throw HTTPError(parsing: 413, "body larger than \(limits.maxBodySize) bytes")
                }
                if size == 0 {
                    trailers = HTTPHeaders()
                    stage = .trailers
                } else {
                    remaining = size
                    stage = .chunkData
                }

            case .chunkData:
                let available = min(bufferedByteCount, remaining)
                guard available > 0 else { return .needMoreData }
                body.append(contentsOf: buffer[readIndex..<(readIndex + available)])
                consume(upTo: readIndex + available)
                remaining -= available
                if remaining == 0 { stage = .chunkDataEnd }

            case .chunkDataEnd:
                guard bufferedByteCount >= 2 else { return .needMoreData }
                guard buffer[readIndex] == 13, buffer[readIndex + 1] == 10 else {
                    throw HTTPError(parsing: 400, "chunk data not followed by CRLF")
                }
                consume(upTo: readIndex + 2)
                stage = .chunkSize

            case .trailers:
                let left = limits.maxHeaderBytes - headerBytes
                guard let line = try nextLine(limit: max(0, left), tooLong: Self.headersTooLarge(limits)) else { return .needMoreData }
                if line.isEmpty { return completeRequest() }
                let field = try parseField(line)
                if Self.forbiddenTrailers.contains(field.0.lowercasedASCII()) {
                    throw HTTPError(parsing: 400, "\(field.0) is not allowed in a trailer")
                }
                headerBytes += line.count + 2
                trailers.add(field.0, field.1)
                if head!.headers.count + trailers.count > limits.maxHeaderCount || headerBytes > limits.maxHeaderBytes {
                    throw Self.headersTooLarge(limits)
                }
            }
        }
    }

    private static func headersTooLarge(_ limits: HTTPParserLimits) -> HTTPError {
        HTTPError(parsing: 431, "header section larger than \(limits.maxHeaderBytes) bytes or \(limits.maxHeaderCount) fields")
    }

    private mutating func completeRequest() -> Result {
        let request = HTTPRequest(head: head!, body: body, trailers: trailers)
        head = nil
        body = []
        trailers = HTTPHeaders()
        stage = .requestLine
        return .request(request)
    }

    private mutating func consume(upTo index: Int) {
        readIndex = index
        scanIndex = index
    }

    // MARK: - Lines

    /// The next CRLF-terminated line without its CRLF, consumed; nil if it has not fully arrived.
    /// A line longer than `limit` bytes fails with `tooLong` as soon as that is certain.
    private mutating func nextLine(limit: Int, tooLong: HTTPError) throws(HTTPError) -> ArraySlice<UInt8>? {
        let start = scanIndex
        let end = buffer.count
        let found: Int? = buffer.withUnsafeBufferPointer { pointer -> Int? in
            guard start < end, let base = pointer.baseAddress else { return nil }
            guard let hit = memchr(base + start, 10, end - start) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        // Whichever fault comes first in the bytes decides, so that the answer does not depend
        // on how the bytes happened to arrive.
        guard let lf = found else {
            // A CR at the very end may yet be followed by its LF: look at it again next time.
            let pendingCR = end > start && buffer[end - 1] == 13 ? 1 : 0
            if let cr = buffer[start..<(end - pendingCR)].firstIndex(of: 13), cr - readIndex < limit {
                throw HTTPError(parsing: 400, "bare CR in the request head")
            }
            scanIndex = end - pendingCR
            if end - readIndex - pendingCR > limit { throw tooLong }
            return nil
        }
        let endsWithCR = lf > readIndex && buffer[lf - 1] == 13
        let contentEnd = endsWithCR ? lf - 1 : lf
        if start < contentEnd, let cr = buffer[start..<contentEnd].firstIndex(of: 13), cr - readIndex < limit {
            throw HTTPError(parsing: 400, "bare CR in the request head")
        }
        if contentEnd - readIndex > limit { throw tooLong }
        guard endsWithCR else { throw HTTPError(parsing: 400, "bare LF: lines must end with CRLF") }
        let line = buffer[readIndex..<contentEnd]
        consume(upTo: lf + 1)
        return line
    }

    // MARK: - Request line

    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPError) {
        guard let firstSpace = line.firstIndex(of: 32) else { throw HTTPError(parsing: 400, "malformed request line") }
        let afterMethod = line.index(after: firstSpace)
        guard let secondSpace = line[afterMethod...].firstIndex(of: 32) else { throw HTTPError(parsing: 400, "malformed request line") }
        let methodBytes = line[line.startIndex..<firstSpace]
        let targetBytes = line[afterMethod..<secondSpace]
        let versionBytes = line[line.index(after: secondSpace)...]

        guard !methodBytes.isEmpty, methodBytes.allSatisfy(HTTPSyntax.isTokenCharacter) else {
            throw HTTPError(parsing: 400, "malformed request line: method is not a token")
        }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw HTTPError(parsing: 400, "malformed request target")
        }
        version = try Self.parseVersion(versionBytes)
        guard let known = HTTPMethod(rawValue: String(decoding: methodBytes, as: UTF8.self)) else {
            throw HTTPError(parsing: 501, "method \(String(decoding: methodBytes, as: UTF8.self)) is not implemented")
        }
        method = known
        target = try Self.normaliseTarget(String(decoding: targetBytes, as: UTF8.self), method: known)
    }

    private static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> HTTPVersion {
        let b = Array(bytes)
        guard b.count == 8, b[0...4] == Array("HTTP/".utf8)[...], b[6] == 46,
              (48...57).contains(b[5]), (48...57).contains(b[7]) else {
            throw HTTPError(parsing: 400, "malformed HTTP version")
        }
        let version = HTTPVersion(major: Int(b[5] - 48), minor: Int(b[7] - 48))
        guard version == .http1_1 || version == .http1_0 else {
            throw HTTPError(parsing: 505, "\(version) is not supported")
        }
        return version
    }

    /// Origin-form as is; absolute-form reduced to its path and query; `*` for OPTIONS only;
    /// authority-form (`host:port`) for CONNECT only, kept as is (it is answered 405).
    private static func normaliseTarget(_ target: String, method: HTTPMethod) throws(HTTPError) -> String {
        if target.hasPrefix("/") { return target }
        if method == .CONNECT {
            guard !target.contains("/"), !target.contains("?"), !target.contains("@"), target.contains(":") else {
                throw HTTPError(parsing: 400, "CONNECT takes an authority-form target (host:port)")
            }
            return target
        }
        if target == "*" {
            guard method == .OPTIONS else { throw HTTPError(parsing: 400, "asterisk-form is only for OPTIONS") }
            return target
        }
        let lower = target.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            let rest = target.dropFirst(scheme.count)
            guard let start = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
            let pathAndQuery = String(rest[start...])
            return pathAndQuery.hasPrefix("?") ? "/" + pathAndQuery : pathAndQuery
        }
        throw HTTPError(parsing: 400, "malformed request target")
    }

    // MARK: - Fields

    private func parseField(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (String, String) {
        guard let first = line.first else { throw HTTPError(parsing: 400, "empty header field") }
        if first == 32 || first == 9 { throw HTTPError(parsing: 400, "obsolete line folding (obs-fold) is not accepted") }
        guard let colon = line.firstIndex(of: 58) else { throw HTTPError(parsing: 400, "header field without a colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { throw HTTPError(parsing: 400, "empty header field name") }
        if let last = name.last, last == 32 || last == 9 {
            throw HTTPError(parsing: 400, "space before colon in header field")
        }
        guard name.allSatisfy(HTTPSyntax.isTokenCharacter) else { throw HTTPError(parsing: 400, "invalid header field name") }
        var value = line[line.index(after: colon)...]
        while let c = value.first, c == 32 || c == 9 { value = value.dropFirst() }
        while let c = value.last, c == 32 || c == 9 { value = value.dropLast() }
        guard value.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else {
            throw HTTPError(parsing: 400, "invalid character in header field value")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    // MARK: - Framing (RFC 9112 §6)

    /// Decides how the body is framed. Returns the result to report now, or nil to go on parsing.
    private mutating func startBody(for head: HTTPRequestHead) throws(HTTPError) -> Result? {
        let hosts = head.headers.values(for: "Host")
        if hosts.count > 1 { throw HTTPError(parsing: 400, "repeated Host header") }
        if hosts.isEmpty && head.version == .http1_1 { throw HTTPError(parsing: 400, "missing Host header") }
        if let host = hosts.first, !Self.isValidHost(host) { throw HTTPError(parsing: 400, "invalid Host header") }

        let transferEncodings = head.headers.values(for: "Transfer-Encoding")
        let contentLengths = head.headers.values(for: "Content-Length")
        self.head = head
        body = []

        if !transferEncodings.isEmpty {
            if !contentLengths.isEmpty { throw HTTPError(parsing: 400, "Content-Length and Transfer-Encoding together") }
            if head.version == .http1_0 { throw HTTPError(parsing: 400, "Transfer-Encoding in an HTTP/1.0 request") }
            let codings = head.headers.tokens(for: "Transfer-Encoding")
            guard codings.last == "chunked" else { throw HTTPError(parsing: 400, "Transfer-Encoding does not end in chunked") }
            if codings.filter({ $0 == "chunked" }).count > 1 { throw HTTPError(parsing: 400, "chunked applied more than once") }
            if codings.count > 1 { throw HTTPError(parsing: 501, "transfer coding \(codings.first!) is not implemented") }
            stage = .chunkSize
            return .head(head)
        }

        var length: Int?
        for value in contentLengths {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = element.trimmingHTTPWhitespace()
                guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(digits) else {
                    throw HTTPError(parsing: 400, "invalid Content-Length")
                }
                if let length, length != n { throw HTTPError(parsing: 400, "conflicting Content-Length values") }
                length = n
            }
        }
        guard let length, length > 0 else {
            return completeRequest()
        }
        if length > limits.maxBodySize { throw HTTPError(parsing: 413, "body larger than \(limits.maxBodySize) bytes") }
        remaining = length
        stage = .fixedBody
        return .head(head)
    }

    private static func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPError) -> Int {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let digit = HTTPSyntax.hexValue(line[index]) {
            digits += 1
            if digits > 15 { throw HTTPError(parsing: 400, "chunk size too large") }
            size = size * 16 + digit
            index += 1
        }
        guard digits > 0 else { throw HTTPError(parsing: 400, "malformed chunk size") }
        // Chunk extensions, `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`: checked, then ignored.
        try Self.validateChunkExtensions(line[index...])
        return size
    }
}

extension HTTPRequestParser {
    static func validateChunkExtensions(_ bytes: ArraySlice<UInt8>) throws(HTTPError) {
        let malformed = HTTPError(parsing: 400, "malformed chunk extension")
        var rest = bytes
        func skipWhitespace() { while let c = rest.first, c == 32 || c == 9 { rest = rest.dropFirst() } }
        func token() -> Bool {
            let length = rest.prefix(while: HTTPSyntax.isTokenCharacter).count
            rest = rest.dropFirst(length)
            return length > 0
        }
        skipWhitespace()
        while !rest.isEmpty {
            guard rest.first == 59 else { throw malformed } // ;
            rest = rest.dropFirst()
            skipWhitespace()
            guard token() else { throw malformed }
            skipWhitespace()
            if rest.first == 61 { // =
                rest = rest.dropFirst()
                skipWhitespace()
                if rest.first == 34 { // quoted-string
                    rest = rest.dropFirst()
                    var closed = false
                    while let c = rest.first {
                        rest = rest.dropFirst()
                        if c == 92 { // quoted-pair
                            guard let escaped = rest.first, escaped == 9 || (escaped >= 32 && escaped != 127) else { throw malformed }
                            rest = rest.dropFirst()
                        } else if c == 34 {
                            closed = true
                            break
                        } else if !(c == 9 || (c >= 32 && c != 127)) {
                            throw malformed
                        }
                    }
                    guard closed else { throw malformed }
                } else {
                    guard token() else { throw malformed }
                }
                skipWhitespace()
            }
        }
    }

    /// Fields that frame or route a message have no place in a trailer (RFC 9110 §6.5.1).
    static let forbiddenTrailers = ["content-length", "transfer-encoding", "host", "content-type", "content-encoding", "trailer", "connection", "expect"]

    /// A Host value: a reg-name, IPv4 or bracketed IPv6 literal, and an optional port; empty is allowed.
    static func isValidHost(_ value: String) -> Bool {
        value.utf8.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
                || [45, 46, 95, 126, 33, 36, 38, 39, 40, 41, 42, 43, 44, 59, 61, 37, 58, 91, 93].contains(b)
        }
    }
}

enum HTTPSyntax {
    /// tchar of RFC 9110 §5.6.2.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122: return true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: return true
        default: return false
        }
    }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case 65...70: Int(byte - 55)
        case 97...102: Int(byte - 87)
        default: nil
        }
    }
}
