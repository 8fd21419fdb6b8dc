import Foundation

extension StyleProfile {
    /// The ranges every number of a profile must lie in before it shapes anything: beyond them the shaper's work
    /// (and its arithmetic) would no longer be bounded. Front ends may check narrower ranges.
    public enum Limits {
        /// Characters per line.
        public static let charactersPerLine = 1...200
        /// Lines per cue.
        public static let lines = 1...10
        /// Reading speed, characters per second (finite, above 0).
        public static let charactersPerSecond = 0.1...1000.0
        /// Words per minute, when set.
        public static let wordsPerMinute = 1.0...10_000.0
        /// Shortest and longest cue durations, milliseconds (a minute on screen is already far from a subtitle; the
        /// shaper's search window grows with the longest duration).
        public static let duration: ClosedRange<Milliseconds> = 0...60_000
        /// Gaps, reading extension and flicker threshold, milliseconds.
        public static let gap: ClosedRange<Milliseconds> = 0...60_000
        /// Frame rate, frames per second, when set.
        public static let frameRate = 1.0...1000.0
    }

    /// Why the profile cannot be used, or nil: every number inside ``Limits`` (NaN and infinity never are), and the
    /// longest duration not below the shortest.
    public var problem: String? {
        if !Limits.charactersPerLine.contains(maxCharactersPerLine) {
            return "maxCharactersPerLine \(maxCharactersPerLine) is out of range \(Limits.charactersPerLine)"
        }
        if !Limits.lines.contains(maxLines) { return "maxLines \(maxLines) is out of range \(Limits.lines)" }
        if !Limits.charactersPerSecond.contains(maxCharactersPerSecond) {
            return "maxCharactersPerSecond \(maxCharactersPerSecond) is out of range \(Limits.charactersPerSecond)"
        }
        if let maxWordsPerMinute, !Limits.wordsPerMinute.contains(maxWordsPerMinute) {
            return "maxWordsPerMinute \(maxWordsPerMinute) is out of range \(Limits.wordsPerMinute)"
        }
        if !Limits.duration.contains(minDuration) { return "minDuration \(minDuration) ms is out of range \(Limits.duration)" }
        if !Limits.duration.contains(maxDuration) || maxDuration < max(1, minDuration) {
            return "maxDuration \(maxDuration) ms must be at least minDuration (\(minDuration) ms) and at most "
                + "\(Limits.duration.upperBound) ms"
        }
        for (name, value) in [("minGap", minGap), ("maxReadingExtension", maxReadingExtension),
                              ("flickerGapThreshold", flickerGapThreshold)]
        where !Limits.gap.contains(value) {
            return "\(name) \(value) ms is out of range \(Limits.gap)"
        }
        if let frameRate, !Limits.frameRate.contains(frameRate) {
            return "frameRate \(frameRate) is out of range \(Limits.frameRate) frames per second"
        }
        return nil
    }
}
