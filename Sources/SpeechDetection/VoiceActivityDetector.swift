/// Speech detection over a 16 kHz mono stream: Silero VAD v6 probabilities (``SileroVAD``) fed into the region
/// hysteresis (``SpeechRegionTracker``), both streaming in constant memory.
///
/// ```swift
/// let detector = VoiceActivityDetector(model: try SileroVADModel.bundled())
/// while let block = try reader.nextBlock() {           // an AudioReader opened at 16 kHz
///     let update = detector.append(block.samples)
///     use(update.probabilities, update.regions)
/// }
/// let last = detector.finish()
/// ```
///
/// The input must be 16 kHz (the pipeline decodes at 16 kHz by default); the convenience
/// ``detect(in:model:options:)`` checks the reader's rate and fails otherwise. Not `Sendable`: confine an
/// instance to one task.
public final class VoiceActivityDetector {
    /// What one call produced.
    public struct Update: Sendable, Hashable {
        /// Index of the first frame in ``probabilities`` (frame `i` is samples `512 i ..< 512 (i + 1)`).
        public var firstFrame: Int64
        /// Speech probabilities of the frames completed by this call, in order.
        public var probabilities: [Float]
        /// Regions that became final in this call, in order.
        public var regions: [SpeechRegion]
    }

    /// The region options.
    public let options: VoiceActivityOptions
    private let vad: SileroVAD
    private var tracker: SpeechRegionTracker

    /// Creates a detector.
    ///
    /// - Precondition: `options.problem == nil`.
    public init(model: SileroVADModel, options: VoiceActivityOptions = .fasterWhisper) {
        self.options = options
        vad = SileroVAD(model: model)
        tracker = SpeechRegionTracker(options: options)
    }

    /// Samples appended since the start (or the last ``finish()`` / ``reset()``).
    public var sampleCount: Int64 { vad.sampleCount }

    /// Bytes held by the stream's buffers; constant for its whole life.
    var footprint: Int { vad.footprint + MemoryLayout<SpeechRegionTracker>.size }

    /// Adds 16-bit samples.
    public func append(_ samples: some Collection<Int16>) -> Update {
        deliver(vad.append(samples))
    }

    /// Adds samples scaled to -1...1 (`Float(s) / 32768` for a 16-bit sample `s`).
    public func append(_ samples: some Collection<Float>) -> Update {
        deliver(vad.append(samples))
    }

    /// Ends the stream: the last probabilities and every region not yet delivered. The detector then starts over.
    public func finish() -> Update {
        let sampleCount = vad.sampleCount
        var update = deliver(vad.finish())
        update.regions += tracker.finish(sampleCount: sampleCount)
        return update
    }

    /// Forgets the stream.
    public func reset() {
        vad.reset()
        tracker = SpeechRegionTracker(options: options)
    }

    private func deliver(_ probabilities: [Float]) -> Update {
        let first = tracker.frameCount
        let regions = probabilities.isEmpty ? [] : tracker.append(contentsOf: probabilities)
        return Update(firstFrame: first, probabilities: probabilities, regions: regions)
    }
}

/// The speech map of a whole input: a probability per 32 ms frame and the speech regions.
public struct VoiceActivity: Sendable, Hashable {
    /// Where the detection began on the reader's timeline (0 for a fresh reader or a sample array); frame `i`
    /// covers samples `startSample + 512 i ..< startSample + 512 (i + 1)`.
    public var startSample: Int64
    /// Samples analysed (not padded).
    public var sampleCount: Int64
    /// One speech probability per 512-sample frame: `sampleCount / 512 + 1` of them.
    public var probabilities: [Float]
    /// The speech regions, in samples on the same timeline as ``startSample``.
    public var regions: [SpeechRegion]

    /// Creates a value.
    public init(startSample: Int64, sampleCount: Int64, probabilities: [Float], regions: [SpeechRegion]) {
        self.startSample = startSample
        self.sampleCount = sampleCount
        self.probabilities = probabilities
        self.regions = regions
    }
}

extension VoiceActivityDetector {
    /// Detects speech in 16 kHz samples held in memory.
    ///
    /// - Precondition: `options.problem == nil`.
    public static func detect(
        samples: some Collection<Int16>, model: SileroVADModel, options: VoiceActivityOptions = .fasterWhisper
    ) -> VoiceActivity {
        let detector = VoiceActivityDetector(model: model, options: options)
        var result = VoiceActivity(startSample: 0, sampleCount: Int64(samples.count), probabilities: [], regions: [])
        result.absorb(detector.append(samples))
        result.absorb(detector.finish())
        return result
    }
}

extension VoiceActivity {
    /// Adds an update of the detector, placed after this activity's start.
    package mutating func absorb(_ update: VoiceActivityDetector.Update) {
        probabilities += update.probabilities
        regions += update.regions.map {
            SpeechRegion(
                start: startSample + $0.start, end: startSample + $0.end, speechStart: startSample + $0.speechStart,
                speechEnd: startSample + $0.speechEnd)
        }
    }
}
