import Foundation
import Hummingbird
import HTTPTypes
import Logging
import Subtitler
import OpenAIAudio
import SubtitlerJobs
import SubtitlerSupport

/// Everything the routes share.
struct ServiceEnvironment: Sendable {
    let configuration: ServiceConfiguration
    let runner: JobRunner
    let store: any JobStoring
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
        // Sonarr's and Radarr's Webhook connections offer POST and PUT.
        for kind in ArrHook.Kind.allCases {
            router.post("/v1/hooks/\(kind.rawValue)") { request, context in try await hook(request, context: context, kind: kind) }
            router.put("/v1/hooks/\(kind.rawValue)") { request, context in try await hook(request, context: context, kind: kind) }
        }
        router.get("/v1/nodes") { _, _ in ServiceResponses.json(.ok, try await environment.store.liveNodes()) }
        router.get("/healthz") { _, _ in try await health() }
        router.get("/metrics") { _, _ in
            // Jobs by state (waiting included) and use against every limit, as the store sees them now.
            if let counts = try? await environment.store.counts() { environment.metrics.setJobs(counts) }
            let limits = environment.configuration.limits
            if let usage = try? await environment.store.limitUsage(budget: limits.budget) {
                environment.metrics.setLimits(usage, of: limits)
            }
            return ServiceResponses.text(.ok, environment.metrics.exposition(), contentType: "text/plain; version=0.0.4")
        }
        router.get("/openapi.json") { _, _ in
            ServiceResponses.text(.ok, OpenAPIDocument.json, contentType: "application/json")
        }
    }

    func create(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        // `?origin=hook` marks a job queued by `subtitler hook` (Sonarr's or Radarr's Custom Script).
        let origin: JobOrigin
        switch request.uri.queryParameters["origin"].map(String.init) {
        case nil, "api": origin = .api
        case "hook": origin = .hook
        case let other?: return ServiceResponses.error(.badRequest, "origin must be api or hook, not '\(other)'")
        }
        let body: JobRequest
        switch await Self.decode(JobsAPIBody.self, from: request, context: context) {
        case .success(let value): body = value.request
        case .failure(let refusal): return refusal.response
        }
        return await submit(body, origin: origin)
    }

    /// Why a JSON body was refused: its status and one line naming the field.
    struct BodyRefusal: Error {
        var status: HTTPResponse.Status
        var message: String
        var response: Response { ServiceResponses.error(status, message) }
    }

    /// Reads a JSON body of at most the context's limit (64 KB) and decodes it; a refusal names what is wrong.
    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request, context: ServiceRequestContext) async
        -> Result<Body, BodyRefusal>
    {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            return .failure(BodyRefusal(status: .contentTooLarge, message: "the body is larger than \(context.maxUploadSize / 1024) KB"))
        }
        do {
            return .success(try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)))
        } catch {
            return .failure(BodyRefusal(status: .badRequest, message: RequestBodyErrors.message(for: error)))
        }
    }

    /// Queues a request and answers with the job (201 when new, 200 when an equal job was already queued).
    func submit(_ body: JobRequest, origin: JobOrigin) async -> Response {
        do {
            let (job, created) = try await environment.scheduler.submit(body, origin: origin)
            return ServiceResponses.json(created ? .created : .ok, job)
        } catch {
            let (status, message) = refusal(error)
            return ServiceResponses.error(status, message)
        }
    }

    /// The status and message for a request the scheduler refused.
    func refusal(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let refusal as PathPolicy.Refusal:
            switch refusal {
            case .outsideRoots: return (.forbidden, refusal.description)
            case .notAPath: return (.badRequest, refusal.description)
            case .unreadable: return (.notFound, refusal.description)
            }
        case let error as JobRequestError:
            return (.badRequest, error.message)
        default:
            environment.logger.error("job could not be stored", metadata: ["error": "\(error)"])
            return (.internalServerError, "the job could not be stored")
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
        let before = query["before"].map(String.init)
        if let before, try await environment.store.job(id: before) == nil {
            return ServiceResponses.error(.badRequest, "before names no job: \(before)")
        }
        // Newest first; one more than asked tells whether there is a next page.
        var jobs = try await environment.store.jobs(state: state, limit: limit + 1, newestFirst: true, before: before)
        var response: Response
        if jobs.count > limit {
            jobs.removeLast()
            response = ServiceResponses.json(.ok, jobs)
            var next = "/v1/jobs?limit=\(limit)&before=\(jobs[jobs.count - 1].id)"
            if let state { next += "&state=\(state.rawValue)" }
            response.headers[HTTPField.Name("Link")!] = "<\(next)>; rel=\"next\""
        } else {
            response = ServiceResponses.json(.ok, jobs)
        }
        return response
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
        // A job that has ended (done, failed, or cancelled before) is left as it is: 409, as the OpenAPI document says.
        if let job = try await environment.store.job(id: id), job.state.isFinal {
            return ServiceResponses.error(.conflict, "job \(id) has already ended (\(job.state.rawValue))")
        }
        guard let job = try await environment.scheduler.cancel(id: id) else {
            return ServiceResponses.error(.notFound, "no job \(id)")
        }
        if job.state == .done || job.state == .failed {
            // It ended between the two reads.
            return ServiceResponses.error(.conflict, "job \(id) has already ended (\(job.state.rawValue))")
        }
        return ServiceResponses.json(.ok, job)
    }

    func hook(_ request: Request, context: ServiceRequestContext, kind: ArrHook.Kind) async throws -> Response {
        let payload: ArrHook.Payload
        switch await Self.decode(ArrHook.Payload.self, from: request, context: context) {
        case .success(let value): payload = value
        case .failure(let refusal):
            return ServiceResponses.error(refusal.status, "not a \(kind.rawValue) webhook payload: \(refusal.message)")
        }
        switch ArrHook.action(for: payload, kind: kind) {
        case .test:
            return ServiceResponses.json(.ok, ["status": "ok", "message": "subtitler received the test"])
        case .ignore(let event):
            return ServiceResponses.json(.ok, ["status": "ignored", "eventType": event])
        case .queue(let paths) where paths.count == 1:
            return await submit(JobRequest(path: paths[0]), origin: JobOrigin(kind))
        case .queue(let paths):
            return await submitAll(paths, origin: JobOrigin(kind))
        case .invalid(let reason):
            return ServiceResponses.error(.badRequest, reason)
        }
    }

    /// Queues one job per file of an import (Sonarr v4's "On Import Complete"): `{"jobs": [...]}`, 201 when any is
    /// new. A file the service may not use is refused with its path and reason, the others are queued all the same
    /// (`{"error": ..., "jobs": [...]}` with the refusal's status).
    func submitAll(_ paths: [String], origin: JobOrigin) async -> Response {
        struct Queued: Encodable {
            var error: String?
            var jobs: [ServiceJob]
        }
        var jobs: [ServiceJob] = []
        var created = false
        var refused: (HTTPResponse.Status, String)?
        for path in paths {
            do {
                let (job, isNew) = try await environment.scheduler.submit(JobRequest(path: path), origin: origin)
                jobs.append(job)
                created = created || isNew
            } catch {
                let (status, message) = self.refusal(error)
                if refused == nil { refused = (status, message) }
            }
        }
        if let (status, message) = refused {
            return ServiceResponses.json(status, Queued(error: message + (jobs.isEmpty ? "" : "; the other files were queued"), jobs: jobs))
        }
        return ServiceResponses.json(created ? .created : .ok, Queued(jobs: jobs))
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
