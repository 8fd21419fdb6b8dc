import Foundation

/// Temporary files: named after their target and the process that writes them, so a later run can tell a
/// leftover of a killed process (whose process is gone) from a file another run is still writing.
///
/// The scheme is `.<name>.<pid>.<random>.tmp`, plus an optional extension (`.old`, `.m4a`…). Every writer of the
/// house uses it: sidecars and other atomic files, the muxer (`mux --in-place`, `dub --in-place`, the service's
/// embed), the dub's speech track, extracted audio. The cleaner (``removeLeftovers(in:)``) runs in a folder before
/// anything is written there.
package enum TemporaryFile {
    /// `.<name>.<pid>.<random>.tmp` next to `target` (plus `extraExtension`, for encoders that pick their
    /// format from the name).
    package static func url(for target: URL, extraExtension: String? = nil) -> URL {
        target.deletingLastPathComponent().appendingPathComponent(name(for: target, extraExtension: extraExtension))
    }

    /// The file name of a new temporary file for `target` (see ``url(for:extraExtension:)``).
    package static func name(for target: URL, extraExtension: String? = nil) -> String {
        var name = ".\(target.lastPathComponent).\(getpid()).\(UUID().uuidString.prefix(8)).tmp"
        if let extraExtension { name += ".\(extraExtension)" }
        return name
    }

    /// The process that wrote the temporary file called `name`, or nil when the name is not one of this scheme's.
    package static func writer(ofTemporaryNamed name: String) -> pid_t? {
        guard name.hasPrefix(".") else { return nil }
        var parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.last != "tmp" {
            guard parts.count >= 2, parts[parts.count - 2] == "tmp" else { return nil }
            parts.removeLast()
        }
        // "", the target's name (one part or more), pid, random, "tmp"
        guard parts.count >= 5 else { return nil }
        let random = parts[parts.count - 2]
        let pid = parts[parts.count - 3]
        guard random.count == 8, random.allSatisfy(\.isHexDigit),
              !pid.isEmpty, pid.allSatisfy(\.isASCII), pid.allSatisfy(\.isNumber),
              !parts[1..<(parts.count - 3)].joined(separator: ".").isEmpty,
              let value = pid_t(pid), value > 0
        else { return nil }
        return value
    }

    /// Whether the process `pid` still runs (a process we may not signal runs too).
    package static func isRunning(_ pid: pid_t) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
    }

    /// Removes the temporary files in `folder` (of any target) left by processes that no longer run (a crash or
    /// `kill -9`); files of running processes, this one included, are kept. Returns the names removed.
    @discardableResult
    package static func removeLeftovers(in folder: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [String] = []
        for name in names {
            guard let pid = writer(ofTemporaryNamed: name), !isRunning(pid) else { continue }
            var info = stat()
            let path = folder.appendingPathComponent(name).path
            // Only files: a directory or anything else with such a name is not ours.
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Removes the temporary files for `target` left by processes that no longer run (see ``removeLeftovers(in:)``,
    /// which every writer now calls for the whole folder).
    package static func removeLeftovers(for target: URL) {
        let prefix = ".\(target.lastPathComponent)."
        let folder = target.deletingLastPathComponent()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = writer(ofTemporaryNamed: name), !isRunning(pid) else { continue }
            unlink(folder.appendingPathComponent(name).path)
        }
    }
}
