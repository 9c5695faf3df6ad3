import Synchronization

/// The open connections by token, and when each must next be looked at by the timer.
final class ConnectionTable: Sendable {
    private let connections = Mutex<[UInt64: Connection]>([:])
    private let deadlines = Mutex(DeadlineHeap())
    let maximum: Int

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Adds a connection unless the table is full.
    func admit(_ connection: Connection) -> Bool {
        connections.withLock { table in
            guard table.count < maximum else { return false }
            table[connection.id] = connection
            return true
        }
    }

    func connection(_ id: UInt64) -> Connection? { connections.withLock { $0[id] } }

    func remove(_ id: UInt64) {
        _ = connections.withLock { $0.removeValue(forKey: id) }
        deadlines.withLock { $0.remove(id) }
    }

    var count: Int { connections.withLock { $0.count } }
    var isEmpty: Bool { connections.withLock { $0.isEmpty } }
    var all: [Connection] { connections.withLock { Array($0.values) } }

    /// The timer looks at the connection no later than `deadline`.
    func schedule(_ id: UInt64, at deadline: UInt64) {
        deadlines.withLock { _ = $0.schedule(id, at: deadline) }
    }

    /// The connections due at `now` (no longer scheduled), and when the next one will be.
    func takeDue(now: UInt64) -> (due: [UInt64], next: UInt64?) {
        deadlines.withLock { heap in
            let due = heap.popDue(now: now)
            return (due, heap.earliest)
        }
    }

    var scheduledCount: Int { deadlines.withLock { $0.count } }
}
