// swift-tools-version: 6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "subtitler",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "subtitler", targets: ["SubtitlerCLI"]),
        .library(name: "Subtitler", targets: ["Subtitler"]),
        // Every module that appears in the library's public signatures is a product of its own.
        .library(name: "MediaAudio", targets: ["MediaAudio"]),
        .library(name: "OpenAIAudio", targets: ["OpenAIAudio"]),
        .library(name: "Subtitles", targets: ["Subtitles"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // FFmpeg 5.1+ through pkg-config; the shim re-exports macros Swift cannot import.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswresample libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswresample-dev", "libavutil-dev", "pkg-config"])]
        ),
        // OpenBLAS (the single-threaded build) through pkg-config, for the speech detector's matrix products.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-serial-dev"])]),
        // Media layer: probe, track selection, decode + resample, in-memory encoders. FFmpeg pointers stay here.
        // Speech detection (Silero VAD) loads its converted weights from Resources/.
        .target(
            name: "MediaAudio", dependencies: ["CFFmpeg", "COpenBLAS"], resources: [.copy("Resources")],
            swiftSettings: swiftSettings),
        // OpenAI audio API client: transcriptions, translations, speech.
        .target(
            name: "OpenAIAudio",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Subtitle engine: cues, guard, shaping, SRT/WebVTT writers and parsers, lint. Pure Swift.
        .target(name: "Subtitles", resources: [.copy("Resources")], swiftSettings: swiftSettings),
        // The pipeline library other Swift programs import.
        .target(
            name: "Subtitler",
            dependencies: [
                "MediaAudio", "OpenAIAudio", "Subtitles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The service: Bazarr's provider API, the jobs API, hooks, watch folders, a restart-safe job store.
        .target(
            name: "SubtitlerService",
            dependencies: [
                "Subtitler", "MediaAudio", "OpenAIAudio", "Subtitles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The thin command-line front end; product `subtitler`.
        .executableTarget(
            name: "SubtitlerCLI",
            dependencies: [
                "Subtitler", "SubtitlerService", "MediaAudio", "OpenAIAudio", "Subtitles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The README's library example, built with everything else so it cannot rot (a test runs it).
        .executableTarget(name: "subtitler-example", dependencies: ["Subtitler"], path: "Examples/library-example"),
        // Test-only: an in-process HTTP server on 127.0.0.1 for faults a real server cannot produce on demand,
        // and helpers that find the local backend and the samples.
        .target(
            name: "TestSupport",
            dependencies: [
                "MediaAudio",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MediaAudioTests", dependencies: ["MediaAudio", "CFFmpeg", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "OpenAIAudioTests",
            dependencies: [
                "OpenAIAudio", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlesTests", dependencies: ["Subtitles"], resources: [.copy("Conformance")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerTests",
            dependencies: ["Subtitler", "MediaAudio", "OpenAIAudio", "Subtitles", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerServiceTests",
            dependencies: [
                "SubtitlerService", "Subtitler", "MediaAudio", "OpenAIAudio", "Subtitles", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerCLITests",
            dependencies: ["SubtitlerCLI", "Subtitler", "Subtitles", "MediaAudio", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
