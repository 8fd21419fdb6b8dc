import Foundation

/// Finds the stretches where the speech detector doubted, frame by frame as the probabilities arrive: where its
/// probability stays low but not near zero for seconds.
///
/// Measured on Silero VAD v6 (`docs/speech-detection.md`): silence, steady tones, synthetic music and pink noise read
/// at or near zero (a second's mean at most 0.026), while speech under a loud music bed, which Whisper still
/// transcribes with confidence, reads 0.01 to 0.3. A frame is doubtful when the second around it (``windowFrames``)
/// holds at least ``minimumLowFrames`` frames reading from ``lowLevel`` up to speech, or when its frames average
/// ``minimumMean`` or more. Frames that read as speech (0.5 or more) and those within ``speechMargin`` of them count
/// as zero: the rise and fall of ordinary speech is not doubt. Doubtful frames less than ``joinFrames`` apart are
/// one run, and runs shorter than ``minimumRunFrames`` are not doubt: the detector answers a sudden sound (noise
/// after music or after speech) with about a second of low readings. Once reported, a run only grows at its end.
struct SpeechDoubtTracker: Sendable {
    /// Frames in the window: 31 frames of 32 ms, about one second, centred on the frame judged.
    static let windowFrames = 31
    /// A low reading: 0.04 (10 of 255) or more.
    static let lowLevel: UInt8 = 10
    /// A speech reading: 0.5 (128 of 255) or more, Silero's own threshold.
    static let speechLevel: UInt8 = 128
    /// Frames on each side of a speech reading that count as zero: 8 frames, 256 ms.
    static let speechMargin = 8
    /// Low readings in a window that make its middle frame doubtful.
    static let minimumLowFrames = 5
    /// The mean reading (0...1) of a window that makes its middle frame doubtful.
    static let minimumMean = 0.03
    /// Doubtful frames at most this far apart join one run: 62 frames, about 2 s (the shortest pause left out of
    /// an upload).
    static let joinFrames: Int64 = 62
    /// The shortest run that is doubt: 62 frames, about 2 s.
    static let minimumRunFrames: Int64 = 62

    /// The doubtful runs found so far (frame indices, ordered, apart by more than ``joinFrames``), each at least
    /// ``minimumRunFrames`` long; the last may still grow.
    var runs: [Range<Int64>] {
        guard let open, open.count >= Self.minimumRunFrames else { return closed }
        return closed + [open]
    }
    /// Frames appended.
    private(set) var frameCount: Int64 = 0

    /// Runs that can no longer grow, long enough.
    private var closed: [Range<Int64>] = []
    /// The run that may still grow.
    private var open: Range<Int64>?
    /// Readings not yet cleaned (waiting for ``speechMargin`` frames after them).
    private var pending: [UInt8] = []
    /// The last frame that read as speech, or nil.
    private var lastSpeech: Int64?
    /// Cleaned readings of the window, oldest first (a ring of ``windowFrames``).
    private var window = [UInt8](repeating: 0, count: windowFrames)
    private var cleaned: Int64 = 0
    private var windowSum = 0
    private var windowLow = 0

    /// Adds the next readings (0...255 per frame).
    mutating func append(_ levels: some Sequence<UInt8>) {
        for level in levels {
            if level >= Self.speechLevel { lastSpeech = frameCount }
            pending.append(level)
            frameCount += 1
            if pending.count > Self.speechMargin { clean(pending.removeFirst()) }
        }
    }

    /// Ends the readings: the last frames are judged without frames after them.
    mutating func finish() {
        for level in pending { clean(level) }
        pending = []
    }

    /// Judges frame `cleaned`: zero when a speech reading lies within the margin on either side.
    private mutating func clean(_ level: UInt8) {
        let frame = cleaned
        cleaned += 1
        let nearSpeech = lastSpeech.map { $0 >= frame - Int64(Self.speechMargin) } ?? false
        let value = nearSpeech ? 0 : level
        let slot = Int(frame % Int64(Self.windowFrames))
        let leaving = window[slot]
        windowSum += Int(value) - Int(leaving)
        windowLow += (value >= Self.lowLevel ? 1 : 0) - (leaving >= Self.lowLevel ? 1 : 0)
        window[slot] = value
        guard cleaned >= Int64(Self.windowFrames) else { return }
        let doubtful = windowLow >= Self.minimumLowFrames
            || Double(windowSum) >= Self.minimumMean * 255 * Double(Self.windowFrames)
        let middle = cleaned - Int64(Self.windowFrames / 2) - 1
        if let run = open, middle - run.upperBound > Self.joinFrames {
            if run.count >= Self.minimumRunFrames { closed.append(run) }
            open = nil
        }
        guard doubtful else { return }
        open = (open?.lowerBound ?? middle)..<(middle + 1)
    }
}
