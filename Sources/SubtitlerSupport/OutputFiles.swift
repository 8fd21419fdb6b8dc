import Foundation

/// A file could not be written.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// The file that was being written (never a temporary file's name).
    public var path: String
    /// The system's reason.
    public var reason: String

    /// Creates an error from an `errno` value.
    public init(path: String, errno code: Int32) {
        self.path = path
        self.reason = String(cString: strerror(code))
    }

    /// Creates an error with a reason.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): cannot write: \(reason)" }
}

/// What is at an output path now.
package enum OutputTargetKind: Equatable {
    /// Nothing: the file will be created.
    case missing
    /// A regular file: replaced atomically.
    case regularFile
    /// A FIFO or a character device (`/dev/stdout`, `/dev/null`): written through, never replaced.
    case stream
    /// Anything else (a directory, a block device, a socket): refused.
    case unusable(String)

    package init(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            self = .missing
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: self = .regularFile
        case S_IFIFO, S_IFCHR: self = .stream
        case S_IFDIR: self = .unusable("it is a directory")
        case S_IFBLK: self = .unusable("it is a block device")
        case S_IFSOCK: self = .unusable("it is a socket")
        default: self = .unusable("it is not a regular file")
        }
    }
}

/// Temporary files: named after their target and the process that writes them, so a later run can tell a
/// leftover of a killed process (whose process is gone) from a file another run is still writing.
package enum TemporaryFile {
    /// `.<name>.<pid>.<random>.tmp` next to `target` (plus `extraExtension`, for encoders that pick their
    /// format from the name).
    package static func url(for target: URL, extraExtension: String? = nil) -> URL {
        var name = ".\(target.lastPathComponent).\(getpid()).\(UUID().uuidString.prefix(8)).tmp"
        if let extraExtension { name += ".\(extraExtension)" }
        return target.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Removes temporary files for `target` left by processes that no longer run (a crash or `kill -9`).
    package static func removeLeftovers(for target: URL) {
        let directory = target.deletingLastPathComponent()
        let prefix = ".\(target.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count).split(separator: ".")
            guard rest.count >= 3, rest[2] == "tmp", let pid = pid_t(rest[0]) else { continue }
            if pid == getpid() { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }   // still running
            unlink(directory.appendingPathComponent(name).path)
        }
    }
}

/// Writes files so that readers see either the old file or the complete new one, never a partial file.
package enum AtomicFile {
    /// Writes `data` to a temporary file next to `url`, flushes it, and renames it over `url`. A FIFO or a
    /// character device at `url` (`/dev/stdout`, a pipe) is written through instead, never replaced.
    /// - Parameters:
    ///   - data: the contents.
    ///   - url: the destination.
    ///   - permissions: the mode of a new file (0644 by default; 0600 for private data).
    /// - Throws: ``OutputError`` naming the file (not the temporary file) and the cause (for example a full disk).
    package static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644) throws(OutputError) {
        var transaction = OutputTransaction()
        try transaction.stage(data, for: url, permissions: permissions)
        try transaction.commit()
    }

    /// Writes `text` as UTF-8; see ``write(_:to:permissions:)``.
    package static func write(_ text: String, to url: URL, permissions: mode_t = 0o644) throws(OutputError) {
        try write(Data(text.utf8), to: url, permissions: permissions)
    }
}

/// Several outputs committed together: all of them or none, and the files they replace stay as they were when
/// anything fails.
///
/// Stage every output (each is written to a temporary file next to its target and flushed), then commit: each old
/// file is kept under a temporary name while the new one is renamed into place; if a rename fails, the outputs
/// already placed are rolled back to their old files. Outputs that are FIFOs or character devices are written
/// through at commit time (they cannot be replaced or rolled back).
package struct OutputTransaction: Sendable {
    private struct Staged: Sendable {
        var target: URL
        var temporary: URL?
        var streamData: Data?
    }

    private var staged: [Staged] = []

    /// Creates an empty transaction.
    package init() {}

    /// Writes `data` for `target` to a temporary file (or keeps it for a FIFO or device target).
    /// - Throws: ``OutputError`` for the target; the transaction's other staged files stay staged (call ``abort()``).
    package mutating func stage(_ data: Data, for target: URL, permissions: mode_t = 0o644) throws(OutputError) {
        switch OutputTargetKind(path: target.path) {
        case .stream:
            staged.append(Staged(target: target, temporary: nil, streamData: data))
            return
        case .unusable(let why):
            throw OutputError(path: target.path, reason: why)
        case .missing, .regularFile:
            break
        }
        TemporaryFile.removeLeftovers(for: target)
        let temporary = TemporaryFile.url(for: target)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw OutputError(path: target.path, errno: errno) }
        var failure = Self.writeAll(data, to: fd)
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            unlink(temporary.path)
            throw OutputError(path: target.path, errno: failure)
        }
        staged.append(Staged(target: target, temporary: temporary, streamData: nil))
    }

    /// Stages a complete file already written next to `target` (for example a muxed copy of a video): it is renamed
    /// onto `target` at commit, with the same restore-on-failure as the other outputs. The file must be in the
    /// target's folder.
    package mutating func stage(writtenFile file: URL, for target: URL) {
        staged.append(Staged(target: target, temporary: file, streamData: nil))
    }

    /// Puts every staged output in place, or none: on failure the replaced files are restored.
    /// - Throws: ``OutputError`` for the output that could not be placed.
    package mutating func commit() throws(OutputError) {
        var placed: [(target: URL, backup: URL?)] = []
        var failure: OutputError?
        for item in staged where item.temporary != nil {
            let target = item.target
            var backup: URL?
            if OutputTargetKind(path: target.path) == .regularFile {
                let keep = TemporaryFile.url(for: target, extraExtension: "old")
                // A hard link keeps the old file under a second name without a moment where the target is missing;
                // where links are not supported, the old file is moved aside instead.
                if link(target.path, keep.path) == 0 || rename(target.path, keep.path) == 0 {
                    backup = keep
                } else {
                    // Without a copy of the old file a failure later could not restore it: replace nothing.
                    failure = OutputError(path: target.path, reason: "cannot keep the old file while replacing it: "
                                          + String(cString: strerror(errno)))
                    break
                }
            }
            if rename(item.temporary!.path, target.path) != 0 {
                failure = OutputError(path: target.path, errno: errno)
                if let backup { unlink(backup.path) }
                break
            }
            placed.append((target, backup))
        }
        if let failure {
            for (target, backup) in placed.reversed() {
                if let backup { rename(backup.path, target.path) } else { unlink(target.path) }
            }
            abort()
            throw failure
        }
        for (_, backup) in placed { if let backup { unlink(backup.path) } }
        for item in staged {
            guard let data = item.streamData else { continue }
            try Self.writeThrough(data, to: item.target)
        }
        staged = []
    }

    /// Writes `data` into a FIFO or character device without replacing it. The open does not wait: a FIFO that no
    /// process reads fails at once instead of blocking forever.
    package static func writeThrough(_ data: Data, to target: URL) throws(OutputError) {
        let fd = open(target.path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENXIO {
                throw OutputError(path: target.path, reason: "no process is reading from this FIFO")
            }
            throw OutputError(path: target.path, errno: code)
        }
        defer { close(fd) }
        // Blocking writes from here on: a reader that is slower than us must not make the write fail.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        let code = writeAll(data, to: fd)
        if code != 0 { throw OutputError(path: target.path, errno: code) }
    }

    /// Removes every staged temporary file; the targets are untouched.
    package mutating func abort() {
        for item in staged { if let temporary = item.temporary { unlink(temporary.path) } }
        staged = []
    }

    /// Writes all of `data`; returns 0 or the `errno` of the failure.
    package static func writeAll(_ data: Data, to fd: Int32) -> Int32 {
        data.withUnsafeBytes { buffer -> Int32 in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return 0
        }
    }
}
