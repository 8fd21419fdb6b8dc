import Foundation

/// A stretch of detected speech on the media timeline, as a speech detector marks it (not padded).
public struct SpeechSpan: Sendable, Hashable, Codable {
    /// Where the speech starts.
    public var start: Milliseconds
    /// Where it ends.
    public var end: Milliseconds

    /// Creates a span; `end` is raised to `start` when it lies before it.
    public init(start: Milliseconds, end: Milliseconds) {
        self.start = start
        self.end = max(start, end)
    }

    /// `end - start`.
    public var duration: Milliseconds { end - start }

    /// The parts of `spans` outside `removed` (both sorted; `removed` not overlapping itself), in time order.
    public static func subtracting(_ removed: [SpeechSpan], from spans: [SpeechSpan]) -> [SpeechSpan] {
        var result: [SpeechSpan] = []
        var index = 0
        for span in spans.sorted(by: { $0.start < $1.start }) where span.end > span.start {
            var start = span.start
            while index < removed.count, removed[index].end <= start { index += 1 }
            var probe = index
            while probe < removed.count, removed[probe].start < span.end {
                if removed[probe].start > start { result.append(SpeechSpan(start: start, end: removed[probe].start)) }
                start = max(start, removed[probe].end)
                probe += 1
            }
            if span.end > start { result.append(SpeechSpan(start: start, end: span.end)) }
        }
        return result
    }

    /// `a` and `b` (each sorted) as one sorted list, overlapping or touching spans joined.
    public static func union(_ a: [SpeechSpan], _ b: [SpeechSpan]) -> [SpeechSpan] {
        var result: [SpeechSpan] = []
        for span in (a + b).sorted(by: { $0.start < $1.start }) where span.end > span.start {
            if let last = result.last, span.start <= last.end {
                result[result.count - 1].end = max(last.end, span.end)
            } else {
                result.append(span)
            }
        }
        return result
    }
}

/// Speech activity on the media timeline: a speech probability per frame and the speech regions, from a
/// voice-activity detector or (as a fallback) from an energy map.
///
/// Frame `i` covers `[i * frameDuration, (i + 1) * frameDuration)`. Probabilities are stored as whole numbers
/// 0...255 (a 2-hour film at 32 ms frames takes 225 kB); an energy map gives 255 for speech frames and 0 elsewhere.
public struct SpeechActivity: Sendable {
    /// The length of one frame.
    public let frameDuration: Milliseconds
    /// Whether each frame lies in a speech region.
    public let isSpeech: [Bool]
    /// The speech probability of each frame, scaled to 0...255; nil when only speech / non-speech is known.
    public let probabilities: [UInt8]?
    /// The speech regions, in time order, not overlapping.
    public let regions: [SpeechSpan]
    /// Stretches outside ``regions`` where the detector doubted: its probability stayed low but not near zero
    /// (quiet, muffled or music-covered speech reads so; silence and music read at or near zero). In time order,
    /// not overlapping each other or the regions. Doubtful speech is treated as speech until shown otherwise: it is
    /// sent, and text over it is kept unless a rule condemns the text on its own.
    public let doubtfulRegions: [SpeechSpan]
    /// ``regions`` and ``doubtfulRegions`` together, touching spans joined: everything that may be speech.
    public let heardRegions: [SpeechSpan]
    /// speechPrefix[i] = number of speech frames among the first i frames.
    private let speechPrefix: [Int32]
    /// probabilityPrefix[i] = sum of the first i probabilities.
    private let probabilityPrefix: [UInt32]

    /// Creates a map from speech / non-speech frames (an energy map).
    /// - Parameters:
    ///   - frameDuration: the length of one frame.
    ///   - isSpeech: whether each frame holds speech.
    ///   - regions: the speech regions that times are aligned to; nil makes them the runs of speech frames.
    public init(frameDuration: Milliseconds, isSpeech: [Bool], regions: [SpeechSpan]? = nil) {
        let frameDuration = max(1, frameDuration)
        if let regions {
            let ordered = regions.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
            self.init(frameDuration: frameDuration, isSpeech: isSpeech, probabilities: nil, regions: ordered)
            return
        }
        var regions: [SpeechSpan] = []
        var runStart: Int?
        for (index, speech) in isSpeech.enumerated() {
            if speech, runStart == nil { runStart = index }
            if !speech, let start = runStart {
                regions.append(SpeechSpan(start: Milliseconds(start) * frameDuration, end: Milliseconds(index) * frameDuration))
                runStart = nil
            }
        }
        if let start = runStart {
            regions.append(SpeechSpan(start: Milliseconds(start) * frameDuration,
                                      end: Milliseconds(isSpeech.count) * frameDuration))
        }
        self.init(frameDuration: frameDuration, isSpeech: isSpeech, probabilities: nil, regions: regions)
    }

    /// Creates a map from a detector's probabilities and regions. A frame counts as speech when its middle lies
    /// in a region.
    /// - Parameters:
    ///   - frameDuration: the length of one probability frame (Silero VAD: 32 ms).
    ///   - probabilities: one probability per frame, scaled to 0...255.
    ///   - regions: the detected speech regions, unpadded, in time order.
    ///   - doubtfulRegions: stretches the detector doubted (low but not near-zero probability); the parts that
    ///     overlap `regions` are left out.
    public init(frameDuration: Milliseconds, probabilities: [UInt8], regions: [SpeechSpan],
                doubtfulRegions: [SpeechSpan] = []) {
        let frameDuration = max(1, frameDuration)
        let ordered = regions.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
        var isSpeech = [Bool](repeating: false, count: probabilities.count)
        var index = 0
        for frame in isSpeech.indices {
            let middle = Milliseconds(frame) * frameDuration + frameDuration / 2
            while index < ordered.count, ordered[index].end <= middle { index += 1 }
            if index < ordered.count, ordered[index].start <= middle { isSpeech[frame] = true }
        }
        self.init(frameDuration: frameDuration, isSpeech: isSpeech, probabilities: probabilities, regions: ordered,
                  doubtful: SpeechSpan.subtracting(ordered, from: doubtfulRegions))
    }

    private init(frameDuration: Milliseconds, isSpeech: [Bool], probabilities: [UInt8]?, regions: [SpeechSpan],
                 doubtful: [SpeechSpan] = []) {
        self.frameDuration = frameDuration
        self.isSpeech = isSpeech
        self.probabilities = probabilities
        self.regions = regions
        doubtfulRegions = doubtful
        heardRegions = doubtful.isEmpty ? regions : SpeechSpan.union(regions, doubtful)
        var speechPrefix = [Int32](repeating: 0, count: isSpeech.count + 1)
        for (index, speech) in isSpeech.enumerated() { speechPrefix[index + 1] = speechPrefix[index] + (speech ? 1 : 0) }
        self.speechPrefix = speechPrefix
        if let probabilities {
            var sums = [UInt32](repeating: 0, count: probabilities.count + 1)
            for (index, value) in probabilities.enumerated() { sums[index + 1] = sums[index] &+ UInt32(value) }
            probabilityPrefix = sums
        } else {
            probabilityPrefix = []
        }
    }

    /// The end of the last frame.
    public var coveredDuration: Milliseconds { Milliseconds(isSpeech.count) * frameDuration }

    /// Total length of the speech regions.
    public var speechDuration: Milliseconds { regions.reduce(0) { $0 + $1.duration } }

    /// The fraction of `[from, to)` that lies in speech frames, weighting partial frames by overlap.
    ///
    /// Time outside the map (before 0 or after its last frame) counts as speech, because there is no evidence
    /// against it. An empty or reversed range gives 1 when its instant lies in speech (or outside the map), else 0.
    public func speechFraction(from: Milliseconds, to: Milliseconds) -> Double {
        if to <= from {
            let frame = from / frameDuration
            guard from >= 0, frame < Milliseconds(isSpeech.count) else { return 1 }
            return isSpeech[Int(frame)] ? 1 : 0
        }
        return weightedMean(from: from, to: to, outside: 1) { first, last in
            Double(speechPrefix[last] - speechPrefix[first])
        } value: { frame in isSpeech[frame] ? 1 : 0 }
    }

    /// The mean speech probability (0...1) over `[from, to)`, weighting partial frames by overlap; the speech
    /// fraction when the map has no probabilities. Time outside the map counts as 1.
    public func meanProbability(from: Milliseconds, to: Milliseconds) -> Double {
        guard let probabilities else { return speechFraction(from: from, to: to) }
        if to <= from {
            let frame = from / frameDuration
            guard from >= 0, frame < Milliseconds(probabilities.count) else { return 1 }
            return Double(probabilities[Int(frame)]) / 255
        }
        return weightedMean(from: from, to: to, outside: 1) { first, last in
            Double(probabilityPrefix[last] &- probabilityPrefix[first]) / 255
        } value: { frame in Double(probabilities[frame]) / 255 }
    }

    /// The highest speech probability (0...1) of the frames `[from, to)` overlaps; 1 or 0 per frame without
    /// probabilities, and 1 when the range lies wholly outside the map.
    public func peakProbability(from: Milliseconds, to: Milliseconds) -> Double {
        let count = isSpeech.count
        let first = max(0, from / frameDuration)
        let last = min(Milliseconds(count), (max(to, from + 1) + frameDuration - 1) / frameDuration)
        guard first < last else { return 1 }
        if let probabilities {
            return Double(probabilities[Int(first)..<Int(last)].max() ?? 0) / 255
        }
        return isSpeech[Int(first)..<Int(last)].contains(true) ? 1 : 0
    }

    /// The regions that overlap `[from, to)`, in time order.
    public func regions(overlapping from: Milliseconds, _ to: Milliseconds) -> ArraySlice<SpeechSpan> {
        Self.spans(regions, overlapping: from, to)
    }

    /// The doubtful stretches that overlap `[from, to)`, in time order.
    public func doubtfulRegions(overlapping from: Milliseconds, _ to: Milliseconds) -> ArraySlice<SpeechSpan> {
        Self.spans(doubtfulRegions, overlapping: from, to)
    }

    /// The heard regions (speech or doubtful speech) that overlap `[from, to)`, in time order.
    public func heardRegions(overlapping from: Milliseconds, _ to: Milliseconds) -> ArraySlice<SpeechSpan> {
        Self.spans(heardRegions, overlapping: from, to)
    }

    /// Total length of the doubtful stretches.
    public var doubtfulDuration: Milliseconds { doubtfulRegions.reduce(0) { $0 + $1.duration } }

    /// The spans of `ordered` (sorted, not overlapping) that overlap `[from, to)`.
    private static func spans(_ ordered: [SpeechSpan], overlapping from: Milliseconds, _ to: Milliseconds)
        -> ArraySlice<SpeechSpan>
    {
        var low = 0
        var high = ordered.count
        while low < high {
            let middle = (low + high) / 2
            if ordered[middle].end <= from { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < ordered.count, ordered[end].start < to { end += 1 }
        return ordered[low..<end]
    }

    /// The mean over `[from, to)` of a per-frame value; `sum(first, last)` adds whole frames `first..<last`.
    private func weightedMean(
        from: Milliseconds, to: Milliseconds, outside: Double,
        sum: (Int, Int) -> Double, value: (Int) -> Double
    ) -> Double {
        let total = Double(to - from)
        let covered0 = max(from, 0)
        let covered1 = min(to, coveredDuration)
        var accumulated = Double(max(0, to - from) - max(0, covered1 - covered0)) * outside
        if covered1 > covered0 {
            let firstFrame = covered0 / frameDuration
            let lastFrame = (covered1 - 1) / frameDuration
            if firstFrame == lastFrame {
                accumulated += value(Int(firstFrame)) * Double(covered1 - covered0)
            } else {
                accumulated += value(Int(firstFrame)) * Double((firstFrame + 1) * frameDuration - covered0)
                accumulated += value(Int(lastFrame)) * Double(covered1 - lastFrame * frameDuration)
                if lastFrame - firstFrame > 1 {
                    accumulated += sum(Int(firstFrame) + 1, Int(lastFrame)) * Double(frameDuration)
                }
            }
        }
        return min(1, max(0, accumulated / total))
    }
}
