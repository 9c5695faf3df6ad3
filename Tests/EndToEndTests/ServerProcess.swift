import Foundation
import HTTPTestSupport

/// The built `portfolio-registry` binary, run as a user would run it.
final class ServerProcess {
    let process = Process()
    let output = Pipe()
    private(set) var port = 0
    private var collected = Data()
    /// What the server prints after its start-up line, read as it comes: a pipe nobody reads
    /// fills up and blocks the server's next write.
    private let rest = OutputDrain()

    /// The binary SwiftPM built next to this test bundle.
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("portfolio-registry")
    }

    /// Runs a subcommand to completion; returns its exit status and combined output.
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil,
                    executable: URL = binary, prefix: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = prefix + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Starts `serve` and waits for the line announcing its address.
    init(arguments: [String] = [], environment: [String: String] = [:], directory: URL? = nil, shell: String? = nil) throws {
        if let shell {
            // e.g. "ulimit -n 40; exec", to run the binary under limits.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shell + " \"$0\" \"$@\"", Self.binary.path] + arguments
        } else {
            process.executableURL = Self.binary
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = output
        process.standardError = output
        try process.run()

        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            collected.append(chunk)
            let text = String(decoding: collected, as: UTF8.self)
            if let range = text.range(of: #"listening on http://[^ ]+:(\d+)"#, options: .regularExpression) {
                let match = text[range]
                port = Int(match.split(separator: ":").last!) ?? 0
                rest.start(output.fileHandleForReading)
                return
            }
        }
        process.terminate()
        throw RawClient.ClientError(description: "server did not start: \(String(decoding: collected, as: UTF8.self))")
    }

    func client() throws -> RawClient { try RawClient(port: port) }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to exit; returns its status, or nil if it is still running after `timeout`.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Everything the process printed after its start-up line.
    func remainingOutput() -> String {
        String(decoding: collected + rest.untilEnd(), as: UTF8.self)
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("portfolio-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The repository root: the folder with Package.swift above the build folder.
var repositoryRoot: URL {
    var dir = ServerProcess.binary.deletingLastPathComponent()
    while dir.path != "/" {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
        dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}

/// Reads a pipe to its end on a thread of its own.
final class OutputDrain: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let ended = DispatchSemaphore(value: 0)

    func start(_ handle: FileHandle) {
        Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock()
                data.append(chunk)
                lock.unlock()
            }
            ended.signal()
        }.start()
    }

    /// Everything read, once the writer has closed the pipe (the process has exited).
    func untilEnd() -> Data {
        ended.wait()
        ended.signal()
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}
