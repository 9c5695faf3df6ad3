/// Everything the server can be tuned by, with the defaults it ships with.
public struct HTTPServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.port` tells which.
    public var port: Int = 8080
    public var limits = HTTPParserLimits()
    public var timeouts = ConnectionTimeouts()
    /// Open connections beyond this are answered 503 and closed; accepting never stops.
    public var maxConnections: Int = 1024
    /// Threads that read, run handlers and write. Handlers may block (SQLite), so more than the cores.
    public var workerThreads: Int = max(4, 2 * System.coreCount)
    /// Threads that produce streamed bodies (the exports), apart from the workers: however many
    /// clients ask for bulk data at once, the workers stay free for every other request.
    public var streamWorkerThreads: Int = max(1, System.coreCount / 2)
    /// Threads that run the handlers of `blockingMethods` (writes, which may wait long for
    /// durable storage), apart from the workers; 0 runs every handler on the workers. A write
    /// holds its thread while it waits for a durable commit, so this bounds how many writes can
    /// share one: with fewer threads than clients writing at once, the rest queue for a thread
    /// and miss the commit they could have joined. Waiting threads cost no CPU.
    public var blockingThreads: Int = max(64, 8 * System.coreCount)
    public var blockingMethods: Set<HTTPMethod> = [.POST, .PUT, .PATCH, .DELETE]
    /// Responses this large or larger are gzipped when the client accepts it.
    public var gzipMinimumSize: Int = 1024
    /// How long a shutdown waits for requests in flight before closing what remains.
    public var shutdownGracePeriod: Duration = .seconds(10)

    public init() {}
}

public enum System {
    public static var coreCount: Int {
        #if canImport(Glibc)
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        4
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
