import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// The built `subtitler serve` running as a child process on 127.0.0.1 with a port the OS picked.
final class ServiceProcess: Sendable {
    let process: Process
    let baseURL: String
    private let errors: LineCollector

    /// Starts `subtitler serve --port 0 ARGS` and waits until it says where it listens.
    static func start(_ arguments: [String], environment: [String: String], command: String = "serve") throws -> ServiceProcess {
        let process = Process()
        process.executableURL = try binary("subtitler")
        process.arguments = [command] + (command == "serve" ? ["--port", "0"] : []) + arguments
        process.environment = environment
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let collector = LineCollector(errorPipe.fileHandleForReading)
        try process.run()
        guard command == "serve" else { return ServiceProcess(process: process, baseURL: "", errors: collector) }
        guard let line = collector.waitForLine(containing: "listening on http://", timeout: 60) else {
            process.terminate()
            throw ServiceTestError("the service did not start: \(collector.text)")
        }
        let url = String(line[line.range(of: "http://")!.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        return ServiceProcess(process: process, baseURL: url, errors: collector)
    }

    private init(process: Process, baseURL: String, errors: LineCollector) {
        self.process = process
        self.baseURL = baseURL
        self.errors = errors
    }

    /// Everything the service wrote to stderr so far (its logs).
    var log: String { errors.text }

    /// Waits until the log holds `text`.
    func waitForLog(_ text: String, timeout: TimeInterval = 60) -> Bool {
        errors.waitForLine(containing: text, timeout: timeout) != nil
    }

    /// Sends a signal and waits for the process to end; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// A product of the package built next to the test bundle.
    static func binary(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let arg0 = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: arg0).deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        throw ServiceTestError("\(name) binary not found near \(candidates.map(\.path)); run swift build first")
    }

    /// A clean environment for the service: no inherited OpenAI or subtitler settings, private cache and state.
    static func environment(_ extra: [String: String], scratch: TemporaryDirectory) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPENAI_") && !$0.key.hasPrefix("SUBTITLER_") }
        environment["XDG_CACHE_HOME"] = scratch.cache.path
        environment["XDG_STATE_HOME"] = scratch.cache.appendingPathComponent("state").path
        for (key, value) in extra { environment[key] = value }
        return environment
    }
}

/// Collects a pipe's lines on a thread and lets callers wait for one.
// @unchecked: `buffer` is only touched under `condition`; waiting for a line needs a condition variable, which
// NIOLockedValueBox does not offer.
final class LineCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer = ""

    init(_ handle: FileHandle) {
        Thread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                condition.lock()
                buffer += String(decoding: data, as: UTF8.self)
                condition.broadcast()
                condition.unlock()
            }
            condition.lock()
            buffer += "\u{0}"   // end marker
            condition.broadcast()
            condition.unlock()
        }.start()
    }

    var text: String {
        condition.lock()
        defer { condition.unlock() }
        return buffer.replacingOccurrences(of: "\u{0}", with: "")
    }

    /// The first line containing `needle`, waiting up to `timeout` seconds for it.
    func waitForLine(containing needle: String, timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let line = buffer.split(separator: "\n").first(where: { $0.contains(needle) }) { return String(line) }
            if buffer.hasSuffix("\u{0}") { return nil }
            if !condition.wait(until: deadline) { return nil }
        }
    }
}

struct ServiceTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program to completion on a thread of its own (never blocking a cooperative thread).
enum Program {
    struct Outcome: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: executable)
                    process.arguments = arguments
                    if let environment { process.environment = environment }
                    let out = Pipe(), err = Pipe()
                    process.standardOutput = out
                    process.standardError = err
                    process.standardInput = FileHandle.nullDevice
                    try process.run()
                    let errors = PipeReader(err.fileHandleForReading)
                    let data = out.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    return Outcome(status: process.terminationStatus, stdout: data,
                                   stderr: String(decoding: errors.wait(), as: UTF8.self))
                })
            }.start()
        }
    }

    /// The repository's root.
    static var repository: URL { Samples.directory.deletingLastPathComponent() }

    /// The Python of the test clients' venv (`.venv-test`, made by scripts/setup).
    static var testPython: String? {
        let path = repository.appendingPathComponent(".venv-test/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}
