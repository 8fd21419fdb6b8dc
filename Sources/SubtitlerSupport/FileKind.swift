#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path is, in words for one-line messages, and which paths can never be local inputs.
package enum FileKind {
    /// "a FIFO", "a character device", "a directory"…: the kind of file a `stat` mode describes.
    package static func name(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a directory"
        default: "not a regular file"
        }
    }

    /// Why a path can never be an input, or nil: URLs and FFmpeg protocol prefixes (`http://`, `concat:`…) are
    /// refused, so nothing is ever fetched from the network.
    package static func localPathProblem(_ path: String) -> String? {
        if path.isEmpty { return "empty path" }
        if path.contains("://") {
            return "not a local file: subtitler reads local files only and never fetches URLs"
        }
        return nil
    }
}
