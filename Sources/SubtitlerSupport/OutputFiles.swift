import Foundation

/// A file could not be written.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// The file that was being written (never a temporary file's name).
    public var path: String
    /// The system's reason.
    public var reason: String
    /// Whether the write was refused because the file is outside the folders the writer may use (see
    /// ``OutputConfinement``).
    public var isOutsideRoots = false

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
///
/// Every file is created and renamed relative to its folder's open descriptor. With an ``OutputConfinement`` (the
/// service), that folder is checked against the roots when it is opened and again before every rename, what has the
/// target's name must be a regular file (never a FIFO or a device, never a link out of the roots), and a failed
/// check is an ``OutputError`` with ``OutputError/isOutsideRoots``. Before the first file is created in a folder,
/// the leftovers of killed writers there are removed (``TemporaryFile/removeLeftovers(in:)``).
package struct OutputTransaction: Sendable {
    private struct Staged: Sendable {
        var target: URL
        /// The temporary file's name in the target's folder.
        var temporary: String?
        /// The target's folder, open.
        var folder: Int32
        var streamData: Data?
        /// The mode asked for a new file; nil for a file written by someone else (a muxed copy).
        var permissions: mode_t?
    }

    private var staged: [Staged] = []
    /// Where the outputs may be, when they are confined.
    package let confinement: OutputConfinement?

    /// Creates an empty transaction.
    /// - Parameter confinement: the folders every output must stay in (checked at each open and rename), or nil.
    package init(confinement: OutputConfinement? = nil) {
        self.confinement = confinement
    }

    /// Writes `data` for `target` to a temporary file (or keeps it for a FIFO or device target).
    /// - Throws: ``OutputError`` for the target; the transaction's other staged files stay staged (call ``abort()``).
    package mutating func stage(_ data: Data, for target: URL, permissions: mode_t = 0o644) throws(OutputError) {
        if confinement == nil {
            switch OutputTargetKind(path: target.path) {
            case .stream:
                staged.append(Staged(target: target, temporary: nil, folder: -1, streamData: data, permissions: permissions))
                return
            case .unusable(let why):
                throw OutputError(path: target.path, reason: why)
            case .missing, .regularFile:
                break
            }
        }
        let folder = try openFolder(of: target)
        let name = TemporaryFile.name(for: target)
        let fd = openat(folder, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
        guard fd >= 0 else {
            let code = errno
            close(folder)
            throw OutputError(path: target.path, errno: code)
        }
        var failure = Self.writeAll(data, to: fd)
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            unlinkat(folder, name, 0)
            close(folder)
            throw OutputError(path: target.path, errno: failure)
        }
        staged.append(Staged(target: target, temporary: name, folder: folder, streamData: nil, permissions: permissions))
    }

    /// Stages a complete file already written next to `target` (for example a muxed copy of a video): it is renamed
    /// onto `target` at commit, with the same restore-on-failure as the other outputs. The file must be in the
    /// target's folder.
    /// - Throws: ``OutputError`` when the folder cannot be opened (or is outside the confinement) or the file is not
    ///   a regular file there.
    package mutating func stage(writtenFile file: URL, for target: URL) throws(OutputError) {
        let folder = try openFolder(of: target)
        var info = stat()
        guard fstatat(folder, file.lastPathComponent, &info, AT_SYMLINK_NOFOLLOW) == 0,
              info.st_mode & S_IFMT == S_IFREG else {
            close(folder)
            throw OutputError(path: target.path, reason: "the new file is not in its folder any more")
        }
        staged.append(Staged(target: target, temporary: file.lastPathComponent, folder: folder, streamData: nil,
                             permissions: nil))
    }

    /// Opens the folder of `target` (checked against the confinement, and the target's entry too), after removing
    /// leftovers of killed writers there.
    private func openFolder(of target: URL) throws(OutputError) -> Int32 {
        let directory = target.deletingLastPathComponent()
        let folder: Int32
        if let confinement {
            folder = try confinement.openFolder(directory, for: target)
            do {
                try confinement.checkEntry(named: target.lastPathComponent, in: folder, for: target)
            } catch {
                close(folder)
                throw error
            }
        } else {
            folder = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard folder >= 0 else { throw OutputError(path: target.path, errno: errno) }
        }
        TemporaryFile.removeLeftovers(in: directory)
        return folder
    }

    /// Puts every staged output in place, or none: on failure the replaced files are restored.
    /// - Throws: ``OutputError`` for the output that could not be placed.
    package mutating func commit() throws(OutputError) {
        var placed: [(item: Staged, backup: String?)] = []
        var failure: OutputError?
        for item in staged {
            guard let temporary = item.temporary else { continue }
            let target = item.target
            let name = target.lastPathComponent
            if let confinement {
                // Checked again right before the rename: the folder may have moved out, the name may be a link now.
                do {
                    try confinement.check(folder: item.folder, for: target)
                    try confinement.checkEntry(named: name, in: item.folder, for: target)
                } catch {
                    failure = error
                    break
                }
            }
            var backup: String?
            var info = stat()
            if fstatat(item.folder, name, &info, 0) == 0, info.st_mode & S_IFMT == S_IFREG {
                let keep = TemporaryFile.name(for: target, extraExtension: "old")
                // A hard link keeps the old file under a second name without a moment where the target is missing;
                // where links are not supported, the old file is moved aside instead.
                if linkat(item.folder, name, item.folder, keep, 0) == 0
                    || renameat(item.folder, name, item.folder, keep) == 0 {
                    backup = keep
                } else {
                    // Without a copy of the old file a failure later could not restore it: replace nothing.
                    failure = OutputError(path: target.path, reason: "cannot keep the old file while replacing it: "
                                          + String(cString: strerror(errno)))
                    break
                }
            }
            if backup != nil, fchmodat(item.folder, temporary, Self.keptMode(info.st_mode, asked: item.permissions), 0) != 0 {
                failure = OutputError(path: target.path, reason: "cannot give the new file the old one's permissions: "
                                      + String(cString: strerror(errno)))
                if let backup { unlinkat(item.folder, backup, 0) }
                break
            }
            if renameat(item.folder, temporary, item.folder, name) != 0 {
                failure = OutputError(path: target.path, errno: errno)
                if let backup { unlinkat(item.folder, backup, 0) }
                break
            }
            placed.append((item, backup))
        }
        if let failure {
            for (item, backup) in placed.reversed() {
                let name = item.target.lastPathComponent
                if let backup { renameat(item.folder, backup, item.folder, name) } else { unlinkat(item.folder, name, 0) }
            }
            abort()
            throw failure
        }
        for (item, backup) in placed { if let backup { unlinkat(item.folder, backup, 0) } }
        let streams = staged.compactMap { item in item.streamData.map { (item.target, $0) } }
        closeFolders()
        for (target, data) in streams { try Self.writeThrough(data, to: target) }
    }

    /// The mode a file replacing one of `oldMode` gets: the old file's permission bits (a 0640 file stays 0640),
    /// never set-id bits, and never group or other bits when the file was asked to be private (`asked` without
    /// them, 0600).
    static func keptMode(_ oldMode: mode_t, asked: mode_t?) -> mode_t {
        var mode = oldMode & 0o777
        if let asked, asked & 0o077 == 0 { mode &= ~0o077 }
        return mode
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
        for item in staged { if let temporary = item.temporary { unlinkat(item.folder, temporary, 0) } }
        closeFolders()
    }

    private mutating func closeFolders() {
        for item in staged where item.folder >= 0 { close(item.folder) }
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
