// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "portfolio-registry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "portfolio-registry", targets: ["portfolio-registry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C: what Swift's Glibc module lacks (epoll, eventfd, accept4, mallinfo2).
        .target(name: "CLinuxShims"),
        // The system libraries, linked from the OS (libsqlite3-dev, zlib1g-dev).
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

        // JSON values that keep numbers exact, a strict parser and a writer. No dependencies.
        .target(name: "JSON"),
        // Transport: HTTP/1.1 on POSIX sockets. Knows nothing of the registry.
        .target(name: "HTTPServer", dependencies: [
            "CLinuxShims", "CZlib", "JSON",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Storage: SQLite connections, statements, transactions, migrations. Knows nothing of HTTP.
        .target(name: "SQLiteDatabase", dependencies: [
            "CSQLite",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The domain: values, rules, stores and use cases. Knows nothing of HTTP.
        .target(name: "Registry", dependencies: [
            "SQLiteDatabase", "JSON",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The HTTP face of the domain: routes, pages, access.
        .target(name: "RegistryServer", dependencies: [
            "HTTPServer", "Registry", "JSON",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The executable: command line, configuration, start-up.
        .executableTarget(name: "portfolio-registry", dependencies: [
            "RegistryServer", "Registry", "HTTPServer", "SQLiteDatabase", "CLinuxShims", "JSON",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Fuzzing: the properties each decoder must keep (FuzzChecks), checked by the libFuzzer
        // executable that Benchmarks/fuzz.sh builds, and by FuzzTests over the seed corpora.
        .target(name: "FuzzChecks", dependencies: ["HTTPServer", "JSON", "Registry"]),
        .executableTarget(name: "fuzz", dependencies: ["FuzzChecks"]),

        // A raw-socket HTTP client and helpers shared by the tests that talk to a real server.
        .target(name: "HTTPTestSupport", path: "Tests/HTTPTestSupport"),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTPTestSupport", "FuzzChecks"]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzChecks"], path: "Tests/Fuzz", exclude: ["corpus", "regressions", "dictionaries"]),
        .testTarget(name: "SQLiteDatabaseTests", dependencies: ["SQLiteDatabase"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "SQLiteDatabase"]),
        .testTarget(name: "RegistryServerTests", dependencies: ["RegistryServer", "Registry", "HTTPServer", "SQLiteDatabase", "HTTPTestSupport"]),
        // Drives the built binary as a user would: signals, flags, resources.
        .testTarget(name: "EndToEndTests", dependencies: ["portfolio-registry", "HTTPTestSupport"]),
    ]
)
