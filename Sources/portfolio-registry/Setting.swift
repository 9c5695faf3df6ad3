import ArgumentParser
import Foundation

/// A setting comes from its flag, else its environment variable, else its default.
enum Setting {
    static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func value(_ flag: String?, env: String, default fallback: String) -> String {
        flag ?? environment(env) ?? fallback
    }

    static func value(_ flag: Int?, env: String, default fallback: Int, name: String) throws -> Int {
        if let flag { return flag }
        guard let text = environment(env) else { return fallback }
        guard let number = Int(text) else { throw ValidationError("\(env) (--\(name)) must be a whole number, not '\(text)'") }
        return number
    }

    static func seconds(_ flag: Double?, env: String, default fallback: Duration, name: String) throws -> Duration {
        var seconds = flag
        if seconds == nil, let text = environment(env) {
            guard let number = Double(text) else { throw ValidationError("\(env) (--\(name)) must be a number of seconds, not '\(text)'") }
            seconds = number
        }
        guard let seconds else { return fallback }
        guard seconds > 0, seconds.isFinite else { throw ValidationError("--\(name) must be a positive number of seconds") }
        return .milliseconds(Int64(seconds * 1000))
    }
}

/// Where `Migrations/` and `Public/` are: given explicitly, the working directory (a checkout),
/// beside or above the executable (`swift run`, the build folder), or an installed `share/` layout.
struct ResourceLocation {
    var root: String
    var migrations: String { root + "/Migrations" }
    var publicFiles: String { root + "/Public" }

    static func find(override: String?) throws -> ResourceLocation {
        let fm = FileManager.default
        func holdsResources(_ dir: String) -> Bool {
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: dir + "/Migrations", isDirectory: &isDir) && isDir.boolValue
                && fm.fileExists(atPath: dir + "/Public", isDirectory: &isDir) && isDir.boolValue
        }
        if let override {
            guard holdsResources(override) else {
                throw ValidationError("--resources \(override) must contain the folders Migrations/ and Public/")
            }
            return ResourceLocation(root: override)
        }
        var candidates = [fm.currentDirectoryPath]
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var dir = executable
        for _ in 0..<5 {
            candidates.append(dir.path)
            candidates.append(dir.appendingPathComponent("share/portfolio-registry").path)
            dir = dir.deletingLastPathComponent()
        }
        if let found = candidates.first(where: holdsResources) { return ResourceLocation(root: found) }
        throw ValidationError("Cannot find the Migrations/ and Public/ folders; run from the repository or pass --resources DIR (searched: \(candidates.joined(separator: ", ")))")
    }
}
