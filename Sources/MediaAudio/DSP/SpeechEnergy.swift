import Foundation

/// Speech energy over the decoded timeline: 20 ms frames of short-window RMS energy in dBFS, and a simple
/// energy-based speech map (the fallback when no speech detector model is available).

/// Measures short-window RMS energy of 16-bit mono PCM, frame by frame, as samples stream in.
public struct EnergyMeter: Sendable {
    /// Samples per energy frame (20 ms at the configured rate).
    public let frameLength: Int
    /// Energy of every complete frame so far, in dBFS (digital silence is -120).
    public private(set) var energies: [Float] = []
    private var sumOfSquares: Double = 0
    private var filled = 0

    /// Creates a meter for audio at `sampleRate` with 20 ms frames.
    public init(sampleRate: Int) {
        frameLength = max(1, sampleRate / 50)
    }

    /// Adds samples; completes as many frames as they fill.
    public mutating func append<S: Sequence>(_ samples: S) where S.Element == Int16 {
        for sample in samples {
            let value = Double(sample)
            sumOfSquares += value * value
            filled += 1
            if filled == frameLength {
                energies.append(Self.decibels(meanSquare: sumOfSquares / Double(frameLength)))
                sumOfSquares = 0
                filled = 0
            }
        }
    }

    /// Closes a final partial frame, if any.
    public mutating func finish() {
        if filled > 0 {
            energies.append(Self.decibels(meanSquare: sumOfSquares / Double(filled)))
            sumOfSquares = 0
            filled = 0
        }
    }

    /// The 10th percentile of frame energies: an adaptive estimate of the background level.
    public static func noiseFloor(of energies: ArraySlice<Float>) -> Float {
        percentile(10, of: energies)
    }

    /// The `p`th percentile of frame energies (-120 for none).
    public static func percentile(_ p: Int, of energies: ArraySlice<Float>) -> Float {
        guard !energies.isEmpty else { return -120 }
        let sorted = energies.sorted()
        return sorted[min(sorted.count - 1, sorted.count * p / 100)]
    }

    static func decibels(meanSquare: Double) -> Float {
        guard meanSquare > 0 else { return -120 }
        let rms = meanSquare.squareRoot() / 32768
        return Float(max(-120, 20 * log10(rms)))
    }
}

/// Speech activity from an energy map: frames clearly above the noise floor, with a short hangover.
public enum EnergySpeechDetector {
    /// Marks frames as speech where the energy is at least 12 dB above the file's noise floor and above
    /// -55 dBFS, then extends each speech run by `hangoverFrames` on both sides.
    public static func speechFrames(from energies: [Float], hangoverFrames: Int = 10) -> [Bool] {
        guard !energies.isEmpty else { return [] }
        let floor = EnergyMeter.noiseFloor(of: energies[...])
        let threshold = max(floor + 12, -55)
        let raw = energies.map { $0 > threshold }
        var result = raw
        var lastSpeech = -Int.max / 2
        for i in raw.indices {
            if raw[i] { lastSpeech = i }
            if i - lastSpeech <= hangoverFrames { result[i] = true }
        }
        lastSpeech = Int.max / 2
        for i in raw.indices.reversed() {
            if raw[i] { lastSpeech = i }
            if lastSpeech - i <= hangoverFrames { result[i] = true }
        }
        return result
    }
}
