import Foundation

/// Checks for files a command reads whole (subtitle files, text to speak): they must be regular files of a sane
/// size, and a failure reads as one line naming the cause, never as a Foundation error dump.
package enum FileChecks {
    /// The largest text or subtitle file read whole: 64 MiB (a feature film's subtitles are well under 1 MiB).
    package static let maxTextFileBytes: Int64 = 64 << 20

    /// Why `path` cannot be read whole, or nil: it must exist, be a regular file (a FIFO would block, a device such
    /// as `/dev/zero` would never end) of at most `maxBytes`, and be readable.
    /// - Parameter allowsPipes: also accept a FIFO or pipe (`lint <(command)`, `/dev/stdin`), for a reader that
    ///   streams in bounded memory and stops on a signal.
    package static func textFileProblem(_ path: String, maxBytes: Int64 = maxTextFileBytes, allowsPipes: Bool = false)
        -> String?
    {
        var info = stat()
        guard stat(path, &info) == 0 else { return String(cString: strerror(errno)).lowercased() }
        if allowsPipes && info.st_mode & S_IFMT == S_IFIFO { return nil }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return "not a regular file (\(FileKind.name(of: info.st_mode)))"
        }
        if Int64(info.st_size) > maxBytes {
            return "the file is \(info.st_size) bytes; at most \(maxBytes) are read"
        }
        guard access(path, R_OK) == 0 else { return String(cString: strerror(errno)).lowercased() }
        return nil
    }

    /// One readable line for an error: Foundation's file errors become their POSIX cause ("no such file or
    /// directory", "permission denied"); other errors keep their description.
    package static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        guard nsError.domain == NSCocoaErrorDomain || nsError.domain == NSPOSIXErrorDomain else {
            return String(describing: error)
        }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))).lowercased() }
        switch CocoaError.Code(rawValue: nsError.code) {
        case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file or directory"
        case .fileReadNoPermission: return "permission denied"
        case .fileReadInapplicableStringEncoding: return "the text encoding is not supported"
        default: return "could not read the file (\(nsError.localizedDescription))"
        }
    }
}
