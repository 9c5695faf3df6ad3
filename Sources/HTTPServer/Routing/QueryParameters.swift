/// The query string as ordered name/value pairs; repeated names keep every value.
public struct QueryParameters: Sendable, Equatable {
    public private(set) var pairs: [(name: String, value: String)] = []

    public init() {}

    /// Form-style decoding (`+` is a space). Invalid percent-encoding or UTF-8 is a 400.
    public init(parsing query: String) throws(HTTPError) {
        guard !query.isEmpty else { return }
        for piece in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring, value: Substring
            if let equals = piece.firstIndex(of: "=") {
                name = piece[..<equals]
                value = piece[piece.index(after: equals)...]
            } else {
                name = piece
                value = ""
            }
            guard let decodedName = PercentEncoding.decode(name, plusAsSpace: true),
                  let decodedValue = PercentEncoding.decode(value, plusAsSpace: true) else {
                throw HTTPError(.badRequest, detail: "The query parameter '\(name)' is not valid percent-encoded UTF-8.")
            }
            if decodedName.isEmpty { continue }
            pairs.append((decodedName, decodedValue))
        }
    }

    public static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// Distinct names in first-seen order.
    public var names: [String] {
        var seen = Set<String>()
        return pairs.compactMap { seen.insert($0.name).inserted ? $0.name : nil }
    }
}

public enum PercentEncoding {
    /// Decodes `%XX` escapes (and `+` as space when asked); nil when an escape is malformed
    /// or the result is not UTF-8.
    public static func decode(_ string: some StringProtocol, plusAsSpace: Bool) -> String? {
        let utf8 = string.utf8
        if !utf8.contains(37) && !(plusAsSpace && utf8.contains(43)) { return String(string) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case 37:
                guard let high = iterator.next().flatMap(HTTPSyntax.hexValue),
                      let low = iterator.next().flatMap(HTTPSyntax.hexValue) else { return nil }
                bytes.append(UInt8(high * 16 + low))
            case 43 where plusAsSpace:
                bytes.append(32)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
