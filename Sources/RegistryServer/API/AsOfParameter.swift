import HTTPServer
import Registry

/// `as_of=YYYY-MM-DD`: the registry as it stood at the end of that day (UTC). Read in one place,
/// so every endpoint that takes it refuses the same dates the same way.
enum AsOfParameter {
    static let parameter = APIOperation.Parameter(
        name: "as_of", location: "query",
        description: "The registry as it stood at the end of this day (UTC): records, thresholds and rules as they were then, with that day as today. From the day of the registry's first record to today; otherwise 422.",
        schema: Schema.date)

    /// Nil for now, and for today: today's end has not come, and its state so far is the live
    /// registry (served from the live projection, not rebuilt after every write).
    static func read(_ parameters: QueryParameters, _ storage: RegistryStorage) throws -> AsOf? {
        let asOf = try date(parameters, "as_of", storage)
        return asOf?.day == storage.clock.today() ? nil : asOf
    }

    /// A date parameter naming a day the registry has a state for. `fromTheEmptyRegistry`: the day
    /// before the first record (the registry before anything was in it) is one too, as the start
    /// of a range of changes.
    static func date(_ parameters: QueryParameters, _ name: String, _ storage: RegistryStorage, fromTheEmptyRegistry: Bool = false) throws -> AsOf? {
        // Empty is not absent: a page's form drops its empty fields before they get here.
        guard let text = parameters[name] else { return nil }
        guard text.count == 10, let day = LocalDate(text) else {
            throw RegistryError.invalid([FieldError(name, "must be a date, YYYY-MM-DD")])
        }
        let today = storage.clock.today()
        guard day <= today else {
            throw RegistryError.invalid([FieldError(name, "is after today (\(today)): the registry has no state for it yet")])
        }
        let first = try RegistryRecord.firstDay(storage.database)
        guard let first, first.adding(days: fromTheEmptyRegistry ? -1 : 0) <= day else {
            throw RegistryError.invalid([FieldError(name, "is before the registry's first record\(first.map { " (\($0))" } ?? "")")])
        }
        return AsOf(day)
    }
}
