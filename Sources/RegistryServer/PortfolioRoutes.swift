import HTTPServer
import JSON
import Registry

/// The centre's picture: the overview with its breakdowns, and every finding in the portfolio.
struct PortfolioRoutes {
    let projects: ProjectRoutes
    /// Overviews by viewer and query, valid until the next write commits or the day changes.
    let cache = OverviewCache()

    /// The list's filters (not its paging): the overview covers everything they match.
    static let filterParameters = ProjectListParameters.parameters.filter { !["sort", "limit", "cursor"].contains($0.name) }

    static func slice(_ slice: PortfolioOverview.Slice, key: String) -> JSONValue {
        var object: JSONObject = key.isEmpty ? [:] : [key: .string(slice.key)]
        object["projects"] = .integer(slice.projects)
        object["whole_life_cost"] = Money.json(slice.wholeLifeCost)
        object["spend_to_date"] = Money.json(slice.spendToDate)
        return .object(object)
    }

    static func flagged(_ item: PortfolioOverview.Flagged) -> JSONValue {
        .object([
            "project_id": .integer(item.projectID), "title": .string(item.title), "agency": .string(item.agency),
            "variance_against_original": Baselines.json(item.variance),
        ])
    }

    /// The last second of the day, as `as_of` shows what it covers.
    static func endOfDay(_ asOf: AsOf) -> String { "\(asOf.day)T23:59:59Z" }

    static var overviewSchema: JSONValue {
        let slice = { (key: String) in
            Schema.object((key.isEmpty ? [] : [(key, Schema.string)]) + [("projects", Schema.integer), ("whole_life_cost", Schema.moneyTotal), ("spend_to_date", Schema.moneyTotal)])
        }
        let flagged = Schema.object([("project_id", Schema.integer), ("title", Schema.string), ("agency", Schema.string), ("variance_against_original", Schema.ref("VarianceFigures"))])
        return Schema.object([
            ("as_of", Schema.dateTime), ("currency", Schema.string), ("totals", slice("")),
            ("by_agency", Schema.array(slice("agency"))), ("by_status", Schema.array(slice("status"))), ("by_category", Schema.array(slice("category"))),
            ("by_risk_rating", Schema.array(slice("risk_rating"))), ("by_delivery_confidence", Schema.array(slice("delivery_confidence"))),
            ("above_threshold", Schema.object([("business_case", slice("")), ("central_review", slice(""))])),
            ("review_queue", Schema.array(Schema.ref("Review"))), ("overruns", Schema.array(flagged)), ("slips", Schema.array(flagged)),
            ("findings_by_rule", Schema.array(Schema.object([("rule", Schema.string), ("principle", Schema.integer), ("projects", Schema.integer)]))),
        ], required: ["as_of", "currency", "totals", "by_agency", "by_status", "by_delivery_confidence", "above_threshold", "review_queue",
                      "overruns", "slips", "findings_by_rule"])
    }


    /// The overview of what `query` matches for `principal`, computed afresh: now, or as the
    /// portfolio stood at the end of `asOf`'s day.
    func overview(principal: Principal, query: ProjectQuery, today: LocalDate, asOf: AsOf? = nil) throws -> HTTPResponse {
        let storage = projects.storage
        let overview = try storage.portfolio.overview(query, viewer: principal, asOf: asOf)
        let today = asOf?.day ?? today
        let requested = try asOf.map { try storage.reviews.queue(status: .requested, includeDrafts: principal.isCentre, asOf: $0) }
            ?? storage.reviews.queue(status: .requested, includeDrafts: principal.isCentre)
        let queue = requested.map { review -> JSONValue in
            guard case .object(var object) = Reviews.json(review) else { return .null }
            object["waited_days"] = .integer(ReviewRoutes.waitedDays(review, today: today))
            return .object(object)
        }
        return Representation.response(.object([
            "as_of": .string(asOf.map(Self.endOfDay) ?? storage.clock.timestamp()), "currency": .string(storage.currency),
            "totals": Self.slice(overview.totals, key: ""),
            "by_agency": .array(overview.byAgency.map { Self.slice($0, key: "agency") }),
            "by_status": .array(overview.byStatus.map { Self.slice($0, key: "status") }),
            "by_category": .array(overview.byCategory.map { Self.slice($0, key: "category") }),
            "by_risk_rating": .array(overview.byRiskRating.map { Self.slice($0, key: "risk_rating") }),
            "by_delivery_confidence": .array(overview.byDeliveryConfidence.map { Self.slice($0, key: "delivery_confidence") }),
            "above_threshold": .object([
                "business_case": Self.slice(overview.aboveBusinessCaseThreshold, key: ""),
                "central_review": Self.slice(overview.aboveCentralReviewThreshold, key: ""),
            ]),
            "review_queue": .array(queue),
            "overruns": .array(overview.overruns.map(Self.flagged)),
            "slips": .array(overview.slips.map(Self.flagged)),
            "findings_by_rule": .array(overview.findingsByRule.map {
                .object(["rule": .string($0.rule.rawValue), "principle": .integer($0.rule.principle), "projects": .integer($0.projects)])
            }),
        ]))
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let storage = projects.storage

        api.add(APIOperation(
            method: .GET, path: "/api/v1/portfolio/overview", id: "portfolioOverview",
            summary: "Totals and breakdowns of the portfolio (by agency, status, category, risk, delivery confidence), projects above the thresholds, the review queue, overruns, slips and findings by rule. Takes the list's filters; totals add up exactly.",
            tag: "Portfolio", access: .everyone, parameters: Self.filterParameters,
            responses: [.json(200, "The overview.", Self.overviewSchema), .badRequest, .unauthorized, .invalid])
        ) { context in
            let principal = try routes.projects.access.principal(context.request)
            let query = try ProjectListParameters.query(context.query)
            // Drafts make the centre's and each agency's view differ from the public's.
            let viewer = principal.isCentre ? "centre" : principal.agencyCode.map { "agency:" + $0 } ?? "public"
            let key = viewer + "?" + context.request.head.query
            let generation = storage.database.generation
            let today = storage.clock.today()
            let headers = HTTPHeaders([("Content-Type", "application/json")])
            if let body = routes.cache.body(for: key, generation: generation, day: today) {
                return HTTPResponse(status: .ok, headers: headers, shared: body)
            }
            let response = try routes.overview(principal: principal, query: query, today: today, asOf: try AsOfParameter.read(context.query, storage))
            let body = SharedBody(response.body)
            routes.cache.store(body, for: key, generation: generation, day: today)
            return HTTPResponse(status: response.status, headers: response.headers, shared: body)
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/portfolio/duplicates", id: "portfolioDuplicates",
            summary: "Pairs of projects of different agencies that look like the same system or dataset, most alike first, with why (P8-DUPLICATION).",
            tag: "Portfolio", access: .everyone, parameters: [AsOfParameter.parameter],
            responses: [.json(200, "The pairs.", Schema.object([("items", Schema.array(Schema.object([
                ("score", .object(["type": .string("integer"), "minimum": .integer(0), "maximum": .integer(100)])), ("explanation", Schema.string),
                ("shared_systems", Schema.array(Schema.string)), ("shared_datasets", Schema.array(Schema.string)), ("shared_words", Schema.array(Schema.string)),
                ("projects", Schema.array(Schema.object([("id", Schema.integer), ("agency", Schema.string), ("title", Schema.string)]))),
            ])))], required: ["items"])), .unauthorized, .invalid])
        ) { context in
            let principal = try routes.projects.access.principal(context.request)
            let asOf = try AsOfParameter.read(context.query, storage)
            let items = try storage.portfolio.duplicatePairs(includeDrafts: principal.isCentre, asOf: asOf).map { pair, a, b -> JSONValue in
                .object([
                    "score": .integer(pair.score), "explanation": .string(pair.explanation),
                    "shared_systems": .array(pair.sharedSystems.map { .string($0) }),
                    "shared_datasets": .array(pair.sharedDatasets.map { .string($0) }),
                    "shared_words": .array(pair.sharedWords.map { .string($0) }),
                    "projects": .array([a, b].map { .object(["id": .integer($0.id), "agency": .string($0.agency), "title": .string($0.title)]) }),
                ])
            }
            return Representation.response(.object(["items": .array(items)]))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/portfolio/findings", id: "portfolioFindings",
            summary: "Every finding in the portfolio, with its project. Takes the list's filters.", tag: "Portfolio", access: .everyone,
            parameters: Self.filterParameters,
            responses: [.json(200, "The findings.", Schema.object([("items", Schema.array(Schema.object([
                ("project_id", Schema.integer), ("title", Schema.string), ("agency", Schema.string), ("status", Schema.string),
                ("rule", Schema.string), ("principle", Schema.integer), ("severity", Schema.enumeration(["blocking", "warning"])), ("message", Schema.string),
            ])))], required: ["items"])), .badRequest, .unauthorized, .invalid])
        ) { context in
            let principal = try routes.projects.access.principal(context.request)
            let query = try ProjectListParameters.query(context.query)
            var items: [JSONValue] = []
            for entry in try storage.portfolio.entries(query, viewer: principal, asOf: try AsOfParameter.read(context.query, storage)) {
                for finding in entry.assessment.findings where query.rule == nil || finding.rule == query.rule {
                    guard case .object(var object) = Representation.finding(finding) else { continue }
                    object["project_id"] = .integer(entry.id)
                    object["title"] = .string(entry.title)
                    object["agency"] = .string(entry.agency)
                    object["status"] = .string(entry.status.rawValue)
                    items.append(.object(object))
                }
            }
            return Representation.response(.object(["items": .array(items)]))
        }
    }
}

final class OverviewCache: Sendable {
    private let entries = Mutex<[String: (generation: UInt64, day: LocalDate, body: SharedBody)]>([:])

    func body(for key: String, generation: UInt64, day: LocalDate) -> SharedBody? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.generation == generation, entry.day == day else { return nil }
            return entry.body
        }
    }

    func store(_ body: SharedBody, for key: String, generation: UInt64, day: LocalDate) {
        entries.withLock { entries in
            // Entries of older generations are useless; a new generation starts the cache afresh.
            if entries.values.contains(where: { $0.generation != generation }) || entries.count > 1000 { entries.removeAll() }
            entries[key] = (generation, day, body)
        }
    }
}

import Synchronization
