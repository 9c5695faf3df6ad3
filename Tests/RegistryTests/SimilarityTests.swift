@testable import Registry
import Testing

/// P8-DUPLICATION and P8-THRESHOLD-SPLIT on plain values.
struct SimilarityTests {
    static func fingerprint(_ id: Int64, _ agency: String, _ title: String, cost: Money = .units(400_000), systems: [String] = [],
                            datasets: [String] = [], start: String = "2026-01-01", end: String = "2027-12-31") -> ProjectFingerprint {
        let record = ProjectRecord(externalID: "\(id)", title: title, wholeLifeCost: cost, startDate: LocalDate(start),
                                   plannedEndDate: LocalDate(end)!, systems: systems, datasets: datasets)
        return ProjectFingerprint(id: id, agency: agency, record: record, level: .national, draft: false)
    }

    @Test func findsTheSameSystemBuiltByTwoAgencies() throws {
        let projects = [
            Self.fingerprint(1, "MINFIN", "Citizen identity register", systems: ["Identity Register"], datasets: ["Persons"]),
            Self.fingerprint(2, "MINHEALTH", "Patient identity register renewal", systems: ["identity-register"], datasets: ["persons"]),
            Self.fingerprint(3, "MINEDU", "School timetables", systems: ["Timetabler"], datasets: ["Pupils"]),
        ]
        let pairs = Similarity.duplicates(projects)
        #expect(pairs.count == 1)
        let pair = try #require(pairs.first)
        #expect(pair.first == 1 && pair.second == 2)
        #expect(pair.score >= Similarity.reportingScore)
        #expect(pair.sharedSystems == ["identity register"])
        #expect(pair.explanation.contains("the same system (identity register)"))
    }

    @Test func oneAgencysProjectsAreNotDuplicatesOfEachOther() {
        let projects = [
            Self.fingerprint(1, "MINFIN", "Tax register", systems: ["Tax Register"]),
            Self.fingerprint(2, "MINFIN", "Tax register phase 2", systems: ["Tax Register"]),
        ]
        #expect(Similarity.duplicates(projects).isEmpty)
    }

    @Test func findsASplitUnderTheThreshold() {
        let projects = [
            Self.fingerprint(1, "MINFIN", "Tax portal front end", cost: .units(600_000), systems: ["Tax Portal"]),
            Self.fingerprint(2, "MINFIN", "Tax portal back end", cost: .units(500_000), systems: ["Tax Portal"]),
            // Alike but later: not overlapping in time.
            Self.fingerprint(3, "MINFIN", "Tax portal archive", cost: .units(900_000), systems: ["Tax Portal"], start: "2029-01-01", end: "2030-01-01"),
        ]
        #expect(Similarity.thresholdSplits(projects, threshold: .units(1_000_000)) == [[1, 2]])
        // Together still under it: no split.
        #expect(Similarity.thresholdSplits(projects, threshold: .units(1_100_000) + Money(minorUnits: 1)).isEmpty)
        // One of them already above it: it owes the business case itself.
        #expect(Similarity.thresholdSplits(projects, threshold: .units(550_000)).isEmpty)
    }

    /// The score as the rule states it, written out with set operations: the index's quick
    /// score must agree with it on every pair.
    static func referenceScore(_ a: ProjectFingerprint, _ b: ProjectFingerprint) -> Int {
        func jaccard(_ x: Set<String>, _ y: Set<String>) -> Double {
            x.union(y).isEmpty ? 0 : Double(x.intersection(y).count) / Double(x.union(y).count)
        }
        var parts: [(weight: Double, value: Double)] = []
        if !(a.systems.isEmpty && b.systems.isEmpty) { parts.append((0.4, jaccard(a.systems, b.systems))) }
        if !(a.datasets.isEmpty && b.datasets.isEmpty) { parts.append((0.3, jaccard(a.datasets, b.datasets))) }
        let smaller = min(a.words.count, b.words.count)
        parts.append((0.3, smaller == 0 ? 0 : Double(a.words.intersection(b.words).count) / Double(smaller)))
        let total = parts.reduce(0) { $0 + $1.weight * $1.value } / parts.reduce(0) { $0 + $1.weight }
        return Int((total * 100).rounded())
    }

    @Test func theQuickScoreIsTheRulesScore() {
        let names = ["Identity Register", "Persons", "Tax Portal", "Payments", "Timetabler"]
        let projects = (0..<60).map { i in
            Self.fingerprint(Int64(i), "A\(i % 3)", ["Identity register", "Tax portal renewal", "School timetables", "Payments hub"][i % 4] + " \(i % 5)",
                             systems: Array(names.prefix(i % 4)), datasets: Array(names.suffix(i % 3)))
        }
        var scores = Set<Int>()
        for a in projects {
            for b in projects where a.id < b.id {
                #expect(Similarity.score(a, b) == Self.referenceScore(a, b), "\(a.id) and \(b.id)")
                scores.insert(Similarity.score(a, b))
            }
        }
        #expect(scores.count > 5, "the pairs cover a range of scores")
    }

    @Test func anIndexUpdatedProjectByProjectEqualsOneBuiltAfresh() {
        var projects = (0..<40).map { i in
            Self.fingerprint(Int64(i), "A\(i % 4)", "Register \(i % 6) renewal", systems: ["System \(i % 5)"], datasets: ["Data \(i % 7)"])
        }
        var index = Similarity.Index(projects)
        func neighbourhoods(_ index: Similarity.Index) -> [Int64: Set<Int64>] {
            Dictionary(uniqueKeysWithValues: projects.map { ($0.id, Set(index.neighbours(of: $0.id))) })
        }
        #expect(neighbourhoods(index).values.contains { !$0.isEmpty }, "some projects are alike")
        // Change a third of them, one at a time, as writes would.
        for i in stride(from: 0, to: 40, by: 3) {
            let changed = Self.fingerprint(Int64(i), "A\(i % 4)", "Archive \(i % 2)", systems: ["Archive \(i % 2)"], datasets: [])
            projects[i] = changed
            index.remove(changed.id)
            index.insert(changed)
            index.link([changed.id])
        }
        #expect(neighbourhoods(index) == neighbourhoods(Similarity.Index(projects)))
        #expect(Set(index.pairs.map { [$0.0, $0.1] }) == Set(Similarity.Index(projects).pairs.map { [$0.0, $0.1] }))
    }

    @Test func aProjectPutInAgainReplacesItsOldSelf() {
        var projects = (0..<30).map { i in
            Self.fingerprint(Int64(i), "A\(i % 3)", "Register \(i % 4) renewal", systems: ["System \(i % 5)"], datasets: ["Data \(i % 6)"])
        }
        var index = Similarity.Index(projects)
        // Put in again without taking out first: its old names, words and likenesses go.
        for i in [0, 7, 29] {
            projects[i] = Self.fingerprint(Int64(i), "A\(i % 3)", "Archive", systems: ["Archive"], datasets: [])
            index.insert(projects[i])
            index.link([Int64(i)])
        }
        let fresh = Similarity.Index(projects)
        #expect(index.count == 30)
        #expect(projects.allSatisfy { index.neighbours(of: $0.id) == fresh.neighbours(of: $0.id) })
        #expect(index.neighbours(of: 0).elementsEqual([7, 29]), "the three archives are alike to each other only")
        #expect(index.fingerprint(-1) == nil && index.fingerprint(30) == nil && index.neighbours(of: 1_000).isEmpty, "ids never indexed")
    }

    @Test func linkingOnEveryCoreGivesWhatLinkingOneByOneGives() {
        // More projects than one chunk of `linkAll`, alike in overlapping groups.
        let projects = (0..<4_500).map { i in
            Self.fingerprint(Int64(i), "A\(i % 3)", "Register \(i % 11) renewal \(i % 13)", systems: ["System \(i % 97)"], datasets: ["Data \(i % 89)"])
        }
        var oneByOne = Similarity.Index()
        for project in projects { oneByOne.insert(project) }
        for project in projects { oneByOne.link([project.id]) }
        let together = Similarity.Index(projects)
        #expect(projects.contains { !together.neighbours(of: $0.id).isEmpty }, "some projects are alike")
        #expect(projects.allSatisfy { together.neighbours(of: $0.id) == oneByOne.neighbours(of: $0.id) })
    }

    @Test func takingManyOutAtOnceIsTakingThemOutOneByOne() {
        // What a past day derived from the live index does: thousands taken out at once, the
        // changed ones put back as they were, and linked together. (Every key stays on its side
        // of the noise limit throughout: which keys are noise depends on how many projects hold
        // them, so an index changed in place and one built afresh may differ on a key at the limit.)
        let projects = (0..<4_500).map { i in
            Self.fingerprint(Int64(i), "A\(i % 3)", "Register \(i % 11) renewal \(i % 13)", systems: ["System \(i % 97)"], datasets: ["Data \(i % 200)"])
        }
        let ids: [Int64] = projects.map(\.id)
        let out: [Int64] = ids.filter { (id: Int64) -> Bool in id % 3 == 1 || id % 7 == 0 }
        var atOnce = Similarity.Index(projects)
        atOnce.remove(out)
        var oneByOne = Similarity.Index(projects)
        for id in out { oneByOne.remove(id) }
        let kept: [ProjectFingerprint] = projects.filter { !out.contains($0.id) }
        #expect(atOnce.count == kept.count && oneByOne.count == kept.count)
        #expect(projects.allSatisfy { atOnce.neighbours(of: $0.id) == oneByOne.neighbours(of: $0.id) })
        #expect(out.allSatisfy { atOnce.fingerprint($0) == nil && atOnce.neighbours(of: $0).isEmpty })
        #expect(kept.contains { !atOnce.neighbours(of: $0.id).isEmpty }, "some kept projects are still alike")

        // Put back changed (another title), the index is the one built from scratch.
        let changed: [ProjectFingerprint] = out.filter { $0 % 2 == 0 }.map { (id: Int64) -> ProjectFingerprint in
            Self.fingerprint(id, "A\(id % 3)", "Register \(id % 5) renewal", systems: ["System \(id % 97)"], datasets: [])
        }
        for fingerprint in changed { atOnce.insert(fingerprint) }
        atOnce.link(changed.map { $0.id })
        let everyone: [ProjectFingerprint] = (kept + changed).sorted { (a: ProjectFingerprint, b: ProjectFingerprint) in a.id < b.id }
        let fresh = Similarity.Index(everyone)
        #expect(projects.allSatisfy { atOnce.neighbours(of: $0.id) == fresh.neighbours(of: $0.id) })
    }

    @Test func scalesThroughTheIndexNotAllPairs() {
        // 5,000 projects of distinct systems: no pair may be compared, so this is fast and finds nothing.
        let projects = (0..<5000).map { Self.fingerprint(Int64($0), "A\($0 % 50)", "Project \($0) unique\($0)", systems: ["system-\($0)"]) }
        #expect(Similarity.duplicates(projects).isEmpty)
    }

    @Test func theASCIICutGivesWhatTheUnicodeCutGives() {
        let texts = ["Citizen Identity-Register (phase 2)", "tax_portal/v3 renewal!", "  A  b  CC ddd  ", "e-Invoicing 2027: EU-wide", "x", ""]
        for text in texts {
            let unicode = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
            #expect(Similarity.tokens(text) == unicode, "\(text)")
        }
        // Beyond ASCII the Unicode-aware cut is used: letters stay letters.
        #expect(Similarity.tokens("Überweisung Système") == ["überweisung", "système"])
        #expect(Similarity.words("The Register of registers, register") == ["register", "registers"])
    }
}
