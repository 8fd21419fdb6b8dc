import Foundation

/// Sonarr's and Radarr's two ways of telling about imported files: the Webhook connection (a JSON POST or PUT) and
/// the Custom Script connection (environment variables). `Test` must succeed; `Download` (an import, or Sonarr v4's
/// "On Import Complete" with several episode files) queues every file; other events are ignored.
package enum ArrHook {
    /// Which program calls.
    package enum Kind: String, Sendable, CaseIterable {
        case sonarr, radarr
    }

    /// What to do with a call.
    package enum Action: Sendable, Equatable {
        /// The settings page's test button: answer success.
        case test
        /// Files were imported: subtitle each, in this order.
        case queue(paths: [String])
        /// Another event.
        case ignore(event: String)
        /// The call lacks what it needs.
        case invalid(String)
    }

    /// The parts of the Webhook payloads that matter (Sonarr v3/v4, Radarr v3+).
    package struct Payload: Sendable, Decodable {
        package struct FileInfo: Sendable, Decodable {
            package var path: String?
            package var relativePath: String?
        }
        package struct Series: Sendable, Decodable {
            package var path: String?
        }
        package struct Movie: Sendable, Decodable {
            package var folderPath: String?
            package var path: String?
        }
        package var eventType: String
        package var series: Series?
        package var episodeFile: FileInfo?
        /// Sonarr v4's "On Import Complete": every file of the import (a season pack, a multi-episode release).
        package var episodeFiles: [FileInfo]?
        package var movie: Movie?
        package var movieFile: FileInfo?
    }

    /// The action for a Webhook payload.
    package static func action(for payload: Payload, kind: Kind) -> Action {
        switch payload.eventType.lowercased() {
        case "test": return .test
        case "download":
            let files: [Payload.FileInfo]
            let folder: String?
            switch kind {
            case .sonarr:
                files = (payload.episodeFile.map { [$0] } ?? []) + (payload.episodeFiles ?? [])
                folder = payload.series?.path
            case .radarr:
                files = payload.movieFile.map { [$0] } ?? []
                folder = payload.movie?.folderPath ?? payload.movie?.path
            }
            var paths: [String] = []
            for file in files {
                let path: String?
                if let full = file.path, !full.isEmpty {
                    path = full
                } else if let folder, let relative = file.relativePath, !relative.isEmpty {
                    path = (folder as NSString).appendingPathComponent(relative)
                } else {
                    path = nil
                }
                if let path, !paths.contains(path) { paths.append(path) }
            }
            if paths.isEmpty { return .invalid("the \(kind.rawValue) payload names no imported file") }
            return .queue(paths: paths)
        default:
            return .ignore(event: payload.eventType)
        }
    }

    /// The action for a Custom Script run, from its environment: `sonarr_eventtype` with `sonarr_episodefile_path`
    /// (one import) or `sonarr_episodefile_paths` (Sonarr v4's "On Import Complete": `|`-separated), and
    /// `radarr_eventtype` with `radarr_moviefile_path` (or `radarr_moviefile_paths`); nil when neither program ran
    /// the script.
    package static func action(environment: [String: String]) -> (Kind, Action)? {
        for kind in Kind.allCases {
            guard let event = environment["\(kind.rawValue)_eventtype"] else { continue }
            switch event.lowercased() {
            case "test": return (kind, .test)
            case "download":
                let single = kind == .sonarr ? "sonarr_episodefile_path" : "radarr_moviefile_path"
                var paths: [String] = []
                if let path = environment[single], !path.isEmpty { paths.append(path) }
                for path in (environment[single + "s"] ?? "").split(separator: "|").map(String.init)
                where !path.isEmpty && !paths.contains(path) {
                    paths.append(path)
                }
                guard !paths.isEmpty else { return (kind, .invalid("neither \(single) nor \(single)s is set")) }
                return (kind, .queue(paths: paths))
            default: return (kind, .ignore(event: event))
            }
        }
        return nil
    }
}
