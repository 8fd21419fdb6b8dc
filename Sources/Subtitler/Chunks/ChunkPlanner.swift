import Foundation
import MediaAudio

/// Cut-point selection over the decoded timeline.
///
/// The planner works on 20 ms frames of short-window RMS energy (in dBFS, from MediaAudio's `EnergyMeter`). Cuts
/// land on frame boundaries, so every chunk offset is an exact sample position (a multiple of the meter's
/// frame length).

/// Where the planner decided to cut, and whether it found silence there.
public struct ChunkCut: Sendable, Hashable {
    /// The frame index the next chunk starts at.
    public var frame: Int
    /// True when the quietest stretch near the target boundary was quiet enough to count as a pause.
    public var isInSilence: Bool
    /// Mean energy of the stretch the cut sits in, dBFS.
    public var energy: Float
}

/// Chooses chunk boundaries in the quietest stretch near each target boundary.
public struct ChunkBoundaryPlanner: Sendable {
    /// The preferred chunk length, in frames.
    public var targetFrames: Int
    /// How far before or after the target the planner looks for a pause, in frames.
    public var searchFrames: Int
    /// The hard maximum chunk length in frames (the model's duration cap), if any.
    public var maxFrames: Int?
    /// Length of the stretch whose mean energy is compared (frames). 300 ms by default.
    public var stretchFrames: Int = 15
    /// A stretch this many dB above the local noise floor (or quieter than -50 dBFS) counts as a pause.
    public var silenceMargin: Float = 10

    /// Creates a planner.
    /// - Parameters:
    ///   - targetFrames: the preferred chunk length in frames.
    ///   - searchFrames: how far around the target to look for a pause.
    ///   - maxFrames: the hard cap on chunk length, if any; the search never goes past it.
    public init(targetFrames: Int, searchFrames: Int, maxFrames: Int? = nil) {
        precondition(targetFrames > 0 && searchFrames >= 0)
        var target = targetFrames
        var search = min(searchFrames, targetFrames / 2)
        if let maxFrames, target + search > maxFrames {
            // Keep target + search under the cap, leaving room to look for a pause below it.
            search = min(search, max(1, maxFrames / 8))
            target = max(1, maxFrames - search)
        }
        self.targetFrames = target
        self.searchFrames = search
        self.maxFrames = maxFrames
    }

    /// The next cut after `start`, or nil while the frames after `start` still fit in one chunk (wait for more
    /// frames, or, at the end of the input, they are the last chunk).
    /// - Parameters:
    ///   - energies: frame energies of the whole timeline so far.
    ///   - start: the frame the current chunk starts at.
    public func nextCut(in energies: [Float], from start: Int) -> ChunkCut? {
        let available = energies.count - start
        let limit = targetFrames + searchFrames
        if available <= limit {
            return nil   // the rest fits; wait for more, or it is the last chunk
        }
        let low = start + max(1, targetFrames - searchFrames)
        let high = start + limit
        return quietestCut(in: energies, between: low, and: high, chunkStart: start)
    }

    /// All cuts for a complete energy map (the batch form of ``nextCut(in:from:)``).
    public func cuts(for energies: [Float]) -> [ChunkCut] {
        var result: [ChunkCut] = []
        var start = 0
        while let cut = nextCut(in: energies, from: start) {
            result.append(cut)
            start = cut.frame
        }
        return result
    }

    /// The centre of the quietest `stretchFrames`-long stretch whose centre lies in `low...high`.
    func quietestCut(in energies: [Float], between low: Int, and high: Int, chunkStart: Int) -> ChunkCut {
        let half = stretchFrames / 2
        var best = low
        var bestMean = Float.infinity
        for centre in low...high {
            let from = max(chunkStart, centre - half)
            let to = min(energies.count, centre + half + 1)
            guard from < to else { continue }
            var sum: Float = 0
            for i in from..<to { sum += energies[i] }
            let mean = sum / Float(to - from)
            // Prefer the point nearest the target among equals: scan order plus strict comparison keeps the first;
            // ties in digital silence are common, so break them toward the middle of the window.
            if mean < bestMean - 0.01 || (abs(mean - bestMean) <= 0.01 && abs(centre - (low + high) / 2) < abs(best - (low + high) / 2)) {
                bestMean = mean
                best = centre
            }
        }
        let region = energies[chunkStart..<min(energies.count, high + half + 1)]
        let floor = EnergyMeter.noiseFloor(of: region)
        let median = EnergyMeter.percentile(50, of: region)
        // A pause: digital-grade quiet, or near the background level and well below the typical (speech) level.
        let silent = bestMean <= -50 || (bestMean <= floor + silenceMargin && median - bestMean >= 15)
        return ChunkCut(frame: best, isInSilence: silent, energy: bestMean)
    }

}
