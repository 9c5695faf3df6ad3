import Synchronization

/// Request counts by route and status, a latency histogram, and connection gauges,
/// rendered in the Prometheus text exposition format (version 0.0.4).
public final class ServerMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private struct RequestKey: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var bucketCounts = [Int](repeating: 0, count: ServerMetrics.latencyBuckets.count)
        var latencyCount = 0
        var latencySum = 0.0
        var connectionsAccepted = 0
        var connectionsRejected = 0
        var openConnections = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// `route` is the matched pattern (never the raw path, which would make labels unbounded).
    public func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let bucket = Self.latencyBuckets.firstIndex { seconds <= $0 }
        state.withLock { state in
            state.requests[RequestKey(method: method, route: route, status: status), default: 0] += 1
            if let bucket { state.bucketCounts[bucket] += 1 }
            state.latencyCount += 1
            state.latencySum += seconds
        }
    }

    func connectionOpened() {
        state.withLock { $0.connectionsAccepted += 1; $0.openConnections += 1 }
    }

    func connectionClosed() {
        state.withLock { $0.openConnections -= 1 }
    }

    func connectionRejected() {
        state.withLock { $0.connectionsRejected += 1 }
    }

    public var openConnections: Int { state.withLock { $0.openConnections } }

    public func prometheusText() -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        out += "# HELP http_requests_total HTTP requests answered, by method, route and status.\n"
        out += "# TYPE http_requests_total counter\n"
        for (key, count) in snapshot.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "http_requests_total{method=\"\(escape(key.method))\",route=\"\(escape(key.route))\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP http_request_duration_seconds Time from a complete request to its response being handed to the socket.\n"
        out += "# TYPE http_request_duration_seconds histogram\n"
        var cumulative = 0
        for (index, bound) in Self.latencyBuckets.enumerated() {
            cumulative += snapshot.bucketCounts[index]
            out += "http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "http_request_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.latencyCount)\n"
        out += "http_request_duration_seconds_sum \(snapshot.latencySum)\n"
        out += "http_request_duration_seconds_count \(snapshot.latencyCount)\n"
        out += "# HELP http_open_connections Connections open now.\n"
        out += "# TYPE http_open_connections gauge\n"
        out += "http_open_connections \(snapshot.openConnections)\n"
        out += "# HELP http_connections_accepted_total Connections accepted and served.\n"
        out += "# TYPE http_connections_accepted_total counter\n"
        out += "http_connections_accepted_total \(snapshot.connectionsAccepted)\n"
        out += "# HELP http_connections_rejected_total Connections answered 503 because the connection limit was reached.\n"
        out += "# TYPE http_connections_rejected_total counter\n"
        out += "http_connections_rejected_total \(snapshot.connectionsRejected)\n"
        return out
    }

    private func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
