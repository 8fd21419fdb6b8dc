import CFFmpeg

/// The one error type of the media layer: what failed, on which file, and FFmpeg's own explanation.
///
/// `description` is a single readable line, e.g.
/// `/videos/a.mkv: open failed: Invalid data found when processing input`.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, for callers that branch on it.
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The input file does not exist.
        case fileNotFound
        /// The file exists but cannot be read (or the output cannot be written).
        case permissionDenied
        /// The file is not something FFmpeg can demux (zero bytes, text, a truncated header...).
        case notMediaFile
        /// The file has no audio stream at all.
        case noAudioStream
        /// The requested track (index or language) does not exist or is not audio; see `availableTracks`.
        case trackNotFound
        /// FFmpeg has no decoder for the chosen stream's codec.
        case decoderNotFound
        /// FFmpeg has no encoder for the requested output encoding.
        case encoderNotFound
        /// Decoding failed: nothing in the stream could be decoded.
        case decodeFailed
        /// Encoding or muxing failed.
        case encodeFailed
        /// Reading or writing failed at the I/O level.
        case ioFailed
        /// The caller passed an invalid argument (sample rate, block size, ...).
        case invalidArgument
    }

    /// The kind of failure.
    public var code: Code
    /// The file the operation was working on (input for reading, output for writing; may be `<memory>`).
    public var path: String
    /// What was being done, e.g. `open`, `read stream info`, `select track`, `decode`, `encode flac`.
    public var operation: String
    /// FFmpeg's message for the underlying error code (from `av_strerror`), or our own explanation.
    public var ffmpegMessage: String?
    /// The raw negative AVERROR code, when the failure came from FFmpeg.
    public var ffmpegCode: Int32?
    /// For `trackNotFound` and `noAudioStream`: the audio tracks the file does have.
    public var availableTracks: [StreamInfo]

    /// Creates an error; `ffmpegCode`, when given and `message` is nil, supplies the message through `av_strerror`.
    public init(
        _ code: Code,
        path: String,
        operation: String,
        message: String? = nil,
        ffmpegCode: Int32? = nil,
        availableTracks: [StreamInfo] = []
    ) {
        self.code = code
        self.path = path
        self.operation = operation
        self.ffmpegCode = ffmpegCode
        self.ffmpegMessage = message ?? ffmpegCode.map(FFmpegSupport.errorString)
        self.availableTracks = availableTracks
    }

    /// One line: `<path>: <operation> failed: <message>`, plus the available tracks when relevant.
    public var description: String {
        var line = "\(path): \(operation) failed: \(ffmpegMessage ?? code.rawValue)"
        if !availableTracks.isEmpty {
            line += " (audio tracks: " + availableTracks.map(\.summary).joined(separator: "; ") + ")"
        } else if code == .trackNotFound || code == .noAudioStream {
            line += " (the file has no audio tracks)"
        }
        return line
    }

    /// Maps an FFmpeg error from opening or reading an input to the matching code.
    static func input(_ averror: Int32, path: String, operation: String) -> MediaError {
        let code: Code
        switch averror {
        case FFmpegSupport.averror(ENOENT), FFmpegSupport.averror(ENOTDIR): code = .fileNotFound
        case FFmpegSupport.averror(EACCES), FFmpegSupport.averror(EPERM): code = .permissionDenied
        case cffmpeg_averror_invaliddata, cffmpeg_averror_eof: code = .notMediaFile
        case cffmpeg_averror_decoder_not_found: code = .decoderNotFound
        case cffmpeg_averror_stream_not_found: code = .noAudioStream
        default: code = .ioFailed
        }
        return MediaError(code, path: path, operation: operation, ffmpegCode: averror)
    }

    /// Maps an FFmpeg error from writing an output to the matching code.
    static func output(_ averror: Int32, path: String, operation: String) -> MediaError {
        let code: Code
        switch averror {
        case FFmpegSupport.averror(ENOENT), FFmpegSupport.averror(ENOTDIR): code = .fileNotFound
        case FFmpegSupport.averror(EACCES), FFmpegSupport.averror(EPERM), FFmpegSupport.averror(EROFS):
            code = .permissionDenied
        case cffmpeg_averror_encoder_not_found: code = .encoderNotFound
        case FFmpegSupport.averror(EIO), FFmpegSupport.averror(ENOSPC): code = .ioFailed
        default: code = .encodeFailed
        }
        return MediaError(code, path: path, operation: operation, ffmpegCode: averror)
    }
}

extension StreamInfo {
    /// A short human-readable line: `#1 audio aac eng "Commentary" 2 ch 48000 Hz default`.
    public var summary: String {
        var parts = ["#\(index)", kind.rawValue]
        if let codec { parts.append(codec) }
        parts.append(language ?? "und")
        if let title, !title.isEmpty { parts.append("\"\(title)\"") }
        if let channelLayout { parts.append(channelLayout) } else if let channels { parts.append("\(channels) ch") }
        if let sampleRate { parts.append("\(sampleRate) Hz") }
        parts.append(contentsOf: dispositions.map(\.rawValue))
        return parts.joined(separator: " ")
    }
}
