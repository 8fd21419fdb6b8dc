import Foundation
import Logging
import OpenAIAudio
import Subtitler

/// Which job the current task works for: the scheduler sets it around a job's run, so a request the budget refuses
/// can stop its own job (held as `waiting`) instead of failing it.
enum ServiceTaskContext {
    @TaskLocal static var jobID: String?
}

/// Holds every API request of this node to the cluster's limits (``ClusterLimits``), through the figures the job
/// store shares: before a request is sent it takes a request slot (waiting while the cluster has none free), counts
/// itself in the current minute (waiting for the next while the minute is full) and prices itself against the budget
/// (its audio seconds at the model catalogue's price per minute).
///
/// A request the budget refuses is never sent: inside a job it stops the job, which the scheduler holds as
/// `waiting` (reason `budget`) and queues again when the period rolls over or the budget is raised; the chunks
/// already answered stay in the resume caches. Outside a job (Bazarr's `/asr`) it fails with code `budget_spent`.
/// A store that cannot be reached holds requests back (they wait and try again), so a limit is never passed
/// because its figures could not be read.
package final class RequestGovernor: Sendable {
    /// The limits held.
    package let limits: ClusterLimits
    let store: any RequestLimitStoring
    let clock: any Clock<Duration>
    /// How long a request waits before it looks again for a free slot (or a new minute, ten times longer).
    let pollInterval: Duration
    let logger: Logger
    /// The jobs a refused budget stopped, for the scheduler to hold as waiting.
    let budgetStops: AsyncStream<String>
    private let stopSignal: AsyncStream<String>.Continuation

    /// A governor of `limits` over `store`'s figures, waiting on `clock`.
    package init(limits: ClusterLimits, store: any RequestLimitStoring, clock: any Clock<Duration> = ContinuousClock(),
                 pollInterval: Duration = .milliseconds(50), logger: Logger = Logger(label: "subtitler.limits")) {
        self.limits = limits
        self.store = store
        self.clock = clock
        self.pollInterval = pollInterval
        self.logger = logger
        (budgetStops, stopSignal) = AsyncStream.makeStream(of: String.self)
    }

    /// What a request was let through with: the slot it holds, if the cluster's requests in flight are limited.
    struct Admission: Sendable {
        var slot: Int?
    }

    /// Waits until the limits let one request for `audio` of `model` go to `endpoint`.
    /// - Throws: ``OpenAIAudioError``: `cancelled` when the task is cancelled while it waits (or its job was stopped
    ///   by the budget), `invalidRequest` with code `budget_spent` outside a job.
    func admit(model: String, audio: Duration?, endpoint: String) async throws(OpenAIAudioError) -> Admission {
        var admission = Admission()
        if let limit = limits.inFlight {
            admission.slot = try await waitFor(endpoint: endpoint, every: pollInterval, "take a request slot") {
                try await self.store.takeRequestSlot(limit: limit)
            }
        }
        do throws(OpenAIAudioError) {
            if let perMinute = limits.requestsPerMinute {
                _ = try await waitFor(endpoint: endpoint, every: pollInterval * 10, "count a request") {
                    try await self.store.countRequest(perMinute: perMinute) ? true : nil
                }
            }
            if let budget = limits.budget {
                let cost = SpendingBudget.price(seconds: audio?.timeInterval ?? 0,
                                                pricePerMinute: AudioModel.named(model).pricePerMinute)
                let added = try await waitFor(endpoint: endpoint, every: pollInterval * 10, "price a request") {
                    try await self.store.spend(cost, within: budget)
                }
                if !added { try await refuse(endpoint: endpoint, budget: budget) }
            }
        } catch {
            await release(admission)
            throw error
        }
        return admission
    }

    /// Gives back what `admission` holds (even when the task is cancelled).
    func release(_ admission: Admission) async {
        guard let slot = admission.slot else { return }
        do {
            try await store.releaseRequestSlot(slot)
        } catch {
            // The slot is free again once this node's heartbeat stops renewing it.
            logger.error("the job store could not release a request slot", metadata: ["error": "\(error)"])
        }
    }

    /// The budget refused a request: its job is stopped (and this waits until it is), or the request fails.
    private func refuse(endpoint: String, budget: SpendingBudget) async throws(OpenAIAudioError) -> Never {
        guard let job = ServiceTaskContext.jobID else {
            throw OpenAIAudioError(endpoint: endpoint, code: "budget_spent", message: "the spending budget (\(budget)) "
                                   + "is spent; requests go again when the period rolls over or the budget is raised",
                                   kind: .invalidRequest, attempts: 0)
        }
        logger.notice("the spending budget is spent: the job waits", metadata: ["job": "\(job)", "budget": "\(budget)"])
        stopSignal.yield(job)
        // The scheduler stops the job: this task is cancelled then, and ends the (never sent) request.
        let (never, keep) = AsyncStream.makeStream(of: Void.self)
        for await _ in never {}
        keep.finish()
        throw Self.cancelled(endpoint)
    }

    /// Runs `attempt` until it gives a value, waiting `interval` on the clock between attempts; a store error is
    /// logged and counts as "not yet".
    private func waitFor<T: Sendable>(endpoint: String, every interval: Duration, _ what: String,
                                      _ attempt: @escaping @Sendable () async throws -> T?) async throws(OpenAIAudioError) -> T {
        var failing = false
        while true {
            if Task.isCancelled { throw Self.cancelled(endpoint) }
            do {
                if let value = try await attempt() { return value }
                failing = false
            } catch {
                if !failing {
                    logger.error("the job store could not \(what); the request waits", metadata: ["error": "\(error)"])
                }
                failing = true
            }
            do {
                try await clock.sleep(for: interval)
            } catch {
                throw Self.cancelled(endpoint)
            }
        }
    }

    private static func cancelled(_ endpoint: String) -> OpenAIAudioError {
        OpenAIAudioError(endpoint: endpoint, message: "the request was cancelled", kind: .cancelled, attempts: 0)
    }
}

/// A backend whose every request is held to the cluster's limits by a ``RequestGovernor`` first; its cache identity
/// and clock are the wrapped backend's, so resume-cache keys do not change.
struct GovernedBackend: TranscriptionBackend {
    let base: any TranscriptionBackend
    let governor: RequestGovernor

    var cacheIdentity: String { base.cacheIdentity }
    var clock: any Clock<Duration> { base.clock }

    func transcribeVerbose(
        _ request: TranscriptionRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        try await governed(model: request.model, audio: request.file.duration, endpoint: "audio/transcriptions") {
            () async throws(OpenAIAudioError) in try await base.transcribeVerbose(request, timeout: timeout, onRetry: onRetry)
        }
    }

    func transcribeText(
        _ request: TranscriptionRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> String {
        try await governed(model: request.model, audio: request.file.duration, endpoint: "audio/transcriptions") {
            () async throws(OpenAIAudioError) in try await base.transcribeText(request, timeout: timeout, onRetry: onRetry)
        }
    }

    func translateVerbose(
        _ request: TranslationRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        try await governed(model: request.model, audio: request.file.duration, endpoint: "audio/translations") {
            () async throws(OpenAIAudioError) in try await base.translateVerbose(request, timeout: timeout, onRetry: onRetry)
        }
    }

    /// The server's own answer to the pipeline's check of a silent server: a check is no request, so it takes no slot.
    func serverAnswers(within timeout: Duration) async -> Bool? {
        await base.serverAnswers(within: timeout)
    }

    /// Runs `send` once the governor admits a request for `audio` of `model`, and releases its admission after.
    private func governed<Answer: Sendable>(
        model: String, audio: Duration?, endpoint: String, _ send: () async throws(OpenAIAudioError) -> Answer
    ) async throws(OpenAIAudioError) -> Answer {
        let admission = try await governor.admit(model: model, audio: audio, endpoint: endpoint)
        do throws(OpenAIAudioError) {
            let answer = try await send()
            await governor.release(admission)
            return answer
        } catch {
            await governor.release(admission)
            throw error
        }
    }
}
