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
    /// Wall-clock time of the job, milliseconds.
    public var wallTimeMs: Int64?
    /// The pipeline's report, for a job that ran the pipeline to its end (done, a newer output kept, or an input
    /// that changed while it was transcribed). Its figures are the job's: the JSON carries them flat.
    public var run: SubtitleReport?
    /// The plan and its price, for a dry run.
    public var dryRun: PlanSummary?
    /// What went out before a job failed or was cancelled in the pipeline.
    public var sent: RequestsSent?
    /// For a sync job (the service's `sync`), what it did to each subtitle file.
    public var sync: SyncReport?
    /// For a job that also translated its subtitles (`translateTo` in the service), what became of each language.
    public var translation: TranslationReport?

    /// Creates a report.
    public init(input: String, status: Status) {
        self.input = input
        self.status = status
    }

    /// Whether the job wrote, planned or rightly skipped its outputs.
    public var succeeded: Bool { status == .done || status == .skipped || status == .planned }

    /// The error, as one line naming the input (never containing the API key): ``failure``'s message.
    public var error: String? { failure?.message }

    /// Requests sent (for a dry run: the requests it would send), not counting retries or cached chunks.
    public var requests: Int? { run?.requests ?? dryRun?.chunks.count ?? sent?.requests }
    /// Retries after transient failures.
    public var retries: Int? { run?.retries ?? sent?.retries }
    /// Request-body bytes sent, retries included (for a dry run: the bytes it would send).
    public var bytesSent: Int? { run?.bytesSent ?? dryRun?.totalRequestBytes ?? sent?.bytesSent }
}

/// What went out before a job stopped in the pipeline: requests, retries and request-body bytes.
public struct RequestsSent: Sendable, Codable, Hashable {
    /// Requests sent, not counting retries.
    public var requests: Int
    /// Retries after transient failures.
    public var retries: Int
    /// Request-body bytes sent, retries included.
    public var bytesSent: Int

    /// Creates the figures.
    public init(requests: Int, retries: Int, bytesSent: Int) {
        self.requests = requests
        self.retries = retries
        self.bytesSent = bytesSent
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
    /// The pipeline's full report, for a finished job (``JobReport/run``).
    public var subtitleReport: SubtitleReport? { report.run }

    /// Creates an outcome.
    public init(report: JobReport, cues: [Cue]? = nil, standardOutput: String? = nil) {
        self.report = report
        self.cues = cues
        self.standardOutput = standardOutput
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
