import Foundation

/// Jellyfin's webhook plugin (jellyfin-plugin-webhook), a "Generic Destination": a JSON POST made from the user's
/// Handlebars template, or the whole data object with "Send All Properties". The fields read: `NotificationType`
/// (`ItemAdded`, `PlaybackStart`; others ignored), `ItemType` (`Movie`, `Episode`; others ignored) and `Path` (the
/// item's file, which the plugin sends since version 13).
package enum JellyfinHook {
    /// The parts of the payload that matter.
    struct Payload: Decodable {
        var notificationType: String
        var itemType: String?
        var path: String?

        enum CodingKeys: String, CodingKey {
            case notificationType = "NotificationType", itemType = "ItemType", path = "Path"
        }
    }

    /// The action for a payload.
    /// - Throws: ``HookPayloadError`` for a body that is not such a payload, or an item added or played with no
    ///   `Path`.
    package static func action(from data: Data) throws(HookPayloadError) -> MediaServerHook.Action {
        let payload = try MediaServerHook.decode(Payload.self, from: data, server: .jellyfin)
        let name = payload.notificationType
        let event: MediaServerHook.Event
        switch name.lowercased() {
        case "itemadded": event = .itemAdded
        case "playbackstart": event = .playbackStarted
        default: return .ignore(event: name, reason: "subtitler acts on ItemAdded and PlaybackStart only")
        }
        if let ignored = MediaServerHook.ignoring(kind: payload.itemType, event: name) { return ignored }
        guard let path = MediaServerHook.nonEmpty(payload.path) else {
            throw HookPayloadError("the Jellyfin \(name) payload has no \"Path\": tick \"Send All Properties\", or add "
                                   + "\"Path\": \"{{Path}}\" to the template (webhook plugin 13 or later)")
        }
        return .act(event, .file(path))
    }
}
