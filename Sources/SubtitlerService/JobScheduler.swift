import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Subtitler
import Subtitles
import OpenAIAudio
import SubtitlerJobs
import SubtitlerSupport

/// Runs the stored jobs, a few at a time, through the library's job runner; keeps the store up to date; cancels on
/// request; and on shutdown leaves running jobs queued, so the next start picks them up and the resume cache saves
/// what they had already paid for.
package actor JobScheduler: Service {
    let store: any JobStoring
    let runner: JobRunner
    let defaults: SubtitleJob
    let paths: PathPolicy
    let slots: SlotPool
    let metrics: ServiceMetrics
    let notifier: Notifier
    let logger: Logger
    /// How often the leases of running jobs are renewed, and the clock that times it.
    let heartbeat: Duration
    let clock: any Clock<Duration>
    /// Called after a job's sidecars were written (muxing them into the file, for `embed`).
    let afterWrite: @Sendable (ServiceJob, JobOutcome) async -> JobOutcome
    /// Translation for jobs that ask for it, or nil when the service has no chat server.
    let translation: ServiceTranslation?
    /// The cluster's limits on API requests (the runner's backend goes through it), or nil for none.
    let governor: RequestGovernor?

    /// The running jobs, each with what stops it: finishing the stream cancels the job.
    private var running: [String: AsyncStream<Void>.Continuation] = [:]
    private var userCancelled: Set<String> = []
    /// Running jobs whose lease another node took over: stopped, and their end is not recorded.
    private var leaseLost: Set<String> = []
    /// Running jobs the spending budget stopped: held as waiting, not queued.
    private var budgetStopped: Set<String> = []
    /// The heartbeat, cancelled when the jobs have ended.
    private var heartbeatTask: Task<Void, Never>?
    /// How many times each job was queued again because its file changed while it ran.
    private var redone: [String: Int] = [:]
    /// The most times a job is done again because its file changed while it ran.
    static let redoLimit = 3
    private var shuttingDown = false
    private let wake: AsyncStream<Void>
    private let wakeSignal: AsyncStream<Void>.Continuation

    /// Creates a scheduler.
    /// - Parameters:
    ///   - store: the job store.
    ///   - runner: the job runner (API client and resume cache).
    ///   - defaults: the settings every job starts from (model, formats, naming, style…); its input is ignored.
    ///   - paths: which files jobs may use.
    ///   - slots: the slots shared with Bazarr's synchronous requests.
    ///   - metrics: where figures go.
    ///   - notifier: completion webhooks and media-server refreshes.
    ///   - logger: structured logs; every line carries the job id (and the node's, over a shared store).
    ///   - heartbeat: how often the leases of running jobs are renewed.
    ///   - clock: the clock that times the heartbeat.
    ///   - translation: translation for jobs that ask for it (`translateTo`), or nil.
    ///   - governor: the cluster's limits, which `runner`'s requests go through (``GovernedBackend``), or nil.
    ///   - afterWrite: post-processing of a finished job (muxing); returns the outcome to record.
    package init(store: any JobStoring, runner: JobRunner, defaults: SubtitleJob, paths: PathPolicy, slots: SlotPool,
                metrics: ServiceMetrics, notifier: Notifier, logger: Logger, heartbeat: Duration = .seconds(10),
                clock: any Clock<Duration> = ContinuousClock(), translation: ServiceTranslation? = nil,
                governor: RequestGovernor? = nil, afterWrite: @escaping @Sendable (ServiceJob, JobOutcome) async -> JobOutcome = { $1 }) {
        self.store = store
        self.runner = runner
        self.defaults = defaults
        self.paths = paths
        self.slots = slots
        self.metrics = metrics
        self.notifier = notifier
        self.logger = logger
        self.heartbeat = heartbeat
        self.clock = clock
        self.afterWrite = afterWrite
        self.translation = translation
        self.governor = governor
        (wake, wakeSignal) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: - Requests

    /// Queues a job for a file (deduplicated against queued and running jobs for the same request).
    /// - Throws: ``PathPolicy/Refusal`` for a path the service may not use; ``JobRequestError`` for bad fields.
    /// The file is named by its canonical path (mapped, then resolved), so every spelling of one file (`a//b.mkv`,
    /// `a/./b.mkv`, `/proc/self/root/…`, a path-map alias) finds the same job.
    package func submit(_ request: JobRequest, origin: JobOrigin) async throws -> (job: ServiceJob, created: Bool) {
        let path = try paths.file(request.path)
        try Self.validate(request)
        if let problem = ServiceTranslation.problem(with: request, translation: translation) {
            throw JobRequestError(problem)
        }
        for subtitles in request.sync ?? [] { _ = try paths.file(subtitles) }
        let result = try await store.enqueue(request, resolvedPath: path, origin: origin)
        if result.created {
            logger.info("job queued", metadata: ["job": "\(result.job.id)", "origin": "\(origin.rawValue)", "path": "\(path)"])
            await refreshGauges()
            wakeSignal.yield()
        }
        return result
    }

    /// Queues `request` unless its file already has a queued or running job, whatever that job asks for (one job
    /// per file: a media server's item added or playback start): then that job, raised to the request's priority
    /// (its origin's default when it has none) if it is queued lower, which puts a file being watched
    /// (``JobPriority/top``) at the head of the queue.
    /// - Returns: the file's jobs as they are now, and whether one was created.
    /// - Throws: as ``submit(_:origin:)``.
    package func submitOnce(_ request: JobRequest, origin: JobOrigin) async throws -> (jobs: [ServiceJob], created: Bool) {
        let path = try paths.file(request.path)
        try Self.validate(request)
        let priority = JobPriority.of(request, origin: origin)
        let active = try await store.raisePriority(ofJobsFor: path, to: priority)
        if !active.isEmpty {
            logger.info("the file already has a job", metadata: [
                "job": "\(active[0].id)", "origin": "\(origin.rawValue)", "priority": "\(active[0].priority)",
            ])
            await refreshGauges()
            wakeSignal.yield()
            return (active, false)
        }
        let (job, created) = try await submit(request, origin: origin)
        return ([job], created)
    }

    /// Cancels a job: a queued one at once, a running one as soon as its current step ends.
    /// - Returns: the job as it is after the request, or nil when there is no such job.
    package func cancel(id: String) async throws -> ServiceJob? {
        let store = self.store
        if let stop = running[id] {
            userCancelled.insert(id)
            stop.finish()
            logger.info("job cancellation requested", metadata: ["job": "\(id)"])
            return try await store.job(id: id)
        }
        let job = try await store.cancelIfQueued(id: id)
        await refreshGauges()
        return job
    }

    // MARK: - Running

    /// Runs until the service group shuts down: starts queued jobs whenever a slot is free. The jobs run in this
    /// task's group; on shutdown it waits for them to record themselves as queued again.
    package func run() async throws {
        let requeued = try await store.requeueInterrupted()
        if requeued > 0 { logger.notice("jobs interrupted by the last stop are queued again", metadata: ["count": "\(requeued)"]) }
        if governor?.limits.inFlight != nil {
            do {
                try await store.releaseRequestSlots()
            } catch {
                logger.error("the job store could not release this node's request slots", metadata: ["error": "\(error)"])
            }
        }
        await recheckQueued()
        await refreshGauges()
        await recordHeartbeat()
        wakeSignal.yield()
        heartbeatTask = Task { await self.beat() }
        let budgetStops = Task { await self.stopJobsTheBudgetRefused() }
        await withDiscardingTaskGroup { jobs in
            await withGracefulShutdownHandler {
                for await _ in wake {
                    if Task.isCancelled || shuttingDown { break }
                    await startQueuedJobs(in: &jobs)
                }
            } onGracefulShutdown: {
                Task { await self.shutDown() }
            }
            shutDown()
        }
        heartbeatTask?.cancel()
        budgetStops.cancel()
    }

    /// Stops each job whose request the spending budget refused; it ends as `waiting` (reason `budget`).
    private func stopJobsTheBudgetRefused() async {
        guard let governor else { return }
        for await id in governor.budgetStops {
            guard let stop = running[id] else { continue }
            budgetStopped.insert(id)
            stop.finish()
        }
    }

    /// Renews the leases of the running jobs every `heartbeat` until the shutdown; a job whose lease another node
    /// took over (this node stalled past its lease) is stopped, and its end is not recorded. Each beat also looks
    /// for work: in a shared store, jobs other nodes queued and jobs whose node's lease expired.
    private func beat() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: heartbeat)
            } catch {
                return
            }
            wakeSignal.yield()
            await recordHeartbeat()
            let ids = Array(running.keys)
            guard !ids.isEmpty else { continue }
            let held: Set<String>
            do {
                held = try await store.renewLeases(of: ids)
            } catch {
                logger.error("the job store could not renew the leases of running jobs", metadata: ["error": "\(error)"])
                continue
            }
            for id in ids where !held.contains(id) {
                guard let stop = running[id] else { continue }
                leaseLost.insert(id)
                stop.finish()
                logger.warning("job stopped: another node took it over after its lease expired", metadata: ["job": "\(id)"])
            }
        }
    }

    /// Records this node, its slots and its running jobs, for `GET /v1/nodes`; a failure is logged.
    private func recordHeartbeat() async {
        do {
            try await store.recordHeartbeat(slots: slots.capacity, running: running.count)
        } catch {
            logger.error("the job store could not record this node's heartbeat", metadata: ["error": "\(error)"])
        }
    }

    /// Starts queued jobs, each a child task of `jobs`, while slots are free.
    private func startQueuedJobs(in jobs: inout DiscardingTaskGroup) async {
        while !shuttingDown {
            do {
                try await slots.acquire()
            } catch {
                return
            }
            let held = shuttingDown ? false : await budgetHoldsTheQueue()
            if shuttingDown || held {
                await slots.release()
                return
            }
            let job: ServiceJob?
            do {
                job = try await store.claimNext()
            } catch {
                logger.error("the job store could not hand out the next job", metadata: ["error": "\(error)"])
                job = nil
            }
            guard let job else {
                await slots.release()
                return
            }
            let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
            running[job.id] = stop
            jobs.addTask { await self.execute(job, until: stopped) }
            await refreshGauges()
        }
    }

    /// Runs one claimed job until it ends or `stopped` finishes (a cancel request or the shutdown), whichever is
    /// first.
    private func execute(_ job: ServiceJob, until stopped: AsyncStream<Void>) async {
        await ServiceTaskContext.$jobID.withValue(job.id) {
            await execute(job, inGroupUntil: stopped)
        }
    }

    private func execute(_ job: ServiceJob, inGroupUntil stopped: AsyncStream<Void>) async {
        await withTaskGroup(of: Void.self) { group in
            // Ends when the job is stopped, or when the job ended and cancelled this watcher.
            group.addTask { for await _ in stopped {} }
            group.addTask { await self.execute(job) }
            // The first child to end (the watcher when stopped, the job when done) ends the other.
            await group.next()
            group.cancelAll()
        }
    }

    /// Runs one claimed job (holding a slot) and records how it ended.
    private func execute(_ job: ServiceJob) async {
        let id = job.id
        let store = self.store
        let logger = self.logger
        var jobLogger = logger
        jobLogger[metadataKey: "job"] = "\(job.id)"
        metrics.recordQueueWait(.seconds(max(0, Date().timeIntervalSince(job.createdAt))))
        jobLogger.info("job started", metadata: ["path": "\(job.request.path)"])
        var subtitleJob = makeJob(for: job)
        var outcome: JobOutcome
        do {
            // The roots are checked again now (they may have changed since the job was queued, or since a restart);
            // the job uses the canonical path found now, never an unchecked spelling, and every output it writes is
            // checked against the roots again where it is opened and renamed.
            subtitleJob.input = try paths.file(job.request.path)
            subtitleJob.outputRoots = paths.roots
            // Progress is written by one task, in the order it was made, the newest when several are waiting.
            let progress = ProgressRecorder()
            let ready = subtitleJob
            outcome = await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await progress.drain { snapshot in
                        try? await store.update(id: id, progress: snapshot)
                    }
                }
                if let sync = job.request.sync {
                    progress.finish()
                    return await Self.sync(sync, of: ready, paths: paths)
                }
                let outcome = await runner.run(ready) { event in progress.handle(event) }
                progress.finish()
                return outcome
            }
        } catch {
            jobLogger.warning("job refused: its file is not usable now", metadata: ["reason": "\(error)"])
            outcome = .failed(JobFailure(error.failureReason, path: error.path, message: error.description))
        }
        if outcome.report.status == .done { outcome = await afterWrite(job, outcome) }
        if outcome.report.status == .done || outcome.report.status == .skipped, let translation,
           case let targets = translation.targets(for: job), !targets.isEmpty {
            outcome.report = await translation.runner.follow(
                outcome.report, into: targets, options: translation.options, naming: subtitleJob.naming,
                outputRoots: paths.roots)
        }
        if outcome.report.status == .done, job.request.dub != nil,
           !paths.isUnderRoot(PathResolution.realPath(subtitleJob.input) ?? "") {
            // The dub rewrites the media file: checked against the roots again right before it starts.
            var report = outcome.report
            report.status = .failed
            report.failure = JobFailure(.outsideRoots, path: subtitleJob.input, message: "\(subtitleJob.input): the subtitles "
                                        + "were written; the dub was not made: the file is outside the folders this service may use now")
            outcome.report = report
        }
        if outcome.report.status == .done, let dub = job.request.dub {
            outcome = await ServiceDub.run(dub, job: subtitleJob, outcome: outcome, subtitler: runner.subtitler,
                                           logger: jobLogger)
        }
        if let document = await ReviewRoutes.document(for: job, outcome: outcome), let data = try? JSONEncoder().encode(document) {
            do {
                try await store.storeReview(id: job.id, document: data)
            } catch {
                jobLogger.error("the job store could not keep the review page", metadata: ["error": "\(error)"])
            }
        }
        await slots.release()
        let report = outcome.report
        let state: ServiceJob.State
        switch report.status {
        case .done, .skipped, .planned: state = .done
        case .failed:
            // A file rewritten or replaced while its job ran is done again (a few times at most: a file that keeps
            // changing fails, and a watch folder queues it again once it has settled).
            if report.failure?.reason == .inputChanged, redone[id, default: 0] < Self.redoLimit {
                redone[id, default: 0] += 1
                state = .queued
            } else {
                state = .failed
            }
        case .cancelled:
            state = userCancelled.contains(id) ? .cancelled : budgetStopped.contains(id) ? .waiting : .queued
        }
        do {
            if leaseLost.contains(id) {
                jobLogger.notice("the end of a job taken over by another node is not recorded")
            } else if state == .waiting {
                // Stopped by the spending budget: queued again when it allows, paying only for missing chunks.
                try await store.wait(id: id, reason: .budget)
                jobLogger.notice("job waits: the spending budget is spent")
            } else if state == .queued, report.failure?.reason == .inputChanged {
                try await store.finish(id: job.id, state: .queued, report: nil, error: nil)
                jobLogger.notice("the file changed while its job ran; queued again", metadata: ["path": "\(subtitleJob.input)"])
            } else if state == .queued {
                // Stopped by a shutdown: the job runs again on the next start, paying only for missing chunks.
                try await store.finish(id: job.id, state: .queued, report: nil, error: nil)
                jobLogger.notice("job interrupted by shutdown; queued for the next start")
            } else {
                try await store.finish(id: job.id, state: state, report: report, error: report.error)
                jobLogger.info("job finished", metadata: [
                    "state": "\(state.rawValue)", "outputs": "\(report.outputs.count)",
                    "skip": "\(report.skipReason?.kind.rawValue ?? "")", "error": "\(report.error ?? "")",
                ])
            }
        } catch {
            jobLogger.error("the job store could not record the job's end", metadata: ["error": "\(error)"])
        }
        if state != .queued && state != .waiting { metrics.record(report) }
        running[job.id] = nil
        userCancelled.remove(job.id)
        leaseLost.remove(job.id)
        budgetStopped.remove(job.id)
        if state != .queued { redone[job.id] = nil }
        await refreshGauges()
        if state == .done { await notifier.jobFinished(report, task: subtitleJob.options.task) }
        wakeSignal.yield()
    }

    private func shutDown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        wakeSignal.finish()
        for stop in running.values { stop.finish() }
    }

    func refreshGauges() async {
        if let counts = try? await store.counts() { metrics.setJobs(counts) }
    }
}
