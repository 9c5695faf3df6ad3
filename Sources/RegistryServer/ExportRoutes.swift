import HTTPServer
import JSON
import Registry

/// Open data: every published project as CSV (RFC 4180) or JSON, streamed page by page so a
/// large export never sits in memory.
struct ExportRoutes {
    let projects: ProjectRoutes

    /// The export's columns; the import takes the same header.
    static let columns = [
        "id", "agency", "external_id", "title", "description", "category", "status", "currency", "whole_life_cost", "spend_to_date",
        "start_date", "planned_end_date", "forecast_end_date", "risk_rating", "owner_name", "owner_role", "owner_email", "systems",
        "datasets", "delivery_confidence", "cost_variance_original", "cost_variance_percent_original", "schedule_variance_days_original",
        "cost_variance_current", "cost_variance_percent_current", "schedule_variance_days_current",
    ]

    /// Text the agencies wrote is made safe to open in a spreadsheet (`SpreadsheetText`); the
    /// import reads it back as it was. Numbers, dates and codes are the registry's own.
    static func row(_ project: StoredProject, _ assessment: Assessment, currency: String) -> [String] {
        let record = project.record
        let original = assessment.varianceAgainstOriginal, current = assessment.varianceAgainstCurrent
        let text = SpreadsheetText.escape
        return [
            String(project.id), project.agency, text(record.externalID), text(record.title), text(record.description ?? ""),
            text(record.category ?? ""), project.status.rawValue, currency, record.wholeLifeCost.decimalString, record.spendToDate?.decimalString ?? "",
            record.startDate?.description ?? "", record.plannedEndDate.description, record.forecastEndDate?.description ?? "",
            record.riskRating.map(String.init) ?? "", text(record.owner?.name ?? ""), text(record.owner?.role ?? ""), text(record.owner?.email ?? ""),
            // One name a line: a cell that spreadsheets show as a list.
            text(record.systems.joined(separator: "\n")), text(record.datasets.joined(separator: "\n")),
            assessment.deliveryConfidence?.rawValue ?? "",
            original?.cost.decimalString ?? "", original?.costPercentText ?? "", original.map { String($0.scheduleDays) } ?? "",
            current?.cost.decimalString ?? "", current?.costPercentText ?? "", current.map { String($0.scheduleDays) } ?? "",
        ]
    }

    /// Projects per streamed piece: what a client that stops reading holds (about 150 KB of JSON).
    static let pageSize = 100

    /// Every published project, a page at a time: each call reads the next page (keyset cursor,
    /// no transaction held between pages) and renders it, nil after the last. A streamed export
    /// asks for a page only when the client has taken the previous one.
    static func publishedPages(_ storage: RegistryStorage, render: @escaping (StoredProject, Assessment) -> [UInt8]) -> () throws -> [UInt8]? {
        var query = ProjectQuery()
        query.limit = Self.pageSize
        var finished = false
        return {
            guard !finished else { return nil }
            let page = try storage.search.search(query, viewer: .anonymous)
            var bytes: [UInt8] = []
            for item in page.items { bytes.append(contentsOf: render(item.project, item.assessment)) }
            if let next = page.nextCursor { query.cursor = next } else { finished = true }
            return bytes
        }
    }

    func register(in api: inout APIBuilder) {
        let routes = self
        let storage = projects.storage

        api.add(APIOperation(
            method: .GET, path: "/api/v1/export/projects.csv", id: "exportProjectsCSV",
            summary: "Every published project as CSV (RFC 4180, UTF-8, header row), with variance and delivery confidence. Streamed.",
            tag: "Open data", access: .everyone,
            responses: [.init(status: 200, description: "The CSV; systems and datasets one per line within their cell.", contentType: "text/csv", schema: Schema.string)])
        ) { _ in
            let headers = HTTPHeaders([("Content-Type", "text/csv; charset=utf-8"), ("Content-Disposition", "attachment; filename=\"projects.csv\"")])
            let pages = Self.publishedPages(storage) { project, assessment in
                CSVWriter.line(Self.row(project, assessment, currency: storage.currency))
            }
            return HTTPResponse(status: .ok, headers: headers, stream: StreamedBody(prefix: CSVWriter.line(Self.columns), pages: pages))
        }

        api.add(APIOperation(
            method: .POST, path: "/api/v1/import/projects", id: "importProjects",
            summary: "Create or update (by external_id) the agency's projects from CSV in the export's columns: every row checked first; any bad row → 422 listing them all, nothing stored.",
            tag: "Open data", access: .agency,
            requestSchema: nil,
            responses: [.json(200, "What was done.", Schema.object([("created", Schema.integer), ("updated", Schema.integer), ("unchanged", Schema.integer)],
                                                                   required: ["created", "updated", "unchanged"])),
                        .badRequest, .unauthorized, .forbidden,
                        .init(status: 422, description: "Bad rows; `errors` lists each row, field and reason.", contentType: "application/problem+json", schema: Schema.ref("Problem"))])
        ) { context in
            let principal = try routes.projects.access.principal(context.request)
            guard case .agency(let code, _) = principal else {
                throw principal == .anonymous ? RegistryError.unauthenticated : RegistryError.forbidden("Imports are an agency's, for its own projects.")
            }
            guard context.request.headers["Content-Type"]?.lowercased().hasPrefix("text/csv") == true else {
                throw RegistryError.malformed("Send the CSV with Content-Type: text/csv.")
            }
            guard let text = String(validating: context.request.body, as: UTF8.self) else { throw RegistryError.malformed("The CSV must be UTF-8.") }
            let records: [ProjectRecord]
            do {
                records = try ProjectImport.read(text, agency: code, currency: storage.currency)
            } catch let error as ProjectImport.Failure {
                switch error {
                case .unreadable(let detail): throw RegistryError.malformed(detail)
                case .rows(let rows):
                    let list = JSONValue.array(rows.map { .object(["row": .integer($0.row), "field": .string($0.field), "message": .string($0.message)]) })
                    throw HTTPError(.unprocessableContent, type: "/problems/invalid-rows", title: "Invalid rows",
                                    detail: "\(Set(rows.map(\.row)).count) row(s) are wrong; nothing was imported.", extensions: [("errors", list.serialized)])
                }
            }
            let result = try storage.projects.importRecords(records, agency: code, by: principal)
            return Representation.response(.object(["created": .integer(result.created), "updated": .integer(result.updated), "unchanged": .integer(result.unchanged)]))
        }

        api.add(APIOperation(
            method: .GET, path: "/api/v1/export/projects.json", id: "exportProjectsJSON",
            summary: "Every published project as JSON, as the API shows it (with variance and findings). Streamed.",
            tag: "Open data", access: .everyone,
            responses: [.json(200, "The projects.", Schema.object([("as_of", Schema.dateTime), ("currency", Schema.string), ("items", Schema.array(Schema.ref("Project")))],
                                                                    required: ["as_of", "currency", "items"]))])
        ) { _ in
            var first = true
            let pages = Self.publishedPages(storage) { project, assessment in
                var bytes: [UInt8] = first ? [] : [UInt8(ascii: ",")]
                first = false
                routes.projects.view(project, assessment).write(into: &bytes)
                return bytes
            }
            let prefix = "{\"as_of\":\(JSONString.quote(storage.clock.timestamp())),\"currency\":\(JSONString.quote(storage.currency)),\"items\":["
            return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/json")]),
                                stream: StreamedBody(prefix: Array(prefix.utf8), suffix: Array("]}".utf8), pages: pages))
        }
    }
}
