#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// HTTP dates (RFC 9110 §5.6.7) without Foundation's formatters.
public enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func format(epochSeconds: Int) -> String {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// Parses IMF-fixdate and the obsolete RFC 850 and asctime forms; nil if invalid.
    public static func parse(_ string: String) -> Int? {
        let words = string.split(separator: " ", omittingEmptySubsequences: true)
        var day: Int?, month: Int?, year: Int?, clock: Substring?
        if words.count == 6, words[0].hasSuffix(","), words[5] == "GMT" {
            // Sun, 06 Nov 1994 08:49:37 GMT
            day = Int(words[1]); month = months.firstIndex(of: String(words[2])); year = Int(words[3]); clock = words[4]
        } else if words.count == 4, words[0].hasSuffix(","), words[3] == "GMT" {
            // Sunday, 06-Nov-94 08:49:37 GMT
            let dmy = words[1].split(separator: "-")
            guard dmy.count == 3, let yy = Int(dmy[2]) else { return nil }
            day = Int(dmy[0]); month = months.firstIndex(of: String(dmy[1])); clock = words[2]
            year = yy < 100 ? (yy < 70 ? 2000 + yy : 1900 + yy) : yy
        } else if words.count == 5 {
            // Sun Nov  6 08:49:37 1994
            month = months.firstIndex(of: String(words[1])); day = Int(words[2]); clock = words[3]; year = Int(words[4])
        }
        guard let day, let month, let year, let clock, (1...31).contains(day), (1900...9999).contains(year) else { return nil }
        let hms = clock.split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...60).contains(hms[2]) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hms[0])
        parts.tm_min = Int32(hms[1])
        parts.tm_sec = Int32(hms[2])
        let seconds = timegm(&parts)
        // timegm normalises 31 Feb into March; such a date is not valid.
        guard parts.tm_mday == Int32(day), parts.tm_mon == Int32(month) else { return nil }
        return Int(seconds)
    }
}

/// The `Date` header, formatted at most once a second however many requests ask.
public final class DateCache: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    public init() {}

    public func current() -> String {
        let now = Int(time(nil))
        return cached.withLock { cache in
            if cache.second != now { cache = (now, HTTPDate.format(epochSeconds: now)) }
            return cache.text
        }
    }
}
