import JSON
import Registry
import Testing

/// The access matrix derived from the declaration: every operation of /openapi.json, with its
/// `x-access`, against the public, the owning agency, another agency, the centre and a revoked
/// token, on a published project and on a draft. Who may not call an operation at all is told
/// so (401 or 403) before anything else; who may is never told 401 or 403 for its own project.
@Suite(.serialized) struct DeclaredAccessTests {
    enum Who: String, CaseIterable { case anonymous, revoked, otherAgency, centre, owningAgency }

    @Test func everyOperationAdmitsExactlyWhomItDeclares() throws {
        let registry = try RunningRegistry()
        let owner = try registry.agency("MINA")
        let other = try registry.agency("MINB")
        let revoked = try registry.storage.tokens.issue(.agency("MINA"), by: .commandLine)
        try registry.storage.tokens.revoke(revoked, by: .commandLine)
        let token: [Who: String?] = [.anonymous: nil, .revoked: revoked, .otherAgency: other, .centre: registry.centreToken, .owningAgency: owner]

        func create(_ externalID: String) throws -> String {
            let reply = try registry.request("POST", "/api/v1/projects", token: owner,
                                             body: #"{"external_id":"\#(externalID)","title":"T","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#)
            guard case .number(let id)? = reply["id"] else { throw RunningRegistryError.noID }
            return id
        }
        let draft = try create("DRAFT")
        let published = try create("PUBLISHED")
        #expect(try registry.request("POST", "/api/v1/projects/\(published)/transitions", token: owner, body: #"{"to":"submitted"}"#).status == 200)

        let document = try #require(try registry.request("GET", "/openapi.json").json)
        guard case .object(let root) = document, case .object(let paths)? = root["paths"] else { Issue.record("no paths"); return }
        var cells = 0
        for (template, item) in paths.members {
            guard case .object(let methods) = item else { continue }
            for (method, operation) in methods.members {
                guard case .object(let described) = operation, case .string(let access)? = described["x-access"] else {
                    if method != "parameters" { Issue.record("\(method) \(template) declares no x-access") }
                    continue
                }
                for (projectKind, id) in [("published", published), ("draft", draft)] {
                    let path = template.replacing("{id}", with: id).replacing("{rid}", with: "999999").replacing("{tid}", with: "999999")
                        .replacing("{code}", with: "MINA").replacing("{path}", with: "app.css")
                    let isWrite = method != "get"
                    for who in Who.allCases {
                        // Writes by the owner change state the other cells must not see changed; reads only here.
                        if who == .owningAgency && isWrite { continue }
                        let status = try registry.request(method.uppercased(), path, token: token[who] ?? nil, body: isWrite ? "{}" : nil).status
                        cells += 1
                        let cell = "\(method.uppercased()) \(path) [\(access), \(projectKind)] as \(who.rawValue): \(status)"
                        switch (who, access) {
                        case (.revoked, _):
                            #expect(status == 401, "\(cell)")
                        case (.anonymous, "public"):
                            #expect(status != 401 && status != 403, "\(cell)")
                        case (.anonymous, _):
                            #expect(status == 401, "\(cell)")
                        case (.centre, "agency"):
                            #expect(status == 403, "\(cell)")
                        case (.otherAgency, "centre"), (.owningAgency, "centre"):
                            #expect(status == 403, "\(cell)")
                        case (.otherAgency, "agency"), (.otherAgency, "agency or centre"):
                            // Another agency's project: refused, and a draft is not even there for it.
                            if template.contains("{id}") {
                                #expect(status == (projectKind == "draft" ? 404 : 403), "\(cell)")
                            } else {
                                #expect(status != 401 && status != 403, "\(cell)")
                            }
                        case (.otherAgency, _), (.anonymous, _):
                            // A public read: drafts are invisible to all but their agency and the centre.
                            if template.contains("{id}") && projectKind == "draft" { #expect(status == 404, "\(cell)") }
                            else { #expect(status != 401 && status != 403, "\(cell)") }
                        case (.centre, _), (.owningAgency, _):
                            #expect(status != 401 && status != 403, "\(cell)")
                        }
                    }
                }
            }
        }
        #expect(cells > 300, "every operation was tried (\(cells) cells)")
    }
}

enum RunningRegistryError: Error { case noID }
