import Foundation
import NIOConcurrencyHelpers
import Subtitler
import SubtitlerJobs

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
