import Foundation
import Hummingbird
import HTTPTypes
import SubtitlerJobs
import Logging

/// The media servers' webhook routes: `POST /v1/hooks/jellyfin`, `/plex`, `/emby` and `/tautulli`, behind the
/// service's token (``AccessPolicy``) and roots (``PathPolicy``, with `--path-map`).
///
/// Answers: 202 with `{"status": "queued", "jobs": [...]}` when a job was made; 200 with `"status": "existing"` when
/// the file already had a queued or running job (one job per file: raised to the import priority for an item added,
/// to the top for a playback start, when it was queued lower); 200 with
/// `{"status": "ignored", "event": ..., "reason": ...}` for an event or item the service does not act on; 400 for a
/// body that is not the server's payload; 403 for a file outside the roots; 404 for a file that cannot be read; 413
/// for a body too large; 502 when Plex cannot say where an item's file is. Each error is `{"error": "..."}`, one line.
struct MediaServerHooks: Sendable {
    let environment: ServiceEnvironment
    /// Plex's API, for the files of Plex's items (nil when `SUBTITLER_PLEX_URL` and `SUBTITLER_PLEX_TOKEN` are unset).
    let plex: PlexLibrary?

    init(environment: ServiceEnvironment) {
        self.environment = environment
        plex = environment.configuration.plexLibrary.map { PlexLibrary(server: $0) }
    }

    func register(on router: Router<ServiceRequestContext>) {
        for server in MediaServerHook.Server.allCases {
            router.post("/v1/hooks/\(server.rawValue)") { request, _ in await handle(request, from: server) }
        }
    }

    /// The form parts that may hold a server's JSON.
    static func formParts(of server: MediaServerHook.Server) -> [String] {
        switch server {
        case .plex: ["payload"]
        case .emby: ["data", "payload"]
        case .jellyfin, .tautulli: ["payload", "data"]
        }
    }

    /// The action a server's payload asks for.
    static func action(for server: MediaServerHook.Server, payload: Data) throws(HookPayloadError) -> MediaServerHook.Action {
        switch server {
        case .jellyfin: try JellyfinHook.action(from: payload)
        case .plex: try PlexHook.action(from: payload)
        case .emby: try EmbyHook.action(from: payload)
        case .tautulli: try TautulliHook.action(from: payload)
        }
    }

    func handle(_ request: Request, from server: MediaServerHook.Server) async -> Response {
        let metrics = environment.metrics
        let payload: Data
        switch await HookBody.payload(of: request.body, contentType: request.headers[.contentType],
                                      parts: Self.formParts(of: server)) {
        case .success(let data): payload = data
        case .failure(let refusal):
            metrics.countHook(server, event: nil, outcome: .refused)
            return ServiceResponses.error(refusal.status, "not a \(server.displayName) webhook call: \(refusal.message)")
        }
        let action: MediaServerHook.Action
        do {
            action = try Self.action(for: server, payload: payload)
        } catch {
            metrics.countHook(server, event: nil, outcome: .refused)
            return ServiceResponses.error(.badRequest, error.message)
        }
        switch action {
        case .ignore(let event, let reason):
            metrics.countHook(server, event: nil, outcome: .ignored)
            return ServiceResponses.json(.ok, ["status": "ignored", "event": event, "reason": reason])
        case .act(let event, let item):
            let path: String
            switch item {
            case .file(let file): path = file
            case .plexItem(let ratingKey):
                guard let plex else {
                    environment.logger.warning(
                        "a Plex event was ignored: set SUBTITLER_PLEX_URL and SUBTITLER_PLEX_TOKEN so the service can find the item's file",
                        metadata: ["item": "\(ratingKey)"])
                    metrics.countHook(server, event: event, outcome: .ignored)
                    return ServiceResponses.json(.ok, [
                        "status": "ignored", "event": event.rawValue,
                        "reason": "Plex names no file: set SUBTITLER_PLEX_URL and SUBTITLER_PLEX_TOKEN so the service can look it up",
                    ])
                }
                do {
                    path = try await plex.file(ratingKey: ratingKey)
                } catch {
                    environment.logger.error("a Plex item's file could not be looked up", metadata: ["error": "\(error.message)"])
                    metrics.countHook(server, event: event, outcome: .refused)
                    return ServiceResponses.error(.badGateway, error.message)
                }
            }
            return await act(event, path: path, from: server)
        }
    }

    /// Queues (an item added) or raises (a playback start) the job for `path`.
    func act(_ event: MediaServerHook.Event, path: String, from server: MediaServerHook.Server) async -> Response {
        struct Answer: Encodable {
            var status: ServiceMetrics.HookOutcome
            var event: String
            var jobs: [ServiceJob]
        }
        let scheduler = environment.scheduler
        let origin = server.origin
        do {
            // An item added asks for the import priority (its origin's default); a playback start for the top.
            let request = JobRequest(path: path, priority: event == .playbackStarted ? JobPriority.top : nil)
            let (jobs, created) = try await scheduler.submitOnce(request, origin: origin)
            let outcome: ServiceMetrics.HookOutcome = created ? .queued : .existing
            environment.metrics.countHook(server, event: event, outcome: outcome)
            return ServiceResponses.json(created ? .accepted : .ok, Answer(status: outcome, event: event.rawValue, jobs: jobs))
        } catch {
            environment.metrics.countHook(server, event: event, outcome: .refused)
            let (status, message) = JobsAPI(environment: environment).refusal(error)
            return ServiceResponses.error(status, message)
        }
    }
}
