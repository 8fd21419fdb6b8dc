/// Where decoded frames go on the output timeline: leading silence, gaps to fill, overlaps to trim, jumps to
/// ride over. Pure `Int64` arithmetic in output samples, no FFmpeg, so it is tested with synthetic timestamps.
///
/// The decoder asks ``place(timestamp:frameSamples:inputRate:produced:audioProduced:restart:)`` for each frame
/// before feeding it, tells the aligner how many input samples it fed (``fed(_:)``), and reports a mid-stream
/// format change (``restartSegment(at:)``).
struct TimelineAligner {
    /// What to do with a frame: insert `silence` output samples before it, and drop its first `dropIn` input
    /// samples.
    struct Placement: Equatable {
        var silence: Int64 = 0
        var dropIn: Int64 = 0
    }

    /// Counts of what the timestamps made the aligner do, for the reader's warnings.
    struct Repairs: Equatable {
        var gaps = 0
        var gapSilence: Int64 = 0
        var overlaps = 0
        var overlapDropped: Int64 = 0
        var discontinuities = 0
        var cappedJumps = 0
        var cappedJumpSkipped: Int64 = 0
    }

    let outputRate: Int64
    /// Timestamps within this many samples of where they are expected are contiguous (8 ms: Matroska stores ms).
    let tolerance: Int64
    /// The largest forward jump that is still a gap (10 s where the container says timestamps may jump, else 1 h).
    let discontinuity: Int64
    /// Silence that may always be inserted, whatever was decoded (``MediaLimits/silenceAllowance``).
    let silenceAllowance: Int64

    /// Whether the first frame has been placed.
    private(set) var started = false
    /// Where the first audio landed: the leading silence inserted, in output samples.
    private(set) var startOffset: Int64 = 0
    /// Subtracted from every timestamp: how far the timestamps ran ahead where the audio was kept contiguous.
    private(set) var timestampOffset: Int64 = 0
    /// Silence committed for leading offsets and gaps.
    private(set) var insertedSilence: Int64 = 0
    /// Timeline position of the current resampler segment's first input sample.
    private(set) var segmentStart: Int64 = 0
    /// Input samples fed in the current segment.
    private(set) var segmentFedIn: Int64 = 0
    private(set) var repairs = Repairs()

    /// An aligner for output at `outputRate`.
    init(outputRate: Int, discontinuousTimestamps: Bool, silenceAllowanceMilliseconds: Int64) {
        self.outputRate = Int64(outputRate)
        tolerance = max(1, Int64(outputRate) * 8 / 1000)
        discontinuity = Int64(outputRate) * (discontinuousTimestamps ? 10 : 3600)
        silenceAllowance = silenceAllowanceMilliseconds * Int64(outputRate) / 1000
    }

    /// Silence that may still be inserted: never more in all than the larger of the allowance and the audio decoded
    /// so far, so the timeline stays within about twice the decoded audio whatever the timestamps claim.
    func silenceBudget(audioProduced: Int64) -> Int64 {
        max(0, max(silenceAllowance, audioProduced) - insertedSilence)
    }

    /// Records that `count` input samples of the placed frame were fed to the resampler.
    mutating func fed(_ count: Int64) {
        segmentFedIn += count
    }

    /// A new resampler segment starts at `position` (the format changed mid-stream).
    mutating func restartSegment(at position: Int64) {
        segmentStart = position
        segmentFedIn = 0
    }

    /// Decides where a frame goes.
    /// - Parameters:
    ///   - timestamp: the frame's timestamp in output samples from the presentation start, or nil when it has none
    ///     (it then follows the previous frame).
    ///   - frameSamples: the frame's length in input samples.
    ///   - inputRate: the frame's sample rate.
    ///   - produced: output samples on the timeline so far.
    ///   - audioProduced: of those, the ones decoded (not inserted silence).
    ///   - restart: flushes and restarts the resampler; returns `produced` after the flush. Called for a gap or a
    ///     jump, before the silence is measured.
    mutating func place<Failure: Error>(
        timestamp: Int64?, frameSamples nb: Int64, inputRate: Int64, produced: Int64, audioProduced: Int64,
        restart: () throws(Failure) -> Int64
    ) throws(Failure) -> Placement {
        guard let timestamp else {
            if !started { markStarted(at: produced) }
            return Placement()
        }
        let position = timestamp.saturatingSubtract(timestampOffset)
        guard started else { return placeFirst(at: position, frameSamples: nb, inputRate: inputRate, audioProduced: audioProduced) }

        let expected = segmentStart + TimelineMath.rescale(segmentFedIn, outputRate, inputRate)
        let diff = position.saturatingSubtract(expected)
        if diff > tolerance && diff <= discontinuity && position - produced <= silenceBudget(audioProduced: audioProduced) {
            let flushed = try restart()
            var placement = Placement()
            let silence = position - flushed
            if silence > 0 {
                placement.silence = silence
                insertedSilence += silence
                repairs.gaps += 1
                repairs.gapSilence += silence
            }
            restartSegment(at: max(position, flushed))
            return placement
        }
        if diff < -tolerance && diff >= -outputRate {
            repairs.overlaps += 1
            repairs.overlapDropped += min(-diff, TimelineMath.rescale(nb, outputRate, inputRate))
            return Placement(dropIn: TimelineMath.rescale(-diff, inputRate, outputRate))
        }
        if diff > tolerance || diff < -tolerance {
            // A jump too large to be a gap (or one the decoded audio cannot pay for): keep the audio contiguous, start
            // a new segment, and read later timestamps relative to the jump.
            if diff > tolerance && diff <= discontinuity {
                repairs.cappedJumps += 1
                repairs.cappedJumpSkipped = repairs.cappedJumpSkipped.saturatingAdd(diff)
            } else {
                repairs.discontinuities += 1
            }
            timestampOffset = timestampOffset.saturatingAdd(diff)
            restartSegment(at: try restart())
        }
        return Placement()
    }

    /// The first frame: placed exactly, within the silence budget.
    private mutating func placeFirst(at position: Int64, frameSamples nb: Int64, inputRate: Int64, audioProduced: Int64) -> Placement {
        let budget = silenceBudget(audioProduced: audioProduced)
        if position >= 0 {
            var place = position
            if place > budget {
                // Timestamps claim a long lead-in that no decoded audio backs: cap it.
                repairs.cappedJumps += 1
                repairs.cappedJumpSkipped = repairs.cappedJumpSkipped.saturatingAdd(place - budget)
                timestampOffset = timestampOffset.saturatingAdd(place - budget)
                place = budget
            }
            insertedSilence += place
            restartSegment(at: place)
            markStarted(at: place)
            return Placement(silence: place)
        }
        if position >= -budget {
            let dropIn = TimelineMath.rescale(-position, inputRate, outputRate)
            restartSegment(at: 0)
            if dropIn < nb { markStarted(at: 0) }
            return Placement(dropIn: dropIn)
        }
        // Far before the presentation start: not a real lead-in; the audio starts at 0.
        repairs.discontinuities += 1
        timestampOffset = timestampOffset.saturatingAdd(position)
        restartSegment(at: 0)
        markStarted(at: 0)
        return Placement()
    }

    private mutating func markStarted(at position: Int64) {
        started = true
        startOffset = max(0, position)
    }

    /// The warnings the repairs call for, with durations at `outputRate`.
    var warnings: [String] {
        var warnings: [String] = []
        if repairs.gaps > 0 {
            warnings.append("filled \(repairs.gaps) gap(s) in the audio timestamps with \(seconds(repairs.gapSilence)) of silence")
        }
        if repairs.overlaps > 0 {
            warnings.append("trimmed \(repairs.overlaps) overlap(s) in the audio timestamps (\(seconds(repairs.overlapDropped)))")
        }
        if repairs.discontinuities > 0 {
            warnings.append("\(repairs.discontinuities) timestamp discontinuity(ies); audio was kept contiguous there")
        }
        if repairs.cappedJumps > 0 {
            warnings.append(
                "\(repairs.cappedJumps) timestamp jump(s) (\(seconds(repairs.cappedJumpSkipped)) in all) not filled with "
                    + "silence: the timeline is capped by the decoded audio")
        }
        return warnings
    }

    /// `samples` at the output rate as `S.mmm s`.
    func seconds(_ samples: Int64) -> String {
        let ms = TimelineMath.rescale(samples, 1000, outputRate)
        let millis = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: max(0, 3 - millis.count)) + millis) s"
    }
}

/// Integer rescaling as FFmpeg's `av_rescale` does it, in Swift: `value × numerator ÷ denominator` with a 128-bit
/// intermediate, rounded to nearest with halves away from zero; `Int64.min` when the result does not fit.
enum TimelineMath {
    /// - Precondition: `numerator >= 0` and `denominator > 0` (otherwise the result is `Int64.min`, as FFmpeg's).
    static func rescale(_ value: Int64, _ numerator: Int64, _ denominator: Int64) -> Int64 {
        guard numerator >= 0, denominator > 0 else { return .min }
        let product = value.magnitude.multipliedFullWidth(by: UInt64(numerator))
        let (low, carry) = product.low.addingReportingOverflow(UInt64(denominator) / 2)
        let high = product.high + (carry ? 1 : 0)
        guard high < UInt64(denominator) else { return .min }
        let quotient = UInt64(denominator).dividingFullWidth((high: high, low: low)).quotient
        guard quotient <= UInt64(Int64.max) else { return .min }
        return value < 0 ? -Int64(quotient) : Int64(quotient)
    }
}
