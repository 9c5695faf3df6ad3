import Foundation
import HTTPTestSupport
import Testing

/// The binary as an operator meets it: start-up, flags and environment, migrations, signals, limits.
@Suite(.serialized) struct ExecutableTests {
    @Test func servesHealthAndTheHomePageFromAnyWorkingDirectory() throws {
        let dir = try temporaryDirectory()
        // Run from an empty folder: the binary must find Migrations/ and Public/ itself.
        let server = try ServerProcess(arguments: ["serve", "--port", "0"], directory: dir)
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let health = try client.readResponse()
        #expect(health.status == 200)
        #expect(health.text == #"{"status":"ok"}"#)

        try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let home = try client.readResponse()
        #expect(home.status == 200)
        #expect(home.text.contains(#"<link rel="stylesheet" href="/static/app.css">"#))

        try client.send("GET /static/app.css HTTP/1.1\r\nHost: x\r\n\r\n")
        let css = try client.readResponse()
        #expect(css.status == 200)
        #expect(css.header("Content-Type")?.hasPrefix("text/css") == true)

        // The default database is created in the working directory.
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("portfolio.sqlite").path))
    }

    @Test func findsItsResourcesInAnInstalledLayout() throws {
        // prefix/bin/portfolio-registry with prefix/share/portfolio-registry/{Migrations,Public}, run from elsewhere.
        let prefix = try temporaryDirectory()
        let share = prefix.appendingPathComponent("share/portfolio-registry")
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        let installed = prefix.appendingPathComponent("bin/portfolio-registry")
        try FileManager.default.copyItem(at: ServerProcess.binary, to: installed)
        for folder in ["Migrations", "Public"] {
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent(folder), to: share.appendingPathComponent(folder))
        }
        let workingDirectory = try temporaryDirectory()
        let result = try ServerProcess.run(["migrate", "--db", workingDirectory.appendingPathComponent("i.sqlite").path],
                                           directory: workingDirectory, executable: installed)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("applied 0001_initial"))
        try? FileManager.default.removeItem(at: prefix)
    }

    @Test func readsSettingsFromTheEnvironment() throws {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("from-env.sqlite").path
        let server = try ServerProcess(arguments: [], environment: ["PORTFOLIO_PORT": "0", "PORTFOLIO_DB": db])
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(FileManager.default.fileExists(atPath: db))
    }

    @Test func rejectsInvalidSettingsClearly() throws {
        let result = try ServerProcess.run(["serve", "--port", "0"], environment: ["PORTFOLIO_IDLE_TIMEOUT": "soon"])
        #expect(result.status != 0)
        #expect(result.output.contains("PORTFOLIO_IDLE_TIMEOUT"))
        let dir = try temporaryDirectory()
        let currency = try ServerProcess.run(["migrate", "--db", dir.appendingPathComponent("c.sqlite").path, "--currency", "euro"])
        #expect(currency.status != 0)
        #expect(currency.output.contains("currency"))
        let tolerance = try ServerProcess.run(["migrate", "--db", dir.appendingPathComponent("c.sqlite").path, "--review-tolerance=-5"])
        #expect(tolerance.status != 0)
        #expect(tolerance.output.contains("review_tolerance"))
        for (flag, field) in [("--overrun-tolerance=-1", "overrun_tolerance"), ("--slip-tolerance-days=-1", "slip_tolerance_days"),
                              ("--reporting-period-days=0", "reporting_period_days")] {
            let refused = try ServerProcess.run(["migrate", "--db", dir.appendingPathComponent("c.sqlite").path, flag])
            #expect(refused.status != 0, "\(flag)")
            #expect(refused.output.contains(field), "\(flag)")
        }
        let fromEnvironment = try ServerProcess.run(["migrate", "--db", dir.appendingPathComponent("c.sqlite").path],
                                                    environment: ["PORTFOLIO_REPORTING_PERIOD_DAYS": "often"])
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.output.contains("PORTFOLIO_REPORTING_PERIOD_DAYS"))
    }

    @Test func showsAmountsInTheConfiguredCurrency() throws {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("sek.sqlite").path
        _ = try ServerProcess.run(["agency", "create", "--code", "SKV", "--name", "Skatteverket", "--db", db])
        let token = try ServerProcess.run(["token", "issue", "--agency", "SKV", "--db", db]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--db", db], environment: ["PORTFOLIO_CURRENCY": "SEK"])
        let body = #"{"external_id":"S-1","title":"T","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#
        let client = try server.client()
        try client.send("POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(try client.readResponse().text.contains(#""currency":"SEK""#))
    }

    @Test func sigtermFinishesTheRequestInFlightAndExitsZero() throws {
        let dir = try temporaryDirectory()
        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--db", dir.appendingPathComponent("db.sqlite").path])
        let idle = try server.client()
        try idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().status == 200)

        // A request whose body is still arriving when the signal comes.
        let busy = try server.client()
        try busy.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf")
        usleep(100_000)
        server.signal(SIGTERM)
        usleep(200_000)
        try busy.send("-done")
        try busy.send("!")
        let response = try busy.readResponse()
        #expect(response.status == 405, "the request in flight is answered")
        #expect(response.header("Connection") == "close")
        #expect(idle.isClosedByPeer(), "idle connections are closed at once")
        #expect(server.waitForExit(timeout: 10) == 0)
    }

    @Test func logsWhatTheFirstBuildCostsInMemory() throws {
        let dir = try temporaryDirectory()
        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--demo", "--db", dir.appendingPathComponent("db.sqlite").path])
        // The overview waits for the first build, which the start-up thread logs when done.
        let client = try server.client()
        try client.send("GET /api/v1/portfolio/overview HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        usleep(200_000)
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: 10) == 0)
        let log = server.remainingOutput()
        let line = try #require(log.split(separator: "\n").first { $0.contains("portfolio built:") }, "\(log)")
        #expect(line.range(of: #"portfolio built: [1-9]\d* projects in [\d.]+ s \(similarity index [\d.]+ s, projection [\d.]+ s\); heap in use \d+ MB before, similarity index \d+ MB \(\d+ bytes a project\), projection \d+ MB \(\d+ bytes a project\), \d+ MB in all, of which SQLite's page caches \d+ MB"#,
                                options: .regularExpression) != nil, "\(line)")
    }

    @Test func migrateAppliesOnceAndRefusesAChangedMigration() throws {
        let dir = try temporaryDirectory()
        let resources = dir.appendingPathComponent("resources")
        try FileManager.default.createDirectory(at: resources, withIntermediateDirectories: true)
        for folder in ["Migrations", "Public"] {
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent(folder), to: resources.appendingPathComponent(folder))
        }
        let db = dir.appendingPathComponent("m.sqlite").path
        let arguments = ["migrate", "--db", db, "--resources", resources.path]

        let first = try ServerProcess.run(arguments)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("0001_initial"))

        let second = try ServerProcess.run(arguments)
        #expect(second.status == 0)
        #expect(second.output.contains("up to date"))

        let file = resources.appendingPathComponent("Migrations/0001_initial.sql")
        try (String(contentsOf: file, encoding: .utf8) + "\n-- edited after it was applied\n").write(to: file, atomically: true, encoding: .utf8)
        let refused = try ServerProcess.run(arguments)
        #expect(refused.status != 0)
        #expect(refused.output.contains("0001_initial"))
    }

    /// A write by another process (here the CLI filling the registry) is served at once: the
    /// caches and the portfolio projection go by PRAGMA data_version, not by this process's commits.
    @Test func writesByTheCommandLineAreServedAtOnceWhileTheServerRuns() throws {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("cli.sqlite").path
        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--db", db])
        func overview() throws -> String {
            let client = try server.client()
            try client.send("GET /api/v1/portfolio/overview HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            return response.text
        }
        func page() throws -> String {
            let client = try server.client()
            try client.send("GET /projects HTTP/1.1\r\nHost: x\r\n\r\n")
            return try client.readResponse().text
        }
        let empty = try overview()
        #expect(empty.contains(#""totals":{"projects":0"#), "\(empty.prefix(300))")
        #expect(try overview() == empty, "served from the cache")
        let emptyPage = try page()

        let filled = try ServerProcess.run(["demo", "--db", db])
        #expect(filled.status == 0, "\(filled.output)")
        let after = try overview()
        #expect(!after.contains(#""totals":{"projects":0"#), "\(after.prefix(300))")
        #expect(try page() != emptyPage)
    }

    @Test func issuesTokensThatTheServerAccepts() throws {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("t.sqlite").path
        #expect(try ServerProcess.run(["agency", "create", "--code", "MINFIN", "--name", "Ministry of Finance", "--db", db]).status == 0)
        #expect(try ServerProcess.run(["agency", "create", "--code", "MINFIN", "--name", "Again", "--db", db]).status != 0)
        let agency = try ServerProcess.run(["token", "issue", "--agency", "MINFIN", "--db", db])
        #expect(agency.status == 0)
        // Nothing but the token on standard output, so scripts can capture it.
        let token = agency.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("pr_") && !token.contains(" ") && !token.contains("\n"))
        #expect(try ServerProcess.run(["token", "issue", "--agency", "NOPE", "--db", db]).status != 0)
        #expect(try ServerProcess.run(["token", "issue", "--role", "admin", "--db", db]).status != 0)

        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--db", db])
        let body = #"{"external_id":"E-1","title":"T","whole_life_cost":100,"planned_end_date":"2028-01-01"}"#
        let post = { (token: String) throws -> Int in
            let client = try server.client()
            try client.send("POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            return try client.readResponse().status
        }
        #expect(try post(token) == 201)
        #expect(try ServerProcess.run(["token", "revoke", token, "--db", db]).status == 0)
        #expect(try post(token) == 401)
    }

    @Test(.enabled(if: ExecutableTests.openAPIValidatorAvailable, "needs python3 with openapi-spec-validator"))
    func openAPIDocumentIsValidOpenAPI31() throws {
        let dir = try temporaryDirectory()
        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--db", dir.appendingPathComponent("o.sqlite").path])
        let client = try server.client()
        try client.send("GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        let document = dir.appendingPathComponent("openapi.json")
        try Data(try client.readResponse().body).write(to: document)
        let result = try ServerProcess.run(["-c", "import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')", document.path],
                                           executable: URL(fileURLWithPath: "/usr/bin/env"),
                                           prefix: ["python3"])
        #expect(result.status == 0, "\(result.output)")
    }

    static var openAPIValidatorAvailable: Bool {
        (try? ServerProcess.run(["-c", "import openapi_spec_validator"], executable: URL(fileURLWithPath: "/usr/bin/env"), prefix: ["python3"]).status) == 0
    }

    @Test func survivesRunningOutOfFileDescriptors() throws {
        let dir = try temporaryDirectory()
        let server = try ServerProcess(
            // A small server (each thread has a SQLite reader, two descriptors), so 64 leave room for clients.
            arguments: ["serve", "--port", "0", "--db", dir.appendingPathComponent("db.sqlite").path, "--workers", "2", "--write-workers", "8"],
            shell: "ulimit -n 64; exec")
        let started = Date()
        var clients: [RawClient] = []
        for _ in 0..<90 { clients.append(try server.client()) }
        // Past the descriptor limit the server refuses (503) rather than stalling or crashing.
        var refused = 0
        for client in clients {
            try? client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            client.setReceiveTimeout(2)
            if let response = try? client.readResponse(), response.status == 503 { refused += 1 }
        }
        #expect(refused > 0)
        clients.removeAll()
        usleep(300_000)
        let after = try server.client()
        try after.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try after.readResponse().status == 200)
        // While descriptors stay exhausted the listener fires again and again: it says so once
        // a second, not once a time (a flood that once filled the log pipe and stalled the server).
        let seconds = Date().timeIntervalSince(started)
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: 10) == 0)
        let warnings = server.remainingOutput().components(separatedBy: "out of file descriptors").count - 1
        #expect(warnings >= 1 && Double(warnings) <= seconds + 1, "\(warnings) warnings in \(seconds) s")
    }
}
