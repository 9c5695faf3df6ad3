#if canImport(Glibc)
import Glibc
#endif
import FuzzChecks

// Built with -DFUZZING and libFuzzer (Benchmarks/fuzz.sh), it fuzzes the target named by
// FUZZ_TARGET; otherwise `fuzz TARGET FILE_OR_DIRECTORY...` replays inputs through it.
#if FUZZING
let selectedCheck: FuzzTargets.Check = {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let check = FuzzTargets.check(named: name) else {
        fatalError("FUZZ_TARGET must be one of: \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
    }
    return check
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzEntry.test(data, size, selectedCheck)
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let check = FuzzTargets.check(named: name) else {
            print("usage: fuzz TARGET FILE_OR_DIRECTORY... (targets: \(FuzzTargets.all.map(\.name).joined(separator: ", ")))")
            exit(2)
        }
        FuzzEntry.replay(arguments.dropFirst(), check)
    }
}
#endif
