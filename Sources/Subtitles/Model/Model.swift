import Foundation

/// A point or span on a timeline, in integer milliseconds.
public typealias Milliseconds = Int64

/// One word of a transcript with its timing, relative to the start of its chunk.
public struct TranscriptWord: Sendable, Hashable, Codable {
    /// The word as the model wrote it (often without punctuation).
    public var text: String
    /// Start of the word, relative to its chunk.
    public var start: Milliseconds
    /// End of the word, relative to its chunk.
    public var end: Milliseconds

    /// Creates a timed word.
    public init(text: String, start: Milliseconds, end: Milliseconds) {
        self.text = text
        self.start = start
        self.end = end
    }
}

/// One segment of a transcript as a speech-to-text model returns it (Whisper's `verbose_json` shape).
public struct TranscriptSegment: Sendable, Hashable, Codable {
    /// Start of the segment, relative to its chunk.
    public var start: Milliseconds
    /// End of the segment, relative to its chunk.
    public var end: Milliseconds
    /// The segment's text, with punctuation.
    public var text: String
    /// Word timings relative to the chunk; may be empty, and may lack the text's punctuation.
    public var words: [TranscriptWord]
    /// The model's mean token log probability (`avg_logprob`).
    public var averageLogProbability: Double?
    /// The gzip compression ratio of the text (`compression_ratio`); high values mean repetition.
    public var compressionRatio: Double?
    /// The model's probability that the segment is silence (`no_speech_prob`).
    public var noSpeechProbability: Double?
    /// The speaker, when diarization is available.
    public var speaker: String?
    /// Whether ``words`` were estimated here (the segment's speech shared out over its text) rather than returned
    /// by the model. Not part of the wire format or the cache.
    public var hasEstimatedWords = false

    private enum CodingKeys: String, CodingKey {
        case start, end, text, words, averageLogProbability, compressionRatio, noSpeechProbability, speaker
    }

    /// Creates a segment.
    public init(
        start: Milliseconds,
        end: Milliseconds,
        text: String,
        words: [TranscriptWord] = [],
        averageLogProbability: Double? = nil,
        compressionRatio: Double? = nil,
        noSpeechProbability: Double? = nil,
        speaker: String? = nil
    ) {
        self.start = start
        self.end = end
        self.text = text
        self.words = words
        self.averageLogProbability = averageLogProbability
        self.compressionRatio = compressionRatio
        self.noSpeechProbability = noSpeechProbability
        self.speaker = speaker
    }
}

/// The transcript of one piece of audio that starts at `offset` on the media timeline.
public struct TranscriptChunk: Sendable, Hashable, Codable {
    /// Where the chunk starts on the media timeline.
    public var offset: Milliseconds
    /// The chunk's length; used to find its edges when chunks overlap. Zero or less means "unknown".
    public var duration: Milliseconds
    /// The segments, with times relative to `offset`.
    public var segments: [TranscriptSegment]

    /// Creates a chunk.
    public init(offset: Milliseconds, duration: Milliseconds, segments: [TranscriptSegment]) {
        self.offset = offset
        self.duration = duration
        self.segments = segments
    }
}

/// One word of a cue with the time it is spoken on the media timeline, for word highlighting (karaoke).
public struct CueWord: Sendable, Hashable, Codable {
    /// The word as shown in the cue's lines (punctuation included).
    public var text: String
    /// When the word starts.
    public var start: Milliseconds
    /// When the word ends.
    public var end: Milliseconds
    /// Whether the time is the model's word timestamp (false: the segment's speech shared out by characters).
    public var isTimed: Bool

    /// Creates a timed word.
    public init(text: String, start: Milliseconds, end: Milliseconds, isTimed: Bool = true) {
        self.text = text
        self.start = start
        self.end = end
        self.isTimed = isTimed
    }
}

/// One subtitle event on the media timeline.
public struct Cue: Sendable, Hashable, Codable {
    /// When the cue appears.
    public var start: Milliseconds
    /// When the cue disappears.
    public var end: Milliseconds
    /// The lines shown, top to bottom, as plain text (no markup, no escaping).
    public var lines: [String]
    /// The speaker of the cue (of its first line when `lineSpeakers` is not empty).
    public var speaker: String?
    /// One speaker per line for a dialogue cue that holds more than one speaker; empty when every line
    /// belongs to `speaker`.
    public var lineSpeakers: [String?]
    /// The words of the lines, in order, with their times, when the cue was made with word times kept
    /// (``SubtitleBuilder/keepsWordTimes``); empty otherwise. Writers that highlight words (WebVTT, ASS) use them
    /// only while they still match the lines (``highlightedWords``).
    public var words: [CueWord] = []

    /// Creates a cue spoken by one speaker (or by nobody in particular).
    public init(start: Milliseconds, end: Milliseconds, lines: [String], speaker: String? = nil) {
        self.start = start
        self.end = end
        self.lines = lines
        self.speaker = speaker
        self.lineSpeakers = []
    }

    /// Creates a dialogue cue with one speaker per line. When all lines share a speaker, this is the same as
    /// ``init(start:end:lines:speaker:)``.
    public init(start: Milliseconds, end: Milliseconds, lines: [String], lineSpeakers: [String?]) {
        precondition(lines.count == lineSpeakers.count, "one speaker per line")
        self.start = start
        self.end = end
        self.lines = lines
        self.speaker = lineSpeakers.first ?? nil
        self.lineSpeakers = Set(lineSpeakers).count > 1 ? lineSpeakers : []
    }

    /// The lines joined by single spaces.
    public var text: String { lines.joined(separator: " ") }

    /// The cue's duration (`end - start`).
    public var duration: Milliseconds { end - start }

    /// The speaker of each line: `lineSpeakers` when set, else `speaker` for every line.
    public var speakerOfEachLine: [String?] {
        lineSpeakers.count == lines.count ? lineSpeakers : Array(repeating: speaker, count: lines.count)
    }

    /// Whether the cue holds lines of more than one speaker.
    public var isDialogue: Bool { Set(speakerOfEachLine).count > 1 }

    /// ``words`` when they are the words of the lines, in order (each line split at white space); nil when the cue
    /// has no word times or its text changed since they were taken (a translation, an edit).
    public var highlightedWords: [CueWord]? {
        guard !words.isEmpty else { return nil }
        let shown = lines.flatMap { $0.split(whereSeparator: \.isWhitespace) }
        guard shown.count == words.count, zip(shown, words).allSatisfy({ $0.0 == $0.1.text }) else { return nil }
        return words
    }

    private enum CodingKeys: String, CodingKey { case start, end, lines, speaker, lineSpeakers, words }

    /// Decodes a cue; `speaker`, `lineSpeakers` and `words` may be absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        start = try container.decode(Milliseconds.self, forKey: .start)
        end = try container.decode(Milliseconds.self, forKey: .end)
        lines = try container.decode([String].self, forKey: .lines)
        speaker = try container.decodeIfPresent(String.self, forKey: .speaker)
        lineSpeakers = try container.decodeIfPresent([String?].self, forKey: .lineSpeakers) ?? []
        words = try container.decodeIfPresent([CueWord].self, forKey: .words) ?? []
    }

    /// Encodes a cue; `lineSpeakers` and `words` only when they are set.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(lines, forKey: .lines)
        try container.encodeIfPresent(speaker, forKey: .speaker)
        if !lineSpeakers.isEmpty { try container.encode(lineSpeakers, forKey: .lineSpeakers) }
        if !words.isEmpty { try container.encode(words, forKey: .words) }
    }
}
