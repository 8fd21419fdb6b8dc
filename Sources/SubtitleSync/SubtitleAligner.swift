import Foundation
import Subtitles

/// Moves subtitle cues onto speech (or onto another subtitle's cues) without a transcript.
///
/// The search, in the order of preference of its models:
/// 1. a constant offset over the whole length of the media, either way: the cross-correlation of the cues and the
///    speech as 100 ms frame signals by FFT, its strongest peaks refined to 10 ms on the exact spans;
/// 2. a frame-rate ratio (every pairing of ``SyncOptions/frameRates``) with an offset, and a ratio fitted to the
///    local offsets of eight groups of cues;
/// 3. piecewise offsets: dynamic programming over the cues with the strongest peaks, and the offsets that windows
///    of 16 cues fit best near them, as states and a penalty per split (as alass does), so a split falls only
///    between cues and only where it pays for itself; each cue counts its time on speech less what chance gives
///    (the density of speech around it), and may be left unplaced (a scene the media lacks has no place in order);
///    each segment's offset is then refined on its own cues.
/// A more complex model is taken only when it puts clearly more cue time on speech than a simpler one (penalties
/// in milliseconds of cue time). A split placement is accepted only when it stands clearly above the placement
/// the same search finds for the cues mirrored in time. A constant placement of a file too short to stand out in
/// the correlation is accepted when its gaps fall on the speech's pauses far better than at any other candidate.
/// Memory is a few frame signals: 2^18 values for two hours
/// at 100 ms.
public struct SubtitleAligner: Sendable {
    /// What is searched and how sure the aligner must be.
    public var options: SyncOptions

    /// The coarse frame step, milliseconds.
    static let step: Milliseconds = 100
    /// Peaks kept per ratio as candidate offsets.
    static let candidateCount = 24

    /// Creates an aligner.
    public init(options: SyncOptions = SyncOptions()) {
        self.options = options
    }

    /// Aligns `cues` (in any order; their times on the subtitles' own timeline) with `target`.
    /// - Returns: the verdict, the best mapping, and the scores before and after.
    public func align(_ cues: [SpeechSpan], to target: SyncTarget) -> SyncAnalysis {
        let sorted = cues.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
        let density = target.density
        let before = score(sorted, mapping: .identity, target: target)
        func refusal(_ kind: SyncRefusal.Kind, _ message: String) -> SyncAnalysis {
            SyncAnalysis(verdict: .refused(SyncRefusal(kind, message)), mapping: .identity, model: .unchanged,
                         before: before, after: before, distinctness: 0, lift: lift(before, density), density: density)
        }
        guard !sorted.isEmpty else { return refusal(.noCues, "the subtitles hold no cue with a duration") }
        guard target.totalDuration > 0 else { return refusal(.noSpeech, "no speech was found to align the cues with") }

        guard let fit = fit(sorted, to: target) else {
            return refusal(.noSpeech, "no speech was found to align the cues with")
        }
        var chosen = fit.chosen
        let after = score(sorted, mapping: chosen.mapping, target: target)
        // How far the chosen placement stands above chance constant placements; a split model must also stand
        // clearly above what its own search reaches for cues that cannot belong here (chanceFit).
        chosen.distinctness = (after.cueTimeOnSpeech - fit.chance.mean) / fit.chance.deviation
        let identityLift = lift(before, density)
        let chosenLift = lift(after, density)
        var analysis = SyncAnalysis(verdict: .synced, mapping: chosen.mapping, model: chosen.model, before: before,
                                    after: after, distinctness: chosen.distinctness, lift: chosenLift, density: density)
        // Few cues stand out little from chance in the correlation; a constant placement whose gaps fall on the
        // speech's pauses far better than at any other candidate offset is still clearly right.
        let standsOut = chosen.distinctness >= options.minimumDistinctness
            || (chosen.model == .unchanged || chosen.model == .offset)
            && agreesAlone(chosen.mapping.segments[0].offset, among: fit.offsets, sorted, target: target)
        if chosen.model == .unchanged {
            analysis.mapping = .identity
            if identityLift >= options.minimumLift, standsOut {
                analysis.verdict = .alreadyInSync
            } else {
                analysis.verdict = .refused(SyncRefusal(.notThisAudio, notThisAudio(after, density)))
            }
            return analysis
        }
        // A split placement must close chanceFitMargin of the distance from the chance fit to a perfect fit.
        analysis.chanceFit = chanceFit(of: sorted, target: target)
        let aboveChanceFit = analysis.chanceFit.map { after.cueTimeOnSpeech >= $0 + options.chanceFitMargin * (1 - $0) } ?? true
        if chosenLift < options.minimumLift || !standsOut || (chosen.mapping.splitCount > 0 && !aboveChanceFit) {
            analysis.verdict = .refused(SyncRefusal(.notThisAudio, notThisAudio(after, density)))
        } else if after.cueTimeOnSpeech < before.cueTimeOnSpeech + 0.02 {
            analysis.verdict = .refused(SyncRefusal(.noImprovement, String(
                format: "the best placement puts %.0f%% of the cue time on speech, not clearly more than the %.0f%% as it is",
                after.cueTimeOnSpeech * 100, before.cueTimeOnSpeech * 100)))
        }
        return analysis
    }

    /// The share of cue time on speech that the same search reaches for cues that cannot belong to this audio: the
    /// same cues mirrored in time (the same durations, gaps and count, their order reversed). A split search picks
    /// the best of many offsets for each segment, so it lifts any subtitles well above chance; how far depends on
    /// how many cues there are (few cues are easy to place), which the mirrored cues measure on the same media.
    private func chanceFit(of sorted: [SpeechSpan], target: SyncTarget) -> Double? {
        let latest = sorted.map(\.end).max() ?? 0
        let mirrored = Array(sorted.map { SpeechSpan(start: latest - $0.end, end: latest - $0.start) }.reversed())
        guard let fit = fit(mirrored, to: target) else { return nil }
        return score(mirrored, mapping: fit.chosen.mapping, target: target).cueTimeOnSpeech
    }

    /// Whether the cues at `offset` disagree with the speech at most ``SyncOptions/shortFileAgreement`` as much
    /// as at any other of `offsets` (more than a second away).
    private func agreesAlone(_ offset: Milliseconds, among offsets: [Milliseconds], _ sorted: [SpeechSpan],
                             target: SyncTarget) -> Bool {
        let search = PlacementSearch(cues: sorted, ratio: 1, target: target)
        let others = offsets.filter { abs($0 - offset) > 1000 }
        guard options.shortFileAgreement > 0, !others.isEmpty else { return false }
        let chosen = search.disagreement(offset: offset)
        let closest = others.map { search.disagreement(offset: $0) }.min() ?? 1
        return chosen <= options.shortFileAgreement * closest
    }

    private func notThisAudio(_ score: SyncScore, _ density: Double) -> String {
        String(format: "no placement puts the cues clearly on this speech (at best %.0f%% of the cue time on speech, "
               + "%.0f%% by chance): the subtitles seem to belong to other audio", score.cueTimeOnSpeech * 100, density * 100)
    }

    private func lift(_ score: SyncScore, _ density: Double) -> Double {
        density < 1 ? (score.cueTimeOnSpeech - density) / (1 - density) : 0
    }

    /// The score of `cues` (sorted) moved by `mapping` and clamped to the timeline.
    func score(_ cues: [SpeechSpan], mapping: SyncMapping, target: SyncTarget) -> SyncScore {
        let moved = cues.map { mapping.map($0) }.map {
            SpeechSpan(start: min(max(0, $0.start), target.duration), end: min(max(0, $0.end), target.duration))
        }
        // The moved cues' own time: a ratio above 1 lengthens them, and that must not lift the share.
        let cueTime = cues.reduce(Milliseconds(0)) { $0 + mapping.map($1).duration }
        var onSpeech: Milliseconds = 0
        for span in moved { onSpeech += target.covered(from: span.start, to: span.end) }
        let union = SyncTarget(spans: moved, duration: target.duration)
        var covered: Milliseconds = 0
        for span in union.spans { covered += target.covered(from: span.start, to: span.end) }
        return SyncScore(cueTimeOnSpeech: cueTime > 0 ? Double(onSpeech) / Double(cueTime) : 0,
                         speechCovered: target.totalDuration > 0 ? Double(covered) / Double(target.totalDuration) : 0)
    }

    /// A placement the search considered, with its score less the penalty of its model.
    private struct Candidate {
        var mapping: SyncMapping
        var model: SyncModel
        var score: Milliseconds
        var penalized: Milliseconds
        var distinctness: Double
    }

    /// The best placement of some cues, and the share of their time on speech at chance (constant placements).
    private struct Fit {
        var chosen: Candidate
        var chance: (mean: Double, deviation: Double)
        /// The constant offsets considered (the correlation's peaks, refined).
        var offsets: [Milliseconds]
    }

    /// The search of every model over `sorted` (non-empty, sorted cues); nil when no offset can be searched.
    private func fit(_ sorted: [SpeechSpan], to target: SyncTarget) -> Fit? {
        let cueTime = sorted.reduce(Milliseconds(0)) { $0 + $1.duration }
        let splitPenalty = max(options.minimumSplitPenalty, Milliseconds(Double(cueTime) * options.splitPenalty))
        let ratioPenalty = 2 * splitPenalty
        let ratios = options.ratios
        let latest = sorted.map(\.end).max() ?? 0
        let spectrum = OffsetSpectrum(target: target, longestCueExtent: Milliseconds(Double(latest) * (ratios.max() ?? 1)) + 1,
                                      step: Self.step)

        // Per ratio: the candidate offsets (peaks refined on the exact spans) and the best constant placement.
        struct RatioSearch {
            var search: PlacementSearch
            var candidates: [Milliseconds]
            var best: (offset: Milliseconds, score: Milliseconds)
            var distinctness: Double
            /// The share of cue time on speech at chance (constant placements), and its spread.
            var chance: (mean: Double, deviation: Double)
        }
        var searches: [RatioSearch] = []
        for ratio in ratios {
            let search = PlacementSearch(cues: sorted, ratio: ratio, target: target)
            let (peaks, mean, deviation) = spectrum.peaks(of: search.cues, count: Self.candidateCount, separation: 1000,
                                                          maximumOffset: options.maximumOffset)
            guard let top = peaks.first else { continue }
            var refined = peaks.map { search.refine(0..<sorted.count, around: $0.offset, radius: 150, step: 10) }
            if ratio == 1 { refined.append((0, search.score(0..<sorted.count, offset: 0))) }
            let best = refined.max { $0.score < $1.score } ?? (0, 0)
            var candidates: [Milliseconds] = []
            for placement in refined where !candidates.contains(placement.offset) { candidates.append(placement.offset) }
            searches.append(RatioSearch(search: search, candidates: candidates, best: best, distinctness: top.distinctness,
                                        chance: (mean, deviation)))
        }
        guard let plain = searches.first(where: { $0.search.ratio == 1 }) else { return nil }

        // Candidates in the order of preference, each with its score less its penalty.
        let identityScore = plain.search.score(0..<sorted.count, offset: 0)
        var candidates = [Candidate(mapping: .identity, model: .unchanged, score: identityScore, penalized: identityScore,
                                    distinctness: plain.distinctness)]
        candidates.append(Candidate(mapping: .offset(plain.best.offset), model: .offset, score: plain.best.score,
                                    penalized: plain.best.score, distinctness: plain.distinctness))
        let others = searches.filter { $0.search.ratio != 1 }
        var bestRatio = others.max { $0.best.score < $1.best.score }
        if options.fitsRatio {
            // Fitted from no ratio and from the best frame-rate ratio: a drift between two frame-rate ratios can
            // lie nearer to either, and each fit reaches only so far from where it starts.
            for base in [plain] + (bestRatio.map { [$0] } ?? []) {
                guard let rough = base.search.fittedRatio(around: base.best.offset, radius: 10_000, step: 20),
                      let fitted = PlacementSearch(cues: sorted, ratio: rough.ratio, target: target)
                        .fittedRatio(around: rough.offset, radius: 1000, step: 10),
                      abs(fitted.ratio - 1) > 1e-5 else { continue }
                let search = PlacementSearch(cues: sorted, ratio: fitted.ratio, target: target)
                let best = search.refine(0..<sorted.count, around: fitted.offset, radius: 500, step: 10)
                if best.score > (bestRatio?.best.score ?? 0) {
                    let shifted = base.candidates.map { $0 + fitted.offset - base.best.offset }
                    bestRatio = RatioSearch(search: search, candidates: [best.offset] + shifted, best: best,
                                            distinctness: base.distinctness, chance: base.chance)
                }
            }
        }
        if let bestRatio {
            candidates.append(Candidate(mapping: .offset(bestRatio.best.offset, ratio: bestRatio.search.ratio), model: .ratio,
                                        score: bestRatio.best.score, penalized: bestRatio.best.score - ratioPenalty,
                                        distinctness: bestRatio.distinctness))
        }
        if options.allowsSplits {
            for (found, extra) in [(plain, Milliseconds(0))] + (bestRatio.map { [($0, ratioPenalty)] } ?? []) {
                // First in order (which offsets the cuts really have), then free among those offsets only, so a
                // scene the media lacks can be jumped over where it ends.
                let local = found.search.localCandidates(near: found.candidates)
                let ordered = found.search.pieces(candidates: found.candidates + local, penalty: splitPenalty)
                guard ordered.starts.count > 1 else { continue }
                var offsets: [Milliseconds] = []
                for offset in ordered.offsets where !offsets.contains(offset) { offsets.append(offset) }
                let free = found.search.pieces(candidates: offsets, penalty: splitPenalty, keepsOrder: false)
                let pieces = free.starts.count > 1 && free.score - Milliseconds(free.starts.count) * splitPenalty
                    >= ordered.score - Milliseconds(ordered.starts.count) * splitPenalty ? free : ordered
                candidates.append(Candidate(mapping: found.search.mapping(pieces), model: .piecewise, score: pieces.score,
                                            penalized: pieces.score - extra - Milliseconds(pieces.starts.count - 1) * splitPenalty,
                                            distinctness: found.distinctness))
            }
        }
        // The first of the best: ties go to the simpler model.
        var chosen = candidates[0]
        for candidate in candidates.dropFirst() where candidate.penalized > chosen.penalized { chosen = candidate }
        if chosen.model == .offset, abs(chosen.mapping.segments[0].offset) <= options.inSyncTolerance {
            chosen = candidates[0]
        }
        return Fit(chosen: chosen, chance: plain.chance, offsets: plain.candidates)
    }
}
