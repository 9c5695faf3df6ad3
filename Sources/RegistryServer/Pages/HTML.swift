import Registry

/// A fragment of HTML. String literals written in the code are markup; every value
/// interpolated into one is escaped unless it is itself `HTML`, so a project titled
/// `<script>` shows as text and nothing a user typed can become markup.
struct HTML: ExpressibleByStringInterpolation, Sendable, Equatable {
    private(set) var text: String

    /// Markup the code vouches for (never user data).
    init(raw text: String) { self.text = text }
    init(stringLiteral value: String) { text = value }
    init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }

    static let empty = HTML(raw: "")

    struct StringInterpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + interpolationCount * 16) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        /// Text: escaped.
        mutating func appendInterpolation(_ value: String) { text += HTMLEscaping.escape(value) }
        mutating func appendInterpolation(_ value: Substring) { text += HTMLEscaping.escape(String(value)) }
        /// Optional text: escaped; nothing when nil.
        mutating func appendInterpolation(_ value: String?) { if let value { text += HTMLEscaping.escape(value) } }
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        mutating func appendInterpolation(_ list: [HTML]) { for html in list { text += html.text } }
        mutating func appendInterpolation(_ number: Int) { text += String(number) }
        mutating func appendInterpolation(_ number: Int64) { text += String(number) }
        /// Geometry for SVG: at most one decimal.
        mutating func appendInterpolation(_ number: Double) { text += SVGNumber.format(number) }
    }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(raw: lhs.text + rhs.text) }
    static func += (lhs: inout HTML, rhs: HTML) { lhs.text += rhs.text }

    /// `items` one after the other.
    static func join(_ items: [HTML], separator: HTML = .empty) -> HTML {
        HTML(raw: items.map(\.text).joined(separator: separator.text))
    }
}

/// The one escaping function: text and attribute values alike.
enum HTMLEscaping {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

enum SVGNumber {
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = (value * 10).rounded()
        let whole = Int(tenths / 10)
        let fraction = Int(abs(tenths).truncatingRemainder(dividingBy: 10))
        if fraction == 0 { return String(whole) }
        return (tenths < 0 && whole == 0 ? "-" : "") + "\(whole).\(fraction)"
    }
}

/// Links: query strings built from name/value pairs, percent-encoded.
enum URLQuery {
    /// RFC 3986 unreserved characters pass; everything else is %XX (UTF-8).
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// `a=1&b=2`, leaving out empty values.
    static func string(_ pairs: [(String, String)]) -> String {
        pairs.filter { !$0.1.isEmpty }.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// `path` with the query, or `path` alone when there is none.
    static func link(_ path: String, _ pairs: [(String, String)]) -> String {
        let query = string(pairs)
        return query.isEmpty ? path : path + "?" + query
    }
}

/// How values read on the pages: money in whole units of the registry's currency with
/// thousands separators (rounded half away from zero, in integers), dates as ISO 8601.
enum Format {
    static func money(_ money: Money, currency: String) -> String {
        currency + " " + wholeUnits(money)
    }

    /// `12,500,001` for 12,500,000.50: whole units, Money's own grouping.
    static func wholeUnits(_ money: Money) -> String {
        let cents = money.minorUnits
        let rounded = cents >= 0 ? (cents + 50) / 100 : (cents - 50) / 100
        return String(Money(minorUnits: rounded * 100).formatted.dropLast(3))
    }

    /// A signed amount: `+EUR 1,200` or `−EUR 300`.
    static func signedMoney(_ money: Money, currency: String) -> String {
        if money.minorUnits > 0 { return "+" + Self.money(money, currency: currency) }
        if money.minorUnits < 0 { return "−" + Self.money(Money(minorUnits: -money.minorUnits), currency: currency) }
        return Self.money(money, currency: currency)
    }

    static func count(_ number: Int) -> String {
        Money(minorUnits: Int64(number) * 100).formatted.dropLast(3).description
    }

    static func days(_ days: Int) -> String {
        let magnitude = abs(days)
        let unit = magnitude == 1 ? "day" : "days"
        if days > 0 { return "\(count(magnitude)) \(unit) late" }
        if days < 0 { return "\(count(magnitude)) \(unit) early" }
        return "on time"
    }

    static func percent(_ variance: Variance) -> String {
        guard let text = variance.costPercentText else { return "—" }
        return (variance.costBasisPoints ?? 0) > 0 ? "+\(text) %" : "\(text) %"
    }

    /// `2026-11-02 14:03` from an RFC 3339 timestamp.
    static func timestamp(_ text: String) -> String {
        guard text.count >= 16 else { return text }
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5))
    }

    static func date(_ date: LocalDate?) -> String { date?.description ?? "—" }

    static func status(_ status: ProjectStatus) -> String {
        switch status {
        case .proposed: "Proposed (draft)"
        case .submitted: "Submitted"
        case .approved: "Approved"
        case .inExecution: "In execution"
        case .completed: "Completed"
        case .onHold: "On hold"
        case .cancelled: "Cancelled"
        }
    }

    static func status(raw: String) -> String {
        ProjectStatus(rawValue: raw).map { status($0) } ?? raw
    }
}

/// Data tables: a caption, in a region that scrolls sideways on a narrow screen (focusable, so
/// the keyboard can scroll it too), column headers with scope, the first cell of a row its header.
enum Table {
    struct Column {
        var header: HTML
        var numeric = false
        /// `aria-sort` for the column the rows are ordered by.
        var sort: String?

        init(_ header: HTML, numeric: Bool = false, sort: String? = nil) {
            self.header = header
            self.numeric = numeric
            self.sort = sort
        }
    }

    static func render(id: String, caption: HTML, columns: [Column], rows: [[HTML]], rowHeaders: Bool = true, empty: String = "None.") -> HTML {
        let head = HTML.join(columns.map { column -> HTML in
            let sort: HTML = column.sort.map { " aria-sort=\"\($0)\"" } ?? .empty
            return column.numeric ? "<th scope=\"col\" class=\"number\"\(sort)>\(column.header)</th>" : "<th scope=\"col\"\(sort)>\(column.header)</th>"
        })
        var body = HTML.empty
        for row in rows {
            body += "<tr>"
            for (index, cell) in row.enumerated() {
                let numeric = index < columns.count && columns[index].numeric
                let tag = index == 0 && rowHeaders ? "th" : "td"
                let attributes = (index == 0 && rowHeaders ? " scope=\"row\"" : "") + (numeric ? " class=\"number\"" : "")
                body += HTML(raw: "<\(tag)\(attributes)>") + cell + HTML(raw: "</\(tag)>")
            }
            body += "</tr>\n"
        }
        if rows.isEmpty {
            body += "<tr><td colspan=\"\(columns.count)\">\(empty)</td></tr>\n"
        }
        return """
        <div class="table-wrap" role="region" aria-labelledby="\(id)-caption" tabindex="0">
        <table id="\(id)">
        <caption id="\(id)-caption">\(caption)</caption>
        <thead><tr>\(head)</tr></thead>
        <tbody>
        \(body)</tbody>
        </table>
        </div>
        """
    }
}
