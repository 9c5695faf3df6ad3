import Dispatch
import Foundation
import Synchronization

/// A whole portfolio assessed in batches, several at once on the machine's cores, and handed
/// over in order: the full builds (start-up, a new threshold or day, a past day) are the
/// registry's longest work, and each batch needs only its own projects and shared, read-only
/// state (the similarity index, the reader pool).
enum Batches {
    /// Batches assessed at once before their entries are put in order: enough to keep every
    /// core busy, few enough that only a few thousand projects are in memory at a time.
    static let perRound = 2 * ProcessInfo.processInfo.activeProcessorCount

    /// `ids` in batches of `size`, `assess` run on each, results in the order of the batches;
    /// `take` gets each batch's results, one batch at a time, in order. The first error stops it.
    /// Not `onEveryCore`, one batch at a time on the calling thread: for work done in the
    /// background while requests are served, which must leave them a core.
    static func run<Result: Sendable, Failure: Error>(_ ids: [Int64], size: Int, onEveryCore: Bool = true,
                                                      assess: @escaping @Sendable ([Int64]) throws(Failure) -> Result,
                                                      take: (Result) throws(Failure) -> Void) throws(Failure) {
        let batches = stride(from: 0, to: ids.count, by: size).map { Array(ids[$0..<min($0 + size, ids.count)]) }
        guard onEveryCore else {
            for batch in batches { try take(assess(batch)) }
            return
        }
        for round in stride(from: 0, to: batches.count, by: perRound) {
            let roundBatches = Array(batches[round..<min(round + perRound, batches.count)])
            let results = Mutex<[Int: Swift.Result<Result, Failure>]>([:])
            DispatchQueue.concurrentPerform(iterations: roundBatches.count) { index in
                let result = Swift.Result { () throws(Failure) -> Result in try assess(roundBatches[index]) }
                results.withLock { $0[index] = result }
            }
            // concurrentPerform returns once every iteration has run.
            let done = results.withLock { $0 }
            for index in roundBatches.indices { try take(done[index]!.get()) }
        }
    }
}
