import Foundation

/// The registry's sense of time, injectable so that tests can stand on any day.
public struct RegistryClock: Sendable {
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// RFC 3339 UTC with seconds, as the API shows times.
    public func timestamp() -> String {
        let seconds = Int(now().timeIntervalSince1970.rounded(.down))
        let date = LocalDate(daysSinceEpoch: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let secondOfDay = ((seconds % 86400) + 86400) % 86400
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(date)T\(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60)):\(pad(secondOfDay % 60))Z"
    }

    /// Today, in UTC.
    public func today() -> LocalDate {
        let seconds = Int(now().timeIntervalSince1970.rounded(.down))
        return LocalDate(daysSinceEpoch: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
    }
}
