import SubtitlerSupport
/// Turns a stream of per-frame speech probabilities into ``SpeechRegion``s, each delivered as soon as it can no
/// longer change, with exactly the semantics of faster-whisper's `get_speech_timestamps` (the same options give
/// the same regions, sample for sample).
///
/// Frame `i` is samples `512 i ..< 512 (i + 1)` at 16 kHz. A region is final once the hysteresis has closed it
/// and either the next region has begun (the gap between them decides both paddings) or the stream has moved on
/// far enough that no later region can come within twice the padding; ``finish(sampleCount:)`` delivers the rest.
/// State is a few numbers: memory does not grow with the stream.
public struct SpeechRegionTracker: Sendable {
    /// The options in force.
    public let options: VoiceActivityOptions
    /// Probabilities consumed so far.
    public private(set) var frameCount: Int64 = 0

    private static let window: Int64 = 512
    /// A pause longer than this inside a region is a place to split it at the maximum length (98 ms).
    private static let splitSilence: Int64 = 16_000 * 98 / 1000

    private let threshold: Double
    private let negativeThreshold: Double
    private let minimumSpeech: Int64
    private let maximumSpeech: Double
    private let minimumSilence: Int64
    private let pad: Int64

    // get_speech_timestamps' loop state; 0 means "unset" exactly as there.
    private var triggered = false
    private var currentStart: Int64 = 0
    private var temporaryEnd: Int64 = 0
    private var previousEnd: Int64 = 0
    private var nextStart: Int64 = 0

    /// The last closed region, waiting for its padded end: (raw start, raw end, padded start).
    private var waiting: (start: Int64, end: Int64, paddedStart: Int64)?

    /// Creates a tracker.
    ///
    /// - Precondition: `options.problem == nil`.
    public init(options: VoiceActivityOptions = .fasterWhisper) {
        precondition(options.problem == nil, "invalid voice activity options: \(options.problem?.message ?? "")")
        self.options = options
        threshold = options.threshold
        negativeThreshold = options.effectiveNegativeThreshold
        minimumSpeech = 16 * options.minimumSpeechMilliseconds
        pad = 16 * options.speechPadMilliseconds
        minimumSilence = 16 * options.minimumSilenceMilliseconds
        if let maximum = options.maximumSpeechMilliseconds {
            // As faster-whisper computes it, in floating point from seconds.
            maximumSpeech = 16_000 * (Double(maximum) / 1000) - Double(Self.window) - 2 * Double(pad)
        } else {
            maximumSpeech = .infinity
        }
    }

    /// Consumes one frame's probability; returns the regions that became final (usually none).
    public mutating func append(_ probability: Float) -> [SpeechRegion] {
        var final: [SpeechRegion] = []
        step(Double(probability), into: &final)
        return final
    }

    /// Consumes frames' probabilities in order; returns the regions that became final.
    public mutating func append(contentsOf probabilities: some Sequence<Float>) -> [SpeechRegion] {
        var final: [SpeechRegion] = []
        for probability in probabilities { step(Double(probability), into: &final) }
        return final
    }

    /// Ends the stream of `sampleCount` samples (the audio's length, not padded) and returns the remaining
    /// regions. The tracker then starts over.
    public mutating func finish(sampleCount: Int64) -> [SpeechRegion] {
        var final: [SpeechRegion] = []
        if triggered && sampleCount - currentStart > minimumSpeech {
            close(start: currentStart, end: sampleCount, into: &final)
        }
        if let waiting {
            let end = min(sampleCount, waiting.end + pad)
            final.append(
                SpeechRegion(start: waiting.paddedStart, end: end, speechStart: waiting.start, speechEnd: waiting.end))
        }
        self = SpeechRegionTracker(options: options)
        return final
    }

    // MARK: The loop of get_speech_timestamps, one frame at a time

    private mutating func step(_ p: Double, into final: inout [SpeechRegion]) {
        let i = frameCount
        frameCount += 1
        let position = Self.window * i
        defer { releaseIfSettled(at: i, into: &final) }

        if p >= threshold && temporaryEnd != 0 {
            temporaryEnd = 0
            if nextStart < previousEnd { nextStart = position }
        }
        if p >= threshold && !triggered {
            triggered = true
            currentStart = position
            return
        }
        if triggered && Double(position - currentStart) > maximumSpeech {
            if previousEnd != 0 {
                close(start: currentStart, end: previousEnd, into: &final)
                if nextStart < previousEnd {
                    triggered = false
                } else {
                    currentStart = nextStart
                }
                previousEnd = 0
                nextStart = 0
                temporaryEnd = 0
            } else {
                close(start: currentStart, end: position, into: &final)
                previousEnd = 0
                nextStart = 0
                temporaryEnd = 0
                triggered = false
                return
            }
        }
        if p < negativeThreshold && triggered {
            if temporaryEnd == 0 { temporaryEnd = position }
            if position - temporaryEnd > Self.splitSilence { previousEnd = temporaryEnd }
            if position - temporaryEnd < minimumSilence { return }
            if temporaryEnd - currentStart > minimumSpeech {
                close(start: currentStart, end: temporaryEnd, into: &final)
            }
            previousEnd = 0
            nextStart = 0
            temporaryEnd = 0
            triggered = false
        }
    }

    // MARK: Padding, as the second loop of get_speech_timestamps

    /// A raw region closed: settle the one waiting before it (the gap decides both paddings) and wait with this one.
    private mutating func close(start: Int64, end: Int64, into final: inout [SpeechRegion]) {
        // The first region, or one after a region already delivered (at least twice the padding away): padded.
        var paddedStart = max(0, start - pad)
        if let waiting {
            let silence = start - waiting.end
            let waitingEnd: Int64
            if Double(silence) < 2 * Double(pad) {
                waitingEnd = waiting.end + silence / 2
                paddedStart = max(0, start - silence / 2)
            } else {
                // The next region exists, so the audio reaches past `waiting.end + pad`.
                waitingEnd = waiting.end + pad
                paddedStart = max(0, start - pad)
            }
            final.append(
                SpeechRegion(
                    start: waiting.paddedStart, end: waitingEnd, speechStart: waiting.start, speechEnd: waiting.end))
        }
        waiting = (start, end, paddedStart)
    }

    /// Delivers the waiting region early once no later region can start within twice the padding of it.
    private mutating func releaseIfSettled(at frame: Int64, into final: inout [SpeechRegion]) {
        guard let waiting else { return }
        // The earliest start a later region can have: the open region's start, else the next frame's.
        let earliest = triggered ? currentStart : Self.window * (frame + 1)
        // The audio reaches at least the start of this frame, so the end padding is not clipped by the audio's end.
        guard Double(earliest - waiting.end) >= 2 * Double(pad), waiting.end + pad <= Self.window * frame else {
            return
        }
        final.append(
            SpeechRegion(
                start: waiting.paddedStart, end: waiting.end + pad, speechStart: waiting.start,
                speechEnd: waiting.end))
        self.waiting = nil
    }
}
