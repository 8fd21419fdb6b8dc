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
    ],
    targets: [
        // FFmpeg 5.1+ through pkg-config; the shim re-exports macros Swift cannot import.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswresample libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswresample-dev", "libavutil-dev", "pkg-config"])]
        ),
        // Media layer: probe, track selection, decode + resample, in-memory encoders. FFmpeg pointers stay here.
        .target(name: "MediaAudio", dependencies: ["CFFmpeg"], swiftSettings: swiftSettings),
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
            ],
            swiftSettings: swiftSettings
        ),
        // The thin command-line front end; product `subtitler`.
        .executableTarget(
            name: "SubtitlerCLI",
            dependencies: [
                "Subtitler", "MediaAudio", "OpenAIAudio", "Subtitles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test-only: an in-process HTTP server on 127.0.0.1 for faults a real server cannot produce on demand,
        // and helpers that find the local backend and the samples.
        .target(
            name: "TestSupport",
            dependencies: [
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
            name: "SubtitlerCLITests",
            dependencies: ["SubtitlerCLI", "Subtitler", "Subtitles", "MediaAudio", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
