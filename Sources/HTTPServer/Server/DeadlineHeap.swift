/// Connection deadlines in a binary min-heap, so the timer looks only at what is due instead
/// of scanning every connection on every tick.
///
/// Entries are never removed when a deadline moves: each connection has at most one entry it
/// counts as current (`scheduled`); an entry that no longer matches is dropped when it comes up.
/// A deadline that moves later (every keep-alive request moves the idle deadline) costs nothing
/// until the old entry comes due, when the timer asks the connection for its real deadline.
public struct DeadlineHeap: Sendable {
    public struct Entry: Sendable, Equatable {
        public var deadline: UInt64
        public var id: UInt64
    }

    private var entries: [Entry] = []
    /// The current entry's deadline of each connection that has one.
    private var scheduled: [UInt64: UInt64] = [:]

    public init() {}

    public var count: Int { entries.count }
    public var earliest: UInt64? { entries.first?.deadline }
    public func scheduledDeadline(of id: UInt64) -> UInt64? { scheduled[id] }

    /// Makes sure the connection is looked at no later than `deadline`. Returns whether an entry was added.
    @discardableResult
    public mutating func schedule(_ id: UInt64, at deadline: UInt64) -> Bool {
        if let current = scheduled[id], current <= deadline { return false }
        scheduled[id] = deadline
        push(Entry(deadline: deadline, id: id))
        return true
    }

    /// Forgets a connection (it closed); its entries are dropped when they come up.
    public mutating func remove(_ id: UInt64) {
        scheduled[id] = nil
    }

    /// The connections whose current entry is due at `now`, earliest first; they are no longer scheduled.
    public mutating func popDue(now: UInt64) -> [UInt64] {
        var due: [UInt64] = []
        while let top = entries.first, top.deadline <= now {
            pop()
            guard scheduled[top.id] == top.deadline else { continue } // stale
            scheduled[top.id] = nil
            due.append(top.id)
        }
        return due
    }

    private mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() {
        let last = entries.removeLast()
        guard !entries.isEmpty else { return }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
