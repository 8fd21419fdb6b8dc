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
        // The pipeline, and each feature over it, as a library product of its own.
        .library(name: "Subtitler", targets: ["Subtitler"]),
        .library(name: "SubtitlerJobs", targets: ["SubtitlerJobs"]),
        .library(name: "SubtitlerDub", targets: ["SubtitlerDub"]),
        .library(name: "SubtitlerReview", targets: ["SubtitlerReview"]),
        // Every module that appears in the library's public signatures is a product of its own.
        .library(name: "MediaAudio", targets: ["MediaAudio"]),
        .library(name: "SpeechDetection", targets: ["SpeechDetection"]),
        .library(name: "OpenAIAudio", targets: ["OpenAIAudio"]),
        .library(name: "Subtitles", targets: ["Subtitles"]),
        .library(name: "SubtitleSync", targets: ["SubtitleSync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // MARK: C libraries
        // FFmpeg 5.1+ through pkg-config; the shim re-exports macros Swift cannot import.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswresample libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswresample-dev", "libavutil-dev", "pkg-config"])]
        ),
        // OpenBLAS (the single-threaded build) through pkg-config, for the speech detector's matrix products.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-serial-dev"])]),

        // MARK: Foundation of the house (no product): blocking-work pools, atomic output and its one
        // temporary-name scheme, app directories, bundled-resource lookup. Shared through `package` access.
        .target(
            name: "SubtitlerSupport",
            dependencies: [.product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),

        // MARK: Pipeline stages, bottom up (see docs/architecture.md)
        // decode + resample, probe, mux, DSP: FFmpeg pointers stay here.
        .target(
            name: "MediaAudio", dependencies: ["CFFmpeg", "SubtitlerSupport"], swiftSettings: swiftSettings),
        // Silero VAD in Swift (OpenBLAS, no FFmpeg); its converted weights in Resources/.
        .target(
            name: "SpeechDetection", dependencies: ["COpenBLAS", "SubtitlerSupport"], resources: [.copy("Resources")],
            swiftSettings: swiftSettings),
        // The OpenAI (or compatible) API client: transcriptions, translations, speech.
        .target(
            name: "OpenAIAudio",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Subtitles: the model and formats (Model/, Formats/, Lint/) and the cue-building engine (Building/:
        // merge, guard, align, shape). Pure Swift.
        .target(
            name: "Subtitles", dependencies: ["SubtitlerSupport"], resources: [.copy("Resources")],
            swiftSettings: swiftSettings),
        // Subtitle sync: moving cues onto speech (offset, frame-rate ratio, piecewise offsets) and rewriting only
        // the times of a file. Pure Swift.
        .target(name: "SubtitleSync", dependencies: ["Subtitles", "SubtitlerSupport"], swiftSettings: swiftSettings),
        // The pipeline: `import Subtitler` means making subtitles.
        .target(
            name: "Subtitler",
            dependencies: [
                "SubtitlerSupport", "MediaAudio", "SpeechDetection", "OpenAIAudio", "Subtitles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Features over the pipeline
        // Dubbing: cues spoken through /audio/speech, fitted and placed in one track.
        .target(
            name: "SubtitlerDub",
            dependencies: [
                "SubtitlerSupport", "Subtitler", "MediaAudio", "OpenAIAudio", "Subtitles",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The review page: one self-contained HTML file of a video, its cues and the pipeline's report.
        .target(
            name: "SubtitlerReview",
            dependencies: ["SubtitlerSupport", "Subtitler", "MediaAudio", "SpeechDetection", "Subtitles"],
            exclude: ["Assets"],
            swiftSettings: swiftSettings
        ),
        // The job layer every front end calls: inputs, naming and skip rules, pipeline, outputs (sidecars, mux).
        .target(
            name: "SubtitlerJobs",
            dependencies: [
                "SubtitlerSupport", "Subtitler", "MediaAudio", "SpeechDetection", "OpenAIAudio", "Subtitles", "SubtitleSync",
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Front ends
        // The service: Bazarr's provider API, the jobs API, hooks, watch folders, a restart-safe job store.
        .target(
            name: "SubtitlerService",
            dependencies: [
                "SubtitlerSupport", "Subtitler", "SubtitlerJobs", "SubtitlerDub", "SubtitlerReview", "MediaAudio",
                "OpenAIAudio", "Subtitles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["OpenAPI"],
            swiftSettings: swiftSettings
        ),
        // The thin command-line front end; product `subtitler`.
        .executableTarget(
            name: "SubtitlerCLI",
            dependencies: [
                "SubtitlerSupport", "Subtitler", "SubtitlerJobs", "SubtitlerDub", "SubtitlerReview", "SubtitlerService",
                "MediaAudio", "SpeechDetection", "OpenAIAudio", "Subtitles", "SubtitleSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The README's library example, built with everything else so it cannot rot (a test runs it).
        .executableTarget(
            name: "subtitler-example", dependencies: ["Subtitler", "SubtitlerJobs", "OpenAIAudio", "Subtitles"],
            path: "Examples/library-example"),

        // The speech detector's timing program, run by Benchmarks/run-vad (release, one core).
        .executableTarget(
            name: "vad-bench", dependencies: ["SpeechDetection"], path: "Benchmarks/vad",
            swiftSettings: swiftSettings),

        // MARK: Tests
        // Test-only: an in-process HTTP server on 127.0.0.1 for faults a real server cannot produce on demand,
        // helpers that find the local backend and the samples, and media fixtures shared by the test targets.
        .target(
            name: "TestSupport",
            dependencies: [
                "Subtitler", "Subtitles", "MediaAudio", "SpeechDetection", "OpenAIAudio",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerSupportTests", dependencies: ["SubtitlerSupport", "Subtitler", "MediaAudio", "OpenAIAudio", "Subtitles", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "MediaAudioTests", dependencies: ["MediaAudio", "CFFmpeg", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SpeechDetectionTests", dependencies: ["SpeechDetection", "MediaAudio", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OpenAIAudioTests",
            dependencies: [
                "OpenAIAudio", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlesTests",
            dependencies: ["Subtitles", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")], resources: [.copy("Conformance")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitleSyncTests", dependencies: ["SubtitleSync", "Subtitles", "SubtitlerSupport", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SubtitlerTests",
            dependencies: [
                "Subtitler", "SubtitlerSupport", "SubtitlerJobs", "SubtitlerReview", "MediaAudio", "SpeechDetection", "OpenAIAudio",
                "Subtitles", "TestSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerDubTests",
            dependencies: [
                "SubtitlerDub", "Subtitler", "SubtitlerSupport", "MediaAudio", "SpeechDetection", "OpenAIAudio", "Subtitles", "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerReviewTests",
            dependencies: [
                "SubtitlerReview", "SubtitlerJobs", "Subtitler", "SubtitlerSupport", "MediaAudio", "SpeechDetection", "OpenAIAudio",
                "Subtitles", "TestSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerJobsTests",
            dependencies: [
                "SubtitlerJobs", "Subtitler", "SubtitlerSupport", "MediaAudio", "SpeechDetection", "OpenAIAudio", "Subtitles",
                "SubtitleSync", "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerServiceTests",
            dependencies: [
                "SubtitlerService", "SubtitlerJobs", "SubtitlerDub", "SubtitlerReview", "Subtitler", "SubtitlerSupport",
                "MediaAudio", "SpeechDetection", "OpenAIAudio", "Subtitles", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubtitlerCLITests",
            dependencies: [
                "SubtitlerCLI", "Subtitler", "SubtitlerJobs", "SubtitlerDub", "SubtitlerSupport", "Subtitles", "MediaAudio",
                "SpeechDetection", "OpenAIAudio", "SubtitleSync", "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
