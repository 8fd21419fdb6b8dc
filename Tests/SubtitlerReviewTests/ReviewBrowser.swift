import Foundation
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// Runs `Tests/Oracles/drive.py` (headless Chromium over the DevTools pipe) and decodes its report.
///
/// Browser tests run when Chromium is installed, and must run (failing when it is missing) when
/// `SUBTITLER_REQUIRE_BACKEND=1`. `SUBTITLER_CHROMIUM` names another browser binary.
enum BrowserDriver {
    /// The repository root (the folder that holds `samples/`).
    static var repository: URL { Samples.directory.deletingLastPathComponent() }

    /// The driver script.
    static var script: URL { repository.appendingPathComponent("Tests/Oracles/drive.py") }

    /// Where the browser tests leave their pages and screenshots: `.build/review/` in the repository.
    static var outputDirectory: URL { repository.appendingPathComponent(".build/review", isDirectory: true) }

    /// The Chromium binary, if one is installed.
    static var chromium: String? {
        if let path = ProcessInfo.processInfo.environment["SUBTITLER_CHROMIUM"], !path.isEmpty { return path }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories {
            for name in ["chromium", "chromium-browser"] {
                let path = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Whether browser tests run: Chromium is there, or it is required (and its absence is a failure).
    static var isEnabled: Bool { chromium != nil || LocalBackend.isRequired }

    /// One step of a plan (see the driver's documentation).
    struct Step: Encodable {
        var name: String?
        var eval: String?
        var waitFor: String?
        var timeout: Double?
        var click: String?
        var offset: [Double]?
        var key: String?
        var screenshot: String?
        var colorScheme: String?

        static func eval(_ name: String, _ expression: String) -> Step { Step(name: name, eval: expression) }
        static func wait(_ name: String, _ expression: String, timeout: Double = 20) -> Step {
            Step(name: name, waitFor: expression, timeout: timeout)
        }
        static func click(_ name: String, _ selector: String, at offset: [Double]? = nil) -> Step {
            Step(name: name, click: selector, offset: offset)
        }
        static func key(_ key: String) -> Step { Step(key: key) }
        static func screenshot(_ name: String, _ path: URL) -> Step { Step(name: name, screenshot: path.path) }
        static func colorScheme(_ scheme: String) -> Step { Step(colorScheme: scheme) }
    }

    struct Plan: Encodable {
        var url: String
        var colorScheme: String?
        var timeout: Double
        var steps: [Step]
    }

    /// What the driver reports.
    struct Report: Decodable {
        struct ConsoleMessage: Decodable { var level: String?; var text: String? }
        struct LogEntry: Decodable { var level: String?; var source: String?; var text: String?; var url: String? }
        var ok: Bool
        var error: String?
        var results: [String: DriverJSON]
        var console: [ConsoleMessage]
        var exceptions: [String]
        var logEntries: [LogEntry]
        var chromium: String?

        /// Console errors and warnings, uncaught exceptions, and browser log errors (failed loads, CSP), as lines.
        var problems: [String] {
            console.filter { $0.level == "error" || $0.level == "warning" || $0.level == "assert" }
                .map { "console.\($0.level ?? "?"): \($0.text ?? "")" }
                + exceptions.map { "exception: \($0)" }
                + logEntries.filter { $0.level == "error" || $0.level == "warning" }
                .map { "log \($0.source ?? "?") \($0.level ?? "?"): \($0.text ?? "") \($0.url ?? "")" }
        }

        /// A named result, decoded.
        func value<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
            let raw = try #require(results[name], "no result named \(name); error: \(error ?? "none")")
            return try JSONDecoder().decode(T.self, from: JSONEncoder().encode(raw))
        }
    }

    /// Opens `page` at 1280×720 and runs `steps`; returns the report (whatever the driver's exit status).
    static func run(page: URL, colorScheme: String? = nil, timeout: Double = 90, steps: [Step]) async throws -> Report {
        guard chromium != nil else { throw BrowserMissing() }
        let plan = Plan(url: page.absoluteString, colorScheme: colorScheme, timeout: timeout, steps: steps)
        let input = try JSONEncoder().encode(plan)
        let output = try await runOnThread(arguments: [script.path, "-"], input: input)
        do {
            return try JSONDecoder().decode(Report.self, from: output.stdout)
        } catch {
            Issue.record("the driver's report is not JSON (exit \(output.status)): \(String(decoding: output.stderr, as: UTF8.self))")
            throw error
        }
    }

    private struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    /// Runs the driver with python3 on a thread of its own, so no cooperative thread blocks on it.
    private static func runOnThread(arguments: [String], input: Data) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = ["python3"] + arguments
                    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
                    process.standardInput = stdin
                    process.standardOutput = stdout
                    process.standardError = stderr
                    try process.run()
                    stdin.fileHandleForWriting.write(input)
                    try stdin.fileHandleForWriting.close()
                    let errors = ErrorCollector(stderr.fileHandleForReading)
                    let data = stdout.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    return Output(status: process.terminationStatus, stdout: data, stderr: errors.wait())
                })
            }.start()
        }
    }
}

/// Chromium is required (SUBTITLER_REQUIRE_BACKEND=1) but not installed.
struct BrowserMissing: Error, CustomStringConvertible {
    var description: String {
        "Chromium is not installed: apt-get install chromium (scripts/setup does), or set SUBTITLER_CHROMIUM"
    }
}

/// Reads a pipe to its end on a thread of its own (so neither pipe of a child fills up).
private final class ErrorCollector: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let data = NIOLockedValueBox(Data())

    init(_ handle: FileHandle) {
        Thread { [done, data] in
            let read = handle.readDataToEndOfFile()
            data.withLockedValue { $0 = read }
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data.withLockedValue { $0 }
    }
}

/// Any JSON value, for the driver's free-form results.
enum DriverJSON: Codable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([DriverJSON]), object([String: DriverJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([DriverJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: DriverJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// Pixel statistics the driver reports for a screenshot.
struct ScreenshotStatistics: Decodable {
    var path: String
    var width: Int
    var height: Int
    var decoded: Bool
    var distinctColors: Int?
    var meanLuminance: Double?
    var luminanceStdDev: Double?
    var dominantColor: String?
    var dominantShare: Double?
    var bytes: Int
}
