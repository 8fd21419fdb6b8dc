import Foundation
import Subtitles
import Subtitler

/// What happened to one input: the figures `--json` prints and the service stores.
public struct JobReport: Sendable, Codable, Hashable {
    /// How a job ended.
    public enum Status: String, Sendable, Codable, Hashable {
        /// Outputs written.
        case done
        /// Nothing to do (see ``JobReport/skipReason``).
        case skipped
        /// A dry run: planned and priced, nothing sent.
        case planned
        /// The job failed (see ``JobReport/failure``); nothing was written.
        case failed
        /// The job was cancelled; nothing was written, finished chunks stay in the resume cache.
        case cancelled
    }

    /// The input file (or directory, for inputs that held no media).
    public var input: String
    /// How the job ended.
    public var status: Status
    /// The files written (or, for a skipped job, the files that made it unnecessary).
    public var outputs: [String] = []
    /// Why the job was skipped.
    public var skipReason: SkipReason?
    /// The subtitles' language.
    public var language: String?
    /// Transcribe or translate.
    public var task: SubtitleTask?
    /// The model the API was asked to use.
    public var model: String?
    /// Why the job failed (or was cancelled), as data.
    public var failure: JobFailure?
    /// How many cues were written.
    public var cues: Int?
    /// Chunks the audio was cut into.
    public var chunks: Int?
    /// Requests sent (not counting retries or cached chunks).
    public var requests: Int?
    /// Chunks answered from the resume cache.
    public var cachedChunks: Int?
    /// Request-body bytes sent, retries included.
    public var bytesSent: Int?
    /// Retries after transient failures.
    public var retries: Int?
    /// Segments the hallucination guard dropped.
    public var droppedSegments: [DroppedSegment]?
    /// Chunks that failed and were left as gaps.
    public var gaps: [ChunkFailure]?
    /// Cues that break the style profile.
    public var styleViolations: [StyleViolation]?
    /// Length of the audio timeline, milliseconds.
    public var audioDurationMs: Int64?
    /// Wall-clock time of the job, milliseconds.
    public var wallTimeMs: Int64?
    /// Estimated price in US dollars of what was sent (or, for a dry run, of what would be sent).
    public var estimatedCost: Double?
    /// How precise cue timing is.
    public var timing: CueTiming?
    /// Warnings: damaged packets, cuts without a pause and the like.
    public var warnings: [String]?
    /// The chunks the audio was cut into (for a dry run, the plan).
    public var plan: [ChunkSummary]?
    /// Audio in the uploads, milliseconds (long stretches without speech are left out unless all is sent).
    public var audioSentMs: Int64?
    /// Detected speech, milliseconds.
    public var speechMs: Int64?
    /// Detected speech as a fraction of the audio, 0...1.
    public var speechShare: Double?
    /// The speech detector used: `silero`, or `energy` when it could not run.
    public var speechDetector: SpeechDetection?
    /// The fewest requests kept in flight at once: the configured `--jobs`, or less when the server was seen to
    /// answer fewer at a time.
    public var requestsInFlight: Int?
    /// Stretches where the speech detector doubted (low but not near-zero probability): sent like speech.
    public var doubtfulSpeech: [SpeechSpan]?
    /// Where words may be missing although no rule dropped text: loud stretches left out of the upload
    /// (`left-out-sound`), speech beside a join in an upload that came back without words (`empty-join`).
    public var omissions: [Omission]?

    /// Creates a report.
    public init(input: String, status: Status) {
        self.input = input
        self.status = status
    }

    /// Whether the job wrote, planned or rightly skipped its outputs.
    public var succeeded: Bool { status == .done || status == .skipped || status == .planned }

    /// The error, as one line naming the input (never containing the API key): ``failure``'s message.
    public var error: String? { failure?.message }

    // The JSON is a contract (`--json`, the service's stored and returned reports): flat keys, in this order, with
    // `error` kept beside the typed `failure`.
    private enum CodingKeys: String, CodingKey {
        case input, status, outputs, skipReason, language, task, model, error, failure, cues, chunks, requests
        case cachedChunks, bytesSent, retries, droppedSegments, gaps, styleViolations, audioDurationMs, wallTimeMs
        case estimatedCost, timing, warnings, plan, audioSentMs, speechMs, speechShare, speechDetector
        case requestsInFlight
        case doubtfulSpeech, omissions
    }

    /// Decodes a report (one stored with only an `error` text gets a failure of reason `unknown`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        input = try container.decode(String.self, forKey: .input)
        status = try container.decode(Status.self, forKey: .status)
        outputs = try container.decodeIfPresent([String].self, forKey: .outputs) ?? []
        skipReason = try container.decodeIfPresent(SkipReason.self, forKey: .skipReason)
        language = try container.decodeIfPresent(String.self, forKey: .language)
        task = try container.decodeIfPresent(SubtitleTask.self, forKey: .task)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        failure = try container.decodeIfPresent(JobFailure.self, forKey: .failure)
        if failure == nil, let message = try container.decodeIfPresent(String.self, forKey: .error) {
            // A report stored before failures were typed: only the text.
            failure = JobFailure(.unknown, path: input, message: message)
        }
        cues = try container.decodeIfPresent(Int.self, forKey: .cues)
        chunks = try container.decodeIfPresent(Int.self, forKey: .chunks)
        requests = try container.decodeIfPresent(Int.self, forKey: .requests)
        cachedChunks = try container.decodeIfPresent(Int.self, forKey: .cachedChunks)
        bytesSent = try container.decodeIfPresent(Int.self, forKey: .bytesSent)
        retries = try container.decodeIfPresent(Int.self, forKey: .retries)
        droppedSegments = try container.decodeIfPresent([DroppedSegment].self, forKey: .droppedSegments)
        gaps = try container.decodeIfPresent([ChunkFailure].self, forKey: .gaps)
        styleViolations = try container.decodeIfPresent([StyleViolation].self, forKey: .styleViolations)
        audioDurationMs = try container.decodeIfPresent(Int64.self, forKey: .audioDurationMs)
        wallTimeMs = try container.decodeIfPresent(Int64.self, forKey: .wallTimeMs)
        estimatedCost = try container.decodeIfPresent(Double.self, forKey: .estimatedCost)
        timing = try container.decodeIfPresent(CueTiming.self, forKey: .timing)
        warnings = try container.decodeIfPresent([String].self, forKey: .warnings)
        plan = try container.decodeIfPresent([ChunkSummary].self, forKey: .plan)
        audioSentMs = try container.decodeIfPresent(Int64.self, forKey: .audioSentMs)
        speechMs = try container.decodeIfPresent(Int64.self, forKey: .speechMs)
        speechShare = try container.decodeIfPresent(Double.self, forKey: .speechShare)
        speechDetector = try container.decodeIfPresent(SpeechDetection.self, forKey: .speechDetector)
        requestsInFlight = try container.decodeIfPresent(Int.self, forKey: .requestsInFlight)
        doubtfulSpeech = try container.decodeIfPresent([SpeechSpan].self, forKey: .doubtfulSpeech)
        omissions = try container.decodeIfPresent([Omission].self, forKey: .omissions)
    }

    /// Encodes the report with flat keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(input, forKey: .input)
        try container.encode(status, forKey: .status)
        try container.encode(outputs, forKey: .outputs)
        try container.encodeIfPresent(skipReason, forKey: .skipReason)
        try container.encodeIfPresent(language, forKey: .language)
        try container.encodeIfPresent(task, forKey: .task)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(failure?.message, forKey: .error)
        try container.encodeIfPresent(failure, forKey: .failure)
        try container.encodeIfPresent(cues, forKey: .cues)
        try container.encodeIfPresent(chunks, forKey: .chunks)
        try container.encodeIfPresent(requests, forKey: .requests)
        try container.encodeIfPresent(cachedChunks, forKey: .cachedChunks)
        try container.encodeIfPresent(bytesSent, forKey: .bytesSent)
        try container.encodeIfPresent(retries, forKey: .retries)
        try container.encodeIfPresent(droppedSegments, forKey: .droppedSegments)
        try container.encodeIfPresent(gaps, forKey: .gaps)
        try container.encodeIfPresent(styleViolations, forKey: .styleViolations)
        try container.encodeIfPresent(audioDurationMs, forKey: .audioDurationMs)
        try container.encodeIfPresent(wallTimeMs, forKey: .wallTimeMs)
        try container.encodeIfPresent(estimatedCost, forKey: .estimatedCost)
        try container.encodeIfPresent(timing, forKey: .timing)
        try container.encodeIfPresent(warnings, forKey: .warnings)
        try container.encodeIfPresent(plan, forKey: .plan)
        try container.encodeIfPresent(audioSentMs, forKey: .audioSentMs)
        try container.encodeIfPresent(speechMs, forKey: .speechMs)
        try container.encodeIfPresent(speechShare, forKey: .speechShare)
        try container.encodeIfPresent(speechDetector, forKey: .speechDetector)
        try container.encodeIfPresent(requestsInFlight, forKey: .requestsInFlight)
        try container.encodeIfPresent(doubtfulSpeech, forKey: .doubtfulSpeech)
        try container.encodeIfPresent(omissions, forKey: .omissions)
    }
}

/// Why a job was skipped.
public struct SkipReason: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The kinds of reasons.
    public enum Kind: String, Sendable, Codable, Hashable {
        /// Every output exists and is newer than the input.
        case upToDate = "up-to-date"
        /// A sidecar or a text subtitle stream in the target language exists (`skipsIfSubtitled`).
        case alreadySubtitled = "already-subtitled"
        /// A `.subtitler-skip` marker excludes the input's folder tree.
        case excludedByMarker = "excluded-by-marker"
        /// An output whose name was known only after transcribing exists and is newer than the input; it was kept.
        case newerOutputExists = "newer-output-exists"
    }

    /// The kind of reason.
    public var kind: Kind
    /// One readable sentence.
    public var message: String
    /// The file that decided it (the sidecar, the marker, the newer output), if any.
    public var path: String?

    /// Creates a reason.
    public init(kind: Kind, message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    public var description: String { message }
}

/// A job's report and what a front end needs to show or deliver beyond it.
public struct JobOutcome: Sendable {
    /// The report.
    public var report: JobReport
    /// The cues, for a finished job.
    public var cues: [Cue]?
    /// The rendered subtitles for ``OutputDestination/standardOutput``.
    public var standardOutput: String?
    /// The pipeline's full report, for a finished job.
    public var subtitleReport: SubtitleReport?

    /// Creates an outcome.
    public init(report: JobReport, cues: [Cue]? = nil, standardOutput: String? = nil,
                subtitleReport: SubtitleReport? = nil) {
        self.report = report
        self.cues = cues
        self.standardOutput = standardOutput
        self.subtitleReport = subtitleReport
    }

    /// The outcome of a job that failed before it started.
    public static func failed(_ failure: JobFailure) -> JobOutcome {
        var report = JobReport(input: failure.path, status: .failed)
        report.failure = failure
        return JobOutcome(report: report)
    }
}

/// Progress of jobs, for a front end to render or log. Events may arrive from any task.
public enum JobEvent: Sendable {
    /// Work on an input started.
    case started(input: String)
    /// Progress of the pipeline for an input.
    case progress(input: String, ProgressEvent)
    /// An input is finished (done, skipped, planned, failed or cancelled).
    case finished(JobReport)
}

/// The reports of a batch, in input order, with totals.
public struct BatchReport: Sendable, Codable {
    /// What the batch did: `transcribe` or `translate`.
    public var command: String
    /// One report per input.
    public var inputs: [JobReport]
    /// Inputs done.
    public var done: Int { inputs.filter { $0.status == .done }.count }
    /// Inputs skipped.
    public var skipped: Int { inputs.filter { $0.status == .skipped }.count }
    /// Inputs planned (dry run).
    public var planned: Int { inputs.filter { $0.status == .planned }.count }
    /// Inputs failed.
    public var failed: Int { inputs.filter { $0.status == .failed }.count }
    /// Whether the batch was cancelled before every input was finished.
    public var wasCancelled: Bool { inputs.contains { $0.status == .cancelled } }
    /// Wall-clock time of the batch, milliseconds.
    public var wallTimeMs: Int64

    /// Creates a batch report.
    public init(command: String, inputs: [JobReport], wallTimeMs: Int64) {
        self.command = command
        self.inputs = inputs
        self.wallTimeMs = wallTimeMs
    }

    private enum CodingKeys: String, CodingKey { case command, inputs, done, skipped, planned, failed, wallTimeMs }

    /// Decodes a batch report (the totals are derived).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        command = try container.decode(String.self, forKey: .command)
        inputs = try container.decode([JobReport].self, forKey: .inputs)
        wallTimeMs = try container.decode(Int64.self, forKey: .wallTimeMs)
    }

    /// Encodes the reports with their totals.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(done, forKey: .done)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(planned, forKey: .planned)
        try container.encode(failed, forKey: .failed)
        try container.encode(wallTimeMs, forKey: .wallTimeMs)
    }
}

extension SubtitleReport {
    /// The pipeline report a job report carries (for pages and tools that read `--json` output).
    public init(_ report: JobReport) {
        self.init(
            input: report.input, language: report.language, task: report.task ?? .transcribe,
            model: report.model ?? "", timing: report.timing ?? .segment, audioDuration: report.audioDurationMs ?? 0,
            chunks: report.plan ?? [], requests: report.requests ?? 0, cachedChunks: report.cachedChunks ?? 0,
            retries: report.retries ?? 0, bytesSent: report.bytesSent ?? 0, dropped: report.droppedSegments ?? [],
            violations: report.styleViolations ?? [], gaps: report.gaps ?? [], warnings: report.warnings ?? [],
            wallTime: report.wallTimeMs ?? 0, estimatedCost: report.estimatedCost ?? 0)
        doubtfulSpeech = report.doubtfulSpeech ?? []
        omissions = report.omissions ?? []
    }
}
