@testable import HTTPServer
import Testing

struct DeadlineHeapTests {
    @Test func dueConnectionsComeOutEarliestFirst() {
        var heap = DeadlineHeap()
        var generator = SystemRandomNumberGenerator()
        var deadlines: [UInt64: UInt64] = [:]
        for id in UInt64(0)..<1000 {
            let deadline = UInt64.random(in: 1...10_000, using: &generator)
            deadlines[id] = deadline
            heap.schedule(id, at: deadline)
        }
        var previous: UInt64 = 0
        var seen = 0
        for now in stride(from: UInt64(500), through: 10_000, by: 500) {
            for id in heap.popDue(now: now) {
                let deadline = deadlines[id]!
                #expect(deadline <= now && deadline > now - 500)
                #expect(deadline >= previous)
                previous = deadline
                seen += 1
            }
        }
        #expect(seen == 1000)
        #expect(heap.count == 0)
    }

    @Test func laterDeadlineKeepsTheEarlierEntryAndEarlierReplacesIt() {
        var heap = DeadlineHeap()
        let added = heap.schedule(7, at: 100)
        #expect(added)
        let addedLater = heap.schedule(7, at: 200)
        #expect(!addedLater) // moving later costs nothing until 100 comes
        #expect(heap.scheduledDeadline(of: 7) == 100)
        let addedEarlier = heap.schedule(7, at: 50)
        #expect(addedEarlier)
        let dueAt60 = heap.popDue(now: 60)
        #expect(dueAt60 == [7])
        // The stale entry at 100 is dropped when it comes up.
        let dueAt150 = heap.popDue(now: 150)
        #expect(dueAt150.isEmpty)
        #expect(heap.count == 0)
    }

    @Test func removedConnectionIsNeverDue() {
        var heap = DeadlineHeap()
        heap.schedule(1, at: 10)
        heap.schedule(2, at: 20)
        heap.remove(1)
        let due = heap.popDue(now: 100)
        #expect(due == [2])
    }

    @Test func dueConnectionCanBeScheduledAgain() {
        var heap = DeadlineHeap()
        heap.schedule(3, at: 10)
        let due = heap.popDue(now: 10)
        #expect(due == [3])
        #expect(heap.scheduledDeadline(of: 3) == nil)
        let again = heap.schedule(3, at: 30)
        #expect(again)
        #expect(heap.earliest == 30)
    }
}
