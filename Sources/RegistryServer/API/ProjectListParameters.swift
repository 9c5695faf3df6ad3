import HTTPServer
import JSON
import Registry

/// The project list's query parameters: parsed in one place, described in one place.
enum ProjectListParameters {
    static let parameters: [APIOperation.Parameter] = [
        .init(name: "agency", location: "query", description: "Agency code.", schema: Schema.string),
        .init(name: "status", location: "query", description: "Project status.", schema: Schema.enumeration(ProjectStatus.allCases.map(\.rawValue))),
        .init(name: "category", location: "query", description: "Category, exactly.", schema: Schema.string),
        .init(name: "min_cost", location: "query", description: "Whole-life cost at least this.", schema: Schema.money),
        .init(name: "max_cost", location: "query", description: "Whole-life cost at most this.", schema: Schema.money),
        .init(name: "risk_rating", location: "query", description: "Risk rating 1–5.", schema: .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(5)])),
        .init(name: "rule", location: "query", description: "Only projects with a finding of this rule.", schema: Schema.enumeration(RuleID.allCases.map(\.rawValue))),
        .init(name: "above_threshold", location: "query", description: "Only projects at or above this threshold today.", schema: Schema.enumeration(Threshold.Kind.allCases.map(\.rawValue))),
        .init(name: "q", location: "query", description: "Full-text search over titles and descriptions (every word, as a prefix).", schema: Schema.string),
        .init(name: "sort", location: "query", description: "Order; `-` for descending. Default: id, oldest first.", schema: Schema.enumeration(ProjectSort.allCases.map(\.rawValue))),
        .init(name: "limit", location: "query", description: "Page size, 1–500 (default 50).", schema: .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(500)])),
        .init(name: "cursor", location: "query", description: "The next_cursor of the previous page; opaque (one this server did not give out is 400). Empty: the first page.", schema: Schema.string),
        AsOfParameter.parameter,
    ]

    /// `known`: the parameters the operation takes (the list's, by default); any other is a 400.
    static func query(_ parameters: QueryParameters, known: [APIOperation.Parameter] = parameters) throws(RegistryError) -> ProjectQuery {
        let known = Set(known.map(\.name))
        if let unknown = parameters.names.first(where: { !known.contains($0) }) {
            throw RegistryError.malformed("Unknown query parameter '\(unknown)'; known: \(known.sorted().joined(separator: ", ")).")
        }
        var query = ProjectQuery()
        var errors: [FieldError] = []
        func choice<T: RawRepresentable>(_ name: String, _ make: (String) -> T?) -> T? where T.RawValue == String {
            guard let text = parameters[name] else { return nil }
            guard let value = make(text) else { errors.append(FieldError(name, "is not one of the allowed values")); return nil }
            return value
        }
        func money(_ name: String) -> Money? {
            guard let text = parameters[name] else { return nil }
            guard let value = try? Money(decimal: text) else { errors.append(FieldError(name, "must be an amount ≥ 0 with at most 2 decimals")); return nil }
            return value
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) -> Int? {
            guard let text = parameters[name] else { return nil }
            guard let value = Int(text), range.contains(value) else { errors.append(FieldError(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")); return nil }
            return value
        }
        query.agency = parameters["agency"]
        query.status = choice("status", ProjectStatus.init(rawValue:))
        query.category = parameters["category"]
        query.minCost = money("min_cost")
        query.maxCost = money("max_cost")
        query.riskRating = integer("risk_rating", 1...5)
        query.rule = choice("rule", RuleID.init(rawValue:))
        query.aboveThreshold = choice("above_threshold", Threshold.Kind.init(rawValue:))
        query.text = parameters["q"].flatMap { $0.isEmpty ? nil : $0 }
        query.sort = choice("sort", ProjectSort.init(rawValue:)) ?? .id
        query.limit = integer("limit", 1...ProjectSearch.maximumLimit) ?? 50
        // An empty cursor, as a form or a client that builds the query blindly sends it, is the first page.
        query.cursor = parameters["cursor"].flatMap { $0.isEmpty ? nil : $0 }
        if !errors.isEmpty { throw RegistryError.invalid(errors) }
        return query
    }
}
