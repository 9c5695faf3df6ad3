import FuzzChecks

// Built with -DFUZZING and libFuzzer (see Benchmarks/fuzz.sh); otherwise it replays inputs.
#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzEntry.test(data, size, JSONCheck.findings)
}
#else
@main
struct Replay {
    static func main() { FuzzEntry.replay(CommandLine.arguments.dropFirst(), JSONCheck.findings) }
}
#endif
