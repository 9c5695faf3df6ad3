import Foundation
@testable import Registry
import SQLiteDatabase
import Testing

/// The full-text index is brought up to date once per write transaction (migration 0011):
/// whatever a group of writes did, committed or rolled back, the index says what the
/// projects' rows say once the group commits.
struct SearchIndexTests {
    struct Refused: Error {}

    static func record(_ externalID: String, _ title: String, description: String? = nil) -> ProjectRecord {
        var record = ProjectRecord(externalID: externalID, title: title, wholeLifeCost: .units(1000), plannedEndDate: LocalDate("2030-01-01")!)
        record.description = description
        return record
    }

    static func matching(_ text: String, _ storage: RegistryStorage) throws -> Set<Int64> {
        try ProjectSearch.matchingText(text, asOf: nil, storage.database)
    }

    @Test func theIndexFollowsEveryWriteOfAGroupAndNoneThatRolledBack() throws {
        let registry = try TemporaryRegistry("search-index")
        let storage = try registry.open()
        try storage.agencies.create(Agency(code: "MINFIN", name: "Finance", level: .national), by: .commandLine)
        let agency = Principal.agency(code: "MINFIN", tokenID: "t")
        let renamed = try storage.projects.create(Self.record("A", "Alpha roads"), agency: "MINFIN", by: agency)
        #expect(try Self.matching("alpha", storage) == [renamed.id])

        // One group: held open by a first write until the others are queued behind it.
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let failures = Failures()
        let created = Created()
        done.enter()
        Thread {
            defer { done.leave() }
            do { try storage.database.write { _ in holding.signal(); release.wait() } } catch { failures.append("\(error)") }
        }.start()
        holding.wait()
        let writes: [@Sendable () throws -> Void] = [
            { created.set("bravo", try storage.projects.create(Self.record("B", "Bravo bridges"), agency: "MINFIN", by: agency).id) },
            // Created, then refused: its project and its note for the index go with its savepoint.
            { _ = try storage.projects.create(Self.record("C", "Charlie canals"), agency: "MINFIN", by: agency) { _, _ in throw Refused() } },
            { _ = try storage.projects.replace(id: renamed.id, with: Self.record("A", "Delta docks", description: "Harbour works"),
                                               expectedVersion: nil, by: agency) },
            // Created and renamed in the same group: indexed once, under its last title.
            { try storage.database.write { db in
                let echo = try Projects.insert(db, Self.record("E", "Echo estates"), agency: "MINFIN", at: "2026-01-01T00:00:00Z", by: agency, action: "project.create")
                _ = try Projects.update(db, echo, to: Self.record("E", "Foxtrot fields"), at: "2026-01-01T00:00:01Z", by: agency, action: "project.update")
                created.set("foxtrot", echo.id)
              } },
            // Renamed again in the same group: the index held Alpha, which is what goes.
            { _ = try storage.projects.replace(id: renamed.id, with: Self.record("A", "Hotel harbour", description: "Quay works"),
                                               expectedVersion: nil, by: agency) },
        ]
        for (index, write) in writes.enumerated() {
            done.enter()
            Thread {
                defer { done.leave() }
                do { try write() } catch { if !(error is Refused) { failures.append("\(error)") } }
            }.start()
            while storage.database.pendingWriteCount < index + 1 { usleep(200) }
        }
        let before = storage.database.writeStatistics
        release.signal()
        done.wait()
        #expect(failures.values.isEmpty)
        #expect(storage.database.writeStatistics.transactions - before.transactions == 2, "the holder's, and one for the writes queued behind it")

        let bravo = try #require(created.ids["bravo"]), foxtrot = try #require(created.ids["foxtrot"])
        #expect(try Self.matching("bravo", storage) == [bravo])
        #expect(try Self.matching("charlie", storage).isEmpty, "a write rolled back is not indexed")
        #expect(try Self.matching("alpha", storage).isEmpty, "a renamed project's old title is gone from the index")
        #expect(try Self.matching("delta", storage).isEmpty)
        #expect(try Self.matching("hotel quay", storage) == [renamed.id])
        #expect(try Self.matching("echo", storage).isEmpty)
        #expect(try Self.matching("foxtrot", storage) == [foxtrot])
        try storage.database.withWriter { db in
            // FTS5 checks its index against the projects table it indexes (rank 1: against the content).
            try db.execute("INSERT INTO projects_fts (projects_fts, rank) VALUES ('integrity-check', 1)")
            #expect(try db.scalar("SELECT count(*) FROM projects_fts_changed") == .integer(0), "no note outlives its transaction")
        }
    }

    @Test func aProjectChangedOutsideTheRegistrysWritesIsIndexedOnOpeningOrByTheNextWrite() throws {
        let registry = try TemporaryRegistry("search-index-outside")
        let storage = try registry.open()
        try storage.agencies.create(Agency(code: "MINFIN", name: "Finance", level: .national), by: .commandLine)
        let project = try storage.projects.create(Self.record("A", "Alpha roads"), agency: "MINFIN", by: .agency(code: "MINFIN", tokenID: "t"))
        // Another connection (an operator's sqlite3) changes a title: the trigger notes it.
        _ = try storage.database.withWriter { db in try db.execute("UPDATE projects SET title = 'Golf greens' WHERE id = ?", [project.id]) }
        #expect(try Self.matching("alpha", storage) == [project.id], "not yet indexed")
        let reopened = try registry.open()
        #expect(try Self.matching("golf", reopened) == [project.id])
        #expect(try Self.matching("alpha", reopened).isEmpty)
        _ = try storage.database.withWriter { db in try db.execute("UPDATE projects SET title = 'India isles' WHERE id = ?", [project.id]) }
        try storage.agencies.create(Agency(code: "MINEDU", name: "Education", level: .national), by: .commandLine)
        #expect(try Self.matching("india", storage) == [project.id])
        #expect(try Self.matching("golf", storage).isEmpty)
    }
}

final class Created: @unchecked Sendable {
    private let lock = NSLock()
    private var found: [String: Int64] = [:]
    func set(_ name: String, _ id: Int64) { lock.lock(); found[name] = id; lock.unlock() }
    var ids: [String: Int64] { lock.lock(); defer { lock.unlock() }; return found }
}
