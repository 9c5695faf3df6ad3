/// What to answer for a file, decided from the request's headers and the file's validators
/// alone (no reading), so every case of RFC 9110 §13–14 is testable as plain values.
enum FileResponseDecision: Equatable {
    /// 304: the client's copy is current.
    case notModified
    /// 200 with the whole file.
    case whole
    /// 206 with the bytes `range` (inclusive bounds, within the file).
    case partial(ClosedRange<Int>)
    /// 416: no range of the request overlaps the file.
    case unsatisfiable

    /// - `etag` is strong; `modifiedSeconds` is the file's modification time.
    static func decide(method: HTTPMethod, headers: HTTPHeaders, size: Int, etag: String, modifiedSeconds: Int) -> Self {
        if StaticFileServer.isNotModified(headers, etag: etag, modifiedSeconds: modifiedSeconds) { return .notModified }
        // Range is defined for GET only; HEAD describes the whole representation.
        guard method == .GET, let range = headers["Range"] else { return .whole }
        // If-Range: ranges only of the representation the client already has part of.
        if let ifRange = headers["If-Range"]?.trimmingHTTPWhitespace() {
            if ifRange.hasPrefix("\"") {
                guard ifRange == etag else { return .whole } // a strong comparison
            } else if let date = HTTPDate.parse(String(ifRange)) {
                guard modifiedSeconds <= date else { return .whole }
            } else {
                return .whole
            }
        }
        switch ByteRanges.parse(range, size: size) {
        case .none: return .whole
        case .unsatisfiable: return .unsatisfiable
        case .ranges(let ranges):
            // Several ranges would need multipart/byteranges; a server may send the whole file instead (§14.2).
            return ranges.count == 1 ? .partial(ranges[0]) : .whole
        }
    }
}

/// The `Range` header's `bytes=` ranges (RFC 9110 §14.1.2) resolved against a length.
enum ByteRanges: Equatable {
    /// Not a byte range we understand: ignored, the whole representation is sent.
    case none
    case unsatisfiable
    case ranges([ClosedRange<Int>])

    /// More ranges than this in one request are a sign of abuse: the whole file is sent instead.
    static let maximumRanges = 16

    static func parse(_ header: String, size: Int) -> Self {
        let value = header.trimmingHTTPWhitespace()
        guard value.lowercased().hasPrefix("bytes=") else { return .none }
        let specs = value.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingHTTPWhitespace() }
        guard !specs.isEmpty, specs.count <= maximumRanges else { return .none }
        var satisfiable: [ClosedRange<Int>] = []
        for spec in specs {
            guard let dash = spec.firstIndex(of: "-") else { return .none }
            let first = spec[..<dash], last = spec[spec.index(after: dash)...]
            if first.isEmpty {
                // A suffix: the last N bytes.
                guard let count = Self.number(last) else { return .none }
                if count > 0 && size > 0 { satisfiable.append(max(0, size - count)...(size - 1)) }
            } else {
                guard let start = Self.number(first) else { return .none }
                let end: Int
                if last.isEmpty {
                    end = size - 1
                } else {
                    guard let value = Self.number(last), value >= start else { return .none }
                    end = min(value, size - 1)
                }
                if start < size { satisfiable.append(start...end) }
            }
        }
        return satisfiable.isEmpty ? .unsatisfiable : .ranges(satisfiable)
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int(text)
    }
}
