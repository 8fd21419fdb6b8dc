/// What `MediaProbe` found in a media file: the container and its streams.
public struct MediaInfo: Sendable, Codable, Hashable {
    /// The path that was probed.
    public var path: String
    /// FFmpeg's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `mpegts`, `mp3`, `wav`.
    public var formatName: String
    /// FFmpeg's long demuxer name, e.g. `QuickTime / MOV`.
    public var formatDescription: String?
    /// Container duration in milliseconds, if known.
    public var duration: Int64?
    /// Presentation start in milliseconds on the container clock: what a player shows as 00:00:00
    /// (the container's `start_time`, i.e. the earliest stream start; 0 when unknown).
    public var startTime: Int64
    /// Overall bit rate in bits per second, if known.
    public var bitRate: Int?
    /// Every stream, in container order (`streams[i].index == i`).
    public var streams: [StreamInfo]
    /// The audio streams only.
    public var audioStreams: [StreamInfo]
    /// Frame rate of the first real video stream (attached cover pictures are skipped), in frames per second.
    public var videoFrameRate: Double?

    /// Creates a value; `audioStreams` and `videoFrameRate` are derived from `streams`.
    public init(
        path: String, formatName: String, formatDescription: String? = nil, duration: Int64? = nil,
        startTime: Int64 = 0, bitRate: Int? = nil, streams: [StreamInfo]
    ) {
        self.path = path
        self.formatName = formatName
        self.formatDescription = formatDescription
        self.duration = duration
        self.startTime = startTime
        self.bitRate = bitRate
        self.streams = streams
        self.audioStreams = streams.filter { $0.kind == .audio }
        self.videoFrameRate = streams.first { $0.kind == .video && !$0.dispositions.contains(.attachedPicture) }?
            .frameRate
    }

    /// The first real video stream (not an attached cover picture), if any.
    public var videoStream: StreamInfo? {
        streams.first { $0.kind == .video && !$0.dispositions.contains(.attachedPicture) }
    }
}

/// One stream of a media file.
public struct StreamInfo: Sendable, Codable, Hashable {
    /// The stream's media type.
    public enum Kind: String, Sendable, Codable {
        case audio, video, subtitle, data, attachment, unknown
    }

    /// Index in the container (what `TrackSelection.index` takes; the same as ffprobe's `index`).
    public var index: Int
    /// Media type.
    public var kind: Kind
    /// FFmpeg's codec name, e.g. `aac`, `opus`, `h264`.
    public var codec: String?
    /// The language tag as stored (usually ISO 639-2, e.g. `eng`, `ger`); nil when absent or `und`.
    public var language: String?
    /// The stream's title tag, if any.
    public var title: String?
    /// Audio: channel count.
    public var channels: Int?
    /// Audio: channel layout as FFmpeg describes it, e.g. `mono`, `stereo`, `5.1(side)`.
    public var channelLayout: String?
    /// Audio: sample rate in Hz.
    public var sampleRate: Int?
    /// Start in milliseconds on the container clock (the same clock as `MediaInfo.startTime`); subtract
    /// `MediaInfo.startTime` for the offset from the presentation start.
    public var startTime: Int64?
    /// Duration in milliseconds, if known (for Matroska, from the muxer's `DURATION` tag).
    public var duration: Int64?
    /// Dispositions, in `Disposition.allCases` order.
    public var dispositions: [Disposition]
    /// Video: average frame rate in frames per second (falls back to the container's real base rate).
    public var frameRate: Double?
    /// Whether subtitler wrote this stream (it carries subtitler's marker: a `SUBTITLER` tag, or in MP4/MOV a
    /// handler name ending in ` (subtitler)`); muxing again replaces such streams.
    public var isSubtitlerTrack: Bool

    /// Creates a value.
    public init(
        index: Int, kind: Kind, codec: String? = nil, language: String? = nil, title: String? = nil,
        channels: Int? = nil, channelLayout: String? = nil, sampleRate: Int? = nil, startTime: Int64? = nil,
        duration: Int64? = nil, dispositions: [Disposition] = [], frameRate: Double? = nil,
        isSubtitlerTrack: Bool = false
    ) {
        self.index = index
        self.kind = kind
        self.codec = codec
        self.language = language
        self.title = title
        self.channels = channels
        self.channelLayout = channelLayout
        self.sampleRate = sampleRate
        self.startTime = startTime
        self.duration = duration
        self.dispositions = dispositions
        self.frameRate = frameRate
        self.isSubtitlerTrack = isSubtitlerTrack
    }

    /// Whether the stream carries the `default` disposition.
    public var isDefault: Bool { dispositions.contains(.default) }
}

/// Stream dispositions that matter for choosing and labelling tracks.
public enum Disposition: String, Sendable, Codable, CaseIterable {
    case `default`
    case forced
    case comment
    case hearingImpaired = "hearing_impaired"
    case visualImpaired = "visual_impaired"
    case dub
    case original
    /// A video stream that is really a cover picture (MP3/M4A artwork).
    case attachedPicture = "attached_pic"
    /// Captions: subtitles that also describe sounds (WebVTT `captions`; MP4 reports it with `hearing_impaired`).
    case captions
    /// Text descriptions of the video (WebVTT `descriptions`; Matroska `FlagTextDescriptions`).
    case descriptions
}
