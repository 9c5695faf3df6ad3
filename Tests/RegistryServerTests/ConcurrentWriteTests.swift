import Foundation
import HTTPTestSupport
import JSON
import Registry
import Synchronization
import Testing

/// If-Match protects an agency's record, not the findings other agencies' writes derive for it.
struct ConcurrentWriteTests {
    static func body(_ externalID: String, title: String) -> String {
        ProjectRoutesTests.projectBody(externalID, cost: "400000", title: title)
    }

    func create(_ registry: RunningRegistry, token: String, _ externalID: String, title: String) throws -> String {
        let created = try registry.request("POST", "/api/v1/projects", token: token, body: Self.body(externalID, title: title))
        #expect(created.status == 201)
        let id = created.number("id")
        // Published, so other agencies' similar projects are found alike.
        _ = try registry.request("POST", "/api/v1/projects/\(id)/transitions", token: token, body: #"{"to":"submitted"}"#)
        return id
    }

    func patch(_ registry: RunningRegistry, token: String, _ id: String, etag: String, title: String) throws -> Int {
        try registry.request("PATCH", "/api/v1/projects/\(id)", token: token, body: #"{"title":"\#(title)"}"#,
                             headers: ["If-Match: \(etag)"], contentType: "application/merge-patch+json").status
    }

    @Test func findingsChangedByOthersDoNotFailIfMatchButALostUpdateDoes() throws {
        let registry = try RunningRegistry()
        let a = try registry.agency("AAA"), b = try registry.agency("BBB")
        let id = try create(registry, token: a, "A-1", title: "Pension payments platform")
        let read = try registry.request("GET", "/api/v1/projects/\(id)", token: a)
        let etag = try #require(read.response.header("ETag"))

        // Another agency registers a similar system: the project's findings, and its ETag, change.
        _ = try create(registry, token: b, "B-1", title: "Pension payments platform")
        let reread = try registry.request("GET", "/api/v1/projects/\(id)", token: a)
        #expect(reread.response.header("ETag") != etag, "the ETag reflects the new duplication finding")
        #expect(reread.rules().contains("P8-DUPLICATION"))
        #expect(try registry.request("GET", "/api/v1/projects/\(id)", token: a, headers: ["If-None-Match: \(etag)"]).status == 200)

        // The agency's record did not change, so its write with the old ETag succeeds…
        #expect(try patch(registry, token: a, id, etag: etag, title: "Pension payments platform, phase 1") == 200)
        // …and a second write from the same first read is a real lost update.
        #expect(try patch(registry, token: a, id, etag: etag, title: "Overwritten") == 412)
        #expect(try registry.request("GET", "/api/v1/projects/\(id)", token: a)["title"] == .string("Pension payments platform, phase 1"))
        // A weak form of the current ETag (as a gzipped read carries) matches too.
        let current = try #require(try registry.request("GET", "/api/v1/projects/\(id)", token: a).response.header("ETag"))
        #expect(try patch(registry, token: a, id, etag: "W/" + current, title: "Phase 1") == 200)
        // An ETag of another project never matches.
        let other = try #require(try registry.request("GET", "/api/v1/projects/\(id)", token: a).response.header("ETag"))
            .replacingOccurrences(of: "\"p\(id)-", with: "\"p9\(id)-")
        #expect(try patch(registry, token: a, id, etag: other, title: "Phase 1b") == 412)
    }

    @Test func fourAgenciesReadThenPatchWhileRegisteringAlikeProjects() throws {
        let registry = try RunningRegistry()
        let codes = ["AAA", "BBB", "CCC", "DDD"]
        let tokens = try codes.map { try registry.agency($0) }
        let own = try zip(codes, tokens).map { code, token in try create(registry, token: token, "\(code)-0", title: "Pension payments platform") }
        let statuses = Mutex<[Int]>([])
        let findingsChanged = Atomic<Int>(0)
        let rounds = 8

        let errors = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)
        for index in 0..<codes.count {
            Thread {
                defer { done.signal() }
                do {
                    let token = tokens[index], id = own[index]
                    for round in 1...rounds {
                        let read = try registry.request("GET", "/api/v1/projects/\(id)", token: token)
                        let etag = read.response.header("ETag") ?? "none"
                        // Meanwhile this agency (and the others) register alike projects, changing everyone's findings.
                        _ = try create(registry, token: token, "\(codes[index])-\(round)", title: "Pension payments platform \(round)")
                        let before = try registry.request("GET", "/api/v1/projects/\(id)", token: token).response.header("ETag")
                        if before != etag { findingsChanged.add(1, ordering: .relaxed) }
                        let status = try patch(registry, token: token, id, etag: etag, title: "Pension payments platform, round \(round)")
                        statuses.withLock { $0.append(status) }
                    }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }.start()
        }
        for _ in codes { #expect(done.wait(timeout: .now() + 120) == .success) }
        #expect(errors.withLock { $0 }.isEmpty)

        let all = statuses.withLock { $0 }
        #expect(all.count == codes.count * rounds)
        #expect(all.allSatisfy { $0 == 200 }, "no 412 without a real lost update: \(all)")
        #expect(findingsChanged.load(ordering: .relaxed) > 0, "other writes did change the ETags between read and write")

        // Each agency's real lost update is still caught.
        for (token, id) in zip(tokens, own) {
            let etag = try #require(try registry.request("GET", "/api/v1/projects/\(id)", token: token).response.header("ETag"))
            #expect(try patch(registry, token: token, id, etag: etag, title: "First") == 200)
            #expect(try patch(registry, token: token, id, etag: etag, title: "Second") == 412)
        }
    }
}
