import ArgumentParser
import CLinuxShims
import Foundation
import HTTPServer
import Logging
import Registry
import RegistryServer
import SQLiteDatabase

@main
struct PortfolioRegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portfolio-registry",
        abstract: "A registry of a government's ICT projects that enforces OECD Principles 7 and 8.",
        subcommands: [Serve.self, Migrate.self, Demo.self, TokenCommand.self, AgencyCommand.self, Backup.self, Restore.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand that opens the database shares.
struct StorageOptions: ParsableArguments {
    @Option(help: "SQLite database file (env PORTFOLIO_DB).")
    var db: String?

    @Option(help: "Folder holding Migrations/ and Public/; found automatically when omitted (env PORTFOLIO_RESOURCES).")
    var resources: String?

    @Option(help: "The registry's currency, an ISO 4217 code; amounts are in its units (env PORTFOLIO_CURRENCY).")
    var currency: String?

    @Option(help: "Percent a forecast cost may exceed the reviewed cost before a new review is due (env PORTFOLIO_REVIEW_TOLERANCE).")
    var reviewTolerance: Int?

    @Option(help: "Percent a forecast cost may exceed a baseline before it is an overrun, P8-COST-OVERRUN (env PORTFOLIO_OVERRUN_TOLERANCE).")
    var overrunTolerance: Int?

    @Option(help: "Days a forecast end may pass a baseline's end before it is a slip, P8-SCHEDULE-SLIP (env PORTFOLIO_SLIP_TOLERANCE_DAYS).")
    var slipToleranceDays: Int?

    @Option(help: "Days without a report from the agency before a project's report is stale, P8-STALE-REPORT (env PORTFOLIO_REPORTING_PERIOD_DAYS).")
    var reportingPeriodDays: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env PORTFOLIO_LOG_LEVEL).")
    var logLevel: String?

    var databasePath: String { Setting.value(db, env: "PORTFOLIO_DB", default: "./portfolio.sqlite") }

    func resourceLocation() throws -> ResourceLocation {
        try ResourceLocation.find(override: resources ?? Setting.environment("PORTFOLIO_RESOURCES"))
    }

    /// Opens and migrates the database, turning storage failures into a clear message and exit status.
    func open(_ resources: ResourceLocation, configuration: SQLiteDatabase.Configuration = .init()) throws -> RegistryStorage {
        do {
            return try RegistryStorage.open(path: databasePath, migrationsDirectory: resources.migrations,
                                            currency: Setting.value(currency, env: "PORTFOLIO_CURRENCY", default: "EUR"),
                                            tolerances: try tolerances(), configuration: configuration)
        } catch {
            throw StartupError(description: "Cannot use the database \(databasePath): \(error)")
        }
    }

    /// How far forecasts may drift before the monitoring rules speak; the defaults are `Tolerances()`'s.
    func tolerances() throws -> Tolerances {
        let defaults = Tolerances()
        return Tolerances(
            reviewCostPercent: try Setting.value(reviewTolerance, env: "PORTFOLIO_REVIEW_TOLERANCE", default: defaults.reviewCostPercent, name: "review-tolerance"),
            costOverrunPercent: try Setting.value(overrunTolerance, env: "PORTFOLIO_OVERRUN_TOLERANCE", default: defaults.costOverrunPercent, name: "overrun-tolerance"),
            scheduleSlipDays: try Setting.value(slipToleranceDays, env: "PORTFOLIO_SLIP_TOLERANCE_DAYS", default: defaults.scheduleSlipDays, name: "slip-tolerance-days"),
            reportingPeriodDays: try Setting.value(reportingPeriodDays, env: "PORTFOLIO_REPORTING_PERIOD_DAYS", default: defaults.reportingPeriodDays, name: "reporting-period-days"))
    }

    /// Administrative commands print their result on standard output; their log goes to standard error.
    func bootstrapLogging(toStandardError: Bool = false) throws {
        let name = Setting.value(logLevel, env: "PORTFOLIO_LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: name) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
        }
        if toStandardError { LogSink.shared.writeToStandardError() }
        LoggingSystem.bootstrap { label in BufferedLogHandler(label: label, logLevel: level) }
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (the default).")

    @OptionGroup var storage: StorageOptions

    @Option(help: "Address to listen on (env PORTFOLIO_HOST).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (env PORTFOLIO_PORT).")
    var port: Int?

    @Option(help: "Worker threads (env PORTFOLIO_WORKERS).")
    var workers: Int?

    @Option(help: "Threads that produce the streamed exports, apart from the workers (env PORTFOLIO_STREAM_WORKERS).")
    var streamWorkers: Int?

    @Option(help: "Threads that run writes (POST, PUT, PATCH, DELETE), apart from the workers; those waiting together share one commit (env PORTFOLIO_WRITE_WORKERS).")
    var writeWorkers: Int?

    @Option(help: "Most open connections; more are answered 503 (env PORTFOLIO_MAX_CONNECTIONS).")
    var maxConnections: Int?

    @Option(help: "Largest request body in bytes (env PORTFOLIO_MAX_BODY_SIZE).")
    var maxBodySize: Int?

    @Option(help: "Seconds a client may take to send its request headers (env PORTFOLIO_HEADER_TIMEOUT).")
    var headerTimeout: Double?

    @Option(help: "Seconds a request body may stall (env PORTFOLIO_BODY_TIMEOUT).")
    var bodyTimeout: Double?

    @Option(help: "Seconds an idle keep-alive connection stays open (env PORTFOLIO_IDLE_TIMEOUT).")
    var idleTimeout: Double?

    @Option(help: "Seconds a shutdown waits for requests in flight (env PORTFOLIO_SHUTDOWN_GRACE).")
    var shutdownGrace: Double?

    @Flag(help: "Fill an empty registry with a realistic demo portfolio first.")
    var demo = false

    @Flag(help: "Serve a database another process keeps up to date (`litestream restore -f`): every GET, never a write (env PORTFOLIO_READ_ONLY=1).")
    var readOnly = false

    @Option(help: "With --read-only: the primary's URL, named in the 503 every write gets (env PORTFOLIO_PRIMARY_URL).")
    var primaryURL: String?

    @Option(help: "Pages of WAL after which SQLite checkpoints; 0 leaves checkpoints to Litestream (env PORTFOLIO_WAL_AUTOCHECKPOINT; default SQLite's 1000).")
    var walAutocheckpoint: Int?

    @Option(help: "Litestream's control socket (its configuration's `socket: {enabled: true, path: ...}`): every commit waits until Litestream has shipped it to the replica before its writes are answered, so no acknowledged write is lost with this machine; --db must name the database as that configuration does (env PORTFOLIO_LITESTREAM_SOCKET).")
    var litestreamSocket: String?

    func run() throws {
        // Before any thread exists, so that only the waiting thread below receives these signals.
        TerminationSignals.block()
        // A heap arena a core (at least two), not glibc's eight: with 64 write threads, memory
        // freed by one stayed in its own arena, and peak memory at 100,000 projects varied from
        // 219 to 233 MB from run to run (208–212 MB with the cap, and writes as fast).
        // MALLOC_ARENA_MAX, if set, is left to rule.
        _ = clinux_limit_heap_arenas(Int32(max(2, System.coreCount)))
        try storage.bootstrapLogging()
        let logger = Logger(label: "portfolio-registry")

        var configuration = HTTPServerConfiguration()
        configuration.host = Setting.value(host, env: "PORTFOLIO_HOST", default: "127.0.0.1")
        configuration.port = try Setting.value(port, env: "PORTFOLIO_PORT", default: 8080, name: "port")
        configuration.workerThreads = try Setting.value(workers, env: "PORTFOLIO_WORKERS", default: configuration.workerThreads, name: "workers")
        configuration.streamWorkerThreads = try Setting.value(streamWorkers, env: "PORTFOLIO_STREAM_WORKERS", default: configuration.streamWorkerThreads, name: "stream-workers")
        configuration.blockingThreads = try Setting.value(writeWorkers, env: "PORTFOLIO_WRITE_WORKERS", default: configuration.blockingThreads, name: "write-workers")
        configuration.maxConnections = try Setting.value(maxConnections, env: "PORTFOLIO_MAX_CONNECTIONS", default: configuration.maxConnections, name: "max-connections")
        configuration.limits.maxBodySize = try Setting.value(maxBodySize, env: "PORTFOLIO_MAX_BODY_SIZE", default: configuration.limits.maxBodySize, name: "max-body-size")
        configuration.timeouts.header = try Setting.seconds(headerTimeout, env: "PORTFOLIO_HEADER_TIMEOUT", default: configuration.timeouts.header, name: "header-timeout")
        configuration.timeouts.body = try Setting.seconds(bodyTimeout, env: "PORTFOLIO_BODY_TIMEOUT", default: configuration.timeouts.body, name: "body-timeout")
        configuration.timeouts.idle = try Setting.seconds(idleTimeout, env: "PORTFOLIO_IDLE_TIMEOUT", default: configuration.timeouts.idle, name: "idle-timeout")
        configuration.shutdownGracePeriod = try Setting.seconds(shutdownGrace, env: "PORTFOLIO_SHUTDOWN_GRACE", default: configuration.shutdownGracePeriod, name: "shutdown-grace")
        guard (0...65535).contains(configuration.port) else { throw ValidationError("--port must be 0–65535") }
        guard configuration.workerThreads > 0, configuration.streamWorkerThreads > 0, configuration.maxConnections > 0, configuration.limits.maxBodySize >= 0,
              configuration.blockingThreads >= 0 else {
            throw ValidationError("--workers, --stream-workers and --max-connections must be positive, --write-workers and --max-body-size not negative")
        }

        let resources = try storage.resourceLocation()
        var databaseConfiguration = SQLiteDatabase.Configuration()
        // A reader for every thread that reads, so that no request waits for a connection.
        databaseConfiguration.readerCount = configuration.workerThreads + configuration.streamWorkerThreads + configuration.blockingThreads
        let isReplica = readOnly || Setting.environment("PORTFOLIO_READ_ONLY") == "1"
        databaseConfiguration.followsAnotherWriter = isReplica
        databaseConfiguration.autocheckpointPages = try walAutocheckpoint ?? Setting.environment("PORTFOLIO_WAL_AUTOCHECKPOINT").map {
            guard let pages = Int($0), pages >= 0 else { throw ValidationError("PORTFOLIO_WAL_AUTOCHECKPOINT must be a whole number of pages") }
            return pages
        }
        if let socket = litestreamSocket ?? Setting.environment("PORTFOLIO_LITESTREAM_SOCKET") {
            if isReplica { throw ValidationError("--litestream-socket is for the primary, which writes; a --read-only replica never does") }
            let control = LitestreamControl(socketPath: socket, databasePath: URL(fileURLWithPath: storage.databasePath).standardizedFileURL.path)
            databaseConfiguration.confirmCommit = { try control.syncAndWait() }
        }
        let primary = primaryURL ?? Setting.environment("PORTFOLIO_PRIMARY_URL")
        if isReplica && demo { throw ValidationError("--demo writes, and --read-only never does") }
        if !isReplica && primary != nil { throw ValidationError("--primary-url is for a --read-only replica") }
        let registryStorage = try storage.open(resources, configuration: databaseConfiguration)
        for name in registryStorage.appliedMigrations { logger.info("applied migration \(name)") }
        if demo {
            let empty = try registryStorage.database.read { try $0.scalar("SELECT count(*) FROM projects") } == .integer(0)
            if empty {
                let summary = try DemoPortfolio(storage: registryStorage).fill()
                logger.info("demo portfolio: \(summary.agencies) agencies, \(summary.projects) projects")
            } else {
                logger.notice("--demo: the registry already has projects; leaving them as they are")
            }
        }

        let application = RegistryApplication(storage: registryStorage, resources: .init(publicDirectory: resources.publicFiles),
                                              role: isReplica ? .replica(primaryURL: primary) : .primary)
        Self.keepPortfolioCurrent(registryStorage.portfolio, database: registryStorage.database, logger: logger)
        let server = application.makeServer(configuration: configuration, logger: Logger(label: "http"))
        let boundPort = try server.start()
        LogSink.shared.flush()
        print("Portfolio Registry listening on http://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(boundPort) (database \(storage.databasePath)\(isReplica ? ", read-only replica" : ""))")
        fflush(nil)

        let signal = TerminationSignals.wait()
        logger.info("received signal \(signal); finishing requests in flight")
        server.shutdown()
        logger.info("stopped")
        LogSink.shared.flush()
    }
}

extension Serve {
    /// The portfolio's in-memory projection is built once (every project read) and then kept
    /// up to date after writes and at midnight; doing that here, off the request path, means
    /// a request seldom waits for it.
    static func keepPortfolioCurrent(_ portfolio: Portfolio, database: SQLiteDatabase, logger: Logger) {
        let thread = Thread {
            Thread.current.name = "portfolio-sync" // from inside: Linux names only the thread that sets it
            do {
                let built = try portfolio.build { (heap: clinux_heap().in_use, sqlite: database.pageCacheBytes, at: Date()) }
                // The heap is the whole process's: on a small registry, requests served meanwhile
                // can free more than a part took.
                let similarity = max(0, built.afterSimilarity.heap - built.before.heap)
                let projection = max(0, built.afterProjection.heap - built.afterSimilarity.heap)
                let perProject = { (bytes: Int) in built.projects == 0 ? 0 : bytes / built.projects }
                let seconds = { (from: Date, to: Date) in String(format: "%.1f", to.timeIntervalSince(from)) }
                logger.info("""
                    portfolio built: \(built.projects) projects in \(seconds(built.before.at, built.afterProjection.at)) s \
                    (similarity index \(seconds(built.before.at, built.afterSimilarity.at)) s, projection \(seconds(built.afterSimilarity.at, built.afterProjection.at)) s); \
                    heap in use \(built.before.heap >> 20) MB before, similarity index \(similarity >> 20) MB (\(perProject(similarity)) bytes a project), \
                    projection \(projection >> 20) MB (\(perProject(projection)) bytes a project), \(built.afterProjection.heap >> 20) MB in all, \
                    of which SQLite's page caches \(built.afterProjection.sqlite >> 20) MB
                    """)
            } catch {
                logger.warning("portfolio build failed: \(error)")
            }
            // What stays free after a trim is fragmentation no trim gives back; only more than
            // that is worth the trim's walk of the heap.
            var freeAfterTrim = 0
            while true {
                do { try portfolio.refresh() } catch { logger.warning("portfolio refresh failed: \(error)") }
                // A rebuild (a new day, a new threshold) frees the entries it replaced; glibc
                // would otherwise keep them in the arena of the thread that built them.
                if clinux_heap().free_held > freeAfterTrim + 64 << 20 {
                    _ = clinux_heap_trim()
                    freeAfterTrim = clinux_heap().free_held
                }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        thread.start()
    }
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fill an empty registry with a realistic, deterministic demo portfolio.")

    @OptionGroup var storage: StorageOptions

    func run() throws {
        try storage.bootstrapLogging(toStandardError: true)
        let registry = try storage.open(try storage.resourceLocation())
        let summary = try CommandLineErrors.explain { try DemoPortfolio(storage: registry).fill() }
        print("demo portfolio: \(summary.agencies) agencies, \(summary.projects) projects in \(storage.databasePath)")
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var storage: StorageOptions

    func run() throws {
        try storage.bootstrapLogging()
        let resources = try storage.resourceLocation()
        let report = try storage.open(resources)
        if report.appliedMigrations.isEmpty {
            print("Database \(storage.databasePath) is up to date.")
        } else {
            for name in report.appliedMigrations { print("applied \(name)") }
        }
    }
}

/// A failure to start that is not a usage mistake: printed as is, exit status 1.
struct StartupError: Error, CustomStringConvertible {
    var description: String
}
