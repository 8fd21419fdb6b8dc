import Foundation

/// Tautulli's webhook agent: a POST of the JSON the user writes for each trigger from Tautulli's notification
/// parameters. The README gives the template: `{"event": "{action}", "file": "{file}", "media_type": "{media_type}"}`
/// on the Playback Start and Playback Resume triggers. The fields read: `event` (`play`, `resume`; others ignored),
/// `media_type` (`movie`, `episode`, or absent; others ignored) and `file` (the file's path as Plex sees it).
package enum TautulliHook {
    /// The template's fields.
    struct Payload: Decodable {
        var event: String
        var file: String?
        var mediaType: String?

        enum CodingKeys: String, CodingKey { case event, file, mediaType = "media_type" }
    }

    /// The action for a payload.
    /// - Throws: ``HookPayloadError`` for a body that is not the template's JSON, or a playback with no `file`.
    package static func action(from data: Data) throws(HookPayloadError) -> MediaServerHook.Action {
        let payload = try MediaServerHook.decode(Payload.self, from: data, server: .tautulli)
        switch payload.event.lowercased() {
        case "play", "resume": break
        default: return .ignore(event: payload.event, reason: "subtitler acts on play and resume only")
        }
        if let ignored = MediaServerHook.ignoring(kind: payload.mediaType, event: payload.event) { return ignored }
        guard let file = MediaServerHook.nonEmpty(payload.file) else {
            throw HookPayloadError("the Tautulli payload has no \"file\": add \"file\": \"{file}\" to the JSON data")
        }
        return .act(.playbackStarted, .file(file))
    }
}
