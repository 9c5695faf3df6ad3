import ArgumentParser
import Registry

/// `portfolio-registry token issue|revoke`: access tokens, for operators setting up the registry.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue or revoke API tokens.", subcommands: [Issue.self, Revoke.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token and print it (and nothing else) on standard output.")

        @OptionGroup var storage: StorageOptions

        @Option(help: "Issue a centre-of-government token: --role centre.")
        var role: String?

        @Option(help: "Issue a token for the agency with this code.")
        var agency: String?

        func validate() throws {
            switch (role, agency) {
            case ("centre", nil), (nil, .some): return
            case (.some(let other), nil) where other != "centre": throw ValidationError("--role takes 'centre'; agencies get --agency CODE")
            default: throw ValidationError("give either --role centre or --agency CODE")
            }
        }

        func run() throws {
            try storage.bootstrapLogging(toStandardError: true)
            let registry = try storage.open(try storage.resourceLocation())
            let token = try CommandLineErrors.explain {
                try registry.tokens.issue(agency.map { .agency($0) } ?? .centre, by: .commandLine)
            }
            print(token)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token, given the token or its id.")

        @OptionGroup var storage: StorageOptions

        @Argument(help: "The token, or its id (the part after 'pr_').")
        var token: String

        func run() throws {
            try storage.bootstrapLogging(toStandardError: true)
            let registry = try storage.open(try storage.resourceLocation())
            guard try registry.tokens.revoke(token, by: .commandLine) else {
                throw StartupError(description: "No live token matches '\(token)'.")
            }
            print("revoked")
        }
    }
}

/// `portfolio-registry agency create`: register an agency before issuing its token.
struct AgencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agency", abstract: "Manage agencies.", subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an agency.")

        @OptionGroup var storage: StorageOptions

        @Option(help: "Short unique code, e.g. MINFIN.")
        var code: String

        @Option(help: "Full name, e.g. 'Ministry of Finance'.")
        var name: String

        @Option(help: "Level of government: national, regional or local.")
        var level: String = "national"

        func run() throws {
            try storage.bootstrapLogging(toStandardError: true)
            guard let level = GovernmentLevel(rawValue: level) else {
                throw ValidationError("--level must be national, regional or local")
            }
            let registry = try storage.open(try storage.resourceLocation())
            try CommandLineErrors.explain {
                try registry.agencies.create(Agency(code: code, name: name, level: level), by: .commandLine)
            }
            print("created \(code)")
        }
    }
}

/// Registry refusals, worded for the command line.
enum CommandLineErrors {
    static func explain<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RegistryError {
            throw StartupError(description: error.description)
        }
    }
}
