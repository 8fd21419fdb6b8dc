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

    /// The running jobs, each with what stops it: finishing the stream cancels the job.
    private var running: [String: AsyncStream<Void>.Continuation] = [:]
    private var userCancelled: Set<String> = []
    /// Running jobs whose lease another node took over: stopped, and their end is not recorded.
    private var leaseLost: Set<String> = []
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
    ///   - afterWrite: post-processing of a finished job (muxing); returns the outcome to record.
    package init(store: any JobStoring, runner: JobRunner, defaults: SubtitleJob, paths: PathPolicy, slots: SlotPool,
                metrics: ServiceMetrics, notifier: Notifier, logger: Logger, heartbeat: Duration = .seconds(10),
                clock: any Clock<Duration> = ContinuousClock(), translation: ServiceTranslation? = nil,
                afterWrite: @escaping @Sendable (ServiceJob, JobOutcome) async -> JobOutcome = { $1 }) {
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

    /// Checks the fields of a request that the path check does not cover.
    static func validate(_ request: JobRequest) throws {
        if let language = request.language, WhisperLanguages.code(for: language) == nil {
            throw JobRequestError("unknown language '\(language)'; use an ISO 639-1 code such as en or de")
        }
        if let formats = request.formats, formats.isEmpty { throw JobRequestError("formats must not be empty") }
        if let priority = request.priority, !JobPriority.range.contains(priority) {
            throw JobRequestError("priority must be a whole number from 0 to 9, not \(priority)")
        }
        if let label = request.naming?.label, !label.isEmpty, let problem = SidecarNaming.problem(withLabel: label) {
            throw JobRequestError(problem)
        }
        if let problem = request.dub?.problem { throw JobRequestError(problem) }
        if let sync = request.sync {
            if sync.isEmpty { throw JobRequestError("sync must name at least one subtitle file") }
            if sync.count > JobRequest.maximumSyncFiles {
                throw JobRequestError("sync takes at most \(JobRequest.maximumSyncFiles) subtitle files, not \(sync.count)")
            }
            if request.dub != nil || request.embed == true {
                throw JobRequestError("sync moves existing subtitles; it cannot be combined with dub or embed")
            }
        }
    }

    // MARK: - Running

    /// Runs until the service group shuts down: starts queued jobs whenever a slot is free. The jobs run in this
    /// task's group; on shutdown it waits for them to record themselves as queued again.
    package func run() async throws {
        let requeued = try await store.requeueInterrupted()
        if requeued > 0 { logger.notice("jobs interrupted by the last stop are queued again", metadata: ["count": "\(requeued)"]) }
        await recheckQueued()
        await refreshGauges()
        await recordHeartbeat()
        wakeSignal.yield()
        heartbeatTask = Task { await self.beat() }
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
            if shuttingDown {
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
        case .cancelled: state = userCancelled.contains(job.id) ? .cancelled : .queued
        }
        do {
            if leaseLost.contains(id) {
                jobLogger.notice("the end of a job taken over by another node is not recorded")
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
        if state != .queued { metrics.record(report) }
        running[job.id] = nil
        userCancelled.remove(job.id)
        leaseLost.remove(job.id)
        if state != .queued { redone[job.id] = nil }
        await refreshGauges()
        if state == .done { await notifier.jobFinished(report, task: subtitleJob.options.task) }
        wakeSignal.yield()
    }

    /// The library job for a stored request: the service's defaults with the request's fields over them.
    /// Syncs the request's subtitle files onto `job`'s media in place (each path checked against the roots again now,
    /// every write confined to them), as the job layer's ``SyncRunner`` does for `subtitler sync --in-place`.
    static func sync(_ subtitles: [String], of job: SubtitleJob, paths: PathPolicy) async -> JobOutcome {
        var checked: [String] = []
        for path in subtitles {
            do {
                checked.append(try paths.file(path))
            } catch {
                return .failed(JobFailure(error.failureReason, path: error.path, message: error.description))
            }
        }
        var syncJob = SyncJob(media: job.input, subtitles: checked, destination: .replacingInput)
        syncJob.outputRoots = paths.roots
        return JobOutcome(report: await SyncRunner.run(syncJob).jobReport)
    }

    func makeJob(for job: ServiceJob) -> SubtitleJob {
        var result = defaults
        let request = job.request
        result.input = request.path
        result.options.task = request.task ?? .transcribe
        result.options.language = request.task == .translate ? nil : request.language.flatMap(WhisperLanguages.code(for:))
        if let formats = request.formats, !formats.isEmpty { result.formats = formats }
        if let karaoke = request.karaoke { result.options.keepsWordTimes = karaoke }
        if let naming = request.naming { result.naming = naming.applied(to: defaults.naming) }
        result.destination = .besideInput
        result.embedsSubtitles = request.embed ?? defaults.embedsSubtitles
        if job.origin.skipsSubtitledFiles { result.skipsIfSubtitled = true }
        return result
    }

    /// At start: every queued job is checked against the current roots (a job queued under a root that is gone fails
    /// now, with `outside-roots`), and the leftovers of writers killed by the last stop are removed from the folders
    /// of the jobs that remain (a muxed copy, a sidecar's temporary file).
    private func recheckQueued() async {
        let queued: [ServiceJob]
        do {
            queued = try await store.jobs(state: .queued, limit: .max)
        } catch {
            logger.error("the job store could not list the queued jobs", metadata: ["error": "\(error)"])
            return
        }
        var folders: Set<String> = []
        for job in queued {
            do {
                let path = try paths.file(job.request.path)
                folders.insert((path as NSString).deletingLastPathComponent)
            } catch {
                // A file that is merely missing fails when its turn comes, as before; one outside the roots fails now.
                guard error.failureReason == .outsideRoots else { continue }
                let failure = JobFailure(.outsideRoots, path: error.path, message: error.description)
                do {
                    try await store.finish(id: job.id, state: .failed, report: JobOutcome.failed(failure).report,
                                           error: failure.message)
                    logger.warning("queued job refused: its file is outside the roots now",
                                   metadata: ["job": "\(job.id)", "path": "\(error.path)"])
                } catch {
                    logger.error("the job store could not record a refused job", metadata: ["error": "\(error)"])
                }
            }
        }
        let cleaned = folders
        _ = try? await BlockingWork.run("clean") {
            for folder in cleaned { TemporaryFile.removeLeftovers(in: URL(fileURLWithPath: folder)) }
        }
    }

    private func shutDown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        wakeSignal.finish()
        for stop in running.values { stop.finish() }
    }

    private func refreshGauges() async {
        if let counts = try? await store.counts() { metrics.setJobs(counts) }
    }
}

/// A bad field in a jobs-API request (HTTP 400).
package struct JobRequestError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    package var message: String
    init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// Turns pipeline events into progress for the store: one snapshot per answered chunk, in order.
///
/// ``handle(_:)`` is called from the job's concurrent chunk tasks; it updates the figures and queues the snapshot
/// under one lock, so snapshots are queued in the order they were made. One task writes them, through
/// ``drain(_:)``: when it falls behind, only the newest waiting snapshot is kept, so what is written never goes
/// backwards.
struct ProgressRecorder: Sendable {
    private let state = NIOLockedValueBox(JobProgress(chunksDone: 0, chunks: 0, audioDoneMs: 0, audioMs: nil))
    private let snapshots: AsyncStream<JobProgress>
    private let queue: AsyncStream<JobProgress>.Continuation

    init() {
        (snapshots, queue) = AsyncStream.makeStream(of: JobProgress.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Takes in one of the job's events; queues a snapshot when the figures changed.
    func handle(_ event: JobEvent) {
        guard case .progress(_, let progress) = event else { return }
        state.withLockedValue { current in
            switch progress {
            case .started(_, let duration, let estimated):
                current.audioMs = duration
                current.chunks = max(current.chunks, estimated)
            case .chunkPlanned(let index, _, _, _):
                current.chunks = max(current.chunks, index + 1)
            case .planned(let chunks):
                current.chunks = chunks
                queue.yield(current)
            case .chunkDone(_, _, let audioDone):
                current.chunksDone += 1
                current.audioDoneMs = max(current.audioDoneMs, audioDone)
                queue.yield(current)
            case .chunkSent, .chunkRetried, .chunkFailed, .requestsInFlight:
                break
            }
        }
    }

    /// Ends the job's progress: ``drain(_:)`` returns once it has written what is queued.
    func finish() { queue.finish() }

    /// Writes the snapshots one at a time, in order, until ``finish()`` (or until the task is cancelled).
    func drain(_ write: (JobProgress) async -> Void) async {
        for await snapshot in snapshots { await write(snapshot) }
    }
}
