import Foundation
import Subtitles

/// What happened while making subtitles for one file: the figures a CLI prints or a pipeline logs.
public struct SubtitleReport: Sendable, Codable, Hashable {
    /// The input file.
    public var input: String
    /// The language of the subtitles (ISO 639-1 when known).
    public var language: String?
    /// Transcribe or translate.
    public var task: SubtitleTask
    /// The model used.
    public var model: String
    /// How precise cue timing is.
    public var timing: CueTiming
    /// Length of the audio timeline in milliseconds.
    public var audioDuration: Milliseconds
    /// The chunks the audio was cut into.
    public var chunks: [ChunkSummary]
    /// Requests sent this run (not counting retries or chunks answered from the cache).
    public var requests: Int
    /// Chunks answered from the resume cache.
    public var cachedChunks: Int
    /// Retries after transient failures.
    public var retries: Int
    /// Request-body bytes sent, over all requests sent this run.
    public var bytesSent: Int
    /// Segments the hallucination guard dropped.
    public var dropped: [DroppedSegment]
    /// Cues that break the style profile (kept truthful rather than hidden).
    public var violations: [StyleViolation]
    /// Chunks that failed and were left as gaps (only with `allowsGaps`).
    public var gaps: [ChunkFailure]
    /// Warnings: damaged packets, cuts that found no pause, and the like.
    public var warnings: [String]
    /// Wall-clock time of the run in milliseconds.
    public var wallTime: Milliseconds
    /// Estimated price in US dollars of the audio sent this run.
    public var estimatedCost: Double
    /// Audio in the uploads, milliseconds: every chunk's sent audio (long stretches without speech left out) plus
    /// the windows re-requested for translations.
    public var audioSent: Milliseconds = 0
    /// Detected speech, milliseconds (the sum of ``speechRegions``).
    public var speechDuration: Milliseconds = 0
    /// The detector that mapped the speech (`energy` when Silero VAD could not run).
    public var speechDetector: SpeechDetection = .energy
    /// The detected speech regions on the media timeline, unpadded, in time order.
    public var speechRegions: [SpeechSpan] = []
    /// Loudness and speech probability over time at a coarse step, for a review page.
    public var activity: ActivityMap?
    /// The fewest requests kept in flight at once: ``SubtitleOptions/concurrency``, or less when the answers showed
    /// the server working through a queue (a single worker answers one request at a time). Nil in reports made
    /// before this was measured.
    public var requestsInFlight: Int?
    /// Stretches where the speech detector doubted (its probability low but not near zero), outside
    /// ``speechRegions``, in time order: sent like speech, and text over them kept unless a rule condemns it.
    public var doubtfulSpeech: [SpeechSpan] = []
    /// Where words may be missing although no rule dropped text there: loud stretches left out of the upload, and
    /// speech beside a join in an upload that came back without words. In time order.
    public var omissions: [Omission] = []
    /// Where the cues' word times came from, when they were kept for highlighting
    /// (``SubtitleOptions/keepsWordTimes``); nil otherwise.
    public var wordTiming: WordTiming?

    /// Creates a report with its figures (the pipeline makes these; job layers rebuild them from stored reports).
    public init(
        input: String, language: String?, task: SubtitleTask, model: String, timing: CueTiming,
        audioDuration: Milliseconds, chunks: [ChunkSummary], requests: Int, cachedChunks: Int, retries: Int,
        bytesSent: Int, dropped: [DroppedSegment], violations: [StyleViolation], gaps: [ChunkFailure],
        warnings: [String], wallTime: Milliseconds, estimatedCost: Double
    ) {
        self.input = input
        self.language = language
        self.task = task
        self.model = model
        self.timing = timing
        self.audioDuration = audioDuration
        self.chunks = chunks
        self.requests = requests
        self.cachedChunks = cachedChunks
        self.retries = retries
        self.bytesSent = bytesSent
        self.dropped = dropped
        self.violations = violations
        self.gaps = gaps
        self.warnings = warnings
        self.wallTime = wallTime
        self.estimatedCost = estimatedCost
    }

    /// ``speechDuration`` as a fraction of ``audioDuration``.
    public var speechShare: Double { audioDuration > 0 ? Double(speechDuration) / Double(audioDuration) : 0 }
    /// ``audioSent`` as a fraction of ``audioDuration``.
    public var sentShare: Double { audioDuration > 0 ? Double(audioSent) / Double(audioDuration) : 0 }
}

/// How precise cue timing is; its raw value is what reports carry (`"word"`, `"segment"`, `"region"`).
public enum CueTiming: String, Sendable, Codable, Hashable, CaseIterable {
    /// Each cue starts and ends on word timestamps (whisper-1 with word granularity).
    case word
    /// Cues follow the model's segments (Whisper without words, diarized models).
    case segment
    /// Cues are spread over detected speech regions: text-only models return no timestamps.
    case region
}

/// One planned chunk.
public struct ChunkSummary: Sendable, Codable, Hashable {
    /// Position in the plan, from 0.
    public var index: Int
    /// Start on the media timeline, milliseconds.
    public var start: Milliseconds
    /// Length, milliseconds.
    public var duration: Milliseconds
    /// Size of the encoded audio in bytes.
    public var bytes: Int
    /// Size of the whole request body in bytes.
    public var requestBytes: Int
    /// True when the cut that starts the next chunk sits in a pause.
    public var endsInSilence: Bool
    /// True when the answer came from the resume cache.
    public var cached: Bool
    /// Audio in the upload, milliseconds: ``duration`` less the stretches without speech that were left out (0 when
    /// the chunk holds no speech and was not sent).
    public var audioSent: Milliseconds = 0
}

/// A chunk that failed after retries.
public struct ChunkFailure: Sendable, Codable, Hashable, CustomStringConvertible {
    /// Position in the plan, from 0.
    public var index: Int
    /// Start on the media timeline, milliseconds.
    public var start: Milliseconds
    /// End on the media timeline, milliseconds.
    public var end: Milliseconds
    /// The error, as one line (never containing the API key).
    public var message: String

    public var description: String {
        "chunk \(index + 1) (\(Timecode.srt(start))–\(Timecode.srt(end))): \(message)"
    }
}

/// The result of a subtitle job.
public struct SubtitleResult: Sendable {
    /// The shaped cues on the media timeline.
    public var cues: [Cue]
    /// The figures of the run.
    public var report: SubtitleReport

    /// Creates a result.
    public init(cues: [Cue], report: SubtitleReport) {
        self.cues = cues
        self.report = report
    }
}

/// Progress of a job, for a CLI to render or a pipeline to log.
public enum ProgressEvent: Sendable {
    /// Decoding started; the chunk count is an estimate until decoding ends.
    case started(path: String, audioDuration: Milliseconds?, estimatedChunks: Int)
    /// A chunk was cut and encoded.
    case chunkPlanned(index: Int, start: Milliseconds, duration: Milliseconds, bytes: Int)
    /// Decoding finished: the plan is complete.
    case planned(chunks: Int)
    /// A request for a chunk went out.
    case chunkSent(index: Int)
    /// A request will be retried after `delay`.
    case chunkRetried(index: Int, attempt: Int, delay: Duration, reason: String)
    /// A chunk's transcript arrived (or came from the cache).
    case chunkDone(index: Int, cached: Bool, audioDone: Milliseconds)
    /// A chunk failed after retries.
    case chunkFailed(index: Int, message: String)
    /// The requests that may be in flight changed: the answers showed how many the server works on at once
    /// (between 1 and ``SubtitleOptions/concurrency``).
    case requestsInFlight(limit: Int)
}

/// Where the word times of highlighted cues came from: the model's word timestamps, or, for segments a server
/// returned without them, the segment's speech shared out by characters (less exact: said so, never hidden).
public struct WordTiming: Sendable, Codable, Hashable {
    /// Words timed by the model's word timestamps, aligned to the detected speech.
    public var timedWords: Int
    /// Words whose times were shared out over their segment's speech (its speech regions, then characters): a server
    /// that returns segments without word timestamps.
    public var distributedWords: Int

    /// Creates the counts.
    public init(timedWords: Int, distributedWords: Int) {
        self.timedWords = timedWords
        self.distributedWords = distributedWords
    }

    /// The counts over the words of `cues`.
    public init(of cues: [Cue]) {
        let words = cues.flatMap(\.words)
        timedWords = words.count { $0.isTimed }
        distributedWords = words.count - timedWords
    }
}
