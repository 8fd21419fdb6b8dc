import Foundation
import SubtitlerJobs

/// Where the service keeps its jobs: the queue, each job's state, progress and report, and the review documents.
///
/// Two stores implement it and pass one test suite: ``JobStore`` (SQLite, the default: one node) and
/// ``PostgresJobStore`` (PostgreSQL: several nodes share one queue). Every call is async and takes and returns
/// value types only; every state change is committed before the call returns. A store never holds an API key or any
/// other credential.
///
/// Jobs are leased to the node that runs them: ``claimNext()`` hands a job to this store's node, ``renewLeases(of:)``
/// keeps its lease while it runs, and ``finish(id:state:report:error:)`` records the end only while the node holds
/// the lease, so a node that lost its lease (it stalled, and another node took the job over) never overwrites the
/// result. The SQLite store is one node: its leases never expire.
///
/// A store also keeps the figures behind the cluster's limits (``RequestLimitStoring``), and jobs held by them wait
/// (state `waiting`, with a ``ServiceJob/WaitReason``) until ``resumeWaiting(reason:)`` queues them again.
package protocol JobStoring: RequestLimitStoring {
    /// The node this store claims jobs for (its id, as jobs and `GET /v1/nodes` show it).
    var node: String { get }

    /// Adds a queued job, unless an equal request for the same file is already queued, waiting or running: then that
    /// job.
    /// `resolvedPath` is the file's canonical path (the caller resolves it).
    /// - Returns: the job, and whether it was created now.
    func enqueue(_ request: JobRequest, resolvedPath: String, origin: ServiceJob.Origin) async throws
        -> (job: ServiceJob, created: Bool)

    /// Raises every queued job for the file at `resolvedPath` (canonical) to `priority` when it is lower (a playback
    /// start: one job per file, so the file's job moves up rather than a second one being made).
    /// - Returns: the file's queued and running jobs as they are now, in creation order; empty when it has none.
    func raisePriority(ofJobsFor resolvedPath: String, to priority: Int) async throws -> [ServiceJob]

    /// Takes the next queued job whose outputs no running job holds (or a running job whose lease expired: a
    /// takeover), leases it to this node and marks it running; nil when there is none.
    func claimNext() async throws -> ServiceJob?

    /// Puts the jobs this node was running when it stopped or was killed back in the queue; returns how many.
    @discardableResult
    func requeueInterrupted() async throws -> Int

    /// Extends this node's leases of the jobs `ids` (the heartbeat of running jobs).
    /// - Returns: the ids among them whose lease this node still holds; a job missing from it was taken over.
    func renewLeases(of ids: [String]) async throws -> Set<String>

    /// Holds this node's running job `id` (stopped by a limit) as `waiting` for `reason`, giving up its lease.
    /// - Returns: whether it was recorded: false when this node no longer holds the job's lease.
    @discardableResult
    func wait(id: String, reason: ServiceJob.WaitReason) async throws -> Bool

    /// Holds every queued job as `waiting` for `reason` (the budget is spent); returns how many.
    @discardableResult
    func holdQueued(reason: ServiceJob.WaitReason) async throws -> Int

    /// Queues again every job waiting for `reason`, keeping their places; returns how many.
    @discardableResult
    func resumeWaiting(reason: ServiceJob.WaitReason) async throws -> Int

    /// Records a running job's progress (only while this node holds its lease).
    func update(id: String, progress: JobProgress) async throws

    /// Records how a job ended, even when the calling task is cancelled; a job queued again gives up its lease.
    /// - Returns: whether it was recorded: false when this node no longer holds the job's lease.
    @discardableResult
    func finish(id: String, state: ServiceJob.State, report: JobReport?, error: String?) async throws -> Bool

    /// Cancels a queued or waiting job at once; a running one is only marked by its runner. Returns the job as it is
    /// now.
    func cancelIfQueued(id: String) async throws -> ServiceJob?

    /// The job with this id.
    func job(id: String) async throws -> ServiceJob?

    /// Jobs in creation order (or newest first), optionally only those in `state` and only those created before the
    /// job `before`; at most `limit`.
    func listJobs(state: ServiceJob.State?, limit: Int, newestFirst: Bool, before: String?) async throws -> [ServiceJob]

    /// How many jobs are in each state.
    func counts() async throws -> [ServiceJob.State: Int]

    /// Records this node's heartbeat: its slots and how many jobs it runs now (what `GET /v1/nodes` shows).
    func recordHeartbeat(slots: Int, running: Int) async throws

    /// The live nodes (each heartbeat within a lease), by id.
    func liveNodes() async throws -> [ServiceNode]

    /// Keeps the review document of a finished job (JSON), even when the calling task is cancelled.
    func storeReview(id: String, document: Data) async throws

    /// The review document of a finished job, if it has one.
    func review(id: String) async throws -> Data?
}

extension JobStoring {
    /// Jobs in creation order, at most 1,000 (see ``listJobs(state:limit:newestFirst:before:)``).
    package func jobs(state: ServiceJob.State? = nil, limit: Int = 1_000, newestFirst: Bool = false,
                      before: String? = nil) async throws -> [ServiceJob] {
        try await listJobs(state: state, limit: limit, newestFirst: newestFirst, before: before)
    }
}
