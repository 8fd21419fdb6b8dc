import Foundation

/// Where no one speaks, from the speech regions: chunk cuts in the gaps between regions, and the stretches without
/// speech that are left out of the upload. Positions are samples on the pipeline's timeline; regions are sorted,
/// unpadded speech.
enum SpeechGaps {
    /// The best place to cut inside `window`, in a gap between regions at least `minimumGap` long, or nil when
    /// speech covers the window. Longer gaps win (up to 3 s), then the one nearest `target`; the cut sits in the
    /// gap's middle, at least 100 ms from the speech on either side, on a multiple of `alignment`.
    /// - Parameters:
    ///   - regions: speech regions known so far.
    ///   - window: where the cut may go.
    ///   - target: the preferred cut.
    ///   - knownUntil: how far the speech map reaches (a gap running to it may continue).
    static func bestCut(
        regions: [Range<Int64>], in window: ClosedRange<Int64>, target: Int64, knownUntil: Int64,
        minimumGap: Int64, alignment: Int64, sampleRate: Int
    ) -> Int64? {
        let margin100 = Int64(sampleRate / 10)
        let longest = Int64(sampleRate) * 3
        var best: (cut: Int64, score: Double)?
        func consider(_ gap: Range<Int64>) {
            guard gap.count >= minimumGap, gap.upperBound > window.lowerBound, gap.lowerBound < window.upperBound else {
                return
            }
            let margin = min(Int64(gap.count) / 2, margin100)
            let low = max(gap.lowerBound + margin, window.lowerBound)
            let high = min(gap.upperBound - margin, window.upperBound)
            guard low <= high else { return }
            let middle = gap.lowerBound + Int64(gap.count) / 2
            var cut = min(max(middle, low), high)
            let aligned = cut - cut % alignment
            if aligned >= low { cut = aligned } else if aligned + alignment <= high { cut = aligned + alignment }
            guard cut % alignment == 0 else { return }
            let score = Double(min(Int64(gap.count), longest)) - 0.05 * Double(abs(cut - target))
            if best == nil || score > best!.score { best = (cut, score) }
        }
        var previousEnd: Int64 = 0
        for region in regions {
            if region.lowerBound > window.upperBound + longest, previousEnd > window.upperBound { break }
            if region.lowerBound > previousEnd { consider(previousEnd..<region.lowerBound) }
            previousEnd = max(previousEnd, region.upperBound)
        }
        if knownUntil > previousEnd { consider(previousEnd..<knownUntil) }
        return best?.cut
    }

    /// The parts of `chunk` to upload: all of it but the stretches without speech longer than `minimumGap`, less
    /// `padding` kept next to the speech on each side (none at the timeline's start and end).
    /// - Parameters:
    ///   - chunk: the chunk's samples on the timeline.
    ///   - regions: the speech regions, known at least through `chunk` plus `minimumGap` and `padding`.
    ///   - timelineEnd: the timeline's length when decoding has finished, else nil.
    ///   - knownUntil: how far the speech map reaches.
    /// - Returns: ordered, non-empty, non-touching ranges inside `chunk` (empty when the chunk holds no speech).
    static func keptRanges(
        in chunk: Range<Int64>, regions: [Range<Int64>], timelineEnd: Int64?, knownUntil: Int64,
        minimumGap: Int64, padding: Int64
    ) -> [Range<Int64>] {
        var omitted: [Range<Int64>] = []
        func omit(from start: Int64, to end: Int64?) {
            let length = (end ?? knownUntil) - start
            guard length > minimumGap else { return }
            let lower = start == 0 ? 0 : start + padding
            let upper: Int64 = end.map { $0 == timelineEnd ? $0 : $0 - padding } ?? .max
            if upper > lower { omitted.append(lower..<upper) }
        }
        var previousEnd: Int64 = 0
        for region in regions {
            if region.lowerBound > previousEnd { omit(from: previousEnd, to: region.lowerBound) }
            previousEnd = max(previousEnd, region.upperBound)
            if previousEnd > chunk.upperBound + minimumGap + padding { break }
        }
        if previousEnd <= chunk.upperBound + minimumGap + padding {
            if let timelineEnd {
                if timelineEnd > previousEnd { omit(from: previousEnd, to: timelineEnd) }
            } else {
                omit(from: previousEnd, to: nil)
            }
        }
        var kept: [Range<Int64>] = []
        var position = chunk.lowerBound
        for stretch in omitted where stretch.upperBound > position && stretch.lowerBound < chunk.upperBound {
            if stretch.lowerBound > position { kept.append(position..<stretch.lowerBound) }
            position = max(position, stretch.upperBound)
        }
        if position < chunk.upperBound { kept.append(position..<chunk.upperBound) }
        return kept
    }
}

/// The exact map from times in an uploaded audio file to times on the media timeline: the upload is the
/// concatenation of `pieces` of the timeline, so each upload sample has one media sample.
struct UploadMap: Sendable, Hashable, Codable {
    /// A stretch of the timeline and where it sits in the upload.
    struct Piece: Sendable, Hashable, Codable {
        /// First sample on the timeline.
        var mediaStart: Int64
        /// First sample in the upload.
        var uploadStart: Int64
        /// Samples.
        var length: Int64
    }

    /// Samples per second.
    var sampleRate: Int
    /// The pieces, in order.
    var pieces: [Piece]

    /// Creates the map of an upload made of `kept` (ordered ranges on the timeline).
    init(kept: [Range<Int64>], sampleRate: Int) {
        self.sampleRate = sampleRate
        var position: Int64 = 0
        pieces = kept.filter { !$0.isEmpty }.map { range in
            defer { position += Int64(range.count) }
            return Piece(mediaStart: range.lowerBound, uploadStart: position, length: Int64(range.count))
        }
    }

    /// Samples in the upload.
    var uploadLength: Int64 { pieces.last.map { $0.uploadStart + $0.length } ?? 0 }
    /// The upload's length in milliseconds.
    var uploadDuration: Int64 { uploadLength * 1000 / Int64(sampleRate) }
    /// Whether the upload is the timeline unchanged (one piece).
    var isContiguous: Bool { pieces.count <= 1 }

    /// Which side of a join an instant on it belongs to.
    enum Edge {
        /// A start: the piece after the join.
        case start
        /// An end: the piece before the join.
        case end
    }

    /// The media time, in milliseconds on the timeline, of `milliseconds` into the upload (clamped to the upload).
    func mediaMilliseconds(forUpload milliseconds: Int64, edge: Edge) -> Int64 {
        guard !pieces.isEmpty else { return 0 }
        let rate = Int64(sampleRate)
        let sample = min(max(0, milliseconds), Int64.max / rate / 2) * rate / 1000
        let clamped = min(sample, uploadLength)
        var low = 0
        var high = pieces.count - 1
        // The last piece whose start is at or before the sample (for an end on a join: strictly before).
        while low < high {
            let middle = (low + high + 1) / 2
            let start = pieces[middle].uploadStart
            if start < clamped || (start == clamped && edge == .start) { low = middle } else { high = middle - 1 }
        }
        let piece = pieces[low]
        let media = piece.mediaStart + min(max(0, clamped - piece.uploadStart), piece.length)
        return media * 1000 / rate
    }

    /// The upload's samples, cut from `samples` (which start at `start` on the timeline), with 5 ms fades on both
    /// sides of every join so the joins do not click.
    func uploadSamples(from samples: [Int16], startingAt start: Int64) -> [Int16] {
        var result: [Int16] = []
        result.reserveCapacity(Int(uploadLength))
        let fade = max(1, sampleRate / 200)
        for (index, piece) in pieces.enumerated() {
            let lower = Int(piece.mediaStart - start)
            let upper = lower + Int(piece.length)
            var part = Array(samples[max(0, lower)..<min(samples.count, upper)])
            let ramp = min(fade, part.count / 2)
            if index > 0 {
                for i in 0..<ramp { part[i] = Int16(Int(part[i]) * i / ramp) }
            }
            if index < pieces.count - 1 {
                for i in 0..<ramp { part[part.count - 1 - i] = Int16(Int(part[part.count - 1 - i]) * i / ramp) }
            }
            result += part
        }
        return result
    }
}
