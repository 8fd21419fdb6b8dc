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

    /// Cue `index`'s time over the target when moved by `offset`, on the subtitles' own scale: a ratio above 1
    /// stretches a cue, and the stretch must not count as more of its time on speech.
    func score(_ index: Int, offset: Milliseconds) -> Milliseconds {
        let cue = cues[index]
        let covered = target.covered(from: cue.start + offset, to: cue.end + offset)
        return ratio == 1 ? covered : Milliseconds((Double(covered) / ratio).rounded())
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

    /// Offsets near `peaks` that fit a stretch of the cues best: for each window of `window` cues (half
    /// overlapping), the best offset within `radius` of each peak (in 50 ms steps, then 10), the best `perWindow`
    /// of them kept. A peak of the whole file's correlation is where all its cues agree; a segment between two
    /// jumps holds only some of them, and its own offset can lie a second away from the nearest peak, where the
    /// other segments pull it.
    func localCandidates(near peaks: [Milliseconds], window: Int = 16, radius: Milliseconds = 1000,
                         perWindow: Int = 2, limit: Int = 32) -> [Milliseconds] {
        guard cues.count > window else { return [] }
        var found: [Milliseconds] = []
        var start = 0
        while start < cues.count {
            let range = start..<min(cues.count, start + window)
            var placements: [(offset: Milliseconds, score: Milliseconds)] = []
            for peak in peaks {
                let coarse = refine(range, around: peak, radius: radius, step: 50)
                placements.append(refine(range, around: coarse.offset, radius: 50, step: 10))
            }
            placements.sort { $0.score > $1.score }
            for placement in placements.prefix(perWindow) { found.append(placement.offset) }
            if range.upperBound == cues.count { break }
            start += window / 2
        }
        // The offsets most windows agree on (within 20 ms), those already among the peaks left out.
        var tally: [(offset: Milliseconds, windows: Int)] = []
        for offset in found {
            if let index = tally.firstIndex(where: { abs($0.offset - offset) <= 20 }) {
                tally[index].windows += 1
            } else {
                tally.append((offset, 1))
            }
        }
        return tally.filter { entry in !peaks.contains { abs($0 - entry.offset) <= 20 } }
            .sorted { $0.windows > $1.windows }.prefix(limit).map(\.offset)
    }

    /// How far the cues moved by `offset` disagree with the target over the stretch they span, 0...1: the share
    /// of that stretch where a cue lies over no speech or a gap between cues over speech. Subtitles pause where
    /// the speech pauses; cues put on the wrong talk by chance lie on speech as well, but their gaps do not fall
    /// on its pauses.
    func disagreement(offset: Milliseconds) -> Double {
        let moved = SyncTarget(spans: cues.map { SpeechSpan(start: $0.start + offset, end: $0.end + offset) },
                               duration: target.duration)
        guard let first = moved.spans.first?.start, let last = moved.spans.last?.end, last > first else { return 1 }
        var onSpeech: Milliseconds = 0
        for span in moved.spans { onSpeech += target.covered(from: span.start, to: span.end) }
        let speechInStretch = target.covered(from: first, to: last)
        let cueMisses = moved.totalDuration - onSpeech
        let gapMisses = speechInStretch - onSpeech
        return Double(cueMisses + gapMisses) / Double(last - first)
    }

    /// How far a cue after a split may start before the end of the cue before it, milliseconds.
    static let orderSlack: Milliseconds = 500
    /// How many paths an unplaced state keeps (best in score, or with an earlier last placed cue).
    static let frontSize = 4
    /// How many split penalties below the best an unplaced path may score and still be kept for its early end.
    static let frontReach: Milliseconds = 4

    /// A piecewise placement: the segments (first cue, offset) and the total score.
    struct Pieces {
        var starts: [Int]
        var offsets: [Milliseconds]
        var score: Milliseconds
    }

    /// Cue `index`'s time over the target at `offset` less what chance puts there (the share of the target's
    /// timeline around it that is speech, ``chanceWindow`` either side, of its time): about 0 wherever a cue has
    /// no place, in a talkative stretch as in a quiet one, so a cue that belongs nowhere neither pulls a segment
    /// to itself nor is worth a split.
    func gain(_ index: Int, offset: Milliseconds) -> Milliseconds {
        let cue = cues[index]
        let middle = (cue.start + cue.end) / 2 + offset
        let from = max(0, middle - Self.chanceWindow), to = min(target.duration, middle + Self.chanceWindow)
        let density = to > from ? Double(target.covered(from: from, to: to)) / Double(to - from) : 0
        let duration = ratio == 1 ? cue.duration : Milliseconds((Double(cue.duration) / ratio).rounded())
        return score(index, offset: offset) - Milliseconds((density * Double(duration)).rounded())
    }

    /// How far either side of a cue the chance of speech is measured, milliseconds.
    static let chanceWindow: Milliseconds = 20_000

    /// The best offsets per segment among `candidates`, a split costing `penalty` (Viterbi over cues ×
    /// candidates, on each cue's ``gain(_:offset:)``), then each segment's offset refined on its own cues.
    ///
    /// With `keepsOrder`, a split never moves a cue back over the last placed cue before it, and a cue may be left
    /// unplaced (it then moves with its segment, and gains nothing): the lines of a scene the media lacks cannot
    /// sit anywhere in order, and without this the order would drag a whole segment onto a wrong offset to make
    /// room for them. Cues with no place (credits, signs) cannot jump onto chance speech either. Without
    /// `keepsOrder`, a segment takes any candidate.
    func pieces(candidates: [Milliseconds], penalty: Milliseconds, keepsOrder: Bool = true) -> Pieces {
        let count = cues.count
        let states = candidates.count
        guard count > 0, states > 0 else { return Pieces(starts: [0], offsets: [0], score: 0) }
        // Slot k < states: the cue is placed at candidates[k]. Slots states + k · fronts + f: it is unplaced, the
        // last placed cue having been placed at candidates[k]; an unplaced state keeps a small front of paths,
        // each better in score or in how early its last placed cue ends on the media (which decides the splits
        // allowed later: the best-scoring path may have placed a stray cue that blocks the next segment).
        let fronts = keepsOrder ? Self.frontSize : 0
        let width = states + states * fronts
        let none = Milliseconds.min / 4
        var value = [Milliseconds](repeating: none, count: width)
        var lastEnd = [Milliseconds](repeating: none, count: width)
        var back = [Int32](repeating: -1, count: count * width)
        for state in 0..<states {
            value[state] = gain(0, offset: candidates[state])
            lastEnd[state] = cues[0].end + candidates[state]
            if keepsOrder {
                // Unplaced from the first cue on: nothing placed yet, so nothing to keep in order with.
                value[states + state * fronts] = 0
                back[states + state * fronts] = Int32(states + state * fronts)
            }
            back[state] = Int32(state)
        }
        var nextValue = value
        var nextEnd = lastEnd
        var byEnd = [Int](repeating: 0, count: width)
        var bestUpTo = [Int](repeating: 0, count: width)
        for index in 1..<max(1, count) {
            let row = index * width
            // The best slot to split from whose last placed cue ends by a given time: slots sorted by that end,
            // with the running best. (A slot of the same offset is in it too, which is harmless: going on at the
            // same offset is free, so better.)
            for slot in 0..<width { byEnd[slot] = slot }
            if keepsOrder { byEnd.sort { lastEnd[$0] < lastEnd[$1] } }
            var running = -1
            for position in 0..<width {
                let slot = byEnd[position]
                if value[slot] > none, running < 0 || value[slot] > value[running] { running = slot }
                bestUpTo[position] = running
            }
            for state in 0..<states {
                let offset = candidates[state]
                let earliest = cues[index].start + offset + Self.orderSlack
                // Placed here: from this offset (placed or not, free), or a split from another.
                var from = value[state] > none ? state : -1
                var best = value[state]
                for f in 0..<fronts where value[states + state * fronts + f] > best {
                    from = states + state * fronts + f
                    best = value[from]
                }
                var low = 0, high = width   // the first position whose slot ends after `earliest`
                if keepsOrder {
                    while low < high {
                        let middle = (low + high) / 2
                        if lastEnd[byEnd[middle]] <= earliest { low = middle + 1 } else { high = middle }
                    }
                } else {
                    low = width
                }
                if low > 0, bestUpTo[low - 1] >= 0, value[bestUpTo[low - 1]] - penalty > best {
                    from = bestUpTo[low - 1]
                    best = value[from] - penalty
                }
                back[row + state] = Int32(from)
                nextValue[state] = from >= 0 ? best + gain(index, offset: offset) : none
                nextEnd[state] = cues[index].end + offset
                guard keepsOrder else { continue }
                // Unplaced here: after a cue placed at this offset, or after an unplaced one; the front keeps
                // the paths no other beats in both score and end.
                var entries: [(value: Milliseconds, end: Milliseconds, from: Int)] = []
                if value[state] > none { entries.append((value[state], lastEnd[state], state)) }
                for f in 0..<fronts where value[states + state * fronts + f] > none {
                    let slot = states + state * fronts + f
                    entries.append((value[slot], lastEnd[slot], slot))
                }
                entries.sort { $0.value != $1.value ? $0.value > $1.value : $0.end < $1.end }
                var kept: [(value: Milliseconds, end: Milliseconds, from: Int)] = []
                for entry in entries where kept.allSatisfy({ entry.end < $0.end }) { kept.append(entry) }
                if kept.count > fronts {
                    // The best score stays, and the earliest end among the paths within a few splits' worth of it
                    // (the path that left the stray cues out; not one that placed nothing for long, which can
                    // never catch up).
                    let floor = kept[0].value - Self.frontReach * penalty
                    let early = kept.lastIndex { $0.value >= floor } ?? 0
                    kept = early < fronts - 1 ? Array(kept.prefix(fronts))
                        : Array(kept.prefix(fronts - 1)) + [kept[early]]
                }
                for f in 0..<fronts {
                    let slot = states + state * fronts + f
                    if f < kept.count {
                        nextValue[slot] = kept[f].value
                        nextEnd[slot] = kept[f].end
                        back[row + slot] = Int32(kept[f].from)
                    } else {
                        nextValue[slot] = none
                        nextEnd[slot] = none
                        back[row + slot] = -1
                    }
                }
            }
            swap(&value, &nextValue)
            swap(&lastEnd, &nextEnd)
        }
        var slot = (0..<width).max { value[$0] < value[$1] } ?? 0
        var path = [Int](repeating: 0, count: count)
        for index in stride(from: count - 1, through: 0, by: -1) {
            path[index] = slot < states ? slot : (slot - states) / fronts
            slot = max(0, Int(back[index * width + slot]))
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
