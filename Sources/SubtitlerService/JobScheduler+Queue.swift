import Foundation
import Logging
import SubtitlerJobs
import SubtitlerSupport

// The queue's upkeep: the check of queued jobs at start, and the spending budget's hold on the queue.
extension JobScheduler {
    /// At start: every queued job is checked against the current roots (a job queued under a root that is gone fails
    /// now, with `outside-roots`), and the leftovers of writers killed by the last stop are removed from the folders
    /// of the jobs that remain (a muxed copy, a sidecar's temporary file).
    func recheckQueued() async {
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

    /// Whether the spending budget holds the queue. While its period's budget is spent, queued jobs wait (reason
    /// `budget`) and none is claimed; once it is not (the period rolled over, the budget was raised), the jobs that
    /// waited for it are queued again, in their places. A store that cannot say holds nothing (logged).
    func budgetHoldsTheQueue() async -> Bool {
        guard let budget = governor?.limits.budget else { return false }
        do {
            if try await store.limitUsage(budget: budget).budgetSpent {
                let held = try await store.holdQueued(reason: .budget)
                if held > 0 {
                    logger.notice("the spending budget is spent: queued jobs wait", metadata: ["count": "\(held)", "budget": "\(budget)"])
                    await refreshGauges()
                }
                return true
            }
            let resumed = try await store.resumeWaiting(reason: .budget)
            if resumed > 0 {
                logger.notice("the spending budget allows work again: waiting jobs are queued", metadata: ["count": "\(resumed)"])
                await refreshGauges()
            }
        } catch {
            logger.error("the job store could not check the spending budget", metadata: ["error": "\(error)"])
        }
        return false
    }
}
