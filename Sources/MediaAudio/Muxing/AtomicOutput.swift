#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SubtitlerSupport

/// A temporary file next to the final destination: written in full, then renamed over it, or removed.
///
/// The temporary name is the house's one scheme, `.<name>.<pid>.<random>.tmp` in the destination's directory
/// (``TemporaryFile``), so the rename is atomic (same file system) and a leftover of a killed run is recognised and
/// removed by the next run that writes in the same folder.
final class AtomicOutput {
    /// Where the file ends up.
    let finalPath: String
    /// The temporary file being written.
    let temporaryPath: String
    private var committed = false

    /// Creates the temporary file (exclusively). It gets the permission bits of the file it will replace, if any,
    /// and its owner and group where the process may set them (running as root, as media servers often do).
    ///
    /// - Throws: `MediaError` (`.fileNotFound` for a missing directory, `.permissionDenied`, `.ioFailed`) naming
    ///   `finalPath`.
    init(finalPath: String) throws(MediaError) {
        self.finalPath = finalPath
        let slash = finalPath.lastIndex(of: "/")
        let directory = slash.map { String(finalPath[..<$0]) } ?? "."
        let target = URL(fileURLWithPath: finalPath)
        TemporaryFile.removeLeftovers(in: target.deletingLastPathComponent())
        var existing = stat()
        let replacing = stat(finalPath, &existing) == 0
        let mode: mode_t = replacing ? existing.st_mode & 0o7777 : 0o666
        var attempt = 0
        while true {
            let candidate = TemporaryFile.url(for: target).path
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 {
                // open() applied the umask; an in-place replacement keeps the original's bits exactly.
                if replacing {
                    _ = fchown(fd, existing.st_uid, existing.st_gid)  // fails harmlessly unless permitted
                    _ = fchmod(fd, mode)
                }
                close(fd)
                temporaryPath = candidate
                return
            }
            let code = errno
            attempt += 1
            if code != EEXIST || attempt > 20 {
                throw AtomicOutput.error(code, path: finalPath, operation: "create temporary file in \(directory)")
            }
        }
    }

    deinit { discard() }

    /// Flushes the temporary file to disk and renames it over `finalPath`; then flushes the directory entry.
    func commit() throws(MediaError) {
        let fd = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw AtomicOutput.error(errno, path: finalPath, operation: "reopen temporary file") }
        let synced = fsync(fd)
        let syncError = errno
        close(fd)
        if synced != 0 { throw AtomicOutput.error(syncError, path: finalPath, operation: "flush to disk") }
        if rename(temporaryPath, finalPath) != 0 {
            throw AtomicOutput.error(errno, path: finalPath, operation: "replace")
        }
        committed = true
        let directory = finalPath.lastIndex(of: "/").map { String(finalPath[..<$0]) } ?? "."
        let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// Removes the temporary file unless it was committed. Safe to call more than once.
    func discard() {
        guard !committed else { return }
        committed = true
        unlink(temporaryPath)
    }

    /// A `MediaError` for an `errno` value.
    static func error(_ code: Int32, path: String, operation: String) -> MediaError {
        let kind: MediaError.Code
        switch code {
        case ENOENT, ENOTDIR: kind = .fileNotFound
        case EACCES, EPERM, EROFS: kind = .permissionDenied
        default: kind = .ioFailed
        }
        let message = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return MediaError(kind, path: path, operation: operation, message: message)
    }
}
