import SubtitlerSupport
/// How speech probabilities become speech regions: the hysteresis of faster-whisper's `VadOptions` and
/// `get_speech_timestamps`, with the same meanings and, by default, the same values.
///
/// - ``fasterWhisper`` (also `VoiceActivityOptions()`): threshold 0.5, negative threshold 0.35 (derived), no
///   minimum speech, no maximum, 2000 ms minimum silence, 400 ms padding. Long pauses inside speech are kept;
///   suited to cutting audio for transcription.
/// - ``silero``: the defaults of Silero's own `get_speech_timestamps`: threshold 0.5, negative threshold 0.35,
///   250 ms minimum speech, no maximum, 100 ms minimum silence, 30 ms padding. Tighter regions, closer to the
///   words. (The region algorithm stays faster-whisper's; it differs from Silero's only in how a region longer
///   than ``maximumSpeechMilliseconds`` is split, so with no maximum the regions are the same.)
///
/// Durations are milliseconds, converted to samples at 16 kHz (16 samples per millisecond).
public struct VoiceActivityOptions: Sendable, Hashable, Codable {
    /// A frame whose probability is at least this is speech (it starts a region, or keeps one going).
    public var threshold: Double
    /// Below this a frame is silence and may end a region (after ``minimumSilenceMilliseconds``); frames between
    /// the two thresholds keep the current state. `nil`: `max(threshold - 0.15, 0.01)`.
    public var negativeThreshold: Double?
    /// Regions not longer than this are dropped (faster-whisper 0, Silero 250).
    public var minimumSpeechMilliseconds: Int64
    /// A region reaching this length is split: at the last pause longer than 98 ms inside it if there is one,
    /// otherwise just before this length. `nil`: no limit.
    public var maximumSpeechMilliseconds: Int64?
    /// Silence shorter than this does not end a region (faster-whisper 2000, Silero 100).
    public var minimumSilenceMilliseconds: Int64
    /// Each region is widened by this much on both sides; where two regions are closer than twice this, the gap
    /// is split between them (faster-whisper 400, Silero 30).
    public var speechPadMilliseconds: Int64

    /// Creates options; every default is faster-whisper's.
    public init(
        threshold: Double = 0.5,
        negativeThreshold: Double? = nil,
        minimumSpeechMilliseconds: Int64 = 0,
        maximumSpeechMilliseconds: Int64? = nil,
        minimumSilenceMilliseconds: Int64 = 2000,
        speechPadMilliseconds: Int64 = 400
    ) {
        self.threshold = threshold
        self.negativeThreshold = negativeThreshold
        self.minimumSpeechMilliseconds = minimumSpeechMilliseconds
        self.maximumSpeechMilliseconds = maximumSpeechMilliseconds
        self.minimumSilenceMilliseconds = minimumSilenceMilliseconds
        self.speechPadMilliseconds = speechPadMilliseconds
    }

    /// faster-whisper's `VadOptions()` defaults (the same as `VoiceActivityOptions()`).
    public static let fasterWhisper = VoiceActivityOptions()

    /// Silero VAD's own `get_speech_timestamps` defaults.
    public static let silero = VoiceActivityOptions(
        minimumSpeechMilliseconds: 250, minimumSilenceMilliseconds: 100, speechPadMilliseconds: 30)

    /// The negative threshold in force: ``negativeThreshold`` or `max(threshold - 0.15, 0.01)`.
    public var effectiveNegativeThreshold: Double {
        negativeThreshold ?? max(threshold - 0.15, 0.01)
    }

    /// A description of the first invalid setting, or `nil` when all are usable.
    public var problem: SettingProblem? {
        if !(threshold > 0 && threshold <= 1) { return SettingProblem("threshold", "threshold \(threshold) is outside 0 < t <= 1") }
        if let negativeThreshold, !(negativeThreshold >= 0 && negativeThreshold <= threshold) {
            return SettingProblem("negativeThreshold", "negative threshold \(negativeThreshold) is outside 0...\(threshold)")
        }
        if minimumSpeechMilliseconds < 0 { return SettingProblem("minimumSpeechMilliseconds", "minimum speech \(minimumSpeechMilliseconds) ms is negative") }
        if minimumSilenceMilliseconds < 0 { return SettingProblem("minimumSilenceMilliseconds", "minimum silence \(minimumSilenceMilliseconds) ms is negative") }
        if speechPadMilliseconds < 0 { return SettingProblem("speechPadMilliseconds", "speech padding \(speechPadMilliseconds) ms is negative") }
        if let maximumSpeechMilliseconds, maximumSpeechMilliseconds <= 0 {
            return SettingProblem("maximumSpeechMilliseconds", "maximum speech \(maximumSpeechMilliseconds) ms is not positive")
        }
        return nil
    }
}

/// A stretch of speech on the 16 kHz timeline of the audio given to the detector.
///
/// ``start`` and ``end`` are the region as faster-whisper's `get_speech_timestamps` returns it (padded);
/// ``speechStart`` and ``speechEnd`` are the same region before padding: where the probabilities crossed the
/// thresholds (the first speech frame's start, and the start of the silence that ended it).
public struct SpeechRegion: Sendable, Hashable, Codable {
    /// First sample of the region, padded (16 kHz samples).
    public var start: Int64
    /// One past the last sample of the region, padded (16 kHz samples).
    public var end: Int64
    /// First sample of the region before padding.
    public var speechStart: Int64
    /// End of the region before padding.
    public var speechEnd: Int64

    /// Creates a region.
    public init(start: Int64, end: Int64, speechStart: Int64, speechEnd: Int64) {
        self.start = start
        self.end = end
        self.speechStart = speechStart
        self.speechEnd = speechEnd
    }

    /// ``start`` in milliseconds (rounded down).
    public var startMilliseconds: Int64 { start / 16 }
    /// ``end`` in milliseconds (rounded up, so the region covers its last sample).
    public var endMilliseconds: Int64 { (end + 15) / 16 }
    /// Padded length in samples.
    public var sampleCount: Int64 { end - start }
}
