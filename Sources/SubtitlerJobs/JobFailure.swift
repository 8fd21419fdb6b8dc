import Foundation

/// Why a job failed, as data: a stable reason code, the file at fault and one line for people. The message never
/// names a command-line flag; each front end phrases the remedy in its own words (see ``Reason``).
public struct JobFailure: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The kinds of failures. The raw values are stable: the service returns them as `reason`.
    public enum Reason: String, Sendable, Codable, Hashable, CaseIterable {
        /// The input cannot be an input: an empty path, a URL, a name that is not UTF-8.
        case invalidPath = "invalid-path"
        /// The input does not exist or cannot be read.
        case unreadableInput = "unreadable-input"
        /// The input is not a regular file (a device, a socket…).
        case notAFile = "not-a-file"
        /// A directory input holds no media files (subdirectories were looked into only when asked).
        case noMediaFiles = "no-media-files"
        /// The job's options are out of range.
        case invalidOptions = "invalid-options"
        /// Another input of the batch would write the same subtitle files (``JobFailure/otherInput``).
        case outputCollision = "output-collision"
        /// An output would replace the input itself.
        case outputIsInput = "output-is-input"
        /// An output cannot be written: its folder is missing or read-only, or the name is taken by a directory.
        case outputNotWritable = "output-not-writable"
        /// The subtitles cannot be muxed into the input (``JobFailure/detail`` says why).
        case cannotEmbed = "cannot-embed"
        /// The pipeline failed: the media, the API, chunks that failed after retries.
        case pipeline = "pipeline"
        /// Cues could not be translated after every re-ask and split; nothing was written for that language
        /// (``JobFailure/detail`` names the cues).
        case translationIncomplete = "translation-incomplete"
        /// Writing the outputs failed; nothing was written.
        case writeFailed = "write-failed"
        /// The input or an output is outside the folders the service may use (checked again where each file is
        /// opened and renamed: a folder swapped for a symlink, a sidecar name that links out of the roots).
        case outsideRoots = "outside-roots"
        /// The input changed while it was being transcribed (rewritten or replaced); nothing was written, because
        /// the subtitles would be of the old content. The service queues the job again.
        case inputChanged = "input-changed"
        /// The job was cancelled.
        case cancelled = "cancelled"
        /// The subtitles were written but a feature after them (the dub) failed.
        case followUpFailed = "follow-up-failed"
        /// A sync refused: the subtitles do not sit clearly better on this media's speech after any move (another
        /// programme's, or already as good as they get); nothing was written.
        case syncRefused = "sync-refused"
        /// A failure recorded before reasons were (a stored report that carries only its text).
        case unknown = "unknown"
    }

    /// The kind of failure.
    public var reason: Reason
    /// The file at fault (usually the input).
    public var path: String
    /// One line naming the file, without command-line flags.
    public var message: String
    /// What went wrong, without the file's name (for front ends that phrase the failure themselves), if known.
    public var detail: String?
    /// For ``Reason/outputCollision``: the earlier input whose outputs would be overwritten.
    public var otherInput: String?

    /// Creates a failure.
    public init(_ reason: Reason, path: String, message: String, detail: String? = nil, otherInput: String? = nil) {
        self.reason = reason
        self.path = path
        self.message = message
        self.detail = detail
        self.otherInput = otherInput
    }

    /// A failure whose message is `path: detail`.
    public static func at(_ path: String, _ reason: Reason, _ detail: String) -> JobFailure {
        JobFailure(reason, path: path, message: "\(path): \(detail)", detail: detail)
    }

    /// The subtitles cannot be muxed into `path`, because of `why`.
    public static func cannotEmbed(_ path: String, _ why: String) -> JobFailure {
        JobFailure(.cannotEmbed, path: path, message: "\(path): cannot embed subtitles: \(why)", detail: why)
    }

    public var description: String { message }

    private enum CodingKeys: String, CodingKey { case reason, path, message, detail, otherInput }

    /// Decodes a failure; a reason this version does not know reads as ``Reason/unknown``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        reason = Reason(rawValue: try container.decode(String.self, forKey: .reason)) ?? .unknown
        path = try container.decode(String.self, forKey: .path)
        message = try container.decode(String.self, forKey: .message)
        detail = try container.decodeIfPresent(String.self, forKey: .detail)
        otherInput = try container.decodeIfPresent(String.self, forKey: .otherInput)
    }
}
