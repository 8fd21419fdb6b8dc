import Foundation
import SubtitlerSupport

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
        /// Gaps, reading extension, flicker threshold and in-time tolerance, milliseconds.
        public static let gap: ClosedRange<Milliseconds> = 0...60_000
        /// Frame rate, frames per second, when set.
        public static let frameRate = 1.0...1000.0
    }

    /// Why the profile cannot be used, or nil: every number inside ``Limits`` (NaN and infinity never are), and the
    /// longest duration not below the shortest.
    public var problem: SettingProblem? {
        func outOfRange(_ name: String, _ value: some Any, _ range: some Any, unit: String = "") -> SettingProblem {
            SettingProblem(name, "\(name) \(value)\(unit) is out of range \(range)")
        }
        if !Limits.charactersPerLine.contains(maxCharactersPerLine) {
            return outOfRange("maxCharactersPerLine", maxCharactersPerLine, Limits.charactersPerLine)
        }
        if !Limits.lines.contains(maxLines) { return outOfRange("maxLines", maxLines, Limits.lines) }
        if !Limits.charactersPerSecond.contains(maxCharactersPerSecond) {
            return outOfRange("maxCharactersPerSecond", maxCharactersPerSecond, Limits.charactersPerSecond)
        }
        if let maxWordsPerMinute, !Limits.wordsPerMinute.contains(maxWordsPerMinute) {
            return outOfRange("maxWordsPerMinute", maxWordsPerMinute, Limits.wordsPerMinute)
        }
        if !Limits.duration.contains(minDuration) { return outOfRange("minDuration", minDuration, Limits.duration, unit: " ms") }
        if !Limits.duration.contains(maxDuration) || maxDuration < max(1, minDuration) {
            return SettingProblem("maxDuration", "maxDuration \(maxDuration) ms must be at least minDuration "
                + "(\(minDuration) ms) and at most \(Limits.duration.upperBound) ms")
        }
        for (name, value) in [("minGap", minGap), ("maxReadingExtension", maxReadingExtension),
                              ("flickerGapThreshold", flickerGapThreshold), ("inTimeTolerance", inTimeTolerance)]
        where !Limits.gap.contains(value) {
            return outOfRange(name, value, Limits.gap, unit: " ms")
        }
        if let frameRate, !Limits.frameRate.contains(frameRate) {
            return SettingProblem("frameRate", "frameRate \(frameRate) is out of range \(Limits.frameRate) frames per second")
        }
        return nil
    }
}

/// Why a setting cannot be used (the validators' typed result): the setting's name and one line saying why.
/// Declared in the support module, named here so that library users can spell it with `import Subtitles`.
public typealias SettingProblem = SubtitlerSupport.SettingProblem
