import Foundation
import Prometheus

extension ServiceMetrics {
    /// What a media-server webhook call came to, as `/metrics` counts it.
    package enum HookOutcome: String, Sendable, CaseIterable, Encodable {
        /// A job was queued for the item.
        case queued
        /// The item's file already had a queued or running job: nothing new was made (the queued job was raised
        /// when it was lower than the call asks).
        case existing
        /// An event or item the service does not act on.
        case ignored
        /// The call was refused (a bad payload, a path outside the roots, a body too large, a failed lookup).
        case refused
    }

    /// Counts a call to a media server's hook: `subtitler_hook_events_total{hook, event, outcome}`, where `event`
    /// is `item-added`, `playback`, or `other` (an event not acted on, or a payload that could not be read).
    func countHook(_ server: MediaServerHook.Server, event: MediaServerHook.Event?, outcome: HookOutcome) {
        registry.makeCounter(
            name: "subtitler_hook_events_total",
            labels: [("hook", server.rawValue), ("event", event?.rawValue ?? "other"), ("outcome", outcome.rawValue)],
            help: "Calls to the media servers' webhooks, by hook, event and outcome"
        ).increment()
    }
}
