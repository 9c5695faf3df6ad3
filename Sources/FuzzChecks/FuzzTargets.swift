/// Every fuzz target by name: the one list the fuzz executable, `Benchmarks/fuzz.sh` and the
/// corpus test go by.
public enum FuzzTargets {
    public typealias Check = @Sendable ([UInt8]) -> FuzzFindings

    public static let all: [(name: String, check: Check)] = [
        ("http-parser", HTTPParserCheck.findings),
        ("json", JSONCheck.findings),
        ("merge-patch", MergePatchCheck.findings),
        ("csv", CSVCheck.findings),
    ]

    public static func check(named name: String) -> Check? {
        all.first { $0.name == name }?.check
    }
}
