import Foundation
import MediaAudio
import Subtitles
import SubtitleSync

/// A sync job: subtitle files made for another release moved onto a media file's speech (or onto a reference
/// subtitle's cues), only their times rewritten.
public struct SyncJob: Sendable {
    /// What the cues are aligned with.
    public enum Reference: Sendable, Hashable {
        /// The speech of an audio track of the media (the same decode and detector as transcription).
        case audio(TrackSelection)
        /// The cues of another subtitle file, already in sync with the media.
        case subtitles(String)
    }

    /// Where the synced files go.
    public enum Destination: Sendable, Hashable {
        /// Into this file (one subtitle file only).
        case file(String)
        /// Over each subtitle file, atomically.
        case replacingInput
        /// Nowhere: report what would change.
        case dryRun
    }

    /// The media file.
    public var media: String
    /// The subtitle files to sync.
    public var subtitles: [String]
    /// What the cues are aligned with.
    public var reference: Reference
    /// Where the synced files go.
    public var destination: Destination
    /// The aligner's settings.
    public var options: SyncOptions
    /// The folders the written files must stay in (the service's roots), checked where each file is opened and
    /// renamed; nil writes anywhere the caller may.
    public var outputRoots: [String]?

    /// Creates a job.
    public init(media: String, subtitles: [String], reference: Reference = .audio(.automatic),
                destination: Destination, options: SyncOptions = SyncOptions()) {
        self.media = media
        self.subtitles = subtitles
        self.reference = reference
        self.destination = destination
        self.options = options
    }
}

/// What a sync did to one subtitle file.
public struct SyncFileReport: Sendable, Codable, Hashable {
    /// How it ended.
    public enum Outcome: String, Sendable, Codable, Hashable, CaseIterable {
        /// The cues were moved (and written, unless a dry run).
        case synced
        /// The cues already sat on the speech; the file was left byte for byte as it was.
        case alreadyInSync = "already-in-sync"
        /// The aligner refused (``SyncFileReport/refusal``); nothing was written.
        case refused
        /// The file could not be read or written (``SyncFileReport/failure``); nothing was written.
        case failed
    }

    /// One segment of the move: from a time of the subtitles' own timeline on, cues move by one offset.
    public struct Segment: Sendable, Codable, Hashable {
        /// Where the segment starts in the subtitle file (0 for the first).
        public var start: Milliseconds
        /// Where that time lands on the media.
        public var startOnMedia: Milliseconds
        /// The offset after the ratio, milliseconds.
        public var offset: Milliseconds
        /// The cues in the segment.
        public var cueCount: Int
    }

    /// The subtitle file.
    public var subtitles: String
    /// The file written, if any.
    public var output: String?
    /// How it ended.
    public var outcome: Outcome
    /// Why the aligner refused, when it did.
    public var refusal: SyncRefusal?
    /// Why the file failed, when it did.
    public var failure: JobFailure?
    /// The kind of move found (the rejected one when refused).
    public var model: SyncModel
    /// The ratio applied before the offsets (1: none).
    public var ratio: Double
    /// The segments and their offsets; more than one means splits.
    public var segments: [Segment]
    /// The score as the file was.
    public var before: SyncScore?
    /// The score after the move.
    public var after: SyncScore?
    /// How many standard deviations the best placement stands above the others.
    public var distinctness: Double?
    /// The cue time on speech the same search reaches with the cues mirrored in time (which cannot belong to this
    /// audio): a split placement must stand clearly above it. Nil when nothing was to move.
    public var chanceFit: Double?
    /// The cues read.
    public var cueCount: Int
    /// The cues whose times changed.
    public var movedCueCount: Int
    /// The cues that fell before the start or past the end of the media: kept, clamped to it.
    public var clampedCueCount: Int
    /// Whether this was a dry run (nothing written).
    public var isDryRun: Bool

    /// The offset of the first segment, milliseconds.
    public var offset: Milliseconds { segments.first?.offset ?? 0 }
}

/// What a sync job did: the media's speech map and each subtitle file's report.
public struct SyncReport: Sendable, Codable, Hashable {
    /// The media file.
    public var media: String
    /// The reference subtitle file, when the cues were aligned with one instead of the audio.
    public var reference: String?
    /// The media's length, milliseconds.
    public var mediaDuration: Milliseconds
    /// The speech found (or the reference's cue time), milliseconds.
    public var speechDuration: Milliseconds
    /// One report per subtitle file, in the job's order (empty when the job failed as a whole).
    public var files: [SyncFileReport]
    /// Why nothing could be done (invalid options, unreadable media or reference, cancelled), if so.
    public var failure: JobFailure?

    /// Whether every file was synced or already in sync.
    public var succeeded: Bool {
        failure == nil && files.allSatisfy { $0.outcome == .synced || $0.outcome == .alreadyInSync }
    }
}
