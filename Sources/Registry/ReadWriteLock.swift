import Foundation

/// Many readers or one writer (`pthread_rwlock_t`, writers first: a steady stream of readers
/// must not keep an update out). Unlike `Mutex`, it lets the readers run together, and a
/// waiter sleeps instead of spinning.
public final class ReadWriteLock: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<pthread_rwlock_t>

    public init() {
        handle = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        let created = pthread_rwlock_init(handle, &attributes)
        pthread_rwlockattr_destroy(&attributes)
        precondition(created == 0, "pthread_rwlock_init failed: \(created)")
    }

    deinit {
        pthread_rwlock_destroy(handle)
        handle.deallocate()
    }

    public func lockForReading() { pthread_rwlock_rdlock(handle) }
    public func lockForWriting() { pthread_rwlock_wrlock(handle) }
    public func unlock() { pthread_rwlock_unlock(handle) }
}
