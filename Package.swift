// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tiktok-ads",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tiktok-ads", targets: ["tiktok-ads"]),
        .library(name: "SyncKit", targets: ["SyncKit"]),
        .library(name: "TikTokAds", targets: ["TikTokAds"]),
        .library(name: "Destinations", targets: ["Destinations"]),
        .library(name: "TikTokSimulator", targets: ["TikTokSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // The PostgreSQL destination.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "SyncKit",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HTTPTransport",
            dependencies: [
                "SyncKit", .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TikTokAds",
            dependencies: [
                "SyncKit", "HTTPTransport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Destinations",
            dependencies: [
                "SyncKit", "HTTPTransport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                // The PostgreSQL destination.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TikTokSimulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TikTokAdsApp",
            dependencies: [
                "SyncKit", "TikTokAds", "Destinations", "TikTokSimulator",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        // The command tree: flags, help, and each command's run() calling one TikTokAdsApp function.
        .target(
            name: "TikTokAdsCLI",
            dependencies: [
                "SyncKit", "TikTokAds", "TikTokSimulator", "TikTokAdsApp", "Destinations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "tiktok-ads",
            dependencies: ["TikTokAdsCLI"],
            swiftSettings: strictSettings
        ),
        // The benchmarks, apart from the product: the `sheets` workload loads into TestSupport's Sheets API fake.
        .executableTarget(
            name: "tiktok-ads-bench",
            dependencies: [
                "SyncKit", "TikTokAds", "Destinations", "TikTokSimulator", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["SyncKit", "TikTokSimulator", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TikTokSimulatorTests",
            dependencies: ["TikTokSimulator", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BigQueryTests",
            dependencies: [
                "SyncKit", "TikTokAds", "Destinations", "TikTokSimulator", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GoogleSheetsTests",
            dependencies: [
                "SyncKit", "Destinations", "TestSupport", "TikTokAds", "TikTokSimulator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TikTokAdsTests",
            dependencies: [
                "SyncKit", "TikTokAds", "Destinations", "TikTokSimulator", "TestSupport", "TikTokAdsApp", "TikTokAdsCLI", "tiktok-ads",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
