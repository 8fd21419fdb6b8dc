import Foundation
import NIOConcurrencyHelpers

/// Where the local OpenAI-compatible backend runs, from the environment, for integration tests.
///
/// - `SUBTITLER_TEST_WHISPER_URL`: the transcription server's base URL, e.g. `http://127.0.0.1:8765/v1`.
/// - `SUBTITLER_TEST_SPEECH_URL`: the speech server's base URL, e.g. `http://127.0.0.1:7878/v1`.
/// - `SUBTITLER_TEST_CHAT_URL`: the chat server's base URL, e.g. `http://127.0.0.1:8767/v1`.
/// - `SUBTITLER_REQUIRE_BACKEND=1`: the backend tests must run (and fail when it is unreachable); unset URLs
///   then default to the ports `scripts/local-backend` uses.
///
/// Use it as a trait: `@Test(.enabled(if: LocalBackend.isWhisperConfigured))`.
public enum LocalBackend {
    /// The default transcription base URL of `scripts/local-backend`.
    public static let defaultWhisperURL = "http://127.0.0.1:8765/v1"
    /// The default speech base URL of `scripts/local-backend`.
    public static let defaultSpeechURL = "http://127.0.0.1:7878/v1"

    /// The default chat base URL of `scripts/local-backend`.
    public static let defaultChatURL = "http://127.0.0.1:8767/v1"

    /// The transcription server's base URL: the environment value, the default when required, else `nil`.
    public static var whisperURL: String? {
        value("SUBTITLER_TEST_WHISPER_URL") ?? (isRequired ? defaultWhisperURL : nil)
    }

    /// The speech server's base URL: the environment value, the default when required, else `nil`.
    public static var speechURL: String? {
        value("SUBTITLER_TEST_SPEECH_URL") ?? (isRequired ? defaultSpeechURL : nil)
    }

    /// The chat server's base URL: the environment value, the default when required, else `nil`.
    public static var chatURL: String? {
        value("SUBTITLER_TEST_CHAT_URL") ?? (isRequired ? defaultChatURL : nil)
    }

    /// Whether the chat server is set or required.
    public static var isChatConfigured: Bool { chatURL != nil }

    /// Whether `SUBTITLER_REQUIRE_BACKEND=1`.
    public static var isRequired: Bool { value("SUBTITLER_REQUIRE_BACKEND") == "1" }

    /// Whether either URL is set or the backend is required.
    public static var isConfigured: Bool { whisperURL != nil || speechURL != nil }

    /// Whether the transcription server is set or required.
    public static var isWhisperConfigured: Bool { whisperURL != nil }

    /// Whether the speech server is set or required.
    public static var isSpeechConfigured: Bool { speechURL != nil }

    private static func value(_ name: String) -> String? {
        guard let raw = ProcessInfo.processInfo.environment[name], !raw.isEmpty else { return nil }
        return raw
    }
}

/// The repository's `samples/` folder and helpers to read it.
public enum Samples {
    /// The repository's `samples/` directory, found by walking up from this source file
    /// (symlinks resolved, so scratch packages that link `Tests/TestSupport` find the real repository).
    public static var directory: URL {
        let start = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidate = start
        while candidate.path != "/" {
            let samples = candidate.appendingPathComponent("samples", isDirectory: true)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: samples.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return samples
            }
            candidate = candidate.deletingLastPathComponent()
        }
        return start.appendingPathComponent("samples", isDirectory: true)
    }

    /// The URL of a file in `samples/`.
    public static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    /// The text of a reference transcript such as `talk-en.txt`.
    public static func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8)
    }

    /// The words of a text, lowercased, without punctuation (apostrophes inside words are dropped too).
    public static func words(in text: String) -> [String] {
        text.lowercased()
            .unicodeScalars
            .map { CharacterSet.alphanumerics.contains($0) ? Character($0) : ($0 == "'" || $0 == "’" ? nil : " ") }
            .compactMap { $0 }
            .split(separator: " ")
            .map { String($0) }
    }

    /// The fraction (0...1) of the reference's distinct words that appear in `recognized`,
    /// case- and punctuation-insensitively.
    public static func wordRecall(reference: String, recognized: String) -> Double {
        let expected = Set(words(in: reference))
        guard !expected.isEmpty else { return 1 }
        let found = Set(words(in: recognized))
        return Double(expected.intersection(found).count) / Double(expected.count)
    }
}

/// Runs the `ffmpeg` command-line tool (test-time helper; the product links the FFmpeg libraries instead).
public enum FFmpegCLI {
    /// An `ffmpeg` run that failed.
    public struct Failure: Error, CustomStringConvertible {
        /// The arguments passed.
        public var arguments: [String]
        /// The exit status, or -1 when the tool could not start.
        public var status: Int32
        /// The end of standard error.
        public var stderr: String
        /// A readable summary.
        public var description: String { "ffmpeg \(arguments.joined(separator: " ")) exited \(status): \(stderr)" }
    }

    /// Runs `ffmpeg` with `arguments` and returns its standard output.
    ///
    /// - Parameter arguments: The arguments after `ffmpeg` (`-nostdin -hide_banner -loglevel error` are added).
    /// - Returns: The bytes written to standard output.
    public static func run(_ arguments: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let fullArguments = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"] + arguments
        process.arguments = fullArguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(arguments: arguments, status: -1, stderr: "\(error)")
        }
        // Read stderr concurrently so neither pipe fills up and blocks the tool.
        let errorData = PipeReader(errors.fileHandleForReading)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errorData.wait().suffix(2000), as: UTF8.self)
            throw Failure(arguments: arguments, status: process.terminationStatus, stderr: text)
        }
        return [UInt8](data)
    }

    /// Decodes a media file's first audio track to a mono 16-bit WAV file in memory.
    ///
    /// - Parameters:
    ///   - url: The media file.
    ///   - sampleRate: The output rate (default 16 kHz).
    /// - Returns: The WAV bytes.
    public static func wav(from url: URL, sampleRate: Int = 16_000) throws -> [UInt8] {
        try run(["-i", url.path, "-vn", "-ac", "1", "-ar", String(sampleRate), "-f", "wav", "-"])
    }

    /// Whether an `ffmpeg` binary is on the PATH.
    public static var isAvailable: Bool {
        (try? run(["-version"])) != nil
    }
}


/// The official `openai` Python SDK in the backend's virtual environment, for conformance checks.
///
/// Found at `SUBTITLER_CONFORMANCE_PYTHON` or `<repo>/.venv-backend/bin/python` (installed by `scripts/setup`).
public enum OpenAIPythonSDK {
    /// The Python interpreter that has `openai` installed, or `nil` when there is none.
    public static var python: URL? {
        if let path = ProcessInfo.processInfo.environment["SUBTITLER_CONFORMANCE_PYTHON"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let candidate = Samples.directory.deletingLastPathComponent()
            .appendingPathComponent(".venv-backend/bin/python")
        let sitePackages = Samples.directory.deletingLastPathComponent().appendingPathComponent(".venv-backend/lib")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else { return nil }
        // Cheap check that the SDK is installed: look for an `openai` package folder in site-packages.
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: sitePackages.path)) ?? []
        let hasSDK = versions.contains { version in
            FileManager.default.fileExists(
                atPath: sitePackages.appendingPathComponent("\(version)/site-packages/openai/__init__.py").path
            )
        }
        return hasSDK ? candidate : nil
    }

    /// Whether the conformance check can run, or must (`SUBTITLER_REQUIRE_BACKEND=1`).
    public static var isConfigured: Bool { python != nil || LocalBackend.isRequired }

    /// Runs a Python script with the SDK's interpreter on a separate thread and returns its standard output.
    ///
    /// The wait does not block Swift's cooperative threads, so the script may call an in-process stub server.
    ///
    /// - Parameters:
    ///   - script: The Python source.
    ///   - arguments: Arguments for `sys.argv[1...]`.
    /// - Returns: Standard output as text.
    public static func run(_ script: String, arguments: [String] = []) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(script, arguments: arguments) })
            }.start()
        }
    }

    private static func runBlocking(_ script: String, arguments: [String]) throws -> String {
        guard let python else {
            throw FFmpegCLI.Failure(
                arguments: ["python"],
                status: -1,
                stderr: "no Python with the openai SDK; run scripts/setup"
            )
        }
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorData = PipeReader(errors.fileHandleForReading)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FFmpegCLI.Failure(
                arguments: ["python"] + arguments,
                status: process.terminationStatus,
                stderr: String(decoding: errorData.wait().suffix(3000), as: UTF8.self)
            )
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Reads a pipe to its end on a thread of its own, so a child process never blocks on a full pipe; `wait()` returns
/// what was read once the pipe is closed.
public final class PipeReader: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let data = NIOLockedValueBox(Data())

    /// Starts reading `handle` until its end.
    public init(_ handle: FileHandle) {
        Thread { [done, data] in
            let read = handle.readDataToEndOfFile()
            data.withLockedValue { $0 = read }
            done.signal()
        }.start()
    }

    /// Waits for the end of the pipe and returns everything read.
    public func wait() -> Data {
        done.wait()
        done.signal()   // later calls return at once
        return data.withLockedValue { $0 }
    }
}
