import Foundation
import Logging
import Synchronization

/// Log lines gathered in memory and written to standard output in batches by one thread,
/// so that a line per request does not cost a locked, flushed write per request.
/// Warnings and worse are written at once, as is everything left when the process stops.
final class LogSink: Sendable {
    static let shared = LogSink()

    private let pending = Mutex<[UInt8]>([])
    private let descriptor = Atomic<Int32>(STDOUT_FILENO)

    func writeToStandardError() { descriptor.store(STDERR_FILENO, ordering: .relaxed) }
    private let flushInterval: UInt32 = 100_000 // µs

    private init() {
        let thread = Thread { [self] in
            Thread.current.name = "log-writer" // from inside: Linux names only the thread that sets it
            while true {
                usleep(flushInterval)
                flush()
            }
        }
        thread.start()
    }

    func append(_ line: String, urgent: Bool) {
        let size = pending.withLock { buffer -> Int in
            buffer.append(contentsOf: line.utf8)
            buffer.append(10)
            return buffer.count
        }
        if urgent || size > 256 * 1024 { flush() }
    }

    func flush() {
        let bytes = pending.withLock { buffer -> [UInt8] in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(descriptor.load(ordering: .relaxed), raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}

struct BufferedLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var text = Self.timestamp() + " " + event.level.rawValue + " " + label + ": " + event.message.description
        let merged = event.metadata.map { metadata.merging($0) { $1 } } ?? metadata
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        if let error = event.error { text += " error=\(error)" }
        LogSink.shared.append(text, urgent: event.level >= .warning)
    }

    private static let cachedSecond = Mutex<(second: Int, text: String)>((-1, ""))

    /// RFC 3339 UTC with milliseconds; the part up to the second is formatted once a second.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = now.tv_sec
        let prefix = cachedSecond.withLock { cache -> String in
            if cache.second != second {
                var time = time_t(second)
                var parts = tm()
                gmtime_r(&time, &parts)
                func pad(_ n: Int32, _ width: Int) -> String {
                    let s = String(n)
                    return String(repeating: "0", count: max(0, width - s.count)) + s
                }
                cache = (second, "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))")
            }
            return cache.text
        }
        let millis = now.tv_nsec / 1_000_000
        return prefix + "." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis) + "Z"
    }
}
