// swift-tools-version:6.0
// The comparison server for the benchmarks: the same endpoints on SwiftNIO, through Hummingbird,
// and a plain durable insert (`POST /api/v1/projects`) through the system SQLite, as one would
// write it with such a framework. Not part of the product; built only by Benchmarks/run.sh and
// Benchmarks/writes.sh.
import PackageDescription

let package = Package(
    name: "nio-baseline",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        .systemLibrary(name: "CSQLiteBaseline"),
        .executableTarget(name: "NIOBaseline", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            "CSQLiteBaseline",
        ]),
    ]
)
