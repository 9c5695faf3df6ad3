import SQLiteDatabase

/// The registry's database: opened, migrated to the schema this code expects, with the
/// services that work on it.
public final class RegistryStorage: Sendable {
    public let database: SQLiteDatabase
    public let clock: RegistryClock
    /// Migrations applied by this start-up, by name (empty when the schema was current).
    public let appliedMigrations: [String]

    public var agencies: Agencies { Agencies(database: database, clock: clock) }
    public var tokens: AccessTokens { AccessTokens(database: database, clock: clock) }
    public var thresholds: Thresholds { Thresholds(database: database, clock: clock) }
    public var projects: Projects { Projects(database: database, clock: clock) }
    public var businessCases: BusinessCases { BusinessCases(database: database, clock: clock) }
    public var compliance: Compliance { Compliance(database: database, clock: clock, tolerances: tolerances, similarity: similarity) }
    private let similarity = SimilarityIndex()
    public var search: ProjectSearch { ProjectSearch(database: database, compliance: compliance, projection: projection, history: history) }
    private let projection = PortfolioProjection()
    public var portfolio: Portfolio { Portfolio(compliance: compliance, projection: projection, history: history) }
    private let history: PortfolioHistory
    public var reviews: Reviews { Reviews(database: database, clock: clock) }
    public var baselines: Baselines { Baselines(database: database, clock: clock) }
    public var fundingTranches: FundingTranches { FundingTranches(database: database, clock: clock) }
    public var idempotencyKeys: IdempotencyKeys { IdempotencyKeys(database: database, clock: clock) }
    /// The registry's one currency (ISO 4217, e.g. EUR); every amount is in its units.
    public let currency: String
    /// How far forecasts may drift before the monitoring rules speak.
    public let tolerances: Tolerances

    private init(database: SQLiteDatabase, clock: RegistryClock, currency: String, tolerances: Tolerances, appliedMigrations: [String]) {
        self.database = database
        self.currency = currency
        self.tolerances = tolerances
        self.clock = clock
        self.appliedMigrations = appliedMigrations
        history = PortfolioHistory(projection: projection)
    }

    /// Opens (creating if needed) the database at `path` and applies pending migrations
    /// from `migrationsDirectory` (a database that follows another writer is only checked). Refuses a database that is newer than the code or whose
    /// applied migrations were changed, with a message saying what to do.
    public static func open(path: String, migrationsDirectory: String, clock: RegistryClock = RegistryClock(), currency: String = "EUR",
                            tolerances: Tolerances = Tolerances(), configuration: SQLiteDatabase.Configuration = .init()) throws -> RegistryStorage {
        let wrong = [("review_tolerance", tolerances.reviewCostPercent, "a whole percentage from 0 to 1000", 0...1000),
                     ("overrun_tolerance", tolerances.costOverrunPercent, "a whole percentage from 0 to 1000", 0...1000),
                     ("slip_tolerance_days", tolerances.scheduleSlipDays, "a whole number of days from 0 to 3650", 0...3650),
                     ("reporting_period_days", tolerances.reportingPeriodDays, "a whole number of days from 1 to 3650", 1...3650)]
            .filter { !$0.3.contains($0.1) }
        guard wrong.isEmpty else { throw RegistryError.invalid(wrong.map { FieldError($0.0, "must be \($0.2)") }) }
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw RegistryError.invalid([FieldError("currency", "must be an ISO 4217 code of three capital letters, e.g. EUR")])
        }
        let migrator = try Migrator(directory: migrationsDirectory)
        var configuration = configuration
        let alsoBeforeCommit = configuration.beforeCommit
        configuration.beforeCommit = { db in
            try ProjectSearch.indexChangedProjects(db)
            try alsoBeforeCommit?(db)
        }
        let database = try SQLiteDatabase(path: path, configuration: configuration)
        if configuration.followsAnotherWriter {
            // A follower cannot migrate; it serves only a file at exactly this code's schema.
            let applied = try database.readStatement { try migrator.verifiedMigrations(of: $0) }.map(\.name)
            let expected = migrator.migrations.map(\.name)
            guard applied == expected else {
                throw MigrationError.failed(name: expected.last ?? "-", message: "the followed database has migrations up to \(applied.last ?? "none") "
                    + "and this code expects \(expected.last ?? "none"): run the same version of portfolio-registry as the primary")
            }
            return RegistryStorage(database: database, clock: clock, currency: currency, tolerances: tolerances, appliedMigrations: [])
        }
        let applied = try migrator.migrate(database)
        // Projects changed outside the registry's writes (a migration, an operator's sqlite3)
        // are noted for the full-text index: indexed now, by a write of nothing.
        if try database.readStatement(ProjectSearch.hasChangedProjects) {
            try database.write { _ in }
        }
        return RegistryStorage(database: database, clock: clock, currency: currency, tolerances: tolerances, appliedMigrations: applied.map(\.name))
    }
}
