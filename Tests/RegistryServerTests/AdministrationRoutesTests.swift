import HTTPTestSupport
import JSON
import Registry
import RegistryServer
import Testing

/// Agencies, tokens and thresholds over HTTP, with the access matrix for each.
@Suite(.serialized) struct AdministrationRoutesTests {
    @Test func theCentreCreatesAgenciesAndOthersMayNot() throws {
        let registry = try RunningRegistry()
        let agencyToken = try registry.agency("MINFIN")
        let body = #"{"code":"MINHEALTH","name":"Ministry of Health","level":"national"}"#

        #expect(try registry.request("POST", "/api/v1/agencies", body: body).status == 401)
        #expect(try registry.request("POST", "/api/v1/agencies", token: "pr_0000000000000000_" + String(repeating: "0", count: 64), body: body).status == 401)
        #expect(try registry.request("POST", "/api/v1/agencies", token: agencyToken, body: body).status == 403)
        let created = try registry.request("POST", "/api/v1/agencies", token: registry.centreToken, body: body)
        #expect(created.status == 201)
        #expect(created.response.header("Location") == "/api/v1/agencies/MINHEALTH")
        #expect(created["name"] == .string("Ministry of Health"))
        #expect(try registry.request("POST", "/api/v1/agencies", token: registry.centreToken, body: body).status == 409)

        let list = try registry.request("GET", "/api/v1/agencies")
        #expect(list.status == 200)
        guard case .array(let items)? = list["items"] else { Issue.record("no items"); return }
        #expect(items.count == 2)

        let one = try registry.request("GET", "/api/v1/agencies/MINHEALTH")
        #expect(one["project_count"] == .number("0"))
        #expect(one["whole_life_cost"] == .number("0"))
        #expect(try registry.request("GET", "/api/v1/agencies/NOPE").status == 404)
    }

    @Test func refusesBadAgencyBodiesNamingTheField() throws {
        let registry = try RunningRegistry()
        let token = registry.centreToken
        let unknown = try registry.request("POST", "/api/v1/agencies", token: token, body: #"{"code":"X1","name":"n","level":"national","colour":"red"}"#)
        #expect(unknown.status == 400)
        #expect(unknown["detail"].map { "\($0)" }?.contains("colour") == true)
        #expect(try registry.request("POST", "/api/v1/agencies", token: token, body: "{not json").status == 400)
        #expect(try registry.request("POST", "/api/v1/agencies", token: token, body: #"{"code":"X1"}"#, contentType: "text/plain").status == 400)

        let invalid = try registry.request("POST", "/api/v1/agencies", token: token, body: #"{"code":"lower case","level":"galactic"}"#)
        #expect(invalid.status == 422)
        #expect(invalid.response.header("Content-Type") == "application/problem+json")
        guard case .array(let errors)? = invalid["errors"] else { Issue.record("no errors"); return }
        let fields = errors.compactMap { error -> String? in
            if case .object(let object) = error, case .string(let field)? = object["field"] { return field }
            return nil
        }
        #expect(Set(fields) == ["code", "name", "level"])
        #expect(try registry.storage.agencies.list().isEmpty, "nothing stored")
    }

    @Test func theCentreIssuesTokensThatWork() throws {
        let registry = try RunningRegistry()
        let agencyToken = try registry.agency("MINFIN")
        #expect(try registry.request("POST", "/api/v1/tokens", token: agencyToken, body: #"{"role":"centre"}"#).status == 403)
        #expect(try registry.request("POST", "/api/v1/tokens", body: #"{"role":"centre"}"#).status == 401)
        #expect(try registry.request("POST", "/api/v1/tokens", token: registry.centreToken, body: #"{"agency":"NOPE"}"#).status == 422)
        #expect(try registry.request("POST", "/api/v1/tokens", token: registry.centreToken, body: #"{"role":"admin"}"#).status == 422)
        #expect(try registry.request("POST", "/api/v1/tokens", token: registry.centreToken, body: #"{"role":"centre","agency":"MINFIN"}"#).status == 422)

        let issued = try registry.request("POST", "/api/v1/tokens", token: registry.centreToken, body: #"{"role":"centre"}"#)
        #expect(issued.status == 201)
        guard case .string(let newCentre)? = issued["token"] else { Issue.record("no token"); return }
        // The new token can do what the centre does.
        #expect(try registry.request("POST", "/api/v1/agencies", token: newCentre, body: #"{"code":"MINEDU","name":"Education","level":"national"}"#).status == 201)
        // Revoked, it no longer can.
        try registry.storage.tokens.revoke(newCentre, by: .commandLine)
        #expect(try registry.request("POST", "/api/v1/agencies", token: newCentre, body: #"{"code":"MINJUS","name":"Justice","level":"national"}"#).status == 401)
        // Only the hash is stored.
        let stored = try registry.storage.database.read { try $0.query("SELECT secret_hash FROM tokens").map { try $0.decode("secret_hash", as: String.self) } }
        #expect(!stored.contains { newCentre.contains($0) })
    }

    @Test func thresholdsHaveAHistoryAndTheCentreSetsThem() throws {
        let registry = try RunningRegistry()
        let agencyToken = try registry.agency("MINFIN")
        let initial = try registry.request("GET", "/api/v1/thresholds")
        guard case .array(let defaults)? = initial["items"] else { Issue.record("no items"); return }
        #expect(defaults.count == 2)
        #expect(initial.json?.serialized.contains(#""kind":"business_case","amount":1000000"#) == true)
        #expect(initial.json?.serialized.contains(#""kind":"central_review","amount":5000000"#) == true)

        let body = #"{"kind":"business_case","amount":750000.50,"effective_from":"2026-01-01"}"#
        #expect(try registry.request("POST", "/api/v1/thresholds", token: agencyToken, body: body).status == 403)
        let created = try registry.request("POST", "/api/v1/thresholds", token: registry.centreToken, body: body)
        #expect(created.status == 201)
        #expect(created["amount"] == .number("750000.5"))
        #expect(created["in_force"] == .bool(true))

        let after = try registry.request("GET", "/api/v1/thresholds")
        guard case .array(let items)? = after["items"] else { Issue.record("no items"); return }
        #expect(items.count == 3, "the old threshold stays on record")
        #expect(after.json?.serialized.contains(#""amount":1000000,"effective_from":"2000-01-01","scope":null,"in_force":false"#) == true)

        let bad = try registry.request("POST", "/api/v1/thresholds", token: registry.centreToken,
                                       body: #"{"kind":"business_case","amount":-5,"effective_from":"2026-02-30"}"#)
        #expect(bad.status == 422)
        #expect(bad["fields"] == .string("amount, effective_from"))
        let precise = try registry.request("POST", "/api/v1/thresholds", token: registry.centreToken,
                                           body: #"{"kind":"business_case","amount":1.001,"effective_from":"2026-02-01"}"#)
        #expect(precise["detail"] == .string("amount: must have at most 2 decimals"))
    }
}

/// The OpenAPI document describes exactly the routes the server has.
struct OpenAPIDocumentTests {
    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        let registry = try RunningRegistry()
        let reply = try registry.request("GET", "/openapi.json")
        #expect(reply.status == 200)
        guard case .object(let paths)? = reply["paths"] else { Issue.record("no paths"); return }
        var documented = Set<String>()
        for (path, item) in paths.members {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        let routed = Set(registry.application.router.routes.map { "\($0.method.rawValue) \($0.pattern.replacingOccurrences(of: "...}", with: "}"))" })
        #expect(documented == routed)
        #expect(reply["openapi"] == .string("3.1.0"))
    }

    /// The HTTP layer refuses a body over `--max-body-size` before any handler: every operation
    /// that reads a body declares that 413, as the server answers it, and no other does.
    @Test func everyOperationThatReadsABodyDeclaresTheTooLargeRefusal() throws {
        let registry = try RunningRegistry { $0.limits.maxBodySize = 64 }
        guard case .object(let paths)? = try registry.request("GET", "/openapi.json")["paths"] else { Issue.record("no paths"); return }
        var checked = 0
        for (path, item) in paths.members {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations.members {
                let declared = object(object(object(operation)["responses"])["413"])
                guard object(operation)["requestBody"] != nil else {
                    #expect(declared.isEmpty, "\(method.uppercased()) \(path) reads no body but declares 413")
                    continue
                }
                #expect(object(declared["content"])["application/problem+json"] != nil, "\(method.uppercased()) \(path) declares 413")
                let target = path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "1", options: .regularExpression)
                let reply = try registry.request(method.uppercased(), target, token: registry.centreToken,
                                                 body: "{\"title\":\"\(String(repeating: "x", count: 100))\"}")
                #expect(reply.status == 413, "\(method.uppercased()) \(target)")
                #expect(reply["status"] == .integer(413))
                checked += 1
            }
        }
        #expect(checked >= 10, "the operations that read a body")
    }

    /// What the one error mapping can answer anywhere is in every operation: 500, and for a
    /// write 503 (busy, or a read-only replica), problem+json on the API and HTML on pages.
    @Test func everyOperationDeclaresTheFailuresEveryRouteCanAnswer() throws {
        let registry = try RunningRegistry()
        guard case .object(let paths)? = try registry.request("GET", "/openapi.json")["paths"] else { Issue.record("no paths"); return }
        for (path, item) in paths.members {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations.members {
                let responses = object(object(operation)["responses"])
                let expected = ["get", "head"].contains(method) ? ["500"] : ["500", "503"]
                for status in expected {
                    let content = object(object(responses[status])["content"])
                    let type = RegistryApplication.answersErrorsWithPages(path) ? "text/html" : "application/problem+json"
                    #expect(content[type] != nil, "\(method.uppercased()) \(path) declares \(status) as \(type)")
                }
            }
        }
    }
}

import Foundation
