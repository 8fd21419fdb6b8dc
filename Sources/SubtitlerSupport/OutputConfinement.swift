import Foundation

/// Keeps writes inside a set of folders (the service's roots), however the paths to them change while a job runs.
///
/// A path checked when a request arrives can point elsewhere minutes later (a folder replaced by a symlink, a
/// sidecar name made a link to a FIFO or a device). So the check is made where files are opened: the target's
/// folder is opened first and where the open folder really is (`/proc/self/fd`) must be under a root; the
/// temporary file is created in that open folder (`openat`, never following a link), and before each rename the
/// folder is checked again and the rename is made inside it (`renameat`). What already has the target's name must
/// be a regular file, or a link to one under a root: a FIFO, a device or anything outside the roots is refused, never
/// written through.
package struct OutputConfinement: Sendable, Hashable {
    /// The roots, resolved (symlinks followed) when the confinement was made.
    package let roots: [String]

    /// A confinement to `roots` (each resolved; a root that does not exist is kept as given, and matches only itself).
    package init(roots: [String]) {
        self.roots = roots.map { PathResolution.realPath($0) ?? $0 }
    }

    /// Whether a resolved path lies under (or is) a root.
    package func contains(_ resolved: String) -> Bool {
        roots.contains { root in resolved == root || resolved.hasPrefix(root == "/" ? "/" : root + "/") }
    }

    /// Opens `folder` (the folder of `target`) and checks that it is under a root; returns its descriptor.
    /// - Throws: ``OutputError`` naming `target`: ``OutputError/isOutsideRoots`` when the folder is elsewhere.
    package func openFolder(_ folder: URL, for target: URL) throws(OutputError) -> Int32 {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError(path: target.path, errno: errno) }
        do {
            try check(folder: fd, for: target)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Checks that the open folder `fd` is (still) under a root.
    package func check(folder fd: Int32, for target: URL) throws(OutputError) {
        guard let actual = Self.path(of: fd), contains(actual) else { throw .outsideRoots(target.path) }
    }

    /// Checks what has the name `name` in the open folder `fd`: nothing, a regular file, or a link that resolves to a
    /// regular file under a root.
    package func checkEntry(named name: String, in fd: Int32, for target: URL) throws(OutputError) {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw OutputError(path: target.path, errno: errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return
        case S_IFLNK:
            guard let folder = Self.path(of: fd),
                  let resolved = PathResolution.realPath(folder + "/" + name) else {
                throw OutputError(path: target.path, reason: "it is a symbolic link that leads nowhere")
            }
            guard contains(resolved) else { throw .outsideRoots(target.path) }
            var final = stat()
            guard stat(resolved, &final) == 0, final.st_mode & S_IFMT == S_IFREG else {
                throw OutputError(path: target.path, reason: "it is a link to \(FileKind.name(of: final.st_mode))")
            }
        default:
            throw OutputError(path: target.path, reason: "it is \(FileKind.name(of: info.st_mode)), not a regular file")
        }
    }

    /// Checks `target` as a write would, now: its folder is under a root, and what has its name is nothing, a regular
    /// file, or a link to one under a root.
    package func check(_ target: URL) throws(OutputError) {
        let folder = try openFolder(target.deletingLastPathComponent(), for: target)
        defer { close(folder) }
        try checkEntry(named: target.lastPathComponent, in: folder, for: target)
    }

    /// Where an open file really is now, or nil when the system cannot say.
    static func path(of fd: Int32) -> String? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // A folder that was removed reads as "/old/path (deleted)": it is nowhere.
        return path.hasSuffix(" (deleted)") ? nil : path
        #else
        var buffer = [CChar](repeating: 0, count: Int(MAXPATHLEN))
        guard fcntl(fd, F_GETPATH, &buffer) != -1 else { return nil }
        return String(cString: buffer)
        #endif
    }
}

extension OutputError {
    /// The output is outside the folders this process may write.
    package static func outsideRoots(_ path: String) -> OutputError {
        var error = OutputError(path: path, reason: "it is outside the folders this service may use")
        error.isOutsideRoots = true
        return error
    }
}

/// A folder opened and checked against a confinement, named by a path that goes through the open descriptor
/// (`/proc/self/fd/N/…`): a writer that only takes paths (FFmpeg's muxer) then writes into this folder even if the
/// folder's own path is replaced by a link to somewhere else while it works.
package final class AnchoredFolder {
    /// The open folder.
    package let descriptor: Int32
    /// The folder's real path when it was opened, for messages.
    package let realPath: String

    /// Opens and checks the folder of `target` against `confinement`.
    /// - Throws: ``OutputError`` naming `target`, ``OutputError/isOutsideRoots`` when the folder is elsewhere.
    package init(of target: URL, within confinement: OutputConfinement) throws(OutputError) {
        descriptor = try confinement.openFolder(target.deletingLastPathComponent(), for: target)
        realPath = OutputConfinement.path(of: descriptor) ?? target.deletingLastPathComponent().path
    }

    deinit { close(descriptor) }

    /// The path of `name` inside this folder, through the open descriptor.
    package func path(of name: String) -> String {
        #if os(Linux)
        "/proc/self/fd/\(descriptor)/\(name)"
        #else
        realPath + "/" + name
        #endif
    }

    /// The real path of `name` inside this folder (for messages and reports).
    package func realPath(of name: String) -> String { realPath + "/" + name }

    /// `text` with this folder's descriptor paths written as its real path.
    package func readable(_ text: String) -> String {
        text.replacingOccurrences(of: path(of: ""), with: realPath + "/")
    }
}
