import Foundation
import Subtitles

/// Exact scoring and refinement of placements of cues (sorted by start) on a target: the total cue time over the
/// target for an offset, the best offset near a guess, the best piecewise offsets by dynamic programming, and a
/// ratio fitted to local offsets.
struct PlacementSearch {
    /// The cues, sorted by start, already scaled by ``ratio``.
    let cues: [SpeechSpan]
    /// The cues' starts before scaling (segment boundaries are on the subtitles' own timeline).
    let originalStarts: [Milliseconds]
    /// The ratio the cues were scaled by.
    let ratio: Double
    let target: SyncTarget

    init(cues sorted: [SpeechSpan], ratio: Double, target: SyncTarget) {
        self.ratio = ratio
        self.target = target
        originalStarts = sorted.map(\.start)
        cues = ratio == 1 ? sorted : sorted.map {
            SpeechSpan(start: Milliseconds((Double($0.start) * ratio).rounded()),
                       end: Milliseconds((Double($0.end) * ratio).rounded()))
        }
    }

    /// Cue `index`'s time over the target when moved by `offset`.
    func score(_ index: Int, offset: Milliseconds) -> Milliseconds {
        let cue = cues[index]
        return target.covered(from: cue.start + offset, to: cue.end + offset)
    }

    /// The cues' time over the target when moved by `offset`.
    func score(_ range: Range<Int>, offset: Milliseconds) -> Milliseconds {
        var total: Milliseconds = 0
        for index in range { total += score(index, offset: offset) }
        return total
    }

    /// The best offset within `radius` of `guess`, in steps of `step`: the middle of the run of offsets that score
    /// (nearly) the best, so a cue wider than its speech lands centred rather than at one edge.
    func refine(_ range: Range<Int>, around guess: Milliseconds, radius: Milliseconds, step: Milliseconds)
        -> (offset: Milliseconds, score: Milliseconds)
    {
        let count = Int(radius / step)
        var values: [Milliseconds] = []
        values.reserveCapacity(2 * count + 1)
        for k in -count...count { values.append(score(range, offset: guess + Milliseconds(k) * step)) }
        let best = values.max() ?? 0
        let cueTime = range.reduce(Milliseconds(0)) { $0 + cues[$1].duration }
        let tolerance = max(1, cueTime / 1000)
        guard let peak = values.firstIndex(of: best) else { return (guess, 0) }
        var low = peak
        var high = peak
        while low > 0, values[low - 1] >= best - tolerance { low -= 1 }
        while high + 1 < values.count, values[high + 1] >= best - tolerance { high += 1 }
        let middle = (low + high) / 2
        return (guess + Milliseconds(middle - count) * step, values[middle])
    }

    /// How far a cue after a split may start before the end of the cue before it, milliseconds.
    static let orderSlack: Milliseconds = 500

    /// A piecewise placement: the segments (first cue, offset) and the total score.
    struct Pieces {
        var starts: [Int]
        var offsets: [Milliseconds]
        var score: Milliseconds
    }

    /// The best offsets per segment among `candidates`, a split costing `penalty` (Viterbi over cues ×
    /// candidates), then each segment's offset refined on its own cues. With `keepsOrder`, a split never moves a
    /// cue back over the cue before it: cues with no place (credits, signs) cannot jump onto chance speech.
    func pieces(candidates: [Milliseconds], penalty: Milliseconds, keepsOrder: Bool = true) -> Pieces {
        let count = cues.count
        let states = candidates.count
        guard count > 0, states > 0 else { return Pieces(starts: [0], offsets: [0], score: 0) }
        var best = [Milliseconds](repeating: 0, count: states)
        var back = [Int32](repeating: 0, count: count * states)
        for index in 0..<count {
            var next = best
            for state in 0..<states {
                var from = state
                var value = best[state]
                if index > 0, !keepsOrder {
                    for other in 0..<states where other != state && best[other] - penalty > value {
                        from = other
                        value = best[other] - penalty
                    }
                } else if index > 0 {
                    // A split keeps the cues in order on the media: the first cue after it starts no earlier than
                    // the last one before it ends (less a little slack), so cues never jump back over others.
                    let earliest = cues[index].start + candidates[state] + Self.orderSlack
                    for other in 0..<states where other != state && best[other] - penalty > value
                        && cues[index - 1].end + candidates[other] <= earliest {
                        from = other
                        value = best[other] - penalty
                    }
                }
                back[index * states + state] = Int32(from)
                next[state] = value + score(index, offset: candidates[state])
            }
            best = next
        }
        var state = (0..<states).max { best[$0] < best[$1] } ?? 0
        var path = [Int](repeating: 0, count: count)
        for index in stride(from: count - 1, through: 0, by: -1) {
            path[index] = state
            state = Int(back[index * states + state])
        }
        var starts: [Int] = [0]
        var offsets: [Milliseconds] = [candidates[path[0]]]
        for index in 1..<count where path[index] != path[index - 1] {
            starts.append(index)
            offsets.append(candidates[path[index]])
        }
        var total: Milliseconds = 0
        for segment in 0..<starts.count {
            let range = starts[segment]..<(segment + 1 < starts.count ? starts[segment + 1] : count)
            let refined = refine(range, around: offsets[segment], radius: 300, step: 10)
            offsets[segment] = refined.offset
            total += refined.score
        }
        return Pieces(starts: starts, offsets: offsets, score: total)
    }

    /// The mapping of a piecewise placement.
    func mapping(_ pieces: Pieces) -> SyncMapping {
        SyncMapping(ratio: ratio, segments: zip(pieces.starts, pieces.offsets).enumerated().map { number, pair in
            SyncMapping.Segment(start: number == 0 ? 0 : originalStarts[pair.0], offset: pair.1)
        })
    }

    /// A ratio and offset fitted to the best local offsets (within `radius`) of eight groups of cues: the drift
    /// that no pair of frame rates explains. Nil when there are too few cues or the groups disagree.
    func fittedRatio(around offset: Milliseconds, radius: Milliseconds, step: Milliseconds)
        -> (ratio: Double, offset: Milliseconds)?
    {
        let groupCount = 8
        guard cues.count >= groupCount * 4 else { return nil }
        var points: [(time: Double, offset: Double, weight: Double)] = []
        for group in 0..<groupCount {
            let range = (group * cues.count / groupCount)..<((group + 1) * cues.count / groupCount)
            let local = refine(range, around: offset, radius: radius, step: step)
            let time = range.reduce(0.0) { $0 + Double(originalStarts[$1]) } / Double(range.count)
            points.append((time, Double(local.offset), Double(max(1, local.score))))
        }
        let weight = points.reduce(0) { $0 + $1.weight }
        let meanTime = points.reduce(0) { $0 + $1.time * $1.weight } / weight
        let meanOffset = points.reduce(0) { $0 + $1.offset * $1.weight } / weight
        let spread = points.reduce(0) { $0 + $1.weight * ($1.time - meanTime) * ($1.time - meanTime) }
        guard spread > 0 else { return nil }
        let slope = points.reduce(0) { $0 + $1.weight * ($1.time - meanTime) * ($1.offset - meanOffset) } / spread
        guard slope.isFinite, abs(slope) < 0.05 else { return nil }
        // Offsets were measured on times already scaled by `ratio`: t' = ratio t + a + slope t.
        return (ratio + slope, Milliseconds((meanOffset - slope * meanTime).rounded()))
    }
}
