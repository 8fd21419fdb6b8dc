/// Output encodings for extracted audio.
public enum AudioEncoding: String, Sendable, CaseIterable, Codable {
    /// FLAC in its native container (lossless; the default).
    case flac
    /// 16-bit PCM WAV.
    case wav
    /// MP3 (libmp3lame).
    case mp3
    /// Opus in Ogg (libopus). libopus takes 48, 24, 16, 12 or 8 kHz input, so 16 kHz is encoded as is; other
    /// rates are resampled to the next supported one (44.1 kHz -> 48 kHz). Decoders output 48 kHz either way.
    case opus
    /// AAC in an MPEG-4 audio (`.m4a`) container.
    case m4a

    /// The usual file extension, without the dot. Opus uses `ogg`, which speech APIs accept more widely than
    /// `opus`.
    public var fileExtension: String {
        switch self {
        case .flac: "flac"
        case .wav: "wav"
        case .mp3: "mp3"
        case .opus: "ogg"
        case .m4a: "m4a"
        }
    }

    /// The MIME type: `audio/flac`, `audio/wav`, `audio/mpeg`, `audio/ogg`, `audio/mp4`.
    public var contentType: String {
        switch self {
        case .flac: "audio/flac"
        case .wav: "audio/wav"
        case .mp3: "audio/mpeg"
        case .opus: "audio/ogg"
        case .m4a: "audio/mp4"
        }
    }

    /// The encoding for a file extension (case-insensitive, leading dot allowed): `flac`; `wav`, `wave`; `mp3`;
    /// `ogg`, `opus`, `oga`; `m4a`, `mp4`, `aac`.
    public init?(fileExtension: String) {
        var ext = fileExtension.lowercased()
        if ext.hasPrefix(".") { ext.removeFirst() }
        switch ext {
        case "flac": self = .flac
        case "wav", "wave": self = .wav
        case "mp3": self = .mp3
        case "ogg", "opus", "oga": self = .opus
        case "m4a", "mp4", "aac": self = .m4a
        default: return nil
        }
    }

    /// The FFmpeg encoder used (`ffmpeg -encoders`).
    public var encoderName: String {
        switch self {
        case .flac: "flac"
        case .wav: "pcm_s16le"
        case .mp3: "libmp3lame"
        case .opus: "libopus"
        case .m4a: "aac"
        }
    }

    /// The FFmpeg muxer used.
    var muxerName: String {
        switch self {
        case .flac: "flac"
        case .wav: "wav"
        case .mp3: "mp3"
        case .opus: "ogg"
        case .m4a: "ipod"
        }
    }

    /// Whether the encoding discards information.
    public var isLossy: Bool { self == .mp3 || self == .opus || self == .m4a }

    /// The default bit rate for mono speech, in bits per second (nil for lossless encodings).
    public var defaultBitRate: Int? {
        switch self {
        case .flac, .wav: nil
        case .mp3: 64_000
        case .opus: 32_000
        case .m4a: 64_000
        }
    }
}

/// Audio encoded in memory.
public struct EncodedAudio: Sendable {
    /// The complete file (container included).
    public var data: [UInt8]
    /// Its encoding.
    public var encoding: AudioEncoding
    /// Number of input samples encoded (at `sampleRate`).
    public var sampleCount: Int
    /// The input sample rate in Hz. (The stream may use another rate if the encoder required it; see
    /// `encodedSampleRate`.)
    public var sampleRate: Int
    /// The sample rate of the encoded stream.
    public var encodedSampleRate: Int

    /// Creates a value.
    public init(data: [UInt8], encoding: AudioEncoding, sampleCount: Int, sampleRate: Int, encodedSampleRate: Int? = nil) {
        self.data = data
        self.encoding = encoding
        self.sampleCount = sampleCount
        self.sampleRate = sampleRate
        self.encodedSampleRate = encodedSampleRate ?? sampleRate
    }

    /// The encoded size in bytes.
    public var byteCount: Int { data.count }

    /// The audio's duration in milliseconds (from the input sample count).
    public var durationMilliseconds: Int64 {
        sampleRate > 0 ? Int64(sampleCount) * 1000 / Int64(sampleRate) : 0
    }
}
