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
    /// language, and segments with no letters or digits at all. Rule name `phantom-phrase`.
    public var dropsPhantomPhrases = true
    /// Drop segments over stretches the pipeline's speech activity marks as non-speech. Rule name `no-speech`.
    public var dropsTextWithoutSpeech = true

    /// `no_speech_prob` above which a low-confidence segment counts as silence.
    public var noSpeechThreshold: Double = 0.6
    /// `avg_logprob` below which a segment counts as low-confidence.
    public var logProbabilityThreshold: Double = -1.0
    /// `compression_ratio` above which a segment counts as a repetition loop.
    public var compressionRatioThreshold: Double = 2.4
    /// Segments whose span holds less speech than this fraction are dropped by the `no-speech` rule.
    public var minimumSpeechFraction: Double = 0.1
    /// Extra phrases to treat as phantom, merged with the built-in lists.
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

    /// The rule that drops `segment` on its own (everything except back-to-back repetition), or nil to keep it.
    ///
    /// - Parameters:
    ///   - segment: the segment; times relative to `offset`.
    ///   - offset: where the segment's chunk starts on the media timeline.
    ///   - phrases: the phantom phrases in effect, prepared.
    ///   - speechActivity: the pipeline's speech map, if any.
    func rule(
        for segment: TranscriptSegment,
        offset: Milliseconds,
        phrases: PhantomPhraseMatcher,
        speechActivity: SpeechActivity?
    ) -> String? {
        if dropsSilence, let noSpeech = segment.noSpeechProbability, let logProb = segment.averageLogProbability,
            noSpeech > noSpeechThreshold, logProb < logProbabilityThreshold
        {
            return DroppedSegment.Rule.silence
        }
        if dropsLoops, let ratio = segment.compressionRatio, ratio > compressionRatioThreshold {
            return DroppedSegment.Rule.loop
        }
        if dropsPhantomPhrases {
            let looksUnsure =
                (segment.noSpeechProbability ?? 0) >= 0.3 || (segment.averageLogProbability ?? 0) < -0.7
                || (speechActivity.map { $0.speechFraction(from: offset + segment.start, to: offset + segment.end) < 0.5 }
                    ?? false)
            if phrases.matchesWholly(segment.text, allowingWeakPhrases: looksUnsure) {
                return DroppedSegment.Rule.phantomPhrase
            }
        }
        if dropsTextWithoutSpeech, let speechActivity, segment.end > segment.start {
            let fraction = speechActivity.speechFraction(from: offset + segment.start, to: offset + segment.end)
            if fraction < minimumSpeechFraction { return DroppedSegment.Rule.noSpeech }
        }
        return nil
    }
}

/// Speech activity on the media timeline, from the pipeline's energy map or a voice-activity detector.
public struct SpeechActivity: Sendable {
    /// The length of one frame.
    public let frameDuration: Milliseconds
    /// Whether each frame holds speech.
    public let isSpeech: [Bool]
    /// prefix[i] = number of speech frames among the first i frames.
    private let prefix: [Int]

    /// Creates the map; frame `i` covers `[i * frameDuration, (i + 1) * frameDuration)` on the media timeline.
    public init(frameDuration: Milliseconds, isSpeech: [Bool]) {
        self.frameDuration = max(1, frameDuration)
        self.isSpeech = isSpeech
        var prefix = [Int](repeating: 0, count: isSpeech.count + 1)
        for (index, speech) in isSpeech.enumerated() { prefix[index + 1] = prefix[index] + (speech ? 1 : 0) }
        self.prefix = prefix
    }

    /// The end of the last frame.
    public var coveredDuration: Milliseconds { Milliseconds(isSpeech.count) * frameDuration }

    /// The fraction of `[from, to)` that lies in speech frames, weighting partial frames by overlap.
    ///
    /// Time outside the map (before 0 or after its last frame) counts as speech, because there is no evidence
    /// against it. An empty or reversed range gives 1 when its instant lies in speech (or outside the map), else 0.
    public func speechFraction(from: Milliseconds, to: Milliseconds) -> Double {
        if to <= from {
            let frame = from / frameDuration
            guard from >= 0, frame < Milliseconds(isSpeech.count) else { return 1 }
            return isSpeech[Int(frame)] ? 1 : 0
        }
        let total = Double(to - from)
        let covered0 = max(from, 0)
        let covered1 = min(to, coveredDuration)
        var speech = Double(max(0, to - from) - max(0, covered1 - covered0))  // outside the map
        if covered1 > covered0 {
            speech += Double(speechMilliseconds(from: covered0, to: covered1))
        }
        return min(1, max(0, speech / total))
    }

    /// Milliseconds of speech in `[from, to)`, which must lie inside the map.
    private func speechMilliseconds(from: Milliseconds, to: Milliseconds) -> Milliseconds {
        let firstFrame = from / frameDuration
        let lastFrame = (to - 1) / frameDuration
        if firstFrame == lastFrame {
            return isSpeech[Int(firstFrame)] ? to - from : 0
        }
        var result: Milliseconds = 0
        if isSpeech[Int(firstFrame)] { result += (firstFrame + 1) * frameDuration - from }
        if isSpeech[Int(lastFrame)] { result += to - lastFrame * frameDuration }
        if lastFrame - firstFrame > 1 {
            result += Milliseconds(prefix[Int(lastFrame)] - prefix[Int(firstFrame) + 1]) * frameDuration
        }
        return result
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
    /// The rule: `silence`, `loop`, `phantom-phrase` or `no-speech`.
    public var rule: String

    /// Creates a report entry.
    public init(start: Milliseconds, end: Milliseconds, text: String, rule: String) {
        self.start = start
        self.end = end
        self.text = text
        self.rule = rule
    }

    /// The rule names the guard reports.
    public enum Rule {
        /// The model marked the segment as silence.
        public static let silence = "silence"
        /// Repetition: high compression ratio or a sentence repeated back to back.
        public static let loop = "loop"
        /// A known phantom phrase.
        public static let phantomPhrase = "phantom-phrase"
        /// The speech map shows no speech under the text.
        public static let noSpeech = "no-speech"
    }
}
