import SpeechDetection

/// A speech model that says what the test wrote: `probability(sample)` for each 512-sample frame (taken at the
/// frame's middle). No weights, no inference.
public final class ScriptedSpeechModel: SpeechProbabilityModel {
    public let frameLength = 512
    private let probability: @Sendable (Int64) -> Float
    private var position: Int64 = 0
    private var pending = 0

    /// A model whose frame probabilities come from `probability` (given the frame's middle sample).
    public init(_ probability: @escaping @Sendable (Int64) -> Float) {
        self.probability = probability
    }

    /// Speech (probability 0.95) inside `ranges` of samples, silence (0.0) elsewhere.
    public convenience init(speech ranges: [Range<Int64>]) {
        self.init { sample in ranges.contains { $0.contains(sample) } ? 0.95 : 0 }
    }

    public func append(_ samples: ArraySlice<Int16>) -> [Float] {
        pending += samples.count
        var output: [Float] = []
        while pending >= frameLength {
            output.append(probability(position + Int64(frameLength / 2)))
            position += Int64(frameLength)
            pending -= frameLength
        }
        return output
    }

    public func finish() -> [Float] {
        defer { position = 0; pending = 0 }
        return pending > 0 ? [probability(position + Int64(pending / 2))] : []
    }
}
