/// One subtitle event on the media's presentation timeline, its text already rendered by the caller in the two
/// syntaxes the containers' text codecs carry. The muxer knows containers, not subtitle formats: it writes the text
/// as given (framing it as the codec needs, a length prefix for `mov_text`) and never escapes or re-models it.
///
/// `start` and `end` are milliseconds where 0 is what a player shows as 00:00:00 (the container's `start_time`, the
/// same clock as `MediaInfo.startTime`). Lines are separated by `\n`; blank lines are left out.
public struct TimedText: Sendable, Hashable, Codable {
    /// Start in milliseconds on the presentation timeline.
    public var start: Int64
    /// End in milliseconds on the presentation timeline (after `start`).
    public var end: Int64
    /// Plain text, for SubRip (Matroska) and `mov_text` (MP4, M4V, MOV).
    public var text: String
    /// WebVTT cue text (markup characters escaped), for WebM.
    public var webVTTText: String

    /// Creates an event from its text in both syntaxes.
    public init(start: Int64, end: Int64, text: String, webVTTText: String) {
        self.start = start
        self.end = end
        self.text = text
        self.webVTTText = webVTTText
    }

    /// The text for a codec (`subrip`, `webvtt`, `mov_text`), one element per non-blank line.
    func lines(forCodec codec: String) -> [String] {
        (codec == "webvtt" ? webVTTText : text).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).filter { !$0.trimmingSpaces.isEmpty }
    }
}

/// A stream to add to a media file: subtitles given as timed text, or the audio of an already-encoded file.
public struct TrackAddition: Sendable, Hashable {
    /// Where the new stream's packets come from.
    public enum Source: Sendable, Hashable {
        /// Text cues, written in the container's text subtitle codec (SubRip, WebVTT or `mov_text`).
        case subtitles([TimedText])
        /// An ASS script, written as Matroska's `ass` codec (styles, positions and karaoke kept): `header` (the
        /// script up to and including the `[Events]` Format line) becomes the track's codec private data, and each
        /// event's ``TimedText/text`` holds its fields after the times (`Layer,Style,Name,MarginL,MarginR,MarginV,
        /// Effect,Text`). Matroska only.
        case styledSubtitles(header: String, events: [TimedText])
        /// The first audio stream of an encoded audio file (e.g. `.m4a` with AAC, `.ogg`/`.mka` with Opus), copied
        /// packet by packet without re-encoding. The file's presentation start (its 00:00:00) lands on the target's.
        case audioFile(String)
    }

    /// The packets' origin.
    public var source: Source
    /// ISO 639 language code (`eng`, `ger`/`deu`, or two-letter `en`); stored in the form the container expects
    /// (639-2/B in Matroska, 639-2/T in MP4). Nil stores `und`.
    public var language: String?
    /// The stream title players show, e.g. `English`, `English (SDH)`, `English (dub)`.
    public var title: String?
    /// Dispositions of the new stream. When `.default` is present, the container's other streams of the same type
    /// lose their `default` flag, so players pick the new one.
    public var dispositions: Set<Disposition>

    /// Creates an addition.
    public init(source: Source, language: String?, title: String? = nil, dispositions: Set<Disposition> = []) {
        self.source = source
        self.language = language
        self.title = title
        self.dispositions = dispositions
    }

    /// A subtitle stream made from `cues`.
    public static func subtitles(
        _ cues: [TimedText], language: String?, title: String? = nil, dispositions: Set<Disposition> = []
    ) -> TrackAddition {
        TrackAddition(source: .subtitles(cues), language: language, title: title, dispositions: dispositions)
    }

    /// An ASS subtitle stream (Matroska only): the script's header and its events' fields after the times.
    public static func styledSubtitles(
        header: String, events: [TimedText], language: String?, title: String? = nil, dispositions: Set<Disposition> = []
    ) -> TrackAddition {
        TrackAddition(source: .styledSubtitles(header: header, events: events), language: language, title: title,
                      dispositions: dispositions)
    }

    /// An audio stream copied from the encoded file at `path`; by default marked `dub` and not default.
    public static func audio(
        file path: String, language: String?, title: String? = nil, dispositions: Set<Disposition> = [.dub]
    ) -> TrackAddition {
        TrackAddition(source: .audioFile(path), language: language, title: title, dispositions: dispositions)
    }

    /// The media type of the new stream: `.subtitle` or `.audio`.
    public var kind: StreamInfo.Kind {
        switch source {
        case .subtitles, .styledSubtitles: .subtitle
        case .audioFile: .audio
        }
    }
}

/// Where the muxed file goes.
public enum MuxDestination: Sendable, Hashable {
    /// A new file (replaced if it exists), written to a temporary file in the same directory and renamed when
    /// complete. Its extension chooses the container.
    case file(String)
    /// The source itself: replaced only after the new file is complete and re-opened successfully.
    case replacingSource
}

/// Which streams written by an earlier run (carrying subtitler's marker) are removed.
public enum MarkedTrackReplacement: Sendable, Hashable, CaseIterable {
    /// Marked streams with the same media type, language, `forced` and hearing-impaired flags as an addition (the
    /// default: muxing twice leaves one track per language and kind).
    case matchingAdditions
    /// Every marked stream, whether or not an addition replaces it.
    case all
    /// None: marked streams are kept like any other stream.
    case none
}

/// What `MediaMuxer.mux` did.
public struct MuxResult: Sendable {
    /// The file written (the source's path for `.replacingSource`).
    public var path: String
    /// The written file as re-opened and probed after writing.
    public var media: MediaInfo
    /// The output stream index of each addition, in the order the additions were given.
    public var addedStreams: [Int]
    /// Source streams left out because they carried subtitler's marker and were replaced (see
    /// `MarkedTrackReplacement`).
    public var replacedStreams: [StreamInfo]
    /// Source streams that could not be carried over, with the reason (e.g. the QuickTime chapter text track,
    /// which the MP4 muxer rebuilds from the chapters). Never audio, video or subtitle streams: those are errors.
    public var skippedStreams: [SkippedStream]
    /// Cues left out because they had no text.
    public var emptyCueCount: Int
    /// Packets copied from the source.
    public var copiedPacketCount: Int64
    /// Packets written for the additions.
    public var addedPacketCount: Int64
}

/// A source stream that was not carried into the output, and why.
public struct SkippedStream: Sendable, Hashable {
    /// The stream as probed in the source.
    public var stream: StreamInfo
    /// Why it was left out.
    public var reason: String
}
