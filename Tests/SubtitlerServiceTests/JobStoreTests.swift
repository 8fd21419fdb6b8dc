import Foundation
import GRDB
import Logging
import Subtitler
import SubtitlerJobs
import Subtitles
import Testing
import TestSupport
@testable import SubtitlerService

/// The job stores' common behaviour, each test run against both stores (``StoreKind``): SQLite over an in-memory
/// `DatabaseQueue()`, and PostgreSQL in a fresh database on the tests' private cluster. The tests of rows the SQLite
/// store cannot read, and of its file in a directory (reopened, private permissions), are SQLite's alone.
@Suite(.timeLimit(.minutes(3))) struct JobStoreTests {
    let logs = LogCapture()
    func store() throws -> JobStore { try JobStore(database: DatabaseQueue(), logger: logs.logger) }

    @Test(arguments: StoreKind.available) func enqueueDeduplicatesOnlyEqualActiveRequestsForTheSameFile(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            let first = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api)
            #expect(first.created && first.job.state == .queued && first.job.origin == .api)
            let again = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .sonarr)
            #expect(!again.created && again.job.id == first.job.id && again.job.origin == .api)
            let other = try await store.enqueue(JobRequest(path: "/m/a.mkv", task: .translate), resolvedPath: "/m/a.mkv", origin: .api)
            #expect(other.created && other.job.id != first.job.id)
            let elsewhere = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/n/a.mkv", origin: .api)
            #expect(elsewhere.created)
            // Still equal while running; once it ended, the same request is a new job.
            _ = try await store.claimNext()
            #expect(try await !store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).created)
            try await store.finish(id: first.job.id, state: .done, report: JobReport(input: "/m/a.mkv", status: .done), error: nil)
            #expect(try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).created)
        }
    }

    @Test(arguments: StoreKind.available) func aNodeIsListedWithItsSlotsOnceItsHeartbeatIsRecorded(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            #expect(try await store.liveNodes().isEmpty)
            try await store.recordHeartbeat(slots: 2, running: 0)
            try await store.recordHeartbeat(slots: 2, running: 1)
            let nodes = try await store.liveNodes()
            #expect(nodes.map(\.id) == [store.node])
            #expect(nodes.first?.slots == 2 && nodes.first?.running == 1)
            #expect(nodes.first.map { $0.startedAt <= $0.lastSeenAt } == true)
        }
    }

    @Test(arguments: StoreKind.available) func claimTakesTheHighestPriorityFirstAndFIFOWithinOne(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            func enqueue(_ name: String, _ origin: JobOrigin, priority: Int? = nil) async throws -> ServiceJob {
                try await store.enqueue(JobRequest(path: "/m/\(name).mkv", priority: priority), resolvedPath: "/m/\(name).mkv",
                                        origin: origin).job
            }
            let backfill1 = try await enqueue("w1", .watch)
            let import1 = try await enqueue("s1", .sonarr)
            let backfill2 = try await enqueue("w2", .watch)
            let urgent = try await enqueue("p", .api, priority: 9)
            let person = try await enqueue("a1", .api)
            let low = try await enqueue("l", .radarr, priority: 1)
            #expect([backfill1, import1, urgent, low].map(\.priority) == [0, 5, 9, 1])
            var claimed: [String] = []
            while let job = try await store.claimNext() { claimed.append(job.id) }
            #expect(claimed == [urgent, import1, person, low, backfill1, backfill2].map(\.id))
            #expect(try await store.job(id: urgent.id)?.priority == 9)
        }
    }

    @Test func aQueuedJobGainsAStepForEachAgeingStepItWaited() {
        #expect(JobPriority.rank(priority: 0, waited: 0) == 0)
        #expect(JobPriority.rank(priority: 0, waited: JobPriority.ageingStep * 5 - 1) == 4)
        #expect(JobPriority.rank(priority: 0, waited: JobPriority.ageingStep * 5) == 5)
        #expect(JobPriority.rank(priority: 9, waited: -30) == 9)
        #expect(JobPriority.of(JobRequest(path: "/m/a.mkv"), origin: .watch) == 0)
        #expect(JobPriority.of(JobRequest(path: "/m/a.mkv"), origin: .sonarr) == 5)
        #expect(JobPriority.of(JobRequest(path: "/m/a.mkv", priority: 2), origin: .api) == 2)
    }

    @Test(arguments: StoreKind.available) func claimTakesTheOldestQueuedJobOnce(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            let a = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
            let b = try await store.enqueue(JobRequest(path: "/m/b.mkv"), resolvedPath: "/m/b.mkv", origin: .watch).job
            let first = try #require(try await store.claimNext())
            #expect(first.id == a.id && first.state == .running)
            #expect(try await store.job(id: a.id)?.state == .running)
            #expect(try await store.claimNext()?.id == b.id)
            #expect(try await store.claimNext() == nil)
            #expect(try await store.counts() == [.running: 2])
        }
    }

    @Test(arguments: StoreKind.available) func aJobWhoseOutputsARunningJobHoldsWaitsUntilThatJobEnds(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            let srt = try await store.enqueue(JobRequest(path: "/m/d1.mp4"), resolvedPath: "/m/d1.mp4", origin: .api).job
            let both = try await store.enqueue(JobRequest(path: "/m/d1.mp4", formats: [.srt, .vtt]), resolvedPath: "/m/d1.mp4",
                                               origin: .api).job
            let sibling = try await store.enqueue(JobRequest(path: "/m/d1.mkv"), resolvedPath: "/m/d1.mkv", origin: .api).job
            let other = try await store.enqueue(JobRequest(path: "/m/d2.mp4"), resolvedPath: "/m/d2.mp4", origin: .api).job
            #expect(try await store.claimNext()?.id == srt.id)
            // The second request for d1.mp4 and d1.mkv (same sidecar names) wait; d2 does not.
            #expect(try await store.claimNext()?.id == other.id)
            #expect(try await store.claimNext() == nil)
            try await store.finish(id: srt.id, state: .done, report: JobReport(input: "/m/d1.mp4", status: .done), error: nil)
            #expect(try await store.claimNext()?.id == both.id)
            #expect(try await store.claimNext() == nil)
            try await store.finish(id: both.id, state: .failed, report: nil, error: "x")
            #expect(try await store.claimNext()?.id == sibling.id)
        }
    }

    @Test(arguments: StoreKind.available) func progressIsRecordedOnlyForARunningJob(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            let job = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
            let progress = JobProgress(chunksDone: 1, chunks: 3, audioDoneMs: 300_000, audioMs: 900_000)
            try await store.update(id: job.id, progress: progress)
            #expect(try await store.job(id: job.id)?.progress == nil)
            _ = try await store.claimNext()
            try await store.update(id: job.id, progress: progress)
            #expect(try await store.job(id: job.id)?.progress == progress)
        }
    }

    @Test(arguments: StoreKind.available) func finishRecordsTheReportAndOutputsOnlyForDone(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            let a = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
            let b = try await store.enqueue(JobRequest(path: "/m/b.mkv"), resolvedPath: "/m/b.mkv", origin: .api).job
            var done = JobReport(input: "/m/a.mkv", status: .done)
            done.outputs = ["/m/a.en.srt"]
            try await store.finish(id: a.id, state: .done, report: done, error: nil)
            var failed = JobReport(input: "/m/b.mkv", status: .failed)
            failed.outputs = ["/m/b.en.srt"]
            failed.failure = JobFailure(.pipeline, path: "/m/b.mkv", message: "the backend said no")
            try await store.finish(id: b.id, state: .failed, report: failed, error: failed.error)
            let finishedA = try #require(try await store.job(id: a.id))
            #expect(finishedA.state == .done && finishedA.outputs == ["/m/a.en.srt"] && finishedA.report == done)
            let finishedB = try #require(try await store.job(id: b.id))
            #expect(finishedB.state == .failed && finishedB.outputs.isEmpty && finishedB.error == "the backend said no")
            #expect(try await store.counts() == [.done: 1, .failed: 1])
        }
    }

    @Test(arguments: StoreKind.available) func finishIsRecordedEvenFromACancelledTask(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            let job = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
            _ = try await store.claimNext()
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await store.finish(id: job.id, state: .queued, report: nil, error: nil)
            }
            try await task.value
            #expect(try await store.job(id: job.id)?.state == .queued)
        }
    }

    @Test(arguments: StoreKind.available) func cancelStopsOnlyAQueuedJob(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            let a = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
            let b = try await store.enqueue(JobRequest(path: "/m/b.mkv"), resolvedPath: "/m/b.mkv", origin: .api).job
            _ = try await store.claimNext()
            #expect(try await store.cancelIfQueued(id: a.id)?.state == .running)   // its runner marks it
            let cancelled = try #require(try await store.cancelIfQueued(id: b.id))
            #expect(cancelled.state == .cancelled && cancelled.error == "cancelled before it started")
            #expect(try await store.job(id: b.id)?.state == .cancelled)
            #expect(try await store.cancelIfQueued(id: "nope") == nil)
            #expect(try await store.claimNext() == nil)
        }
    }

    @Test(arguments: StoreKind.available) func aRestartQueuesRunningJobsAgainFirstInLine(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            let a = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
            let b = try await store.enqueue(JobRequest(path: "/m/b.mkv"), resolvedPath: "/m/b.mkv", origin: .api).job
            _ = try await store.claimNext()
            try await store.update(id: a.id, progress: JobProgress(chunksDone: 1, chunks: 3, audioDoneMs: 1, audioMs: 3))
            #expect(try await store.requeueInterrupted() == 1)
            #expect(try await store.requeueInterrupted() == 0)
            #expect(try await store.jobs(state: .queued).map(\.id) == [a.id, b.id])
            #expect(try await store.job(id: a.id)?.progress?.chunksDone == 1)   // kept for the next run's figures
            #expect(try await store.claimNext()?.id == a.id)
        }
    }

    @Test(arguments: StoreKind.available) func listsAreInCreationOrderFilteredAndLimited(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            var ids: [String] = []
            for name in ["a", "b", "c", "d"] {
                ids.append(try await store.enqueue(JobRequest(path: "/m/\(name).mkv"), resolvedPath: "/m/\(name).mkv", origin: .api).job.id)
            }
            _ = try await store.cancelIfQueued(id: ids[1])
            #expect(try await store.jobs().map(\.id) == ids)
            #expect(try await store.jobs(limit: 2).map(\.id) == Array(ids.prefix(2)))
            #expect(try await store.jobs(state: .cancelled).map(\.id) == [ids[1]])
            #expect(try await store.jobs(state: .done).isEmpty)
            #expect(try await store.counts() == [.queued: 3, .cancelled: 1])
        }
    }

    @Test(arguments: StoreKind.available) func reviewDocumentsAreKeptByJob(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { store in
            #expect(try await store.review(id: "a") == nil)
            try await store.storeReview(id: "a", document: Data("one".utf8))
            try await store.storeReview(id: "a", document: Data("two".utf8))
            #expect(try await store.review(id: "a") == Data("two".utf8))
        }
    }

    // MARK: - Rows it cannot read (issue 22 item 7)

    /// Inserts a row the way an older or damaged database could hold it.
    func insertRaw(_ store: JobStore, id: String, state: String = "queued", origin: String = "api",
                   request: String = #"{"path":"/m/x.mkv"}"#) async throws {
        try await store.database.write { db in
            try db.execute(sql: """
                INSERT INTO job (id, state, origin, path, request, createdAt, updatedAt, outputs)
                VALUES (?, ?, ?, '/m/x.mkv', ?, '2024-05-01 10:00:00.000', '2024-05-01 10:00:00.000', '[]')
                """, arguments: [id, state, origin, request])
        }
    }

    @Test func aRowWhoseRequestCannotBeDecodedIsMarkedFailedAndSkipped() async throws {
        let store = try store()
        try await insertRaw(store, id: "bad", request: #"{"path": 5}"#)
        let good = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
        #expect(try await store.claimNext()?.id == good.id)
        let bad = try #require(try await store.job(id: "bad"))
        #expect(bad.state == .failed)
        #expect(bad.error?.contains("request does not decode") == true, "\(bad.error ?? "")")
        #expect(try await store.jobs().map(\.id) == ["bad", good.id])
        #expect(try await store.counts()[.failed] == 1)
        #expect(logs.text.contains("a stored job cannot be read; marked failed"), "\(logs.text)")
    }

    @Test func aListingMarksAnUnreadableQueuedRowFailed() async throws {
        let store = try store()
        try await insertRaw(store, id: "bad", request: #"{"path": 5}"#)
        #expect(try await store.jobs().map(\.state) == [.failed])
        #expect(try await store.counts() == [.failed: 1])
        #expect(try await store.claimNext() == nil)
    }

    @Test func anUnknownStateOrOriginIsAnErrorNeverFailed() async throws {
        let store = try store()
        try await insertRaw(store, id: "odd-state", state: "paused")
        try await insertRaw(store, id: "odd-origin", origin: "ftp")
        await #expect(throws: JobStoreError.unknownState(id: "odd-state", value: "paused")) { try await store.job(id: "odd-state") }
        await #expect(throws: JobStoreError.unknownOrigin(id: "odd-origin", value: "ftp")) { try await store.job(id: "odd-origin") }
        // A list leaves them out (logged) rather than fail or show them as something they are not.
        #expect(try await store.jobs().isEmpty)
        #expect(try await store.counts() == [.queued: 1])
        #expect(logs.text.contains("unknown stored state 'paused'"), "\(logs.text)")
        #expect(logs.text.contains("unknown stored origin 'ftp'"), "\(logs.text)")
        #expect(logs.text.contains("unknown state"), "\(logs.text)")
    }

    @Test func rowsInTheFormatTheUntypedStoreWroteReadTheSame() async throws {
        let store = try store()
        // Text states and origins, JSON requests and reports, GRDB's date text: what the store wrote before its
        // columns were typed.
        try await store.database.write { db in
            try db.execute(sql: """
                INSERT INTO job (id, state, origin, path, request, createdAt, updatedAt, progress, outputs, skipReason, error, report)
                VALUES ('old', 'done', 'sonarr', '/m/a.mkv', '{"path":"/data/a.mkv","language":"de","formats":["srt","vtt"]}',
                        '2024-05-01 10:00:00.000', '2024-05-01 10:05:00.000',
                        '{"chunksDone":2,"chunks":2,"audioDoneMs":20000,"audioMs":20000}', '["/m/a.de.srt"]', NULL, NULL,
                        '{"input":"/m/a.mkv","status":"done","outputs":["/m/a.de.srt"]}')
                """)
        }
        let job = try #require(try await store.job(id: "old"))
        #expect(job.state == .done && job.origin == .sonarr)
        #expect(job.request == JobRequest(path: "/data/a.mkv", language: "de", formats: [.srt, .vtt]))
        #expect(job.outputs == ["/m/a.de.srt"])
        #expect(job.progress?.chunksDone == 2)
        #expect(job.report?.status == .done)
        #expect(job.createdAt == Date(timeIntervalSince1970: 1_714_557_600))
    }

    @Test func theFileInADirectorySurvivesReopeningWithPrivatePermissions() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let id: String
        do {
            let store = try JobStore(directory: scratch.url)
            id = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job.id
            _ = try await store.claimNext()
            try await store.update(id: id, progress: JobProgress(chunksDone: 1, chunks: 3, audioDoneMs: 300_000, audioMs: 900_000))
        }
        let reopened = try JobStore(directory: scratch.url)
        #expect(try await reopened.job(id: id)?.progress?.chunksDone == 1)
        #expect(try await reopened.requeueInterrupted() == 1)
        #expect(try await reopened.claimNext()?.id == id)
        #expect(try MultipartTests.permissions(scratch.url.path) == 0o700)
        let url = try #require(reopened.url)
        #expect(try MultipartTests.permissions(url.path) & 0o077 == 0)
    }
}

/// A logger whose lines the test can read.
final class LogCapture: Sendable {
    private let lines = LockedLines()

    var logger: Logger {
        let lines = self.lines
        return Logger(label: "test") { _ in CapturingHandler(lines: lines) }
    }

    var text: String { lines.text }

    final class LockedLines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var text: String { lock.withLock { lines.joined(separator: "\n") } }
    }

    struct CapturingHandler: LogHandler {
        let lines: LockedLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            lines.append("\(event.level) \(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }
}
