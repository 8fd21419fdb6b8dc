import Foundation

/// Sonarr's and Radarr's two ways of telling about an imported file: the Webhook connection (a JSON POST) and the
/// Custom Script connection (environment variables). `Test` must succeed; `Download` (an import) queues the file;
/// other events are ignored.
public enum ArrHook {
    /// Which program calls.
    public enum Kind: String, Sendable, CaseIterable {
        case sonarr, radarr
    }

    /// What to do with a call.
    public enum Action: Sendable, Equatable {
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
    public struct Payload: Sendable, Decodable {
        public struct FileInfo: Sendable, Decodable {
            public var path: String?
            public var relativePath: String?
        }
        public struct Series: Sendable, Decodable {
            public var path: String?
        }
        public struct Movie: Sendable, Decodable {
            public var folderPath: String?
            public var path: String?
        }
        public var eventType: String
        public var series: Series?
        public var episodeFile: FileInfo?
        public var movie: Movie?
        public var movieFile: FileInfo?
    }

    /// The action for a Webhook payload.
    public static func action(for payload: Payload, kind: Kind) -> Action {
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
    public static func action(environment: [String: String]) -> (Kind, Action)? {
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
