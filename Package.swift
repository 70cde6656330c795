// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode is the package
/// default; these upcoming features keep imports and existentials explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "finews",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "finews", targets: ["finews"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C libraries, wrapped by one small Swift type each.
        // libcurl's types and constants, and the loader that opens libcurl.so.4 at run
        // time (CCurl.h says why); curl.h comes from libcurl4-openssl-dev.
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]
        ),
        // zlib, for the fetcher tests' gzip bodies (libcurl decodes gzip itself).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),

        // Linux calls that Swift's Glibc module does not declare (syncfs).
        .target(name: "CSystemShims"),

        // The pipeline, one module per stage (DESIGN.md §9).
        .target(
            name: "FinewsParse",
            dependencies: ["CLibXML2"],
            // The SAX callbacks update the builder's state for every element and text
            // run; run-time exclusivity checks cost about a tenth of the parse there.
            // The builder is used from one thread and never re-entered (see XMLStreamParser).
            swiftSettings: strictSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Article pages and JSON answers → the article's HTML, for full-text feeds.
        .target(
            name: "FinewsExtract",
            dependencies: ["CLibXML2", "FinewsParse"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FinewsFetch",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Entry → post: infoCode and aliases, filing (categories, slugs), the sanitizer.
        .target(
            name: "FinewsNormalize",
            dependencies: [
                "FinewsParse",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // Dedupe + render + durable group commit + state, behind one publish call.
        .target(
            name: "FinewsStore",
            dependencies: [
                "FinewsParse",
                "FinewsNormalize",
                "CSystemShims",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        // Several nodes on one PostgreSQL database: feed leases, story claims,
        // per-host politeness and the one publisher that writes the site.
        .target(
            name: "FinewsCluster",
            dependencies: [
                "FinewsStore",
                "FinewsNormalize",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // feeds.conf (TOML with line numbers), OPML in and out, validation.
        .target(
            name: "FinewsConfig",
            dependencies: ["CLibXML2", "FinewsParse", "FinewsNormalize", "FinewsExtract", "FinewsFetch"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FinewsDaemon",
            dependencies: [
                "CLibXML2",
                "FinewsParse",
                "FinewsFetch",
                "FinewsConfig",
                "FinewsNormalize",
                "FinewsStore",
                "FinewsExtract",
                "FinewsCluster",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // The [metrics] listener. SwiftNIO is in the binary already (PostgresNIO);
                // FlyingFox, used before, brought FoundationNetworking and with it libcurl's
                // 36 libraries into every start (see CCurl.h).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "finews",
            dependencies: [
                "FinewsParse",
                "FinewsConfig",
                "FinewsNormalize",
                "FinewsStore",
                "FinewsDaemon",
                "FinewsExtract",
                "FinewsFetch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // Drives FeedFetcher over a list of URLs for scripts/bench-fetch.
        .executableTarget(
            name: "FetchBenchmark",
            dependencies: ["FinewsFetch"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "WriteBenchmark",
            dependencies: ["FinewsStore", "FinewsNormalize"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ParseFuzzer",
            dependencies: ["FinewsParse", "FinewsNormalize", "FinewsExtract"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ParseBenchmark",
            dependencies: ["FinewsParse", "CLibXML2"],
            swiftSettings: strictSettings
        ),

        // Helpers shared by test targets (not a test target itself).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strictSettings),

        // One test target per module, plus end-to-end tests of the built binary.
        .testTarget(
            name: "FinewsParseTests",
            dependencies: ["FinewsParse"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FinewsExtractTests",
            dependencies: ["FinewsExtract"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FinewsFetchTests",
            dependencies: [
                "FinewsFetch",
                "CZlib",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FinewsNormalizeTests",
            dependencies: ["FinewsNormalize", "FinewsParse"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FinewsStoreTests",
            dependencies: [
                "FinewsStore", "FinewsNormalize", "FinewsParse", .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FinewsClusterTests",
            dependencies: [
                "FinewsCluster", "FinewsStore", "FinewsNormalize",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FinewsConfigTests",
            dependencies: ["FinewsConfig", "FinewsNormalize", "FinewsExtract", "FinewsParse"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FinewsDaemonTests",
            dependencies: [
                "FinewsDaemon",
                "FinewsConfig",
                "FinewsNormalize",
                "FinewsStore",
                "FinewsExtract",
                "FinewsParse",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "finews",
                "TestSupport",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
    ]
)
