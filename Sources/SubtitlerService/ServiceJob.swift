import Foundation
import Subtitler
import Subtitles
import SubtitlerJobs

/// A job as the service stores it and the jobs API shows it.
package struct ServiceJob: Sendable, Codable, Hashable {
    /// Where a job is in its life.
    package enum State: String, Sendable, Codable, Hashable, CaseIterable {
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
        /// Held, not failed, until a limit allows it again (see `waitReason`): then queued again, paying only for the
        /// chunks no node was answered for.
        case waiting

        /// Whether the job will not change any more.
        package var isFinal: Bool { self == .done || self == .failed || self == .cancelled }
    }

    /// Why a job waits (state `waiting`); its raw value is what the jobs API shows.
    package enum WaitReason: String, Sendable, Codable, Hashable, CaseIterable {
        /// The spending budget of the current day or month is spent (`--budget`): the job is queued again when the
        /// period rolls over or the budget is raised.
        case budget
    }

    /// Who asked for a job.
    package typealias Origin = JobOrigin

    /// The job's id (a UUID, lowercase).
    package var id: String
    /// Where the job is.
    package var state: State
    /// What was asked for.
    package var request: JobRequest
    /// Who asked.
    package var origin: JobOrigin
    /// When the job was created.
    package var createdAt: Date
    /// When the job last changed.
    package var updatedAt: Date
    /// How far the running job is.
    package var progress: JobProgress?
    /// The files written.
    package var outputs: [String]
    /// Why nothing needed doing, for a job that is done without outputs.
    package var skipReason: SkipReason?
    /// Why the job failed, as one line.
    package var error: String?
    /// The full report of a finished job.
    package var report: JobReport?
    /// The node that runs the job, or ran it last (a PostgreSQL store's; absent in a single-node store).
    package var node: String? = nil
    /// When the running job's lease ends unless its node renews it (a PostgreSQL store's).
    package var leaseExpiresAt: Date? = nil
    /// How many times the job went back to the queue (a stop, a file that changed while it ran).
    package var retries: Int? = nil
    /// How many times a node took the job over from a node whose lease had expired.
    package var takeovers: Int? = nil
    /// Its place in the queue (``JobPriority``): the request's priority, else its origin's default.
    package var priority: Int = 0
    /// Why it waits, for a job in state `waiting`.
    package var waitReason: WaitReason? = nil
}

/// Who asked for a job; its raw value is what the jobs API shows and the store keeps.
package enum JobOrigin: String, Sendable, Codable, Hashable, CaseIterable {
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
    /// Jellyfin's webhook plugin (an item added, a playback start).
    case jellyfin
    /// A Plex webhook (`library.new`, `media.play`, `media.resume`).
    case plex
    /// An Emby webhook (`library.new`, `playback.start`).
    case emby
    /// Tautulli's webhook agent (a playback start or resume).
    case tautulli

    /// Whether its jobs skip a file that already has subtitles (``SubtitleJob/skipsIfSubtitled``), whatever the
    /// service's default: a watch folder's backfill and a media server's library events (a first library scan
    /// announces every item; a playback start wants subtitles only where there are none).
    package var skipsSubtitledFiles: Bool {
        switch self {
        case .watch, .jellyfin, .plex, .emby, .tautulli: true
        case .api, .sonarr, .radarr, .hook: false
        }
    }

    /// The origin of a job an *arr webhook asked for.
    package init(_ kind: ArrHook.Kind) {
        switch kind {
        case .sonarr: self = .sonarr
        case .radarr: self = .radarr
        }
    }
}

/// What a client asks the jobs API for.
package struct JobRequest: Sendable, Codable, Hashable {
    /// The media file, as the client sees it (path mapping applies).
    package var path: String
    /// `transcribe` (default) or `translate`.
    package var task: SubtitleTask?
    /// The spoken language (ISO 639-1); detected when absent.
    package var language: String?
    /// `srt`, `vtt`, `imsc`, `ebu-tt-d`, `ttml`, `ass` (one or more); the service's default when absent.
    package var formats: [SubtitleFormat]?
    /// Highlight word by word in WebVTT and ASS outputs (as `--karaoke`); the service's default when absent.
    package var karaoke: Bool?
    /// Sidecar naming; the service's default when absent.
    package var naming: NamingRequest?
    /// Mux the subtitles into the media file as well.
    package var embed: Bool?
    /// Add an English dub track to the media file once the subtitles are written.
    package var dub: DubRequest?
    /// Sync these subtitle files onto the media file's speech, in place, instead of transcribing (as
    /// `subtitler sync FILE SUB… --in-place`); paths as the client sees them.
    package var sync: [String]?
    /// Also translate the subtitles into these languages (ISO 639-1) through the chat model, as
    /// `transcribe --translate-to` does: `Film.es.srt` beside `Film.en.srt`.
    package var translateTo: [String]?
    /// Its place in the queue, 0 (backfill) to 9, the highest first; by default 5, or 0 from a watch folder
    /// (``JobPriority``).
    package var priority: Int?

    /// The fields, as the JSON names them; ``JobsAPIBody`` refuses any other.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, task, language, formats, karaoke, naming, embed, dub, sync, translateTo, priority
    }

    /// The most subtitle files one sync job takes.
    package static let maximumSyncFiles = 64

    /// Creates a request.
    package init(path: String, task: SubtitleTask? = nil, language: String? = nil, formats: [SubtitleFormat]? = nil,
                naming: NamingRequest? = nil, embed: Bool? = nil, dub: DubRequest? = nil, sync: [String]? = nil,
                translateTo: [String]? = nil, karaoke: Bool? = nil, priority: Int? = nil) {
        self.path = path
        self.karaoke = karaoke
        self.task = task
        self.language = language
        self.formats = formats
        self.naming = naming
        self.embed = embed
        self.dub = dub
        self.sync = sync
        self.translateTo = translateTo
        self.priority = priority
    }
}

extension JobRequest {
    /// Whether `other` asks for the same work: equal in every field but the spelling of the path (the store compares
    /// requests for one canonical path) and the priority.
    func asksForTheSame(as other: JobRequest) -> Bool {
        var same = other
        same.path = path
        same.priority = priority
        return same == self
    }
}

/// Sidecar naming as the jobs API takes it.
package struct NamingRequest: Sendable, Codable, Hashable {
    /// `639-1` (default), `639-2b` or `639-2t`.
    package var languageCodes: SidecarNaming.CodeStyle?
    /// Adds `.sdh`.
    package var sdh: Bool?
    /// Adds `.forced`.
    package var forced: Bool?
    /// Adds `.default`.
    package var `default`: Bool?
    /// An extra token before the language.
    package var label: String?

    /// Creates a naming request.
    package init(languageCodes: SidecarNaming.CodeStyle? = nil, sdh: Bool? = nil, forced: Bool? = nil,
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
package struct JobProgress: Sendable, Codable, Hashable {
    /// Chunks answered (sent or from the cache).
    package var chunksDone: Int
    /// Chunks planned so far (final once decoding is done).
    package var chunks: Int
    /// Audio answered, milliseconds.
    package var audioDoneMs: Int64
    /// The audio's length, milliseconds, when known.
    package var audioMs: Int64?
}
