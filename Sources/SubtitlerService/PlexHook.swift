import Foundation

/// Plex's webhooks (Plex Pass): `multipart/form-data` with a `payload` part holding JSON (and, for some events, a
/// `thumb` JPEG part, which is discarded). The fields read: `event` (`library.new`, `media.play`, `media.resume`;
/// others ignored), `Metadata.type` (`movie`, `episode`; others ignored) and `Metadata.ratingKey`. The payload names
/// no file: its path is looked up from Plex's API (``PlexLibrary``).
package enum PlexHook {
    /// The parts of the payload that matter.
    struct Payload: Decodable {
        struct Metadata: Decodable {
            var ratingKey: String?
            var type: String?
        }
        var event: String
        var metadata: Metadata?

        enum CodingKeys: String, CodingKey { case event, metadata = "Metadata" }
    }

    /// The action for a payload.
    /// - Throws: ``HookPayloadError`` for a body that is not such a payload, or an event with no usable
    ///   `Metadata.ratingKey` (a whole number).
    package static func action(from data: Data) throws(HookPayloadError) -> MediaServerHook.Action {
        let payload = try MediaServerHook.decode(Payload.self, from: data, server: .plex)
        let name = payload.event
        let event: MediaServerHook.Event
        switch name.lowercased() {
        case "library.new": event = .itemAdded
        case "media.play", "media.resume": event = .playbackStarted
        default: return .ignore(event: name, reason: "subtitler acts on library.new, media.play and media.resume only")
        }
        if let ignored = MediaServerHook.ignoring(kind: payload.metadata?.type, event: name) { return ignored }
        guard let key = MediaServerHook.nonEmpty(payload.metadata?.ratingKey) else {
            throw HookPayloadError("the Plex \(name) payload has no \"Metadata.ratingKey\"")
        }
        guard key.count <= 20, key.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw HookPayloadError("the Plex \(name) payload's \"Metadata.ratingKey\" is not a whole number")
        }
        return .act(event, .plexItem(ratingKey: key))
    }
}
