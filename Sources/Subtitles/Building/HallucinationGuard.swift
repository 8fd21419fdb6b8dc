import Foundation

/// Rules that drop text a speech model invented: over silence, in repetition loops, known phantom credits.
///
/// Every rule is on by default and can be switched off; ``disabled`` turns them all off. The thresholds default
/// to Whisper's own (`no_speech_threshold` 0.6, `logprob_threshold` -1.0, `compression_ratio_threshold` 2.4).
public struct HallucinationGuard: Sendable {
    /// Drop segments the model marks as silence: `noSpeechProbability > noSpeechThreshold` together with
    /// `averageLogProbability < logProbabilityThreshold`. Rule name `silence`.
    public var dropsSilence = true
    /// Drop segments with `compressionRatio > compressionRatioThreshold`, and sentences of three or more words
    /// repeated back to back (the repeats; the first stays). Rule name `loop`.
    public var dropsLoops = true
    /// Drop segments made only of known phantom phrases ("Thanks for watching!", Amara.org credits) for the
    /// language, and segments with no letters or digits at all, where the speech map (if any) hears no speech.
    /// Rule name `phantom-phrase`.
    public var dropsPhantomPhrases = true
    /// Drop text where the pipeline's speech activity shows no speech: segments that overlap no speech region and
    /// no doubtful stretch (sure non-speech: rule `outside-speech`), and segments whose speech holds too little of
    /// it: a mean speech probability below ``minimumSpeechProbability`` with a detector's probabilities, else a
    /// speech fraction below ``minimumSpeechFraction`` (rule `no-speech`), measured over the speech the segment
    /// covers, never over a pause it runs across. Over doubtful speech (``SpeechActivity/doubtfulRegions``) the
    /// `no-speech` rule drops only text the model itself doubts (``modelIsConfident(_:)`` false). With this rule
    /// off, segments keep their times when they overlap no speech.
    public var dropsTextWithoutSpeech = true

    /// `no_speech_prob` above which a low-confidence segment counts as silence.
    public var noSpeechThreshold: Double = 0.6
    /// `avg_logprob` below which a segment counts as low-confidence.
    public var logProbabilityThreshold: Double = -1.0
    /// `compression_ratio` above which a segment counts as a repetition loop.
    public var compressionRatioThreshold: Double = 2.4
    /// Segments whose span holds less speech than this fraction are dropped by the `no-speech` rule (speech
    /// maps without probabilities: the energy fallback).
    public var minimumSpeechFraction: Double = 0.1
    /// Segments whose span has a lower mean speech probability are dropped by the `no-speech` rule (speech maps
    /// with a detector's probabilities).
    public var minimumSpeechProbability: Double = 0.15
    /// Extra phrases to treat as phantom. Unlike the built-in lists (dropped only where no speech is detected),
    /// these are dropped wherever they come back.
    public var additionalPhantomPhrases: PhantomPhraseList?

    /// Creates a guard; all rules default to on.
    public init(
        dropsSilence: Bool = true,
        dropsLoops: Bool = true,
        dropsPhantomPhrases: Bool = true,
        dropsTextWithoutSpeech: Bool = true,
        additionalPhantomPhrases: PhantomPhraseList? = nil
    ) {
        self.dropsSilence = dropsSilence
        self.dropsLoops = dropsLoops
        self.dropsPhantomPhrases = dropsPhantomPhrases
        self.dropsTextWithoutSpeech = dropsTextWithoutSpeech
        self.additionalPhantomPhrases = additionalPhantomPhrases
    }

    /// A guard with every rule off.
    public static let disabled = HallucinationGuard(
        dropsSilence: false, dropsLoops: false, dropsPhantomPhrases: false, dropsTextWithoutSpeech: false
    )

    /// The mean speech probability at or above which a segment lies inside detected speech, where the
    /// phantom-phrase rule never drops it.
    static let detectedSpeechProbability = 0.5

    /// The rule that drops `segment` on its own (everything except back-to-back repetition), or nil to keep it.
    ///
    /// - Parameters:
    ///   - segment: the segment; times relative to `offset`.
    ///   - offset: where the segment's chunk starts on the media timeline.
    ///   - phrases: the phantom phrases in effect, prepared.
    ///   - speechActivity: the pipeline's speech map, if any.
    ///   - language: the track's language (ISO 639-1 or a tag), if known: text over doubtful speech in another
    ///     language is dropped (`other-language`).
    func rule(
        for segment: TranscriptSegment,
        offset: Milliseconds,
        phrases: PhantomPhraseMatcher,
        ownPhrases: PhantomPhraseMatcher? = nil,
        speechActivity: SpeechActivity?,
        language: String? = nil
    ) -> DroppedSegment.Rule? {
        if dropsSilence, let noSpeech = segment.noSpeechProbability, let logProb = segment.averageLogProbability,
            noSpeech > noSpeechThreshold, logProb < logProbabilityThreshold
        {
            return DroppedSegment.Rule.silence
        }
        if dropsLoops, let ratio = segment.compressionRatio, ratio > compressionRatioThreshold {
            return DroppedSegment.Rule.loop
        }
        // A phrase on the built-in phantom lists is dropped only where no one is heard speaking: inside detected
        // speech ("...and that should be all. Thanks.") it is what the speaker said. The user's own phrases are
        // dropped wherever they come back: the user knows they are never wanted.
        let speechProbability = speechActivity?.meanProbability(from: offset + segment.start, to: offset + segment.end)
        let insideDetectedSpeech = speechProbability.map { $0 >= Self.detectedSpeechProbability } ?? false
        if dropsPhantomPhrases {
            let looksUnsure =
                (segment.noSpeechProbability ?? 0) >= 0.3 || (segment.averageLogProbability ?? 0) < -0.7
                || (speechProbability.map { $0 < Self.detectedSpeechProbability } ?? false)
            if PhantomPhraseMatcher.hasNothingToRead(segment.text) { return DroppedSegment.Rule.phantomPhrase }
            if let ownPhrases, ownPhrases.matchesWholly(segment.text, allowingWeakPhrases: true) {
                return DroppedSegment.Rule.phantomPhrase
            }
            if !insideDetectedSpeech, phrases.matchesWholly(segment.text, allowingWeakPhrases: looksUnsure) {
                return DroppedSegment.Rule.phantomPhrase
            }
        }
        guard dropsTextWithoutSpeech, let speechActivity else { return nil }
        let overDoubt = !speechActivity.doubtfulRegions(overlapping: offset + segment.start, offset + segment.end)
            .isEmpty
        if overDoubt, !insideDetectedSpeech, let language,
            Self.contradicts(language, TextLanguage.englishVerdict(for: segment.text))
        {
            // Over doubtful speech, text in another language than the track's is what the model made of noise or
            // music, not what the speaker said.
            return DroppedSegment.Rule.otherLanguage
        }
        if segment.end > segment.start,
            holdsTooLittleSpeech(from: offset + segment.start, to: offset + segment.end, in: speechActivity)
        {
            // Over doubtful speech the detector's low probability alone never drops words the model heard with
            // confidence: quiet, muffled or music-covered speech reads low.
            if !overDoubt || !modelIsConfident(segment) { return DroppedSegment.Rule.noSpeech }
        }
        return nil
    }

    /// Whether the offline language check decides that text is not in the track's `language`: for an English
    /// track, any other language; for another track, English or another recognised language. Undecided text
    /// (names, numbers, a word or two) never contradicts.
    static func contradicts(_ language: String, _ verdict: TextLanguage.Verdict) -> Bool {
        let track = language.lowercased().split(separator: "-").first.map(String.init) ?? ""
        switch verdict {
        case .undecided: return false
        case .english: return track != "en"
        case .other(let code): return track == "en" || (code != "und" && code != track)
        }
    }

    /// Whether the speech `[from, to)` covers is too little for text: measured over the heard regions (speech or
    /// doubtful speech) inside it, so a long pause the segment runs across (one segment over speech, 31 s of
    /// silence and more speech) never counts against its words; the aligner has cut its times to that speech.
    func holdsTooLittleSpeech(from: Milliseconds, to: Milliseconds, in activity: SpeechActivity) -> Bool {
        let heard = activity.heardRegions(overlapping: from, to).map {
            SpeechSpan(start: max($0.start, from), end: min($0.end, to))
        }.filter { $0.duration > 0 }
        let pieces = heard.isEmpty ? [SpeechSpan(start: from, end: to)] : heard
        let total = Double(pieces.reduce(0) { $0 + $1.duration })
        guard total > 0 else { return false }
        if activity.probabilities != nil {
            let mean = pieces.reduce(0.0) {
                $0 + activity.meanProbability(from: $1.start, to: $1.end) * Double($1.duration)
            } / total
            return mean < minimumSpeechProbability
        }
        let fraction = pieces.reduce(0.0) {
            $0 + activity.speechFraction(from: $1.start, to: $1.end) * Double($1.duration)
        } / total
        return fraction < minimumSpeechFraction
    }

    /// Whether the model vouches for `segment` itself: its no-speech probability at most ``noSpeechThreshold`` and
    /// its average log probability at least ``logProbabilityThreshold`` (a figure the model did not give counts
    /// for it). Text the model heard with confidence over doubtful speech is kept.
    public func modelIsConfident(_ segment: TranscriptSegment) -> Bool {
        (segment.noSpeechProbability.map { $0 <= noSpeechThreshold } ?? true)
            && (segment.averageLogProbability.map { $0 >= logProbabilityThreshold } ?? true)
    }
}

/// A piece of text the guard removed, with the rule that removed it, so a user can see and undo it.
public struct DroppedSegment: Sendable, Hashable, Codable {
    /// Start on the media timeline.
    public var start: Milliseconds
    /// End on the media timeline.
    public var end: Milliseconds
    /// The dropped text.
    public var text: String
    /// The rule that dropped it.
    public var rule: Rule

    /// Creates a report entry.
    public init(start: Milliseconds, end: Milliseconds, text: String, rule: Rule) {
        self.start = start
        self.end = end
        self.text = text
        self.rule = rule
    }

    /// The rule names the guard reports.
    public enum Rule: String, Sendable, Codable, Hashable, CaseIterable, CustomStringConvertible {
        /// The model marked the segment as silence.
        case silence
        /// Repetition: high compression ratio or a sentence repeated back to back.
        case loop
        /// A known phantom phrase.
        case phantomPhrase = "phantom-phrase"
        /// The speech map shows too little speech under the text (over doubtful speech: and the model doubted it too).
        case noSpeech = "no-speech"
        /// The text overlaps no detected speech region and no doubtful stretch: sure non-speech.
        case outsideSpeech = "outside-speech"
        /// A translation that came back in another language than English, even after a re-request.
        case notEnglish = "not-english"
        /// Text over doubtful speech (no speech detected with confidence) that the offline language check reads as
        /// another language than the track's: what the model made of noise or music.
        case otherLanguage = "other-language"

        /// The name reports carry.
        public var description: String { rawValue }
    }
}
