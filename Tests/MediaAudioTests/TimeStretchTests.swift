import Foundation
import MediaAudio
import Testing

/// WSOLA tempo changes on synthetic audio: the length follows the tempo and the pitch stays.
struct TimeStretchTests {
    /// `seconds` of a sine at `frequency` Hz, amplitude 0.5.
    static func tone(frequency: Double, seconds: Double, sampleRate: Int) -> [Int16] {
        let count = Int(seconds * Double(sampleRate))
        return (0..<count).map { Int16(16_384 * sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
    }

    /// The frequency (1 Hz resolution) with the most energy between `low` and `high`, by the Goertzel algorithm.
    static func dominantFrequency(_ samples: ArraySlice<Int16>, sampleRate: Int, low: Int, high: Int) -> Int {
        var best = low
        var bestPower = -1.0
        for frequency in low...high {
            let coefficient = 2 * cos(2 * Double.pi * Double(frequency) / Double(sampleRate))
            var s1 = 0.0, s2 = 0.0
            for sample in samples {
                let s0 = Double(sample) + coefficient * s1 - s2
                s2 = s1
                s1 = s0
            }
            let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
            if power > bestPower {
                bestPower = power
                best = frequency
            }
        }
        return best
    }

    /// RMS level of a stretch of samples.
    static func rms(_ samples: ArraySlice<Int16>) -> Double {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    @Test(arguments: [0.8, 1.1, 1.25, 1.35, 1.5, 2.0])
    func lengthFollowsTheTempo(tempo: Double) {
        let input = Self.tone(frequency: 220, seconds: 2, sampleRate: 48_000)
        let output = TimeStretch.changingTempo(of: input, sampleRate: 48_000, by: tempo)
        #expect(output.count == Int((Double(input.count) / tempo).rounded()))
    }

    @Test(arguments: [(440.0, 1.35), (440.0, 1.2), (180.0, 1.5), (300.0, 0.8)])
    func pitchStaysWhereItWas(frequency: Double, tempo: Double) {
        let rate = 24_000
        let input = Self.tone(frequency: frequency, seconds: 1.5, sampleRate: rate)
        let output = TimeStretch.changingTempo(of: input, sampleRate: rate, by: tempo)
        // Measure away from the edges; a plain resampling by `tempo` would move the peak by 20 % or more.
        let middle = output[(output.count / 4)..<(output.count * 3 / 4)]
        let found = Self.dominantFrequency(middle, sampleRate: rate, low: 100, high: 800)
        #expect(abs(Double(found) - frequency) <= frequency * 0.02, "found \(found) Hz for \(frequency) Hz at \(tempo)x")
    }

    @Test func levelIsKeptWhereFramesMeet() {
        let rate = 48_000
        // At 1.3x each 15 ms hop skips 4.5 ms of input: 1.5 periods of 333 Hz, so frames laid down without the
        // search would meet in opposite phase and cancel.
        let input = Self.tone(frequency: 333, seconds: 1, sampleRate: rate)
        let output = TimeStretch.changingTempo(of: input, sampleRate: rate, by: 1.3)
        let inputLevel = Self.rms(input[...])
        // Every 10 ms window past the first half frame keeps the tone's level (no holes where frames met badly).
        let window = rate / 100
        var start = rate * 15 / 1000
        while start + window <= output.count - window {
            let level = Self.rms(output[start..<(start + window)])
            #expect(abs(20 * log10(level / inputLevel)) < 1.0, "level at sample \(start)")
            start += window
        }
    }

    @Test func tempoOneAndEmptyInputAreUnchanged() {
        let input = Self.tone(frequency: 440, seconds: 0.1, sampleRate: 16_000)
        #expect(TimeStretch.changingTempo(of: input, sampleRate: 16_000, by: 1) == input)
        #expect(TimeStretch.changingTempo(of: [], sampleRate: 16_000, by: 1.3).isEmpty)
    }

    @Test func veryShortInputIsShortenedToo() {
        let input = Self.tone(frequency: 440, seconds: 0.01, sampleRate: 48_000)
        let output = TimeStretch.changingTempo(of: input, sampleRate: 48_000, by: 1.25)
        #expect(output.count == 384)
    }
}
