import Foundation
import Subtitles

/// How well cues sit on the target: the two shares a reader judges a sync by.
public struct SyncScore: Sendable, Hashable, Codable {
    /// The share of the cues' time that lies over speech, 0...1.
    public var cueTimeOnSpeech: Double
    /// The share of the speech that a cue covers, 0...1.
    public var speechCovered: Double

    /// Creates a score.
    public init(cueTimeOnSpeech: Double, speechCovered: Double) {
        self.cueTimeOnSpeech = cueTimeOnSpeech
        self.speechCovered = speechCovered
    }
}

/// The simplest kind of move that fits, in the order they are preferred.
public enum SyncModel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Nothing moves.
    case unchanged
    /// One constant offset.
    case offset
    /// A frame-rate (or fitted) ratio with one offset.
    case ratio
    /// Offsets that change between segments (the cuts differ), with or without a ratio.
    case piecewise
}

/// Why subtitles were not moved.
public struct SyncRefusal: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kinds of refusal; compare with `==`.
    public struct Kind: Sendable, Hashable, Codable, CustomStringConvertible {
        private let code: String
        private init(_ code: String) { self.code = code }

        /// The subtitles hold no cue with a duration.
        public static let noCues = Kind("no-cues")
        /// The media holds no speech (or the reference no cue).
        public static let noSpeech = Kind("no-speech")
        /// No placement puts the cues clearly on this speech: they belong to other audio (another episode, another
        /// cut's dub).
        public static let notThisAudio = Kind("not-this-audio")
        /// The best placement is not clearly better than the file as it is.
        public static let noImprovement = Kind("no-improvement")

        /// The stable code (`not-this-audio`), as the service and `--json` report it.
        public var description: String { code }

        public init(from decoder: any Decoder) throws { code = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(code)
        }
    }

    /// The kind of refusal.
    public var kind: Kind
    /// One line for people, naming no file and no flag.
    public var message: String

    /// Creates a refusal.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// What ``SubtitleAligner`` concluded.
public enum SyncVerdict: Sendable, Hashable {
    /// The cues move by ``SyncAnalysis/mapping``.
    case synced
    /// The cues already sit on the speech: nothing should change.
    case alreadyInSync
    /// The cues should not be moved, for this reason.
    case refused(SyncRefusal)
}

/// The outcome of aligning cues with a target.
public struct SyncAnalysis: Sendable, Hashable {
    /// What to do.
    public var verdict: SyncVerdict
    /// The best mapping found (identity when in sync; the best rejected one when refused).
    public var mapping: SyncMapping
    /// The kind of move ``mapping`` is.
    public var model: SyncModel
    /// The cues' score as they are.
    public var before: SyncScore
    /// The cues' score after ``mapping`` (the same as ``before`` when nothing moves).
    public var after: SyncScore
    /// How many standard deviations the best constant placement's correlation stands above the others'.
    public var distinctness: Double
    /// How far above chance the mapped cues sit on speech, `(share − density) / (1 − density)`.
    public var lift: Double
    /// The share of the target's timeline that is speech.
    public var density: Double
    /// The cue time on speech that the same search reaches with the cues mirrored in time (cues that cannot belong
    /// to this audio), 0...1; nil when nothing was to move. A split placement must stand clearly above it.
    public var chanceFit: Double?
}
