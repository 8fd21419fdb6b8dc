import Foundation

/// How subtitle lines are balanced when a cue needs two or more lines.
public enum LineBalance: String, Sendable, Hashable, Codable, CaseIterable {
    /// Lines of about equal length.
    case balanced
    /// Like `balanced`, but a top line longer than the one below costs more (pyramid shape).
    case bottomHeavy
}

/// The rules a subtitle file should meet: line width and count, durations, reading speed, gaps.
///
/// Every number can be overridden: the properties are `var`s, and ``overriding(maxCharactersPerLine:maxLines:minDuration:maxDuration:maxCharactersPerSecond:minGap:frameRate:)``
/// changes several at once.
public struct StyleProfile: Sendable, Hashable, Codable {
    /// The profile's name (`netflix`, `bbc`, or a custom one).
    public var name: String
    /// Most characters on one line (grapheme clusters, spaces and punctuation included).
    public var maxCharactersPerLine: Int
    /// Most lines in one cue.
    public var maxLines: Int
    /// Shortest time a cue stays on screen.
    public var minDuration: Milliseconds
    /// Longest time a cue stays on screen.
    public var maxDuration: Milliseconds
    /// Highest reading speed, in characters per second, counting spaces and punctuation.
    public var maxCharactersPerSecond: Double
    /// Shortest gap between two cues when `frameRate` is nil.
    public var minGap: Milliseconds
    /// The video's frame rate, when known; the minimum gap is then two frames at this rate.
    public var frameRate: Double?
    /// Highest reading speed in words per minute, for profiles that state one (BBC); nil to skip the check.
    public var maxWordsPerMinute: Double?
    /// How to shape two-line cues.
    public var lineBalance: LineBalance
    /// How far an out-time may be pushed past the end of speech so the text can be read (Netflix: 12 frames).
    public var maxReadingExtension: Milliseconds
    /// Gaps shorter than this between cues are closed down to the minimum gap, to stop flicker
    /// (Netflix: 12 frames).
    public var flickerGapThreshold: Milliseconds
    /// How far a cue's in-time may sit from the start of its words when the cue needs the time to be read: before
    /// them (in the pause before), or after them when the previous cue needs it (Netflix: within 1–2 frames of the
    /// first frame of audio; 2 frames at 24 fps). 0 keeps every in-time on its words.
    public var inTimeTolerance: Milliseconds

    /// Creates a profile. Values not given take the Netflix English defaults.
    public init(
        name: String,
        maxCharactersPerLine: Int = 42,
        maxLines: Int = 2,
        minDuration: Milliseconds = 833,
        maxDuration: Milliseconds = 7000,
        maxCharactersPerSecond: Double = 20,
        minGap: Milliseconds = 83,
        frameRate: Double? = nil,
        maxWordsPerMinute: Double? = nil,
        lineBalance: LineBalance = .balanced,
        maxReadingExtension: Milliseconds = 500,
        flickerGapThreshold: Milliseconds = 500,
        inTimeTolerance: Milliseconds = 83
    ) {
        self.name = name
        self.maxCharactersPerLine = maxCharactersPerLine
        self.maxLines = maxLines
        self.minDuration = minDuration
        self.maxDuration = maxDuration
        self.maxCharactersPerSecond = maxCharactersPerSecond
        self.minGap = minGap
        self.frameRate = frameRate
        self.maxWordsPerMinute = maxWordsPerMinute
        self.lineBalance = lineBalance
        self.maxReadingExtension = maxReadingExtension
        self.flickerGapThreshold = flickerGapThreshold
        self.inTimeTolerance = inTimeTolerance
    }

    /// Netflix Timed Text Style Guide, English (USA), adult programmes: 42 characters, 2 lines, 5/6 s to 7 s,
    /// 20 characters per second with spaces and punctuation counted, 2 frames between cues (83 ms at 24 fps).
    public static let netflix = StyleProfile(name: "netflix")

    /// BBC Subtitle Guidelines as tools implement them: 37 characters, 2 lines, 160–180 words per minute
    /// (checked as 180 wpm and 17 characters per second), 1 s to 7 s, 2 frames at 25 fps between cues.
    public static let bbc = StyleProfile(
        name: "bbc",
        maxCharactersPerLine: 37,
        maxLines: 2,
        minDuration: 1000,
        maxDuration: 7000,
        maxCharactersPerSecond: 17,
        minGap: 80,
        maxWordsPerMinute: 180,
        lineBalance: .bottomHeavy
    )

    /// All built-in profiles.
    public static let builtIn: [StyleProfile] = [.netflix, .bbc]

    /// A built-in profile by name (`netflix`, `netflix-en`, `bbc`; case-insensitive), or nil.
    public static func named(_ name: String) -> StyleProfile? {
        switch name.lowercased() {
        case "netflix", "netflix-en", "netflix-en-us": return .netflix
        case "bbc": return .bbc
        default: return nil
        }
    }

    /// The minimum gap in effect: two frames at `frameRate` (rounded to the millisecond) when set, else `minGap`.
    /// Below 16 fps (slide shows, test patterns) two frames would be a visible hole, so the gap stays at 125 ms.
    public var effectiveMinGap: Milliseconds {
        if let frameRate, frameRate.isFinite, frameRate > 0 {
            return Milliseconds(min((2000 / frameRate).rounded(), 125))   // in Double: a tiny rate cannot overflow
        }
        return minGap
    }

    /// A copy with some numbers replaced; nil arguments keep the current value.
    public func overriding(
        maxCharactersPerLine: Int? = nil,
        maxLines: Int? = nil,
        minDuration: Milliseconds? = nil,
        maxDuration: Milliseconds? = nil,
        maxCharactersPerSecond: Double? = nil,
        minGap: Milliseconds? = nil,
        frameRate: Double? = nil
    ) -> StyleProfile {
        var copy = self
        if let maxCharactersPerLine { copy.maxCharactersPerLine = max(1, maxCharactersPerLine) }
        if let maxLines { copy.maxLines = max(1, maxLines) }
        if let minDuration { copy.minDuration = max(0, minDuration) }
        if let maxDuration { copy.maxDuration = max(1, maxDuration) }
        if let maxCharactersPerSecond { copy.maxCharactersPerSecond = maxCharactersPerSecond }
        if let minGap { copy.minGap = max(0, minGap) }
        if let frameRate { copy.frameRate = frameRate }
        return copy
    }

    private enum CodingKeys: String, CodingKey {
        case name, maxCharactersPerLine, maxLines, minDuration, maxDuration, maxCharactersPerSecond, minGap
        case frameRate, maxWordsPerMinute, lineBalance, maxReadingExtension, flickerGapThreshold, inTimeTolerance
    }

    /// Decodes a profile; keys other than `name` may be missing and then take the Netflix defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = StyleProfile(name: "")
        self.init(
            name: try c.decode(String.self, forKey: .name),
            maxCharactersPerLine: try c.decodeIfPresent(Int.self, forKey: .maxCharactersPerLine) ?? defaults.maxCharactersPerLine,
            maxLines: try c.decodeIfPresent(Int.self, forKey: .maxLines) ?? defaults.maxLines,
            minDuration: try c.decodeIfPresent(Milliseconds.self, forKey: .minDuration) ?? defaults.minDuration,
            maxDuration: try c.decodeIfPresent(Milliseconds.self, forKey: .maxDuration) ?? defaults.maxDuration,
            maxCharactersPerSecond: try c.decodeIfPresent(Double.self, forKey: .maxCharactersPerSecond)
                ?? defaults.maxCharactersPerSecond,
            minGap: try c.decodeIfPresent(Milliseconds.self, forKey: .minGap) ?? defaults.minGap,
            frameRate: try c.decodeIfPresent(Double.self, forKey: .frameRate),
            maxWordsPerMinute: try c.decodeIfPresent(Double.self, forKey: .maxWordsPerMinute),
            lineBalance: try c.decodeIfPresent(LineBalance.self, forKey: .lineBalance) ?? defaults.lineBalance,
            maxReadingExtension: try c.decodeIfPresent(Milliseconds.self, forKey: .maxReadingExtension)
                ?? defaults.maxReadingExtension,
            flickerGapThreshold: try c.decodeIfPresent(Milliseconds.self, forKey: .flickerGapThreshold)
                ?? defaults.flickerGapThreshold,
            inTimeTolerance: try c.decodeIfPresent(Milliseconds.self, forKey: .inTimeTolerance) ?? defaults.inTimeTolerance
        )
    }
}
