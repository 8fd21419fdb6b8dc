import CFFmpeg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small helpers around FFmpeg's C API that Swift cannot express directly. Internal.
enum FFmpegSupport {
    /// `AVERROR(e)`.
    static func averror(_ errnoValue: Int32) -> Int32 { cffmpeg_averror(errnoValue) }

    /// FFmpeg's message for an error code (`av_strerror`), without `av_err2str`'s stack compound literal.
    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let rc = av_strerror(code, &buffer, buffer.count)
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return rc < 0 && text.isEmpty ? "FFmpeg error \(code)" : text
    }

    /// A C string that may be nil, as an optional Swift string.
    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// The URL to hand to FFmpeg for a local path: always `file:` + the path, so nothing in a path (`http://…`,
    /// `concat:`, `a:b.mp4`) is ever taken for another protocol.
    static func url(forPath path: String) -> String {
        "file:" + path
    }

    /// Why `path` is not a local file path, or nil: a path that looks like a URL is refused rather than opened.
    static func urlProblem(_ path: String) -> String? {
        path.contains("://") ? "not a local file: URLs are never fetched; name a file on this machine" : nil
    }

    /// Why `path` cannot be read as media, or nil: only regular files (or links to them) are opened. A FIFO would
    /// block forever waiting for a writer, a device such as `/dev/zero` never ends, and a directory is not media.
    /// A path that cannot be examined (missing, no permission) is left to the open, which reports the cause.
    static func fileKindProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "it is a directory, not a media file"
        case S_IFIFO: return "not a regular file (a FIFO); reading it could block forever"
        case S_IFCHR: return "not a regular file (a character device)"
        case S_IFBLK: return "not a regular file (a block device)"
        case S_IFSOCK: return "not a regular file (a socket)"
        default: return "not a regular file"
        }
    }

    /// Whether a timestamp is set.
    static func isSet(_ ts: Int64) -> Bool { ts != cffmpeg_nopts_value }

    /// Rescales `value` from `from` to `to` with rounding to nearest (`av_rescale_q`).
    static func rescale(_ value: Int64, from: AVRational, to: AVRational) -> Int64 {
        av_rescale_q(value, from, to)
    }

    /// Rescales `value * numerator / denominator` with 128-bit intermediate precision, rounded to nearest.
    static func rescale(_ value: Int64, _ numerator: Int64, _ denominator: Int64) -> Int64 {
        av_rescale(value, numerator, denominator)
    }

    /// `av_channel_layout_describe` into a Swift string.
    static func describe(_ layout: UnsafePointer<AVChannelLayout>) -> String? {
        guard layout.pointee.nb_channels > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 128)
        let rc = av_channel_layout_describe(layout, &buffer, buffer.count)
        guard rc >= 0 else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// A metadata tag's value (`av_dict_get`, case-insensitive key).
    static func tag(_ dict: OpaquePointer?, _ key: String) -> String? {
        guard let dict, let entry = av_dict_get(dict, key, nil, 0) else { return nil }
        return string(entry.pointee.value)
    }
}
