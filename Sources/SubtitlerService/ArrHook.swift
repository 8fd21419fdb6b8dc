import Foundation

/// Sonarr's and Radarr's two ways of telling about an imported file: the Webhook connection (a JSON POST) and the
/// Custom Script connection (environment variables). `Test` must succeed; `Download` (an import) queues the file;
/// other events are ignored.
package enum ArrHook {
    /// Which program calls.
    package enum Kind: String, Sendable, CaseIterable {
        case sonarr, radarr
    }

    /// What to do with a call.
    package enum Action: Sendable, Equatable {
        /// The settings page's test button: answer success.
        case test
        /// A file was imported: subtitle it.
        case queue(path: String)
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
        package var movie: Movie?
        package var movieFile: FileInfo?
    }

    /// The action for a Webhook payload.
    package static func action(for payload: Payload, kind: Kind) -> Action {
        switch payload.eventType.lowercased() {
        case "test": return .test
        case "download":
            let file: Payload.FileInfo?
            let folder: String?
            switch kind {
            case .sonarr:
                file = payload.episodeFile
                folder = payload.series?.path
            case .radarr:
                file = payload.movieFile
                folder = payload.movie?.folderPath ?? payload.movie?.path
            }
            if let path = file?.path, !path.isEmpty { return .queue(path: path) }
            if let folder, let relative = file?.relativePath, !relative.isEmpty {
                return .queue(path: (folder as NSString).appendingPathComponent(relative))
            }
            return .invalid("the \(kind.rawValue) payload names no imported file")
        default:
            return .ignore(event: payload.eventType)
        }
    }

    /// The action for a Custom Script run, from its environment (`sonarr_eventtype`, `sonarr_episodefile_path`,
    /// `radarr_eventtype`, `radarr_moviefile_path`); nil when neither program ran the script.
    package static func action(environment: [String: String]) -> (Kind, Action)? {
        for kind in Kind.allCases {
            guard let event = environment["\(kind.rawValue)_eventtype"] else { continue }
            switch event.lowercased() {
            case "test": return (kind, .test)
            case "download":
                let variable = kind == .sonarr ? "sonarr_episodefile_path" : "radarr_moviefile_path"
                guard let path = environment[variable], !path.isEmpty else {
                    return (kind, .invalid("\(variable) is not set"))
                }
                return (kind, .queue(path: path))
            default: return (kind, .ignore(event: event))
            }
        }
        return nil
    }
}
