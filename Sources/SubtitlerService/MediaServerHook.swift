import Foundation
import SubtitlerJobs

/// The media servers' webhooks (`POST /v1/hooks/jellyfin`, `/plex`, `/emby`, `/tautulli`): what each payload asks
/// for, as a closed set of actions. An item added (a movie or an episode) queues its file at the import priority;
/// a playback start raises the playing file's job to the top, or queues it there when it has none. Every other
/// event, and items of other kinds (a series, a season, music), are ignored: answered 200, never an error, since
/// media servers log or retry errors.
///
/// Each server has its parser (``JellyfinHook``, ``PlexHook``, ``EmbyHook``, ``TautulliHook``); the routes live in
/// ``MediaServerHooks``.
package enum MediaServerHook {
    /// Which program calls.
    package enum Server: String, Sendable, CaseIterable {
        case jellyfin, plex, emby, tautulli

        /// The origin of the jobs this hook queues.
        package var origin: JobOrigin {
            switch self {
            case .jellyfin: .jellyfin
            case .plex: .plex
            case .emby: .emby
            case .tautulli: .tautulli
            }
        }

        /// The name people know it by, for messages.
        package var displayName: String {
            switch self {
            case .jellyfin: "Jellyfin"
            case .plex: "Plex"
            case .emby: "Emby"
            case .tautulli: "Tautulli"
            }
        }
    }

    /// The events the service acts on.
    package enum Event: String, Sendable, Hashable, CaseIterable {
        /// A movie or an episode was added to the library.
        case itemAdded = "item-added"
        /// Someone started (or resumed) watching a movie or an episode.
        case playbackStarted = "playback"
    }

    /// The item an event is about.
    package enum Item: Sendable, Hashable {
        /// A file, as the media server names it (path mapping applies).
        case file(String)
        /// A Plex library item, whose file only Plex's API tells (`/library/metadata/{ratingKey}`).
        case plexItem(ratingKey: String)
    }

    /// What to do with a call.
    package enum Action: Sendable, Hashable {
        /// Queue (an item added) or raise (a playback start) the item's job.
        case act(Event, Item)
        /// Nothing: the event, or the kind of item, is not one the service acts on.
        case ignore(event: String, reason: String)
    }

    /// The kinds of item whose files get subtitles (Jellyfin's and Emby's `ItemType`/`Type`, Plex's and Tautulli's
    /// `type`/`media_type`, compared without case).
    static let videoKinds: Set<String> = ["movie", "episode"]

    /// An ignore for an item of `kind` that is neither a movie nor an episode; nil for those, and when the payload
    /// does not say.
    static func ignoring(kind: String?, event: String) -> Action? {
        guard let kind = nonEmpty(kind), !videoKinds.contains(kind.lowercased()) else { return nil }
        return .ignore(event: event, reason: "items of type \(kind) have no file to subtitle")
    }

    /// Decodes a payload, or throws a one-line reason naming the field.
    static func decode<Payload: Decodable>(_ type: Payload.Type, from data: Data, server: Server)
        throws(HookPayloadError) -> Payload
    {
        do {
            return try JSONDecoder().decode(Payload.self, from: data)
        } catch {
            throw HookPayloadError("not a \(server.displayName) webhook payload: \(RequestBodyErrors.message(for: error))")
        }
    }

    /// A non-empty string, or nil.
    static func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }
}

/// A hook payload the service cannot act on (HTTP 400): one line naming what is missing or wrong.
package struct HookPayloadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    package var message: String
    init(_ message: String) { self.message = message }
    package var description: String { message }
}
