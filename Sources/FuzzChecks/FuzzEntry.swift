#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What every fuzz executable does with a check: under libFuzzer, abort on a finding so the
/// input is kept as a crash; otherwise, replay the files named on the command line.
public enum FuzzEntry {
    public static func test(_ data: UnsafePointer<UInt8>, _ size: Int, _ check: ([UInt8]) -> FuzzFindings) -> CInt {
        let findings = check(Array(UnsafeBufferPointer(start: data, count: size)))
        if !findings.isEmpty {
            printToStandardError("finding:\n" + findings.joined(separator: "\n"))
            abort()
        }
        return 0
    }

    /// Replays files (or every file in directories) and exits 1 if any has a finding.
    public static func replay(_ paths: some Sequence<String>, _ check: ([UInt8]) -> FuzzFindings) -> Never {
        var failed = 0, count = 0
        for path in paths {
            for file in files(at: path) {
                guard let data = read(file) else {
                    printToStandardError("cannot read \(file)")
                    exit(2)
                }
                count += 1
                let findings = check(data)
                if !findings.isEmpty {
                    failed += 1
                    print("\(file):\n  " + findings.joined(separator: "\n  "))
                }
            }
        }
        print("replayed \(count) inputs, \(failed) with findings")
        exit(failed == 0 ? 0 : 1)
    }

    static func printToStandardError(_ text: String) {
        let line = Array((text + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// The files of a corpus directory (sorted), or the path itself if it is a file.
    public static func files(at path: String) -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if !name.hasPrefix(".") { names.append(path + "/" + name) }
        }
        return names.sorted()
    }

    public static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        return data
    }
}
