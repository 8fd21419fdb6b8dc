import Foundation
import Subtitles
import Subtitler

/// Everything the review page shows for one media file: the video, its subtitle tracks, every cue with its
/// style status, the style violations, what the hallucination guard dropped, the chunk cuts, a coarse
/// activity map and a summary. ``ReviewPage/render(_:)`` turns it into one self-contained HTML file.
///
/// The page holds no logic of its own: statuses, counts and messages come from here, so build the document
/// from the library's results (``init(result:media:tracks:activity:)``) rather than by hand. Times are
/// integer milliseconds on the media timeline. The JSON form (`Codable`) is what the page embeds.
///
/// ```swift
/// let result = try await subtitler.makeSubtitles(for: "talk.mp4")
/// let media = ReviewDocument.Media(path: "talk.mp4", duration: result.report.audioDuration,
///                                  pageDirectory: URL(fileURLWithPath: "out"))
/// let document = ReviewDocument(result: result, media: media)
/// try ReviewPage.write(document, to: URL(fileURLWithPath: "out/talk.review.html"))
/// ```
public struct ReviewDocument: Sendable, Codable, Hashable {
    /// The version of this JSON shape; the page checks it.
    public static let currentVersion = 1

    /// The version of the JSON shape (``currentVersion`` for documents made by this library).
    public var version: Int
    /// The media file and where the page finds it.
    public var media: Media
    /// The subtitle tracks the `<video>` gets, as WebVTT text; the first default track is shown.
    public var tracks: [Track]
    /// The cues on the timeline (the main track's), in order, numbered from 1.
    public var cues: [Cue]
    /// Every style violation, in cue order.
    public var violations: [Violation]
    /// Every piece of text the hallucination guard dropped, in time order.
    public var dropped: [DroppedText]
    /// Stretches left without subtitles because their chunk failed (runs with gaps allowed).
    public var gaps: [Gap]
    /// Stretches the speech detector doubted (its probability low but not near zero), sent like speech; nil in
    /// documents stored before they were drawn.
    public var doubtful: [SpeechSpan]?
    /// Where words may be missing although no text was dropped (``Subtitler/Omission``), in time order; nil in
    /// documents stored before they were drawn.
    public var omissions: [Omission]?
    /// Where the audio was cut into chunks (the starts of every chunk after the first).
    public var chunkCuts: [ChunkCut]
    /// Loudness and speech probability over time, or nil when unknown.
    public var activity: ActivityMap?
    /// The figures of the summary table.
    public var summary: Summary
    /// A second subtitle file drawn beside the cues (a translation, or the file before a sync), or nil.
    public var beside: Beside?

    /// Creates a document from its parts. Prefer ``init(result:media:tracks:activity:)`` or
    /// ``init(cues:violations:media:report:tracks:activity:language:)``, which derive statuses and counts.
    public init(
        media: Media, tracks: [Track], cues: [Cue], violations: [Violation], dropped: [DroppedText],
        gaps: [Gap] = [], doubtful: [SpeechSpan] = [], omissions: [Omission] = [], chunkCuts: [ChunkCut],
        activity: ActivityMap?, summary: Summary
    ) {
        self.version = Self.currentVersion
        self.media = media
        self.tracks = tracks
        self.cues = cues
        self.violations = violations
        self.dropped = dropped
        self.gaps = gaps
        self.doubtful = doubtful
        self.omissions = omissions
        self.chunkCuts = chunkCuts
        self.activity = activity
        self.summary = summary
    }

    /// The media file under review.
    public struct Media: Sendable, Codable, Hashable {
        /// The file's name, for the title and the summary.
        public var fileName: String
        /// The URL the `<video>` loads: relative to the page (`../talk.mp4`), absolute (`file:///…`), or a
        /// path on the server that serves the page (`/v1/jobs/ID/media`).
        public var source: String
        /// The length of the timeline in milliseconds (the audio's, as the pipeline decoded it).
        public var duration: Milliseconds

        /// Creates a media description.
        public init(fileName: String, source: String, duration: Milliseconds) {
            self.fileName = fileName
            self.source = source
            self.duration = duration
        }
    }

    /// The kind of a subtitle track, as HTML's `<track kind>` names it.
    public enum TrackKind: String, Sendable, Codable, Hashable, CaseIterable {
        /// Dialogue for viewers who do not understand the language (or cannot hear the audio well).
        case subtitles
        /// Dialogue plus sound effects and other audio information, for viewers who cannot hear it.
        case captions
    }

    /// One subtitle track of the `<video>`.
    public struct Track: Sendable, Codable, Hashable {
        /// The label players show in their track menu.
        public var label: String
        /// The track's language (BCP 47, e.g. `en`), if known.
        public var language: String?
        /// Subtitles or captions.
        public var kind: TrackKind
        /// Whether the page shows this track at load (the first default track wins).
        public var isDefault: Bool
        /// The whole WebVTT file.
        public var webVTT: String

        /// Creates a track from WebVTT text.
        public init(label: String, language: String?, kind: TrackKind = .subtitles, isDefault: Bool = false,
                    webVTT: String) {
            self.label = label
            self.language = language
            self.kind = kind
            self.isDefault = isDefault
            self.webVTT = webVTT
        }

        /// Creates a track from cues, written with the library's WebVTT writer (as the job writes `.vtt` files).
        public init(label: String, language: String?, kind: TrackKind = .subtitles, isDefault: Bool = false,
                    cues: [Subtitles.Cue]) {
            self.init(label: label, language: language, kind: kind, isDefault: isDefault,
                      webVTT: WebVTTWriter(kind: kind.rawValue, language: language).render(cues))
        }
    }

    /// Whether a cue meets the style profile.
    public enum CueStatus: String, Sendable, Codable, Hashable, CaseIterable {
        /// No rule broken.
        case ok
        /// At least one style violation (listed in ``ReviewDocument/violations``).
        case violation
    }

    /// One cue of the timeline.
    public struct Cue: Sendable, Codable, Hashable {
        /// The cue's number, counting from 1: its place in the cue list, as in ``StyleViolation/cueNumber``.
        public var number: Int
        /// When the cue appears.
        public var start: Milliseconds
        /// When the cue disappears.
        public var end: Milliseconds
        /// The lines, top to bottom, as plain text.
        public var lines: [String]
        /// The speaker, when known.
        public var speaker: String?
        /// Whether the cue meets the style profile.
        public var status: CueStatus
        /// The rules the cue breaks, in the order the linter reported them (empty when ``status`` is `ok`).
        public var rules: [StyleViolation.Rule]

        /// Creates a cue.
        public init(number: Int, start: Milliseconds, end: Milliseconds, lines: [String], speaker: String? = nil,
                    status: CueStatus, rules: [StyleViolation.Rule] = []) {
            self.number = number
            self.start = start
            self.end = end
            self.lines = lines
            self.speaker = speaker
            self.status = status
            self.rules = rules
        }
    }

    /// One style violation, placed on the timeline at its cue.
    public struct Violation: Sendable, Codable, Hashable {
        /// The cue's number (see ``Cue/number``).
        public var cueNumber: Int
        /// The rule.
        public var rule: StyleViolation.Rule
        /// The measured value.
        public var value: Double
        /// The profile's limit.
        public var limit: Double
        /// The linter's sentence for people.
        public var message: String
        /// The cue's start.
        public var start: Milliseconds
        /// The cue's end.
        public var end: Milliseconds

        /// Creates a violation entry.
        public init(cueNumber: Int, rule: StyleViolation.Rule, value: Double, limit: Double, message: String,
                    start: Milliseconds, end: Milliseconds) {
            self.cueNumber = cueNumber
            self.rule = rule
            self.value = value
            self.limit = limit
            self.message = message
            self.start = start
            self.end = end
        }
    }

    /// Text the guard dropped: the guard's own report entry, with the same keys on the page.
    public typealias DroppedText = DroppedSegment

    /// A stretch without subtitles because its chunk failed.
    public struct Gap: Sendable, Codable, Hashable {
        /// Start on the media timeline.
        public var start: Milliseconds
        /// End on the media timeline.
        public var end: Milliseconds
        /// Why the chunk failed, as one line.
        public var message: String

        /// Creates a gap.
        public init(start: Milliseconds, end: Milliseconds, message: String) {
            self.start = start
            self.end = end
            self.message = message
        }
    }

    /// A place where the audio was cut into chunks.
    public struct ChunkCut: Sendable, Codable, Hashable {
        /// Where the next chunk starts.
        public var time: Milliseconds
        /// Whether the cut sits in a pause (a cut inside speech can split a word).
        public var isInPause: Bool

        /// Creates a cut.
        public init(time: Milliseconds, isInPause: Bool) {
            self.time = time
            self.isInPause = isInPause
        }
    }

    /// How often a rule fired.
    public struct RuleCount: Sendable, Codable, Hashable {
        /// The rule's name.
        public var rule: String
        /// How many times it fired.
        public var count: Int

        /// Creates a count.
        public init(rule: String, count: Int) {
            self.rule = rule
            self.count = count
        }
    }

    /// The figures of the summary table. Optional figures are unknown when the subtitles did not come from a
    /// job of this library (a review of existing files).
    public struct Summary: Sendable, Codable, Hashable {
        /// The subtitles' language (ISO 639-1), if known.
        public var language: String?
        /// The model that made them, if known.
        public var model: String?
        /// Transcribe or translate, if known.
        public var task: SubtitleTask?
        /// How precise cue timing is, if known.
        public var timing: CueTiming?
        /// How many cues there are.
        public var cueCount: Int
        /// How many cues break at least one rule.
        public var cuesWithViolations: Int
        /// How many violations there are in all.
        public var violationCount: Int
        /// Violations per rule, most frequent first (ties by name).
        public var violationsByRule: [RuleCount]
        /// How many pieces of text the guard dropped.
        public var droppedCount: Int
        /// Dropped pieces per rule, most frequent first (ties by name).
        public var droppedByRule: [RuleCount]
        /// How many chunks the audio was sent in, if known.
        public var chunkCount: Int?
        /// How many chunks failed and were left as gaps.
        public var gapCount: Int
        /// How many stretches may lack words although nothing was dropped there (``ReviewDocument/omissions``);
        /// nil when unknown.
        public var omissionCount: Int?
        /// How long the speech detector doubted, milliseconds (``ReviewDocument/doubtful``); nil when unknown.
        public var doubtfulDuration: Milliseconds?
        /// The estimated price in US dollars of the audio sent, if known.
        public var estimatedCost: Double?
        /// The length of the audio in milliseconds.
        public var audioDuration: Milliseconds
        /// The job's warnings.
        public var warnings: [String]

        /// Creates a summary.
        public init(
            language: String?, model: String?, task: SubtitleTask?, timing: CueTiming?, cueCount: Int,
            cuesWithViolations: Int, violationCount: Int, violationsByRule: [RuleCount], droppedCount: Int,
            droppedByRule: [RuleCount], chunkCount: Int?, gapCount: Int, omissionCount: Int? = nil,
            doubtfulDuration: Milliseconds? = nil, estimatedCost: Double?, audioDuration: Milliseconds,
            warnings: [String]
        ) {
            self.language = language
            self.model = model
            self.task = task
            self.timing = timing
            self.cueCount = cueCount
            self.cuesWithViolations = cuesWithViolations
            self.violationCount = violationCount
            self.violationsByRule = violationsByRule
            self.droppedCount = droppedCount
            self.droppedByRule = droppedByRule
            self.chunkCount = chunkCount
            self.gapCount = gapCount
            self.omissionCount = omissionCount
            self.doubtfulDuration = doubtfulDuration
            self.estimatedCost = estimatedCost
            self.audioDuration = audioDuration
            self.warnings = warnings
        }
    }
}
