@testable import Registry
import Testing

/// The changes' events are found in parts, each sorted, and merged: the result is what one
/// stable sort of the parts, one after another, gives.
struct ChangesOrderTests {
    @Test func mergedPartsAreTheStableSortOfThePartsInTurn() {
        // (time, project, which part and place): ties on time and project across and within parts.
        typealias Item = (at: Int, project: Int, label: String)
        var generator = SystemRandomNumberGenerator()
        let parts: [[Item]] = (0..<8).map { part in
            (0..<Int.random(in: 0...40, using: &generator)).map { place in
                (Int.random(in: 0...9, using: &generator), Int.random(in: 0...3, using: &generator), "\(part).\(place)")
            }
        }
        let inOrder = { (a: Item, b: Item) in (a.at, a.project) < (b.at, b.project) }
        let sortedParts = parts.map { part in part.enumerated().sorted { inOrder($0.element, $1.element) || (!inOrder($1.element, $0.element) && $0.offset < $1.offset) }.map(\.element) }
        let merged = Portfolio.merged(sortedParts, by: inOrder)
        let expected = parts.joined().enumerated().sorted { inOrder($0.element, $1.element) || (!inOrder($1.element, $0.element) && $0.offset < $1.offset) }.map(\.element)
        #expect(merged.map(\.label) == expected.map(\.label))
        #expect(Portfolio.merged([[Item]](), by: inOrder).isEmpty && Portfolio.merged([[], []] as [[Item]], by: inOrder).isEmpty)
    }
}

extension ChangesOrderTests {
    /// A part's events are sorted by their positions: ties on time and project keep their order.
    @Test func eventsSortedByTheirPositionsKeepTheOrderOfTies() {
        var generator = SystemRandomNumberGenerator()
        let events = (0..<300).map { place in
            PortfolioChanges.Event(at: "2026-0\(Int.random(in: 1...3, using: &generator))-01T00:00:00Z", projectID: Int64.random(in: 1...4, using: &generator),
                                   agency: "A", title: "T", kind: .costChanged, detail: "\(place)", origin: .auditEvent(Int64(place)))
        }
        let expected = events.enumerated().sorted { a, b in
            Portfolio.inOrder(a.element, b.element) || (!Portfolio.inOrder(b.element, a.element) && a.offset < b.offset)
        }.map(\.element)
        #expect(Portfolio.sortedInOrder(events) == expected)
        #expect(Portfolio.sortedInOrder([]).isEmpty)
    }
}

extension ChangesOrderTests {
    /// Parts already in order one after another (each starting no earlier than the one before
    /// ends, empty ones between) are joined as they are: the same as the stable sort.
    @Test func partsInOrderAreJoinedAsTheyAre() {
        typealias Item = (at: Int, project: Int, label: String)
        var generator = SystemRandomNumberGenerator()
        let inOrder = { (a: Item, b: Item) in (a.at, a.project) < (b.at, b.project) }
        for _ in 0..<50 {
            let all = (0..<Int.random(in: 0...60, using: &generator)).map { place -> Item in
                (Int.random(in: 0...5, using: &generator), Int.random(in: 0...2, using: &generator), "\(place)")
            }.sorted { inOrder($0, $1) }
            var cuts = (0..<Int.random(in: 0...6, using: &generator)).map { _ in Int.random(in: 0...all.count, using: &generator) }.sorted()
            cuts = [0] + cuts + [all.count]
            let parts = zip(cuts, cuts.dropFirst()).map { Array(all[$0..<$1]) }
            #expect(Portfolio.merged(parts, by: inOrder).map(\.label) == all.map(\.label))
        }
    }

    /// The stretches of a window follow one another without a gap and cover it exactly.
    @Test func stretchesCoverTheWindowWithoutGaps() {
        let from = AsOf(LocalDate("2026-06-30")!)
        for days in 0..<12 {
            let to = AsOf(from.day.adding(days: days))
            for count in 1...5 {
                let stretches = Portfolio.stretches(from: from, to: to, count: count)
                #expect(stretches.count == min(days, count))
                #expect(stretches.first?.from ?? from == from && stretches.last?.to ?? to == to)
                #expect(zip(stretches, stretches.dropFirst()).allSatisfy { $0.to == $1.from } && stretches.allSatisfy { $0.from < $0.to })
            }
        }
    }

    /// The feeds show the newest first, the events of one moment of one project in the order they were recorded.
    @Test func newestFirstKeepsTheOrderOfOneMoment() {
        let events = [("01", 1, "a"), ("02", 1, "b"), ("02", 1, "c"), ("02", 2, "d"), ("03", 1, "e"), ("03", 1, "f")].map { at, project, label in
            PortfolioChanges.Event(at: "2026-01-\(at)T00:00:00Z", projectID: Int64(project), agency: "A", title: "T", kind: .costChanged,
                                   detail: label, origin: .auditEvent(0))
        }
        #expect(Portfolio.newestFirst(events).map(\.detail) == ["e", "f", "d", "b", "c", "a"])
        #expect(Portfolio.newestFirst([]).isEmpty)
    }
}
