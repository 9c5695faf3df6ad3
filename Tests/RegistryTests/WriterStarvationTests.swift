import Foundation
@testable import Registry
import SQLiteDatabase
import Testing

/// A write that needs to read reads on the writer's own connection, so it never waits for a
/// reader: with every reader checked out by threads that wait for the writes, the writes
/// still finish.
struct WriterStarvationTests {
    @Test func writesThatReadFinishWhileEveryReaderIsHeld() throws {
        let registry = try TemporaryRegistry("starvation")
        var configuration = SQLiteDatabase.Configuration()
        configuration.readerCount = 2
        let storage = try registry.open(configuration: configuration)
        try storage.agencies.create(Agency(code: "MINFIN", name: "Finance", level: .national), by: .commandLine)
        let agency = Principal.agency(code: "MINFIN", tokenID: "t"), centre = Principal.centre(tokenID: "c")
        // More writers than readers.
        let projects = try (0..<6).map { index in
            try storage.projects.create(ProjectRecord(externalID: "S-\(index)", title: "Small \(index)", wholeLifeCost: .units(1000),
                                                      plannedEndDate: LocalDate("2030-01-01")!), agency: "MINFIN", by: agency)
        }
        let tranches = try projects.map { try storage.fundingTranches.create(projectID: $0.id, amount: .units(100), condition: .none, gate: nil, by: centre) }

        // Every reader checked out, and kept until the writes are done (or give up).
        let holding = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        for _ in 0..<configuration.readerCount {
            Thread {
                try? storage.database.read { _ in
                    holding.signal()
                    _ = done.wait(timeout: .now() + 30)
                }
            }.start()
        }
        for _ in 0..<configuration.readerCount { #expect(holding.wait(timeout: .now() + 10) == .success) }

        // Each write reads the rules' context inside its transaction.
        let writes = DispatchGroup()
        let failures = Failures()
        for (project, tranche) in zip(projects, tranches) {
            writes.enter()
            Thread {
                defer { writes.leave() }
                do {
                    _ = try storage.projects.transition(id: project.id, to: .submitted, reason: nil, by: agency, compliance: storage.compliance)
                    _ = try storage.fundingTranches.release(trancheID: tranche.id, by: centre, compliance: storage.compliance)
                } catch { failures.append("\(error)") }
            }.start()
        }
        let finished = writes.wait(timeout: .now() + 15)
        for _ in 0..<configuration.readerCount { done.signal() }
        #expect(finished == .success, "the writes waited for a reader while every reader was held")
        #expect(writes.wait(timeout: .now() + 30) == .success)
        #expect(failures.values.isEmpty)
        for project in projects { #expect(try storage.projects.get(id: project.id)?.status == .submitted) }
        for tranche in tranches { #expect(try storage.fundingTranches.get(id: tranche.id)?.isReleased == true) }
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ value: String) { lock.lock(); storage.append(value); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
