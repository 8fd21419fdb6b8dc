import Foundation

/// Changes the tempo of mono speech without changing its pitch, by WSOLA (waveform-similarity overlap-add).
///
/// The output is built from 30 ms Hann-windowed frames laid down every 15 ms. Each frame is taken from the input near
/// where the tempo says it should come from (within ±10 ms), at the offset whose waveform best continues the frame
/// before it (largest cross-correlation), so periods line up and the pitch stays where it was. The search runs
/// coarse-to-fine: first on every fourth sample (at 48 kHz; every `rate / 12 kHz`-th in general), then sample by
/// sample around the best coarse offset. Cost is linear in the input length: about 100,000 multiply-adds per 15 ms of
/// output at 48 kHz (some 7 million per second of speech). Pure Swift; no FFmpeg.
///
/// ```swift
/// let faster = TimeStretch.changingTempo(of: speech, sampleRate: 48_000, by: 1.25)  // 80 % of the length
/// ```
public enum TimeStretch {
    /// The tempo factors accepted: from half speed to double speed.
    public static let tempoRange: ClosedRange<Double> = 0.5...2.0

    /// The samples played `tempo` times as fast at the same pitch.
    ///
    /// - Parameters:
    ///   - samples: Mono 16-bit PCM.
    ///   - sampleRate: Its rate in Hz (at least 1000).
    ///   - tempo: The speed factor, within ``tempoRange``: 1.25 makes the audio 1.25 times as fast (80 % of its length).
    /// - Returns: `round(samples.count / tempo)` samples; the input itself when `tempo` is 1.
    /// - Precondition: `tempo` is within ``tempoRange`` and `sampleRate` is at least 1000.
    public static func changingTempo(of samples: [Int16], sampleRate: Int, by tempo: Double) -> [Int16] {
        precondition(tempoRange.contains(tempo), "tempo \(tempo) is outside \(tempoRange)")
        precondition(sampleRate >= 1000, "sample rate \(sampleRate) Hz is below 1000")
        if tempo == 1 || samples.isEmpty { return samples }
        let outputCount = Int((Double(samples.count) / tempo).rounded())
        guard outputCount > 0 else { return [] }
        var stretcher = Stretcher(sampleRate: sampleRate, tempo: tempo, input: samples.map(Float.init))
        return stretcher.run(outputCount: outputCount)
    }
}

/// One WSOLA run over a whole utterance held in memory (utterances are seconds long).
private struct Stretcher {
    let input: [Float]
    let tempo: Double
    /// Frame length (even) and synthesis hop (half a frame).
    let frame: Int
    let hop: Int
    /// Largest offset searched either side of the nominal analysis position.
    let tolerance: Int
    /// Coarse search step, in samples and offsets.
    let step: Int
    let window: [Float]

    init(sampleRate: Int, tempo: Double, input: [Float]) {
        self.input = input
        self.tempo = tempo
        frame = max(16, sampleRate * 30 / 1000 / 2 * 2)
        hop = frame / 2
        tolerance = max(2, sampleRate * 10 / 1000)
        step = max(1, sampleRate / 12_000)
        // A periodic Hann window: at 50 % overlap the windows sum to exactly 1.
        let length = frame
        window = (0..<length).map { n in
            Float(0.5 - 0.5 * cos(2 * Double.pi * Double(n) / Double(length)))
        }
    }

    /// The input sample at `index`, zero outside the input.
    @inline(__always)
    private func sample(_ index: Int) -> Float {
        index >= 0 && index < input.count ? input[index] : 0
    }

    mutating func run(outputCount: Int) -> [Int16] {
        // Output and window sums are one frame longer than needed, so the last frame always fits.
        let frames = (outputCount + hop - 1) / hop + 1
        var output = [Float](repeating: 0, count: frames * hop + frame)
        var weight = [Float](repeating: 0, count: output.count)
        var previous = 0   // where the previous frame was taken from
        var reference = [Float](repeating: 0, count: frame)
        for k in 0..<frames {
            let nominal = Int((Double(k * hop) * tempo).rounded())
            let position: Int
            if k == 0 {
                position = 0
            } else {
                // The natural continuation of the previous frame is what the next frame should resemble.
                for j in 0..<frame { reference[j] = sample(previous + hop + j) }
                position = bestPosition(near: nominal, matching: reference)
            }
            let base = k * hop
            for j in 0..<frame {
                let w = window[j]
                output[base + j] += w * sample(position + j)
                weight[base + j] += w
            }
            previous = position
        }
        var result = [Int16](repeating: 0, count: outputCount)
        for i in 0..<outputCount {
            // Only the first half frame has a window sum below 1; elsewhere the division changes nothing.
            let w = weight[i]
            let value = w > 0.05 ? output[i] / w : output[i]
            result[i] = Int16(max(-32768, min(32767, value.rounded())))
        }
        return result
    }

    /// The analysis position within `tolerance` of `nominal` whose frame correlates best with `reference`.
    private func bestPosition(near nominal: Int, matching reference: [Float]) -> Int {
        let low = max(0, nominal - tolerance)
        let high = max(low, min(nominal + tolerance, input.count))
        var best = min(max(nominal, low), high)
        var bestScore = correlation(at: best, reference, stride: step)
        var offset = low
        while offset <= high {
            let score = correlation(at: offset, reference, stride: step)
            if score > bestScore {
                bestScore = score
                best = offset
            }
            offset += step
        }
        guard step > 1 else { return best }
        let coarse = best
        bestScore = correlation(at: coarse, reference, stride: 1)
        for candidate in max(low, coarse - step)...min(high, coarse + step) where candidate != coarse {
            let score = correlation(at: candidate, reference, stride: 1)
            if score > bestScore {
                bestScore = score
                best = candidate
            }
        }
        return best
    }

    /// The dot product of the input from `position` with `reference`, over every `stride`-th sample.
    private func correlation(at position: Int, _ reference: [Float], stride: Int) -> Float {
        var sum: Float = 0
        input.withUnsafeBufferPointer { source in
            reference.withUnsafeBufferPointer { target in
                let available = min(frame, source.count - position)
                var j = 0
                while j < available {
                    sum += source[position + j] * target[j]
                    j += stride
                }
            }
        }
        return sum
    }
}
