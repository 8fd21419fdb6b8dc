/// A streaming model of speech probability: what the pipeline's speech map asks of Silero VAD.
///
/// ``SileroVAD`` is the default; a test gives a model that says exactly where speech is (or doubts it), with no
/// weights loaded. Frames are ``frameLength`` samples at 16 kHz (the pipeline's speech map takes Silero's 512);
/// every probability is 0...1.
///
/// Not `Sendable`: a model keeps the state of one stream and is confined to the task that feeds it.
public protocol SpeechProbabilityModel: AnyObject {
    /// Samples per frame (one probability each).
    var frameLength: Int { get }
    /// Adds samples and returns the probabilities of the frames they complete (possibly none).
    func append(_ samples: ArraySlice<Int16>) -> [Float]
    /// Ends the stream and returns the probabilities still held (the last, padded frame included).
    func finish() -> [Float]
}

extension SileroVAD: SpeechProbabilityModel {
    /// ``SileroVAD/frameLength``.
    public var frameLength: Int { Self.frameLength }

    public func append(_ samples: ArraySlice<Int16>) -> [Float] {
        appendSamples(samples)
    }

    private func appendSamples<C: Collection<Int16>>(_ samples: C) -> [Float] {
        let generic: (C) -> [Float] = append
        return generic(samples)
    }
}
