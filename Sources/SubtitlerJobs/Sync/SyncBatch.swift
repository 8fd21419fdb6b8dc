import Foundation
import Subtitler
import Subtitles

/// The sync jobs of a batch: each media file the job layer's discovery finds, with its sidecar subtitle files
/// (`<stem>.*.srt|vtt` beside it, read by ``SidecarName``, as the other commands name them).
public enum SyncBatch {
    /// A media file and its sidecars.
    public struct Entry: Sendable, Hashable {
        /// The media file.
        public var media: String
        /// Its sidecar subtitle files, in name order.
        public var subtitles: [String]
    }

    /// The media files under `inputs` and their sidecars; inputs that cannot be read are reported.
    /// - Parameters:
    ///   - inputs: media files and directories.
    ///   - recursive: look into subdirectories of named directories.
    public static func discover(_ inputs: [String], recursive: Bool) -> (entries: [Entry], reports: [JobReport]) {
        let found = InputDiscovery.discover(inputs, recursive: recursive)
        let entries = found.files.map { Entry(media: $0, subtitles: sidecars(of: $0)) }
        return (entries, found.reports)
    }

    /// The subtitle files beside `media` that name it as their video, in name order.
    public static func sidecars(of media: String) -> [String] {
        let folder = (media as NSString).deletingLastPathComponent
        let stem = ((media as NSString).lastPathComponent as NSString).deletingPathExtension
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        let readable = Set(SubtitleFormat.readable.map(\.fileExtension))
        return names.filter { SidecarName(parsing: $0, stem: stem, extensions: readable) != nil }.sorted()
            .map { folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0) }
    }
}
