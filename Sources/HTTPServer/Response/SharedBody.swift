import Synchronization

/// A body that many responses share: a static file or a cached representation. Its gzip is
/// computed the first time a client accepts it and kept with it, so a popular representation
/// is compressed once, not on every request; it is freed with the body when its cache lets go.
public final class SharedBody: Sendable {
    public let bytes: [UInt8]
    private let compressed = Mutex<[UInt8]?>(nil)

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The gzip of `bytes`, computed at most once (two first requests at once may both compute it).
    var gzipped: [UInt8] {
        if let done = compressed.withLock({ $0 }) { return done }
        let result = Gzip.compress(bytes)
        compressed.withLock { $0 = result }
        return result
    }

    var isCompressed: Bool { compressed.withLock { $0 != nil } }
}
