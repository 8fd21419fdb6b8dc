import Foundation
import Subtitles

/// The coarse search for constant offsets: the cross-correlation, at every lag, of the cues and the target as
/// frame signals (each frame holds the share of it covered), by FFT, so a two-hour film is searched over its whole
/// length in both directions in one pass per frame-rate ratio.
struct OffsetSpectrum {
    /// One local maximum of the correlation.
    struct Peak: Hashable {
        /// The offset, milliseconds (a multiple of the frame step).
        var offset: Milliseconds
        /// The correlation there: milliseconds of cue time over the target.
        var value: Double
        /// The share of the cue time inside the timeline that lies over the target there.
        var share: Double
        /// How far ``share`` stands above the share at other lags, in standard deviations.
        var distinctness: Double
    }

    /// The frame step, milliseconds.
    let step: Milliseconds
    /// The transform size.
    let size: Int
    private let targetFrames: Int
    private var targetReal: [Double]
    private var targetImaginary: [Double]

    /// Prepares the target's spectrum.
    /// - Parameters:
    ///   - target: what the cues are moved onto.
    ///   - longestCueExtent: the latest cue end that will be searched (after any ratio), milliseconds.
    ///   - step: the frame step.
    init(target: SyncTarget, longestCueExtent: Milliseconds, step: Milliseconds) {
        self.step = step
        targetFrames = Int((target.duration + step - 1) / step) + 1
        let cueFrames = Int((max(0, longestCueExtent) + step - 1) / step) + 1
        size = FourierTransform.size(atLeast: targetFrames + cueFrames + 1)
        targetReal = Self.frames(of: target.spans, step: step, size: size)
        targetImaginary = [Double](repeating: 0, count: size)
        FourierTransform.transform(real: &targetReal, imaginary: &targetImaginary, inverse: false)
    }

    /// The frame signal of `spans`: frame `i` holds the milliseconds of `[i step, (i + 1) step)` they cover.
    static func frames(of spans: [SpeechSpan], step: Milliseconds, size: Int) -> [Double] {
        var signal = [Double](repeating: 0, count: size)
        for span in spans where span.end > span.start {
            var time = max(0, span.start)
            while time < span.end {
                let frame = Int(time / step)
                guard frame < size else { break }
                let frameEnd = Milliseconds(frame + 1) * step
                let piece = min(span.end, frameEnd) - time
                signal[frame] += Double(piece)
                time += piece
            }
        }
        return signal
    }

    /// The strongest local maxima of the correlation of `cues` with the target, strongest first, at least
    /// `separation` apart.
    /// - Parameters:
    ///   - cues: the cue spans (already scaled by any ratio), at or after 0.
    ///   - count: the most peaks returned.
    ///   - separation: the least distance between two peaks, milliseconds.
    ///   - maximumOffset: offsets beyond this (either way) are not searched; nil: the whole range.
    func peaks(of cues: [SpeechSpan], count: Int, separation: Milliseconds, maximumOffset: Milliseconds?)
        -> (peaks: [Peak], mean: Double, deviation: Double)
    {
        var real = Self.frames(of: cues, step: step, size: size)
        // inside(lag): the cue time that lands on the timeline at `lag`, from prefix sums of the cue frames.
        var prefix = [Double](repeating: 0, count: size + 1)
        for index in 0..<size { prefix[index + 1] = prefix[index] + real[index] }
        let total = prefix[size]
        func inside(_ lag: Int) -> Double {
            let first = min(size, max(0, -lag))
            let last = min(size, max(first, targetFrames - lag))
            return prefix[last] - prefix[first]
        }
        var imaginary = [Double](repeating: 0, count: size)
        FourierTransform.transform(real: &real, imaginary: &imaginary, inverse: false)
        // conj(cues) · target: the correlation Σ cue[t] · target[t + lag].
        for index in 0..<size {
            let a = real[index], b = -imaginary[index]
            let c = targetReal[index], d = targetImaginary[index]
            real[index] = a * c - b * d
            imaginary[index] = a * d + b * c
        }
        FourierTransform.transform(real: &real, imaginary: &imaginary, inverse: true)
        let scale = 1 / Double(size) / Double(step)
        let cueEnd = cues.map(\.end).max() ?? 0
        var lowest = -Int((cueEnd + step - 1) / step)
        var highest = targetFrames
        if let maximumOffset {
            let frames = Int(maximumOffset / step)
            lowest = max(lowest, -frames)
            highest = min(highest, frames)
        }
        guard highest >= lowest else { return ([], 0, 1) }
        let lagCount = highest - lowest + 1
        var values = [Double](repeating: 0, count: lagCount)
        for lag in lowest...highest {
            values[lag - lowest] = real[(lag + size) % size] * scale
        }
        // Shares over the lags that keep most of the cue time on the timeline: a lag that pushes the cues off it
        // scores low for that reason alone, and must not make a chance placement look distinct.
        var shares = [Double](repeating: 0, count: lagCount)
        var sum = 0.0, squares = 0.0, counted = 0.0
        for index in 0..<lagCount {
            let covered = inside(index + lowest)
            shares[index] = covered > 0 ? values[index] / covered : 0
            if covered >= 0.8 * total {
                sum += shares[index]
                squares += shares[index] * shares[index]
                counted += 1
            }
        }
        let mean = counted > 0 ? sum / counted : 0
        let deviation = max(counted > 1 ? (squares / counted - mean * mean).squareRoot() : 0, 1e-9)
        var maxima: [Int] = []
        for index in 0..<lagCount {
            let value = values[index]
            if index > 0, values[index - 1] > value { continue }
            if index + 1 < lagCount, values[index + 1] >= value { continue }
            maxima.append(index)
        }
        maxima.sort { values[$0] > values[$1] }
        let gap = Int(max(1, separation / step))
        var chosen: [Int] = []
        for index in maxima {
            if chosen.count >= count { break }
            if chosen.contains(where: { abs($0 - index) < gap }) { continue }
            chosen.append(index)
        }
        let peaks = chosen.map { index in
            Peak(offset: Milliseconds(index + lowest) * step, value: values[index], share: shares[index],
                 distinctness: (shares[index] - mean) / deviation)
        }
        return (peaks, mean, deviation)
    }
}
