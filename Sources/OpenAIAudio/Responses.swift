import Foundation

/// What a transcription or translation was billed on (`usage`).
public enum TranscriptionUsage: Sendable, Hashable, Codable {
    /// Billed on audio duration, in seconds (`{"type":"duration","seconds":…}`; whisper-1).
    case duration(seconds: Double)
    /// Billed on tokens (`{"type":"tokens",…}`; GPT-4o models).
    case tokens(input: Int, output: Int, total: Int, inputAudio: Int?, inputText: Int?)

    private enum CodingKeys: String, CodingKey {
        case type, seconds
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case totalTokens = "total_tokens"
        case inputTokenDetails = "input_token_details"
    }

    private enum DetailKeys: String, CodingKey {
        case textTokens = "text_tokens"
        case audioTokens = "audio_tokens"
    }

    /// Decodes either shape; a missing `type` is inferred from the keys present.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try? container.decodeIfPresent(String.self, forKey: .type)
        if type == "duration" || (type == nil && container.contains(.seconds)) {
            self = .duration(seconds: try container.decodeLenientDouble(forKey: .seconds) ?? 0)
            return
        }
        let input = (try? container.decodeIfPresent(Int.self, forKey: .inputTokens)) ?? 0
        let output = (try? container.decodeIfPresent(Int.self, forKey: .outputTokens)) ?? 0
        // The sum saturates: counts come from the server, and two huge ones must not overflow.
        let sum = input.addingReportingOverflow(output)
        let total = (try? container.decodeIfPresent(Int.self, forKey: .totalTokens)) ?? (sum.overflow ? .max : sum.partialValue)
        let details = try? container.nestedContainer(keyedBy: DetailKeys.self, forKey: .inputTokenDetails)
        self = .tokens(
            input: input,
            output: output,
            total: total,
            inputAudio: (try? details?.decodeIfPresent(Int.self, forKey: .audioTokens)) ?? nil,
            inputText: (try? details?.decodeIfPresent(Int.self, forKey: .textTokens)) ?? nil
        )
    }

    /// Encodes in OpenAI's shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .duration(let seconds):
            try container.encode("duration", forKey: .type)
            try container.encode(seconds, forKey: .seconds)
        case .tokens(let input, let output, let total, let audio, let text):
            try container.encode("tokens", forKey: .type)
            try container.encode(input, forKey: .inputTokens)
            try container.encode(output, forKey: .outputTokens)
            try container.encode(total, forKey: .totalTokens)
            if audio != nil || text != nil {
                var details = container.nestedContainer(keyedBy: DetailKeys.self, forKey: .inputTokenDetails)
                try details.encodeIfPresent(text, forKey: .textTokens)
                try details.encodeIfPresent(audio, forKey: .audioTokens)
            }
        }
    }
}

/// One token's log probability (`include[]=logprobs`).
public struct TokenLogprob: Sendable, Hashable, Codable {
    /// The token text.
    public var token: String
    /// The log probability.
    public var logprob: Double
    /// The token's UTF-8 bytes.
    public var bytes: [Int]?

    /// Creates a log probability entry.
    public init(token: String, logprob: Double, bytes: [Int]? = nil) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
    }
}

/// A `json` transcription or translation: the text, with optional usage, log probabilities and languages.
public struct Transcription: Sendable, Hashable, Codable {
    /// The transcript.
    public var text: String
    /// What the request was billed on, when reported.
    public var usage: TranscriptionUsage?
    /// Token log probabilities, when requested.
    public var logprobs: [TokenLogprob]?
    /// Detected language codes (`gpt-transcribe`), when reported.
    public var languages: [String]

    /// Creates a transcription.
    public init(
        text: String,
        usage: TranscriptionUsage? = nil,
        logprobs: [TokenLogprob]? = nil,
        languages: [String] = []
    ) {
        self.text = text
        self.usage = usage
        self.logprobs = logprobs
        self.languages = languages
    }

    private enum CodingKeys: String, CodingKey { case text, usage, logprobs, languages }
    private struct LanguageCode: Codable { var code: String }

    /// Decodes leniently: only `text` is needed, and a malformed optional member is skipped.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(String.self, forKey: .text)
        usage = try? container.decodeIfPresent(TranscriptionUsage.self, forKey: .usage)
        logprobs = try? container.decodeIfPresent([TokenLogprob].self, forKey: .logprobs)
        languages =
            ((try? container.decodeIfPresent([LanguageCode].self, forKey: .languages)) ?? nil)?.map(\.code) ?? []
    }

    /// Encodes in OpenAI's shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(usage, forKey: .usage)
        try container.encodeIfPresent(logprobs, forKey: .logprobs)
        if !languages.isEmpty { try container.encode(languages.map(LanguageCode.init), forKey: .languages) }
    }
}

/// A transcription or translation with timing: `verbose_json`, or `diarized_json` mapped into the same shape.
///
/// Decoding is lenient where servers differ: `segments` and `words` may be missing (empty arrays),
/// `language` may be a name (`english`, OpenAI) or a code (`en`, faster-whisper-server), segment `id`
/// may be an integer or a string, `usage` may be duration or tokens, and unknown keys are ignored.
public struct VerboseTranscription: Sendable, Hashable, Codable {
    /// The language as the server wrote it: a lowercase name (`english`) or an ISO code (`en`).
    public var language: String?
    /// The audio duration in seconds.
    public var duration: Double?
    /// The full text.
    public var text: String
    /// The segments, in order; empty when the server sent none.
    public var segments: [Segment]
    /// The words, in order; empty unless word timestamps were requested and supported.
    public var words: [Word]
    /// The task (`transcribe` or `translate`), when reported.
    public var task: String?
    /// What the request was billed on, when reported.
    public var usage: TranscriptionUsage?

    /// Creates a transcription.
    public init(
        language: String? = nil,
        duration: Double? = nil,
        text: String,
        segments: [Segment] = [],
        words: [Word] = [],
        task: String? = nil,
        usage: TranscriptionUsage? = nil
    ) {
        self.language = language
        self.duration = duration
        self.text = text
        self.segments = segments
        self.words = words
        self.task = task
        self.usage = usage
    }

    /// The ISO-639-1 code of ``language``, whether the server wrote a name or a code; `nil` when unknown.
    public var languageCode: String? { language.flatMap(WhisperLanguages.code(for:)) }

    /// One segment of speech.
    public struct Segment: Sendable, Hashable, Codable {
        /// The segment ID as text (`0`, `1`, … from whisper; `seg_001` from diarization), when present.
        public var id: String?
        /// The start time in seconds, relative to the uploaded file.
        public var start: Double
        /// The end time in seconds, relative to the uploaded file.
        public var end: Double
        /// The text, usually with a leading space.
        public var text: String
        /// The average token log probability (below −1 suggests a failed decode).
        public var avgLogprob: Double?
        /// The gzip compression ratio of the text (above 2.4 suggests repetition).
        public var compressionRatio: Double?
        /// The probability that the segment holds no speech.
        public var noSpeechProb: Double?
        /// The sampling temperature used.
        public var temperature: Double?
        /// The speaker label (diarization), when present.
        public var speaker: String?

        /// Creates a segment.
        public init(
            id: String? = nil,
            start: Double,
            end: Double,
            text: String,
            avgLogprob: Double? = nil,
            compressionRatio: Double? = nil,
            noSpeechProb: Double? = nil,
            temperature: Double? = nil,
            speaker: String? = nil
        ) {
            self.id = id
            self.start = start
            self.end = end
            self.text = text
            self.avgLogprob = avgLogprob
            self.compressionRatio = compressionRatio
            self.noSpeechProb = noSpeechProb
            self.temperature = temperature
            self.speaker = speaker
        }

        /// The start time in integer milliseconds, rounded.
        public var startMilliseconds: Int64 { milliseconds(start) }
        /// The end time in integer milliseconds, rounded.
        public var endMilliseconds: Int64 { milliseconds(end) }

        private enum CodingKeys: String, CodingKey {
            case id, start, end, text, temperature, speaker
            case avgLogprob = "avg_logprob"
            case compressionRatio = "compression_ratio"
            case noSpeechProb = "no_speech_prob"
        }

        /// Decodes leniently: `id` as integer or string, numbers as numbers or numeric strings.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = container.decodeLenientString(forKey: .id)
            start = try container.decodeLenientDouble(forKey: .start) ?? 0
            end = try container.decodeLenientDouble(forKey: .end) ?? start
            text = (try? container.decodeIfPresent(String.self, forKey: .text)) ?? ""
            avgLogprob = try? container.decodeLenientDouble(forKey: .avgLogprob)
            compressionRatio = try? container.decodeLenientDouble(forKey: .compressionRatio)
            noSpeechProb = try? container.decodeLenientDouble(forKey: .noSpeechProb)
            temperature = try? container.decodeLenientDouble(forKey: .temperature)
            speaker = container.decodeLenientString(forKey: .speaker)
        }
    }

    /// One word with its timing.
    public struct Word: Sendable, Hashable, Codable {
        /// The word text.
        public var word: String
        /// The start time in seconds.
        public var start: Double
        /// The end time in seconds.
        public var end: Double

        /// Creates a word.
        public init(word: String, start: Double, end: Double) {
            self.word = word
            self.start = start
            self.end = end
        }

        /// The start time in integer milliseconds, rounded.
        public var startMilliseconds: Int64 { milliseconds(start) }
        /// The end time in integer milliseconds, rounded.
        public var endMilliseconds: Int64 { milliseconds(end) }

        private enum CodingKeys: String, CodingKey { case word, start, end }

        /// Decodes leniently: numbers as numbers or numeric strings.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            word = (try? container.decodeIfPresent(String.self, forKey: .word)) ?? ""
            start = try container.decodeLenientDouble(forKey: .start) ?? 0
            end = try container.decodeLenientDouble(forKey: .end) ?? start
        }
    }

    private enum CodingKeys: String, CodingKey { case language, duration, text, segments, words, task, usage }

    /// Decodes leniently; only `text` is required (and even it defaults to the joined segment texts).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        language = container.decodeLenientString(forKey: .language)
        duration = try? container.decodeLenientDouble(forKey: .duration)
        segments = try container.decodeIfPresent([Segment].self, forKey: .segments) ?? []
        words = try container.decodeIfPresent([Word].self, forKey: .words) ?? []
        task = container.decodeLenientString(forKey: .task)
        usage = try? container.decodeIfPresent(TranscriptionUsage.self, forKey: .usage)
        if let text = try container.decodeIfPresent(String.self, forKey: .text) {
            self.text = text
        } else if !segments.isEmpty {
            self.text = segments.map(\.text).joined()
        } else {
            throw DecodingError.keyNotFound(
                CodingKeys.text,
                .init(codingPath: container.codingPath, debugDescription: "no text and no segments")
            )
        }
    }
}

/// A `diarized_json` transcription: segments with speaker labels.
public struct DiarizedTranscription: Sendable, Hashable, Codable {
    /// The task, `transcribe`.
    public var task: String?
    /// The audio duration in seconds.
    public var duration: Double?
    /// The full text (speaker-prefixed lines in OpenAI's examples).
    public var text: String
    /// The segments with their speakers.
    public var segments: [VerboseTranscription.Segment]
    /// What the request was billed on, when reported.
    public var usage: TranscriptionUsage?

    /// Creates a diarized transcription.
    public init(
        task: String? = "transcribe",
        duration: Double? = nil,
        text: String,
        segments: [VerboseTranscription.Segment],
        usage: TranscriptionUsage? = nil
    ) {
        self.task = task
        self.duration = duration
        self.text = text
        self.segments = segments
        self.usage = usage
    }

    private enum CodingKeys: String, CodingKey { case task, duration, text, segments, usage }

    /// Decodes leniently, like ``VerboseTranscription``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        task = container.decodeLenientString(forKey: .task)
        duration = try? container.decodeLenientDouble(forKey: .duration)
        text = (try? container.decodeIfPresent(String.self, forKey: .text)) ?? ""
        segments = try container.decodeIfPresent([VerboseTranscription.Segment].self, forKey: .segments) ?? []
        usage = try? container.decodeIfPresent(TranscriptionUsage.self, forKey: .usage)
    }

    /// The same content as a ``VerboseTranscription`` (segments keep their speakers; no words, no language).
    public var verbose: VerboseTranscription {
        VerboseTranscription(
            language: nil,
            duration: duration,
            text: text,
            segments: segments,
            task: task,
            usage: usage
        )
    }
}

/// A transcription in whichever format was requested.
public enum TranscriptionResult: Sendable, Hashable {
    /// `json`.
    case json(Transcription)
    /// `verbose_json`.
    case verbose(VerboseTranscription)
    /// `diarized_json`.
    case diarized(DiarizedTranscription)
    /// `text`, `srt` or `vtt`: the body as a string.
    case text(String)

    /// The plain text of the result (for `srt`/`vtt`, the subtitle file itself).
    public var text: String {
        switch self {
        case .json(let value): value.text
        case .verbose(let value): value.text
        case .diarized(let value): value.text
        case .text(let value): value
        }
    }
}

private func milliseconds(_ seconds: Double) -> Int64 {
    guard seconds.isFinite else { return 0 }
    // A server may send any number; keep it far inside Int64 so later arithmetic cannot overflow.
    return Int64(min(max(seconds * 1000, -1e15), 1e15).rounded())
}

extension KeyedDecodingContainer {
    /// A number that may arrive as a JSON number or a numeric string; `nil` when absent or null.
    func decodeLenientDouble(forKey key: Key) throws -> Double? {
        guard contains(key), (try? decodeNil(forKey: key)) == false else { return nil }
        if let value = try? decode(Double.self, forKey: key) { return value }
        if let text = try? decode(String.self, forKey: key), let value = Double(text) { return value }
        throw DecodingError.typeMismatch(
            Double.self,
            .init(codingPath: codingPath + [key], debugDescription: "expected a number")
        )
    }

    /// A string that may arrive as a JSON string or number; `nil` when absent, null or another type.
    func decodeLenientString(forKey key: Key) -> String? {
        guard contains(key) else { return nil }
        if let value = try? decode(String.self, forKey: key) { return value }
        if let value = try? decode(Int.self, forKey: key) { return String(value) }
        if let value = try? decode(Double.self, forKey: key) { return String(value) }
        return nil
    }
}
