// swift-tools-version: 6.0
// The scratch package Benchmarks/run-vad builds vad-bench in while the repository's Package.swift does not declare
// it: run-vad copies this manifest to bench-data/vad-bench/ and links its Sources/ there (COpenBLAS,
// SubtitlerSupport and SpeechDetection from the repository's Sources/, vad-bench from Benchmarks/vad/), so only the
// speech detector and what it needs are built. Delete this folder once Package.swift has the vad-bench target.
import PackageDescription

let settings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
let package = Package(
    name: "vad-bench",
    dependencies: [.package(url: "https://github.com/apple/swift-nio", from: "2.101.2")],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas"),
        .target(
            name: "SubtitlerSupport", dependencies: [.product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: settings),
        .target(
            name: "SpeechDetection", dependencies: ["COpenBLAS", "SubtitlerSupport"], resources: [.copy("Resources")],
            swiftSettings: settings),
        .executableTarget(name: "vad-bench", dependencies: ["SpeechDetection"], swiftSettings: settings),
    ]
)
