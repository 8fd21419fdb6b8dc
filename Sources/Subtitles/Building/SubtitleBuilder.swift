import Foundation

/// What ``SubtitleBuilder`` produced: the cues, what the hallucination guard dropped, and where the cues still
/// break the style profile.
public struct SubtitleBuildResult: Sendable {
    /// The cues, ordered, without overlaps.
    public var cues: [Cue]
    /// Every piece of text the hallucination guard removed, in time order.
    public var dropped: [DroppedSegment]
    /// Rules the cues could not meet without hiding or bending text (fast speech, very long words).
    public var violations: [StyleViolation]

    /// Creates a result.
    public init(cues: [Cue], dropped: [DroppedSegment], violations: [StyleViolation]) {
        self.cues = cues
        self.dropped = dropped
        self.violations = violations
    }
}

/// Turns chunked transcripts into subtitle cues: merge chunks, guard against hallucinations, shape to a style.
public struct SubtitleBuilder: Sendable {
    /// The style the cues are shaped to.
    public var style: StyleProfile
    /// The hallucination rules.
    public var hallucinationGuard: HallucinationGuard
    /// The transcript's language (ISO 639-1, or a tag such as `en-US`); picks the phantom-phrase list.
    public var language: String?
    /// Whether each cue keeps the times of its words (``Cue/words``), for word highlighting: the model's word
    /// timestamps aligned to speech, or, for a segment without them, its speech shared out by characters.
    public var keepsWordTimes = false

    /// Creates a builder.
    /// - Parameters:
    ///   - style: the style profile; Netflix English by default.
    ///   - hallucinationGuard: the hallucination rules; all on by default.
    ///   - language: the ISO 639-1 code of the transcript; with nil, every built-in phantom-phrase list applies.
    public init(style: StyleProfile = .netflix, hallucinationGuard: HallucinationGuard = HallucinationGuard(), language: String? = nil) {
        self.style = style
        self.hallucinationGuard = hallucinationGuard
        self.language = language
    }

    /// Builds cues from the chunks' segments.
    /// - Parameters:
    ///   - chunks: transcripts with their offsets on the media timeline, in any order; they may overlap.
    ///   - speechActivity: the pipeline's speech map on the media timeline, for the `no-speech` rule.
    public func build(from chunks: [TranscriptChunk], speechActivity: SpeechActivity? = nil) -> SubtitleBuildResult {
        let merger = ChunkMerger(
            hallucinationGuard: hallucinationGuard,
            phrases: PhantomPhraseMatcher(PhantomPhraseList.builtIn(language: language)),
            ownPhrases: hallucinationGuard.additionalPhantomPhrases.map(PhantomPhraseMatcher.init),
            speechActivity: speechActivity,
            language: language
        )
        let merged = merger.merge(chunks)
        let cues = CueShaper(style: style, keepsWords: keepsWordTimes).shape(merged.tokens)
        let violations = Linter(style: style).lint(cues)
        return SubtitleBuildResult(cues: cues, dropped: merged.dropped, violations: violations)
    }

    /// One cue per segment, as Whisper's CLI writes them: offsets applied, no guard, no shaping, lines as the
    /// model wrote them. For comparison and measurement.
    public static func oneCuePerSegment(from chunks: [TranscriptChunk]) -> [Cue] {
        chunks.sorted { $0.offset < $1.offset }.flatMap { chunk in
            chunk.segments.compactMap { segment -> Cue? in
                let text = segment.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                guard !text.isEmpty else { return nil }
                let start = max(0, chunk.offset + segment.start)
                return Cue(start: start, end: max(start + 1, chunk.offset + segment.end), lines: [text], speaker: segment.speaker)
            }
        }
    }
}
