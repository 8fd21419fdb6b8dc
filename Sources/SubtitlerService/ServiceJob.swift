import Foundation
import Subtitler
import Subtitles
import SubtitlerJobs

/// A job as the service stores it and the jobs API shows it.
public struct ServiceJob: Sendable, Codable, Hashable {
    /// Where a job is in its life.
    public enum State: String, Sendable, Codable, Hashable, CaseIterable {
        /// Waiting for a free slot.
        case queued
        /// Being worked on.
        case running
        /// Finished: outputs written, or nothing needed (see `skipReason`).
        case done
        /// Failed (see `error`); nothing was written.
        case failed
        /// Cancelled by a `DELETE`; nothing was written.
        case cancelled

        /// Whether the job will not change any more.
        public var isFinal: Bool { self == .done || self == .failed || self == .cancelled }
    }

    /// Who asked for a job.
    public typealias Origin = JobOrigin

    /// The job's id (a UUID, lowercase).
    public var id: String
    /// Where the job is.
    public var state: State
    /// What was asked for.
    public var request: JobRequest
    /// Who asked.
    public var origin: JobOrigin
    /// When the job was created.
    public var createdAt: Date
    /// When the job last changed.
    public var updatedAt: Date
    /// How far the running job is.
    public var progress: JobProgress?
    /// The files written.
    public var outputs: [String]
    /// Why nothing needed doing, for a job that is done without outputs.
    public var skipReason: SkipReason?
    /// Why the job failed, as one line.
    public var error: String?
    /// The full report of a finished job.
    public var report: JobReport?
}

/// Who asked for a job; its raw value is what the jobs API shows and the store keeps.
public enum JobOrigin: String, Sendable, Codable, Hashable, CaseIterable {
    /// `POST /v1/jobs`.
    case api
    /// A Sonarr webhook.
    case sonarr
    /// A Radarr webhook.
    case radarr
    /// A hook of another kind.
    case hook
    /// A watch folder.
    case watch

    /// The origin of a job an *arr webhook asked for.
    public init(_ kind: ArrHook.Kind) {
        switch kind {
        case .sonarr: self = .sonarr
        case .radarr: self = .radarr
        }
    }
}

/// What a client asks the jobs API for.
public struct JobRequest: Sendable, Codable, Hashable {
    /// The media file, as the client sees it (path mapping applies).
    public var path: String
    /// `transcribe` (default) or `translate`.
    public var task: SubtitleTask?
    /// The spoken language (ISO 639-1); detected when absent.
    public var language: String?
    /// `srt`, `vtt` or both; the service's default when absent.
    public var formats: [SubtitleFormat]?
    /// Sidecar naming; the service's default when absent.
    public var naming: NamingRequest?
    /// Mux the subtitles into the media file as well.
    public var embed: Bool?
    /// Add an English dub track to the media file once the subtitles are written.
    public var dub: DubRequest?

    /// Creates a request.
    public init(path: String, task: SubtitleTask? = nil, language: String? = nil, formats: [SubtitleFormat]? = nil,
                naming: NamingRequest? = nil, embed: Bool? = nil, dub: DubRequest? = nil) {
        self.path = path
        self.task = task
        self.language = language
        self.formats = formats
        self.naming = naming
        self.embed = embed
        self.dub = dub
    }
}

/// Sidecar naming as the jobs API takes it.
public struct NamingRequest: Sendable, Codable, Hashable {
    /// `639-1` (default), `639-2b` or `639-2t`.
    public var languageCodes: SidecarNaming.CodeStyle?
    /// Adds `.sdh`.
    public var sdh: Bool?
    /// Adds `.forced`.
    public var forced: Bool?
    /// Adds `.default`.
    public var `default`: Bool?
    /// An extra token before the language.
    public var label: String?

    /// Creates a naming request.
    public init(languageCodes: SidecarNaming.CodeStyle? = nil, sdh: Bool? = nil, forced: Bool? = nil,
                default isDefault: Bool? = nil, label: String? = nil) {
        self.languageCodes = languageCodes
        self.sdh = sdh
        self.forced = forced
        self.default = isDefault
        self.label = label
    }

    /// The naming these fields describe over `base`.
    func applied(to base: SidecarNaming) -> SidecarNaming {
        var naming = base
        if let languageCodes { naming.codeStyle = languageCodes }
        if let sdh { naming.isSDH = sdh }
        if let forced { naming.isForced = forced }
        if let isDefault = self.default { naming.isDefault = isDefault }
        if let label { naming.label = label.isEmpty ? nil : label }
        return naming
    }
}

/// How far a running job is.
public struct JobProgress: Sendable, Codable, Hashable {
    /// Chunks answered (sent or from the cache).
    public var chunksDone: Int
    /// Chunks planned so far (final once decoding is done).
    public var chunks: Int
    /// Audio answered, milliseconds.
    public var audioDoneMs: Int64
    /// The audio's length, milliseconds, when known.
    public var audioMs: Int64?
}
