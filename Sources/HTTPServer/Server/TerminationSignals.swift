#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims

/// SIGTERM and SIGINT, received by one thread that waits for them (sigwait) instead of an
/// asynchronous handler interrupting whichever thread happens to run.
public enum TerminationSignals {
    private static let signals: [Int32] = [SIGTERM, SIGINT]

    /// Call before any thread starts: threads inherit the mask, so no other thread is interrupted.
    public static func block() {
        _ = signals.withUnsafeBufferPointer { clinux_block_signals($0.baseAddress, Int32($0.count)) }
    }

    /// Blocks until SIGTERM or SIGINT arrives; returns its number.
    public static func wait() -> Int32 {
        signals.withUnsafeBufferPointer { clinux_wait_signal($0.baseAddress, Int32($0.count)) }
    }
}
