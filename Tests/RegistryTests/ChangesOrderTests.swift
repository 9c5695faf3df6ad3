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
