import Foundation
import Hummingbird
import Logging
import Subtitler
import OpenAIAudio
import SubtitlerJobs
import SubtitlerSupport

/// Everything the routes share.
struct ServiceEnvironment: Sendable {
    let configuration: ServiceConfiguration
    let runner: JobRunner
    let store: JobStore
    let scheduler: JobScheduler
    let paths: PathPolicy
    let slots: SlotPool
    let metrics: ServiceMetrics
    let coalescer: RequestCoalescer
    let logger: Logger
    var defaults: SubtitleJob { configuration.defaults }
    var uploadsDirectory: URL { configuration.stateDirectory.appendingPathComponent("uploads") }
}

/// The jobs API (`/v1/jobs`), the *arr hooks (`/v1/hooks/…`), `/healthz`, `/metrics` and `/openapi.json`.
struct JobsAPI: Sendable {
    let environment: ServiceEnvironment

    func register(on router: Router<ServiceRequestContext>) {
        router.post("/v1/jobs") { request, context in try await create(request, context: context) }
        router.get("/v1/jobs") { request, _ in try await list(request) }
        router.get("/v1/jobs/{id}") { _, context in try await show(context) }
        router.delete("/v1/jobs/{id}") { _, context in try await cancel(context) }
        router.post("/v1/hooks/sonarr") { request, context in try await hook(request, context: context, kind: .sonarr) }
        router.post("/v1/hooks/radarr") { request, context in try await hook(request, context: context, kind: .radarr) }
        router.get("/healthz") { _, _ in try await health() }
        router.get("/metrics") { _, _ in
            ServiceResponses.text(.ok, environment.metrics.exposition(), contentType: "text/plain; version=0.0.4")
        }
        router.get("/openapi.json") { _, _ in
            ServiceResponses.text(.ok, OpenAPIDocument.json, contentType: "application/json")
        }
    }

    func create(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let body: JobRequest
        do {
            body = try await request.decode(as: JobRequest.self, context: context)
        } catch {
            return ServiceResponses.error(.badRequest, "the body must be a JSON object with at least \"path\" (max 64 KB)")
        }
        return await submit(body, origin: .api)
    }

    /// Queues a request and answers with the job (201 when new, 200 when an equal job was already queued).
    func submit(_ body: JobRequest, origin: JobOrigin) async -> Response {
        do {
            let (job, created) = try await environment.scheduler.submit(body, origin: origin)
            return ServiceResponses.json(created ? .created : .ok, job)
        } catch let refusal as PathPolicy.Refusal {
            switch refusal {
            case .outsideRoots: return ServiceResponses.error(.forbidden, refusal.description)
            case .notAPath: return ServiceResponses.error(.badRequest, refusal.description)
            case .unreadable: return ServiceResponses.error(.notFound, refusal.description)
            }
        } catch let error as JobRequestError {
            return ServiceResponses.error(.badRequest, error.message)
        } catch {
            environment.logger.error("job could not be stored", metadata: ["error": "\(error)"])
            return ServiceResponses.error(.internalServerError, "the job could not be stored")
        }
    }

    func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let state: ServiceJob.State?
        if let text = query["state"] {
            guard let value = ServiceJob.State(rawValue: String(text)) else {
                return ServiceResponses.error(.badRequest, "state must be one of queued, running, done, failed, cancelled")
            }
            state = value
        } else {
            state = nil
        }
        var limit = 100
        if let text = query["limit"] {
            guard let value = Int(String(text)), (1...1_000).contains(value) else {
                return ServiceResponses.error(.badRequest, "limit must be a whole number from 1 to 1000")
            }
            limit = value
        }
        let jobs = try await environment.store.jobs(state: state, limit: limit)
        return ServiceResponses.json(.ok, jobs)
    }

    func show(_ context: ServiceRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id") else { return ServiceResponses.error(.badRequest, "missing id") }
        guard let job = try await environment.store.job(id: id) else {
            return ServiceResponses.error(.notFound, "no job \(id)")
        }
        return ServiceResponses.json(.ok, job)
    }

    func cancel(_ context: ServiceRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id") else { return ServiceResponses.error(.badRequest, "missing id") }
        guard let job = try await environment.scheduler.cancel(id: id) else {
            return ServiceResponses.error(.notFound, "no job \(id)")
        }
        if job.state == .done || job.state == .failed {
            return ServiceResponses.error(.conflict, "job \(id) has already ended (\(job.state.rawValue))")
        }
        return ServiceResponses.json(.ok, job)
    }

    func hook(_ request: Request, context: ServiceRequestContext, kind: ArrHook.Kind) async throws -> Response {
        let payload: ArrHook.Payload
        do {
            payload = try await request.decode(as: ArrHook.Payload.self, context: context)
        } catch {
            return ServiceResponses.error(.badRequest, "not a \(kind.rawValue) webhook payload")
        }
        switch ArrHook.action(for: payload, kind: kind) {
        case .test:
            return ServiceResponses.json(.ok, ["status": "ok", "message": "subtitler received the test"])
        case .ignore(let event):
            return ServiceResponses.json(.ok, ["status": "ignored", "eventType": event])
        case .queue(let path):
            return await submit(JobRequest(path: path), origin: JobOrigin(kind))
        case .invalid(let reason):
            return ServiceResponses.error(.badRequest, reason)
        }
    }

    func health() async throws -> Response {
        let counts = try await environment.store.counts()
        struct Health: Encodable {
            var status: String
            var version: String
            var queued: Int
            var running: Int
        }
        return ServiceResponses.json(.ok, Health(status: "ok", version: subtitlerVersion, queued: counts[.queued] ?? 0,
                                                 running: counts[.running] ?? 0))
    }
}

extension ArrHook.Kind {
    /// The origin of the jobs this hook queues.
    var origin: ServiceJob.Origin {
        switch self {
        case .sonarr: .sonarr
        case .radarr: .radarr
        }
    }
}
