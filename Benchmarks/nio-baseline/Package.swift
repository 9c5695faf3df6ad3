// swift-tools-version:6.0
// The comparison server for the benchmark: the same endpoints on SwiftNIO, through Hummingbird.
// Not part of the product; built only by Benchmarks/run.sh.
import PackageDescription

let package = Package(
    name: "nio-baseline",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        .executableTarget(name: "NIOBaseline", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
    ]
)
