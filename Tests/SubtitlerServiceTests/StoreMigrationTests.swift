import Foundation
import Logging
import SubtitlerJobs
import Testing
import TestSupport
@testable import SubtitlerService

/// `subtitler store migrate`: a real SQLite store (a file, as the service keeps it) copied into a fresh database on
/// the tests' private PostgreSQL cluster, through the library and through the built binary.
@Suite(.enabled(if: PostgresCluster.isConfigured), .timeLimit(.minutes(3)))
struct StoreMigrationTests {
    let logs = LogCapture()

    /// A SQLite store in `folder` with jobs in every state; their ids, in creation order.
    static func makeSource(in folder: URL, logger: Logger) async throws -> [String] {
        let store = try JobStore(directory: folder, logger: logger)
        var ids: [String] = []
        for (name, origin, priority) in [("done", JobOrigin.sonarr, nil), ("failed", .api, 7), ("waiting", .watch, 9),
                                         ("running", .api, nil), ("cancelled", .api, nil), ("queued", .watch, 2)] {
            let created = try await store.enqueue(JobRequest(path: "/media/./\(name).mkv", language: "en", priority: priority),
                                                  resolvedPath: "/media/\(name).mkv", origin: origin)
            ids.append(created.job.id)
        }
        // The first four are claimed (highest priority first) and end as their names say; the fifth is cancelled
        // while queued, the sixth stays queued.
        var report = JobReport(input: "/media/done.mkv", status: .done)
        report.outputs = ["/media/done.en.srt"]
        var pending = Set(ids.prefix(4))
        while !pending.isEmpty, let job = try await store.claimNext() {
            pending.remove(job.id)
            switch job.id {
            case ids[0]:
                try await store.finish(id: job.id, state: .done, report: report, error: nil)
                try await store.storeReview(id: job.id, document: Data(#"{"cues":[]}"#.utf8))
            case ids[1]: try await store.finish(id: job.id, state: .failed, report: nil, error: "the file has no audio")
            case ids[2]: try await store.wait(id: job.id, reason: .budget)
            default:
                try await store.update(id: job.id, progress: JobProgress(chunksDone: 1, chunks: 3, audioDoneMs: 600, audioMs: 1800))
            }
        }
        _ = try await store.cancelIfQueued(id: ids[4])
        return ids
    }

    @Test func everyJobIsCopiedOnceWithItsStateAndHistoryAndARunTwiceCopiesNothing() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let ids = try await Self.makeSource(in: scratch.url, logger: logs.logger)
        let source = try await JobStore(directory: scratch.url, logger: logs.logger).jobs()
        #expect(source.map(\.state) == [.done, .failed, .waiting, .running, .cancelled, .queued])
        let database = try await PostgresTestDatabase.make()

        let first = try await StoreMigration.copy(from: scratch.url.appendingPathComponent("service.sqlite"),
                                                  to: database.location, logger: logs.logger)
        #expect(first == StoreMigration.Report(copied: 6, alreadyThere: 0, requeued: 1, reviews: 1))
        let second = try await StoreMigration.copy(from: scratch.url, to: database.location, logger: logs.logger)
        #expect(second == StoreMigration.Report(copied: 0, alreadyThere: 6, requeued: 0, reviews: 0))

        try await database.withStore(node: "n", logger: logs.logger) { store in
            let copied = try await store.jobs()
            #expect(copied.map(\.id) == ids)
            #expect(copied.map(\.state) == [.done, .failed, .waiting, .queued, .cancelled, .queued])
            for (before, after) in zip(source, copied) {
                #expect(after.request == before.request && after.origin == before.origin && after.priority == before.priority)
                #expect(abs(after.createdAt.timeIntervalSince(before.createdAt)) < 0.001)
                #expect(after.outputs == before.outputs && after.error == before.error && after.report == before.report)
                #expect(after.progress == before.progress && after.waitReason == before.waitReason)
            }
            #expect(copied[0].outputs == ["/media/done.en.srt"] && copied[1].error == "the file has no audio")
            #expect(copied[2].waitReason == .budget && copied[5].priority == 2)
            #expect(try await store.review(id: ids[0]) == Data(#"{"cues":[]}"#.utf8))
            // The copied queue is the store's: a request for a queued file is its job, and the claims keep the order.
            let again = try await store.enqueue(JobRequest(path: "/media/queued.mkv", language: "en", priority: 2),
                                                resolvedPath: "/media/queued.mkv", origin: .watch)
            #expect(!again.created && again.job.id == ids[5])
            #expect(try await store.claimNext()?.id == ids[3])
        }
    }

    @Test func aTargetHoldingAnotherQueueIsRefusedUnlessMerged() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        _ = try await Self.makeSource(in: scratch.url, logger: logs.logger)
        let database = try await PostgresTestDatabase.make()
        try await database.withStore(node: "n", logger: logs.logger) { store in
            _ = try await store.enqueue(JobRequest(path: "/other/x.mkv"), resolvedPath: "/other/x.mkv", origin: .api)
        }
        let refusal = await #expect(throws: StoreMigrationError.self) {
            try await StoreMigration.copy(from: scratch.url, to: database.location, logger: logs.logger)
        }
        #expect(refusal?.kind == .targetHoldsOtherJobs)
        #expect(refusal?.message == "\(database.location) already holds 1 job that "
                + "\(scratch.url.appendingPathComponent("service.sqlite").path) does not have; merge the two queues only if that is meant")
        try await database.withStore(node: "n", logger: logs.logger) { (store: PostgresJobStore) async throws in #expect(try await store.jobs().count == 1) }
        let merged = try await StoreMigration.copy(from: scratch.url, to: database.location, merging: true, logger: logs.logger)
        #expect(merged.copied == 6)
        try await database.withStore(node: "n", logger: logs.logger) { (store: PostgresJobStore) async throws in #expect(try await store.jobs().count == 7) }
    }

    @Test func theCommandCopiesAndSaysWhatItDidAndABadSourceIsOneLine() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let state = scratch.url.appendingPathComponent("state")
        _ = try await Self.makeSource(in: state, logger: logs.logger)
        let database = try await PostgresTestDatabase.make()
        let location = database.location
        let url = "postgres://\(location.user)@\(location.host):\(location.port)/\(location.database)?sslmode=disable"
        func migrate(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
            try await OwnThread.run {
                let process = Process()
                process.executableURL = try ServiceProcess.binary("subtitler")
                process.arguments = ["store", "migrate"] + arguments
                process.environment = ServiceProcess.environment([:], scratch: scratch)
                let (out, err) = (Pipe(), Pipe())
                process.standardOutput = out
                process.standardError = err
                try process.run()
                let output = out.fileHandleForReading.readDataToEndOfFile()
                let errors = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
            }
        }
        let copied = try await migrate(["--from", state.path, "--to", url])
        #expect(copied.status == 0, "\(copied.err)")
        #expect(copied.out == "copied 6 jobs (1 queued again, 1 review page) to \(location); 0 already there\n")
        let again = try await migrate(["--from", state.path, "--to", url])
        #expect(again.status == 0 && again.out.hasSuffix("; 6 already there\n"), "\(again)")
        let missing = scratch.url.appendingPathComponent("nothing.sqlite").path
        let bad = try await migrate(["--from", missing, "--to", url])
        #expect(bad.status == 1 && bad.out.isEmpty)
        #expect(bad.err == "subtitler store migrate: \(missing): no such file\n")
        let notStore = scratch.url.appendingPathComponent("notes.txt")
        try Data("not a database, just text that is long enough to be a page of one".utf8).write(to: notStore)
        let unreadable = try await migrate(["--from", notStore.path, "--to", url])
        #expect(unreadable.status == 1 && unreadable.err.hasPrefix("subtitler store migrate: \(notStore.path): not a subtitler job store"),
                "\(unreadable)")
        #expect(unreadable.err.split(separator: "\n").count == 1)
        let noTarget = try await migrate(["--from", state.path])
        #expect(noTarget.status == 2 && noTarget.err == "subtitler store migrate: give the PostgreSQL store with --to or SUBTITLER_STORE_URL\n")
    }
}
