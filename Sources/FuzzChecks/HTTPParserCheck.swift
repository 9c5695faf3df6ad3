import HTTPServer

/// The request parser's properties, shared by its unit tests and its fuzzer: bytes give the
/// same heads, requests and error whether fed whole, one byte at a time or cut anywhere; what
/// it accepts is well formed; a failed parser stays failed.
public enum HTTPParserCheck {
    /// What feeding some bytes produced: heads and requests in order, or the error.
    public struct Outcome: Equatable, Sendable, CustomStringConvertible {
        public enum Event: Equatable, Sendable {
            case head(method: HTTPMethod, target: String)
            case request(Parsed)
        }
        public var events: [Event] = []
        public var errorStatus: Int?
        /// False when `next()` after an error returned something other than the error.
        public var stayedFailed = true

        public var description: String { "events \(events), error \(errorStatus.map(String.init) ?? "none")" }

        public var firstRequest: Parsed? {
            for case .request(let parsed) in events { return parsed }
            return nil
        }
    }

    public struct Parsed: Equatable, Sendable {
        public var method: HTTPMethod
        public var path: String
        public var query: String
        public var version: HTTPVersion
        public var headers: [String]
        public var body: String
        public var bodyByteCount: Int
        public var trailers: [String]
        public var keepAlive: Bool
        /// Header and trailer values exactly as parsed, to check their characters.
        public var fieldValues: [String]
    }

    /// Small limits, so a fuzzer reaches every "too large" path with short inputs.
    public static let fuzzLimits: HTTPParserLimits = {
        var limits = HTTPParserLimits()
        limits.maxRequestLineLength = 256
        limits.maxHeaderBytes = 1024
        limits.maxHeaderCount = 16
        limits.maxBodySize = 2048
        return limits
    }()

    public static func feed(_ chunks: [[UInt8]], limits: HTTPParserLimits = HTTPParserLimits()) -> Outcome {
        var parser = HTTPRequestParser(limits: limits)
        var outcome = Outcome()
        do {
            for chunk in chunks {
                parser.append(chunk)
                loop: while true {
                    switch try parser.next() {
                    case .needMoreData: break loop
                    case .head(let head): outcome.events.append(.head(method: head.method, target: head.target))
                    case .request(let request):
                        outcome.events.append(.request(Parsed(
                            method: request.method, path: request.head.path, query: request.head.query, version: request.head.version,
                            headers: request.headers.map { "\($0.name): \($0.value)" },
                            body: String(decoding: request.body, as: UTF8.self), bodyByteCount: request.body.count,
                            trailers: request.trailers.map { "\($0.name): \($0.value)" }, keepAlive: request.head.keepAlive,
                            fieldValues: request.headers.map(\.value) + request.trailers.map(\.value))))
                    }
                }
            }
        } catch {
            outcome.errorStatus = error.status.code
            do {
                _ = try parser.next()
                outcome.stayedFailed = false
            } catch {
                outcome.stayedFailed = error.status.code == outcome.errorStatus
            }
        }
        return outcome
    }

    /// Statuses the parser may answer with.
    static let parserStatuses: Set<Int> = [400, 413, 414, 431, 501, 505]

    /// Everything wrong with how `outcome` came out of some bytes, whatever they were.
    public static func invariantFindings(_ outcome: Outcome, limits: HTTPParserLimits) -> FuzzFindings {
        var findings: FuzzFindings = []
        if !outcome.stayedFailed { findings.append("the parser answered after failing") }
        if let status = outcome.errorStatus, !parserStatuses.contains(status) { findings.append("unexpected status \(status)") }
        for case .request(let request) in outcome.events {
            if request.bodyByteCount > limits.maxBodySize { findings.append("a body of \(request.bodyByteCount) bytes passed the limit") }
            if request.headers.count > limits.maxHeaderCount { findings.append("\(request.headers.count) header fields passed the limit") }
            for value in request.fieldValues where value.utf8.contains(where: { $0 == 0 || $0 == 10 || $0 == 13 }) {
                findings.append("a field value with CR, LF or NUL was accepted: \(value.debugDescription)")
            }
            if !request.path.hasPrefix("/") && request.method != .OPTIONS && request.method != .CONNECT {
                findings.append("path \(request.path.debugDescription) does not start with /")
            }
        }
        return findings
    }

    /// The fuzzer's check: the payload whole, byte by byte and cut where the input says must
    /// agree, and every outcome must keep the invariants.
    public static func findings(_ data: [UInt8]) -> FuzzFindings {
        let input = FuzzInput(data)
        let limits = fuzzLimits
        let whole = feed([input.payload], limits: limits)
        var findings = invariantFindings(whole, limits: limits)
        let split = feed(input.chunks, limits: limits)
        if split != whole { findings.append("cut at \(input.cuts): \(split) but whole: \(whole)") }
        // Byte by byte costs a call per byte; short payloads are where it finds something.
        if input.payload.count <= 4096 {
            let byteByByte = feed(input.payload.map { [$0] }, limits: limits)
            if byteByByte != whole { findings.append("byte by byte: \(byteByByte) but whole: \(whole)") }
        }
        return findings
    }
}
