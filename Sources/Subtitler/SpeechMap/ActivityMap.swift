import Foundation
import Subtitles

extension SubtitleReport {
    /// Loudness and speech probability over time at a coarse, fixed step: what a review page's timeline draws.
    ///
    /// Value `i` of each series covers `[i * step, (i + 1) * step)` on the media timeline. Values are whole
    /// numbers so a three-hour film's map (108,000 steps at 100 ms) stays small in the page.
    public struct ActivityMap: Sendable, Codable, Hashable {
        /// The usual step: 100 ms.
        public static let defaultStep: Milliseconds = 100
        /// The most values a series holds; longer media get a longer step (200,000 is 5.5 hours at 100 ms).
        public static let defaultMaximumCount = 200_000

        /// Milliseconds per value.
        public var step: Milliseconds
        /// Loudness per step in whole dBFS, from -120 (digital silence) to 0; nil when unknown.
        public var energy: [Int]?
        /// Speech probability per step in percent, 0...100; nil when unknown.
        public var speech: [Int]?

        /// Creates a map from values already at `step` (clamped to their ranges).
        public init(step: Milliseconds, energy: [Int]?, speech: [Int]?) {
            self.step = max(1, step)
            self.energy = energy?.map { min(0, max(-120, $0)) }
            self.speech = speech?.map { min(100, max(0, $0)) }
        }

        /// Downsamples the pipeline's frame series to a coarse step.
        ///
        /// Energy becomes the power mean of the frames a step overlaps (loudness, not a peak); speech
        /// probability becomes their maximum (a short word still shows). Either series may be nil.
        /// - Parameters:
        ///   - step: the wanted step; longer when the series would exceed `maximumCount` values.
        ///   - energy: frame energies in dBFS (``MediaAudio/EnergyMeter/energies``: 20 ms frames).
        ///   - energyFrameDuration: the energy frames' length in milliseconds.
        ///   - speechProbabilities: per-frame speech probabilities, 0...1 (a voice-activity detector's).
        ///   - speechFrameDuration: their frames' length in milliseconds (Silero VAD: 32 ms).
        ///   - maximumCount: the most values a series may hold.
        public init(
            step: Milliseconds = defaultStep, energy: [Float]?, energyFrameDuration: Milliseconds = 20,
            speechProbabilities: [Float]? = nil, speechFrameDuration: Milliseconds = 32,
            maximumCount: Int = defaultMaximumCount
        ) {
            let energyLength = Milliseconds(energy?.count ?? 0) * max(1, energyFrameDuration)
            let speechLength = Milliseconds(speechProbabilities?.count ?? 0) * max(1, speechFrameDuration)
            let longest = max(energyLength, speechLength)
            var step = max(1, step)
            let limit = Milliseconds(max(1, maximumCount))
            if (longest + step - 1) / step > limit { step = (longest + limit - 1) / limit }
            self.step = step
            self.energy = energy.map { frames in
                Self.resample(frames, frameDuration: energyFrameDuration, step: step) { slice in
                    let power = slice.reduce(0.0) { $0 + pow(10, Double($1) / 10) } / Double(slice.count)
                    let decibels = power > 0 ? 10 * log10(power) : -120
                    return Int(min(0, max(-120, decibels.rounded())))
                }
            }
            self.speech = speechProbabilities.map { frames in
                Self.resample(frames, frameDuration: speechFrameDuration, step: step) { slice in
                    let peak = Double(slice.max() ?? 0)
                    return Int(min(100, max(0, (peak * 100).rounded())))
                }
            }
        }

        /// One value per step, from the frames each step overlaps.
        static func resample(_ frames: [Float], frameDuration: Milliseconds, step: Milliseconds,
                             combine: (ArraySlice<Float>) -> Int) -> [Int] {
            guard !frames.isEmpty else { return [] }
            let frameDuration = max(1, frameDuration)
            let length = Milliseconds(frames.count) * frameDuration
            let count = Int((length + step - 1) / step)
            var result: [Int] = []
            result.reserveCapacity(count)
            for index in 0..<count {
                let start = Milliseconds(index) * step
                let end = min(length, start + step)
                let first = Int(start / frameDuration)
                let last = min(frames.count - 1, Int((end - 1) / frameDuration))
                result.append(combine(frames[first...max(first, last)]))
            }
            return result
        }
    }
}
