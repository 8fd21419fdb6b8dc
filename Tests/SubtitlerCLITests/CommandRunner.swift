import Foundation
import Testing
import TestSupport

/// Runs the built `subtitler` binary.
struct CommandRunner {
    struct Outcome: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutData: Data
    }

    /// The `subtitler` executable next to the test bundle.
    static var binary: URL {
        get throws { try executable("subtitler") }
    }

    /// A product of the package built next to the test bundle.
    static func executable(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let arg0 = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: arg0).deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw CommandError(message: "\(name) binary not found near \(candidates.map(\.path)); run swift build first")
    }

    /// A copy of the binary that any user can run: the build folder may sit under a private home directory.
    static var publicBinary: URL {
        get throws { try publicBinaryCopy.get() }
    }

    /// Made once per test process (a `static let` is initialised exactly once, even when suites run in parallel:
    /// two suites copying at the same time once left one of them a half-written binary).
    private static let publicBinaryCopy: Result<URL, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("subtitler-bin-\(getpid())")
        let copy = directory.appendingPathComponent("subtitler")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try FileManager.default.copyItem(at: try binary, to: copy)
        chmod(copy.path, 0o755)
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "subtitler-bin-\(getpid())") }
        return copy
    }

    /// A clean environment: no inherited OpenAI settings, a private cache.
    static func environment(_ extra: [String: String], cache: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPENAI_") && !$0.key.hasPrefix("SUBTITLER_") }
        environment["XDG_CACHE_HOME"] = cache.path
        environment["XDG_STATE_HOME"] = cache.appendingPathComponent("state").path
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Runs the binary to completion on a thread of its own: waiting for a child process must not block
    /// Swift's cooperative threads, which the in-process stub servers need to answer it.
    static func run(_ arguments: [String], environment: [String: String], stdin: Data? = nil,
                    unprivileged: Bool = false, program: String = "subtitler", currentDirectory: URL? = nil,
                    onStart: (@Sendable (Process) -> Void)? = nil) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try runBlocking(arguments, environment: environment, stdin: stdin, unprivileged: unprivileged,
                                    program: program, currentDirectory: currentDirectory, onStart: onStart)
                })
            }
            thread.start()
        }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String], stdin: Data?,
                                    unprivileged: Bool, program: String, currentDirectory: URL?,
                                    onStart: (@Sendable (Process) -> Void)?) throws -> Outcome {
        let process = Process()
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        if unprivileged && geteuid() == 0 {
            // Root reads every file; run as nobody so permissions apply (setpriv is in util-linux).
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", try publicBinary.path] + arguments
        } else {
            process.executableURL = program.hasPrefix("/") ? URL(fileURLWithPath: program) : try executable(program)
            process.arguments = arguments
        }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        onStart?(process)
        let errData = PipeReader(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData.wait(), as: UTF8.self), stdoutData: outData)
    }
}

struct CommandError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
