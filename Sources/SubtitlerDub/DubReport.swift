import Foundation
import MediaAudio
import Subtitles
import Subtitler

/// What a dub did, cue by cue, and what it cost. Encoded as the `--json` report of `subtitler dub`.
public struct DubReport: Sendable, Codable {
    /// The media file.
    public var input: String
    /// The file written (nil until it is written).
    public var output: String?
    /// Where the cues came from: `translation`, or the subtitle file's path, or `cues`.
    public var cueSource: String
    /// The media's length in milliseconds, which is the dub track's length.
    public var mediaDuration: Milliseconds
    /// Samples written to the dub track (at `sampleRate`).
    public var trackSampleCount: Int64
    /// The dub track's sample rate.
    public var sampleRate: Int
    /// The dub track's encoding: Opus (Matroska, WebM) or AAC (MP4, M4V, MOV).
    public var encoding: AudioEncoding
    /// How far the original was lowered under the dub, in dB; nil when the dub is speech alone.
    public var duckDecibels: Double?
    /// The container index of the original track (translated and, with ducking, mixed under the dub); nil for a
    /// file without audio dubbed from given cues.
    public var originalTrack: Int?
    /// The container index of the dub track in the output.
    public var dubTrack: Int?
    /// The container index of the English subtitle track, when one was added.
    public var subtitleTrack: Int?
    /// Every cue, in time order.
    public var cues: [DubbedCue]
    /// Numbers (1-based) of the cues whose speech did not fit even at the largest speed and tempo: they run into the
    /// pause after their slot and push the next utterance later.
    public var notFitted: [Int]
    /// The speech requests.
    public var speech: DubSpeechFigures
    /// The translation's report, when the cues came from it.
    public var translation: SubtitleReport?
    /// Things worth knowing that did not stop the dub.
    public var warnings: [String]
    /// Wall-clock time of the whole dub, milliseconds.
    public var wallTime: Milliseconds

    /// The dub track's length in milliseconds.
    public var trackDuration: Milliseconds { sampleRate > 0 ? trackSampleCount * 1000 / Int64(sampleRate) : 0 }
}

/// One cue of a dub: where it was meant to be spoken and where, how fast, it was.
public struct DubbedCue: Sendable, Codable, Hashable {
    /// What happened to the cue.
    public enum Status: String, Sendable, Codable, Hashable {
        /// Spoken inside its slot.
        case fitted
        /// Spoken, but longer than its slot even at the largest speed and tempo: it runs into the pause after it
        /// (never cut off, never over the next utterance, which starts after it).
        case overran
        /// Not spoken: nothing to say (no letters or digits), or the server's audio was silent.
        case skipped
        /// Not spoken: it starts after the end of the media.
        case outsideMedia
    }

    /// The cue's number, from 1, in time order.
    public var number: Int
    /// The text spoken (the cue's lines joined by spaces).
    public var text: String
    /// The cue's start on the media timeline, milliseconds: where the speech was planned to start.
    public var plannedStart: Milliseconds
    /// The cue's end, milliseconds.
    public var plannedEnd: Milliseconds
    /// Where the speech had to end to fit: the next cue's start or this cue's end (see ``DubFitTarget``), at most the
    /// end of the media.
    public var slotEnd: Milliseconds
    /// Where the speech starts in the dub track (nil when not spoken). Later than `plannedStart` only when the
    /// utterance before it overran.
    public var actualStart: Milliseconds?
    /// Where the speech ends in the dub track (nil when not spoken).
    public var actualEnd: Milliseconds?
    /// The length of the server's speech at normal speed with its leading and trailing silence trimmed.
    public var naturalDuration: Milliseconds?
    /// The `speed` the speech was requested at (1 unless it was too long at normal speed).
    public var speed: Double
    /// The tempo change applied locally, pitch kept (1 when none).
    public var tempo: Double
    /// What happened.
    public var status: Status
    /// Whether every speech answer for this cue came from the resume cache.
    public var cached: Bool
}

/// Speech requests of a dub.
public struct DubSpeechFigures: Sendable, Codable, Hashable {
    /// Requests sent (retries not counted).
    public var requests: Int = 0
    /// Answers read from the resume cache instead.
    public var cacheHits: Int = 0
    /// Retries after transient failures.
    public var retries: Int = 0
    /// Audio bytes received (not counting cached answers).
    public var bytesReceived: Int = 0
    /// Requests re-sent with a higher `speed` because the speech was too long for its slot (included in
    /// `requests` or `cacheHits`).
    public var speedRequests: Int = 0

    /// Creates zero figures.
    public init() {}
}

/// What `Dubber.dub` returns.
public struct DubResult: Sendable {
    /// The report.
    public var report: DubReport
    /// The cues that were spoken (English, on the media timeline).
    public var cues: [Cue]
    /// The written file as probed after writing.
    public var media: MediaInfo
}

/// Progress of a dub, for live displays.
public enum DubEvent: Sendable {
    /// The job started; `duration` is the media's length.
    case started(input: String, duration: Milliseconds)
    /// The translation's progress (when the cues come from it).
    case translation(ProgressEvent)
    /// The cues are known.
    case cuesReady(count: Int)
    /// A cue's speech is ready (`cached` when it came from the resume cache).
    case speechReady(number: Int, cached: Bool)
    /// A speech request is retried.
    case speechRetried(number: Int, attempt: Int, reason: String)
    /// The dub track is written up to `position` milliseconds.
    case placed(number: Int, position: Milliseconds)
    /// The track is complete and being muxed into the output.
    case muxing(output: String)
}
