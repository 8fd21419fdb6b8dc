import Foundation

/// Emby's webhooks (Emby Server 4.7 and later): a POST of JSON, or `multipart/form-data` whose `data` part holds the
/// same JSON. The fields read: `Event` (`library.new`, `playback.start`; others, such as the settings page's test,
/// ignored), `Item.Type` (`Movie`, `Episode`; others ignored) and `Item.Path`.
package enum EmbyHook {
    /// The parts of the payload that matter.
    struct Payload: Decodable {
        struct Item: Decodable {
            var path: String?
            var kind: String?

            enum CodingKeys: String, CodingKey { case path = "Path", kind = "Type" }
        }
        var event: String
        var item: Item?

        enum CodingKeys: String, CodingKey { case event = "Event", item = "Item" }
    }

    /// The action for a payload.
    /// - Throws: ``HookPayloadError`` for a body that is not such a payload, or an event with no item path.
    package static func action(from data: Data) throws(HookPayloadError) -> MediaServerHook.Action {
        let payload = try MediaServerHook.decode(Payload.self, from: data, server: .emby)
        let name = payload.event
        let event: MediaServerHook.Event
        switch name.lowercased() {
        case "library.new": event = .itemAdded
        case "playback.start": event = .playbackStarted
        default: return .ignore(event: name, reason: "subtitler acts on library.new and playback.start only")
        }
        if let ignored = MediaServerHook.ignoring(kind: payload.item?.kind, event: name) { return ignored }
        guard let path = MediaServerHook.nonEmpty(payload.item?.path) else {
            throw HookPayloadError("the Emby \(name) payload has no \"Item.Path\"")
        }
        return .act(event, .file(path))
    }
}
