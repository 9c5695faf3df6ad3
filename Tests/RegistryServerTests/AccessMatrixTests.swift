import HTTPTestSupport
import JSON
import Registry
import Testing

/// Who may do what: the public, agency A, agency B and the centre, against every endpoint.
@Suite(.serialized) struct AccessMatrixTests {
    enum Who: String, CaseIterable { case anonymous, otherAgency, centre, owningAgency }

    struct Row {
        var method: String
        var path: String
        var body: ((Who) -> String)? = nil
        var expected: [Who: Int]
    }

    @Test func everyEndpointAnswersEachPrincipalAsSpecified() throws {
        let registry = try RunningRegistry()
        let owner = try registry.agency("MINA")
        let other = try registry.agency("MINB")
        let token: [Who: String?] = [.anonymous: nil, .owningAgency: owner, .otherAgency: other, .centre: registry.centreToken]

        func create(_ externalID: String) throws -> String {
            let reply = try registry.request("POST", "/api/v1/projects", token: owner,
                                             body: #"{"external_id":"\#(externalID)","title":"T","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#)
            guard case .number(let id)? = reply["id"] else { throw RawClient.ClientError(description: "no id") }
            return id
        }
        let draft = try create("DRAFT")
        let published = try create("PUBLISHED")
        _ = try registry.request("POST", "/api/v1/projects/\(published)/transitions", token: owner, body: #"{"to":"submitted"}"#)
        let project = { (who: Who) in #"{"external_id":"NEW-\#(who.rawValue)","title":"T","whole_life_cost":100,"planned_end_date":"2028-01-01"}"# }

        let rows: [Row] = [
            Row(method: "GET", path: "/api/v1/agencies", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/agencies", body: { #"{"code":"NEW\#($0.rawValue.count)","name":"N","level":"local"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .centre: 201, .owningAgency: 403]),
            Row(method: "GET", path: "/api/v1/agencies/MINA", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/tokens", body: { _ in #"{"agency":"MINA"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .centre: 201, .owningAgency: 403]),
            Row(method: "GET", path: "/api/v1/thresholds", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/thresholds", body: { _ in #"{"kind":"central_review","amount":6000000,"effective_from":"2030-01-01"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .centre: 201, .owningAgency: 403]),
            Row(method: "GET", path: "/api/v1/projects", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/projects", body: project,
                expected: [.anonymous: 401, .otherAgency: 201, .centre: 422, .owningAgency: 201]),
            Row(method: "GET", path: "/api/v1/projects/\(draft)", expected: [.anonymous: 404, .otherAgency: 404, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/projects/\(published)", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "PUT", path: "/api/v1/projects/\(published)",
                body: { _ in #"{"external_id":"PUBLISHED","title":"Renamed","whole_life_cost":100,"planned_end_date":"2028-01-01"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .centre: 403, .owningAgency: 200]),
            Row(method: "PATCH", path: "/api/v1/projects/\(published)", body: { _ in #"{"title":"Patched"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .centre: 403, .owningAgency: 200]),
            Row(method: "PATCH", path: "/api/v1/projects/\(draft)", body: { _ in #"{"title":"Patched"}"# },
                expected: [.anonymous: 401, .otherAgency: 404, .centre: 403, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/projects/\(draft)/findings", expected: [.anonymous: 404, .otherAgency: 404, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/projects/\(draft)/history", expected: [.anonymous: 404, .otherAgency: 404, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/projects/\(published)/history", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "PUT", path: "/api/v1/projects/\(draft)/business-case", body: { _ in #"{"risks":[]}"# },
                expected: [.anonymous: 401, .otherAgency: 404, .centre: 403, .owningAgency: 201]),
            Row(method: "PUT", path: "/api/v1/projects/\(published)/business-case", body: { _ in #"{"risks":[]}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .centre: 403, .owningAgency: 201]),
            Row(method: "GET", path: "/api/v1/projects/\(draft)/business-case", expected: [.anonymous: 404, .otherAgency: 404, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/projects/\(draft)/business-case/versions", expected: [.anonymous: 404, .otherAgency: 404, .centre: 200, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/projects/\(published)/reviews", body: { _ in #"{"kind":"central"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .owningAgency: 403, .centre: 201]),
            Row(method: "POST", path: "/api/v1/projects/\(published)/funding-tranches", body: { _ in #"{"amount":10,"condition":"none"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .centre: 201, .owningAgency: 201]),
            Row(method: "GET", path: "/api/v1/projects/\(published)/funding-tranches", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/funding-tranches/1/release", expected: [.anonymous: 401, .otherAgency: 403, .owningAgency: 403, .centre: 200]),
            Row(method: "GET", path: "/api/v1/projects/\(published)/baselines", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/projects/\(published)/baselines", body: { _ in #"{"whole_life_cost":5,"planned_end_date":"2029-01-01","reason":"r"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .owningAgency: 403, .centre: 409]),
            Row(method: "GET", path: "/api/v1/projects/\(published)/reviews", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/projects/\(draft)/reviews", expected: [.anonymous: 404, .otherAgency: 404, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/reviews?status=requested", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/reviews/1/outcome", body: { _ in #"{"outcome":"approved","delivery_confidence":"green"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .owningAgency: 403, .centre: 200]),
            Row(method: "POST", path: "/api/v1/projects/\(draft)/transitions", body: { _ in #"{"to":"submitted"}"# },
                expected: [.anonymous: 401, .otherAgency: 404, .centre: 403, .owningAgency: 200]),
            Row(method: "POST", path: "/api/v1/projects/\(published)/transitions", body: { _ in #"{"to":"approved"}"# },
                expected: [.anonymous: 401, .otherAgency: 403, .owningAgency: 403, .centre: 200]),
            Row(method: "GET", path: "/api/v1/portfolio/overview", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/portfolio/findings", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/portfolio/duplicates", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/export/projects.csv", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/api/v1/export/projects.json", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
            Row(method: "GET", path: "/openapi.json", expected: [.anonymous: 200, .otherAgency: 200, .centre: 200, .owningAgency: 200]),
        ]
        // A write by the public is 401 before anything else: it learns nothing of which projects exist.
        // The owning agency goes last, since its requests change state the others' must not see changed.
        let order: [Who] = [.anonymous, .otherAgency, .centre, .owningAgency]
        for row in rows {
            for who in order.filter({ row.expected[$0] != nil }) {
                let reply = try registry.request(row.method, row.path, token: token[who] ?? nil, body: row.body?(who))
                #expect(reply.status == row.expected[who], "\(row.method) \(row.path) as \(who.rawValue): \(reply.response.text.prefix(200))")
            }
        }
        // An agency's writes never touched another agency's records.
        let otherProjects = try registry.storage.database.read { try $0.scalar("SELECT count(*) FROM projects WHERE agency_code = 'MINB'") }
        #expect(otherProjects == .integer(1))
    }
}
