import Foundation
import Testing
import TestSupport

/// Helpers for the adversarial end-to-end suites: explicit signals from the file system (inotify) instead of
/// polling, private mount namespaces for read-only and full file systems, and raw command lines.
enum Adversarial {
    /// A verbose_json answer for the German sample (15.2 s).
    static let germanBody = #"{"task":"transcribe","language":"german","duration":15.0,"text":"Guten Tag.","segments":[{"id":0,"start":0.1,"end":2.0,"text":" Guten Tag und herzlich willkommen."}]}"#

    /// The environment for a stub server, with a private cache.
    static func environment(_ server: StubHTTPServer?, _ scratch: TemporaryDirectory,
                            _ extra: [String: String] = [:]) -> [String: String] {
        var values = extra
        if let server { values["OPENAI_BASE_URL"] = server.baseURL }
        return CommandRunner.environment(values, cache: scratch.cache)
    }

    /// Whether this process may make private mount namespaces with tmpfs mounts (root in most containers and CI).
    static let canMountPrivately: Bool = {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
        let directory = NSTemporaryDirectory() + "subtitler-mount-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs '\(directory)'"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// Runs `subtitler ARGS` in a private mount namespace after `setup` (shell commands, e.g. mounting a small
    /// tmpfs): the mounts vanish with the process, whatever happens to the test.
    static func runInMountNamespace(setup: String, _ arguments: [String], environment: [String: String])
        async throws -> CommandRunner.Outcome
    {
        let binary = try CommandRunner.binary.path
        let quoted = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try await CommandRunner.run(["-m", "sh", "-c", "\(setup) && exec \(quoted.joined(separator: " "))"],
                                           environment: environment, program: "/usr/bin/unshare")
    }
}

/// Waits for files to appear in a directory, through inotify: an explicit signal from the kernel, not polling.
final class DirectoryWatch: Sendable {
    private let fd: Int32

    /// Starts watching `directory` for new entries.
    init(_ directory: String) {
        fd = inotify_init1(Int32(IN_CLOEXEC))
        _ = inotify_add_watch(fd, directory, UInt32(IN_CREATE | IN_MOVED_TO))
    }

    deinit { close(fd) }

    /// Blocks the calling thread (never a cooperative one) until an entry whose name satisfies `matches` is created,
    /// or `timeout` passes; returns the name.
    func waitForEntry(timeout: Duration, _ matches: (String) -> Bool) -> String? {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 8192)
        while ContinuousClock.now < deadline {
            let remaining = deadline - ContinuousClock.now
            var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)
            guard Glibc.poll(&poll, 1, max(1, milliseconds)) > 0 else { continue }
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { continue }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let (length, name) = buffer.withUnsafeBytes { raw -> (Int, String) in
                    let event = raw.load(fromByteOffset: offset, as: inotify_event.self)
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    let bytes = raw[nameStart..<(nameStart + Int(event.len))].prefix { $0 != 0 }
                    return (Int(event.len), String(decoding: bytes, as: UTF8.self))
                }
                if matches(name) { return name }
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
        return nil
    }
}
