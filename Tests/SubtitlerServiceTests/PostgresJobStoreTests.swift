import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import Subtitler
import SubtitlerJobs
import SubtitlerSupport
import Testing
import TestSupport
@testable import SubtitlerService

/// What only a shared store does: leases, takeovers, the end recorded only by the lease holder, several nodes
/// claiming from one queue, migrations. Real PostgreSQL (the tests' private cluster), two stores (nodes) over one
/// database; lease time moves only through ``TestDate``.
@Suite(.enabled(if: PostgresCluster.isConfigured), .timeLimit(.minutes(3))) struct PostgresJobStoreTests {
    let logs = LogCapture()

    @Test func aJobWhoseLeaseExpiredIsTakenOverAndOnlyItsNewHolderRecordsTheEnd() async throws {
        let database = try await PostgresTestDatabase.make()
        let clock = TestDate()
        try await database.withStore(node: "a", leaseDuration: .seconds(30), now: clock.source, logger: logs.logger) { a in
            try await database.withStore(node: "b", leaseDuration: .seconds(30), now: clock.source, logger: self.logs.logger) { b in
                let job = try await a.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
                let claimed = try #require(try await a.claimNext())
                #expect(claimed.id == job.id && claimed.node == "a" && claimed.takeovers == 0)
                #expect(claimed.leaseExpiresAt == clock.now.addingTimeInterval(30))
                // A live lease is nobody else's: b finds nothing, even when a's heartbeat is late but not too late.
                #expect(try await b.claimNext() == nil)
                clock.advance(by: 20)
                #expect(try await a.renewLeases(of: [job.id]) == [job.id])
                clock.advance(by: 20)
                #expect(try await b.claimNext() == nil)
                // a stalls past its lease: b takes the job over.
                clock.advance(by: 31)
                let taken = try #require(try await b.claimNext())
                #expect(taken.id == job.id && taken.node == "b" && taken.takeovers == 1 && taken.state == .running)
                #expect(try await a.renewLeases(of: [job.id]).isEmpty)
                try await a.update(id: job.id, progress: JobProgress(chunksDone: 9, chunks: 9, audioDoneMs: 9, audioMs: 9))
                #expect(try await a.finish(id: job.id, state: .done, report: JobReport(input: "/m/a.mkv", status: .done),
                                           error: nil) == false)
                #expect(try await b.job(id: job.id)?.state == .running)
                #expect(try await b.job(id: job.id)?.progress == nil)
                #expect(try await b.finish(id: job.id, state: .done, report: JobReport(input: "/m/a.mkv", status: .done),
                                           error: nil))
                let ended = try #require(try await a.job(id: job.id))
                #expect(ended.state == .done && ended.node == "b" && ended.takeovers == 1 && ended.leaseExpiresAt == nil)
                #expect(self.logs.text.contains("job taken over: its node's lease expired"), "\(self.logs.text)")
            }
        }
    }

    @Test func aNodeWhoseHeartbeatIsOlderThanALeaseIsNoLongerListed() async throws {
        let database = try await PostgresTestDatabase.make()
        let clock = TestDate()
        try await database.withStore(node: "a", leaseDuration: .seconds(30), now: clock.source) { a in
            try await database.withStore(node: "b", leaseDuration: .seconds(30), now: clock.source) { b in
                try await a.recordHeartbeat(slots: 2, running: 0)
                try await b.recordHeartbeat(slots: 4, running: 3)
                #expect(try await a.liveNodes().map { [$0.id: $0.slots] } == [["a": 2], ["b": 4]])
                clock.advance(by: 20)
                try await b.recordHeartbeat(slots: 4, running: 1)
                clock.advance(by: 11)
                let live = try await a.liveNodes()
                #expect(live.map(\.id) == ["b"])
                #expect(live.first?.running == 1 && live.first?.startedAt == clock.now.addingTimeInterval(-31))
            }
        }
    }

    @Test func backfillThatWaitedLongEnoughGoesBeforeAFreshImport() async throws {
        let database = try await PostgresTestDatabase.make()
        let clock = TestDate()
        try await database.withStore(node: "a", now: clock.source) { store in
            let backfill = try await store.enqueue(JobRequest(path: "/m/w.mkv"), resolvedPath: "/m/w.mkv", origin: .watch).job
            // Four steps short of five: a fresh import (5) goes first.
            clock.advance(by: JobPriority.ageingStep * 5 - 1)
            let first = try await store.enqueue(JobRequest(path: "/m/s1.mkv"), resolvedPath: "/m/s1.mkv", origin: .sonarr).job
            #expect(try await store.claimNext()?.id == first.id)
            // Five steps: it ranks with a fresh import, and is older.
            clock.advance(by: 1)
            _ = try await store.enqueue(JobRequest(path: "/m/s2.mkv"), resolvedPath: "/m/s2.mkv", origin: .sonarr)
            #expect(try await store.claimNext()?.id == backfill.id)
        }
    }

    @Test func aCallerCancelledMidRunStillRecordsTheEndAndItsClientStops() async throws {
        let database = try await PostgresTestDatabase.make()
        let claimed = Gate()
        let task = Task {
            try await database.withStore(node: "a") { store in
                let job = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
                _ = try await store.claimNext()
                claimed.open()
                // The whole caller is cancelled (as a time limit does): the end is still recorded, and the client
                // it ran on still answers until the caller is done.
                withUnsafeCurrentTask { $0?.cancel() }
                let recorded = try await store.finish(id: job.id, state: .done,
                                                      report: JobReport(input: "/m/a.mkv", status: .done), error: nil)
                return (job.id, recorded)
            }
        }
        await claimed.wait()
        let (id, recorded) = try await task.value
        #expect(recorded)
        let state = try await database.withStore(node: "b") { store in try await store.job(id: id)?.state }
        #expect(state == .done)
    }

    @Test func aRestartedNodeRequeuesOnlyItsOwnJobs() async throws {
        let database = try await PostgresTestDatabase.make()
        try await database.withStore(node: "a") { a in
            try await database.withStore(node: "b") { b in
                let first = try await a.enqueue(JobRequest(path: "/m/1.mkv"), resolvedPath: "/m/1.mkv", origin: .api).job
                let second = try await a.enqueue(JobRequest(path: "/m/2.mkv"), resolvedPath: "/m/2.mkv", origin: .api).job
                #expect(try await a.claimNext()?.id == first.id)
                #expect(try await b.claimNext()?.id == second.id)
                #expect(try await a.requeueInterrupted() == 1)
                let requeued = try #require(try await a.job(id: first.id))
                #expect(requeued.state == .queued && requeued.node == nil && requeued.retries == 1)
                #expect(try await a.job(id: second.id)?.state == .running)
                // The job queued again is first in line.
                #expect(try await b.claimNext()?.id == first.id)
            }
        }
    }

    @Test func twoNodesClaimingAtOnceNeverTakeOneJobTwiceNorLoseOne() async throws {
        let database = try await PostgresTestDatabase.make()
        let count = 200
        try await database.withStore(node: "a") { a in
            try await database.withStore(node: "b") { b in
                var ids: Set<String> = []
                for index in 0..<count {
                    ids.insert(try await a.enqueue(JobRequest(path: "/m/\(index).mkv"), resolvedPath: "/m/\(index).mkv",
                                                   origin: .watch).job.id)
                }
                @Sendable func drain(_ store: PostgresJobStore) async throws -> [String] {
                    var taken: [String] = []
                    while let job = try await store.claimNext() { taken.append(job.id) }
                    return taken
                }
                async let byA = drain(a)
                async let byB = drain(b)
                let (takenA, takenB) = try await (byA, byB)
                #expect(takenA.count + takenB.count == count)
                #expect(Set(takenA).isDisjoint(with: takenB))
                #expect(Set(takenA).union(takenB) == ids)
                #expect(try await a.counts() == [.running: count])
            }
        }
    }

    @Test func migratingTwiceOrFromSeveralNodesAtOnceKeepsOneSchema() async throws {
        let database = try await PostgresTestDatabase.make()
        try await PostgresTestDatabase.withClient(database.location) { client in
            let stores = (0..<3).map { PostgresJobStore(client: client, node: "n\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores { group.addTask { try await store.migrate() } }
                try await group.waitForAll()
            }
            try await stores[0].migrate()
            var versions: [Int32] = []
            for try await version in try await client.query("SELECT version FROM subtitler_schema").decode(Int32.self) {
                versions.append(version)
            }
            #expect(versions == PostgresJobStore.migrations.map { Int32($0.version) })
        }
    }

    @Test func aDatabaseFromANewerSubtitlerIsRefusedWithOneLine() async throws {
        let database = try await PostgresTestDatabase.make()
        try await PostgresTestDatabase.withClient(database.location) { client in
            let store = PostgresJobStore(client: client, node: "a")
            try await store.migrate()
            try await client.query("INSERT INTO subtitler_schema (version) VALUES (99)")
            await #expect(throws: PostgresSchemaError.self) { try await store.migrate() }
            do {
                try await store.migrate()
            } catch {
                let known = PostgresJobStore.migrations.map(\.version).max() ?? 0
                #expect("\(error)" == "the database's schema is version 99; this subtitler knows versions up to \(known): run a newer subtitler")
            }
        }
    }

    @Test func chunkAnswersOneNodeStoredAreTheOtherNodesAndTheFirstAnswerStays() async throws {
        let database = try await PostgresTestDatabase.make()
        try await database.withStore(node: "a") { a in
            try await database.withStore(node: "b") { b in
                let key = String(repeating: "ab", count: 32)
                #expect(try await b.answer(forKey: key) == nil)
                try await a.store(answer: Data(#"{"text":"first"}"#.utf8), forKey: key)
                try await b.store(answer: Data(#"{"text":"second"}"#.utf8), forKey: key)
                #expect(try await b.answer(forKey: key) == Data(#"{"text":"first"}"#.utf8))
                #expect(try await a.answer(forKey: String(repeating: "cd", count: 32)) == nil)
            }
        }
    }

    @Test func chunkAnswersExpireAndTheHeartbeatSweepsThem() async throws {
        let date = TestDate()
        let database = try await PostgresTestDatabase.make()
        try await database.withStore(node: "a", answerAge: .seconds(86_400), now: date.source) { store in
            let (old, fresh) = (String(repeating: "0a", count: 32), String(repeating: "0b", count: 32))
            try await store.store(answer: Data(#"{"text":"old"}"#.utf8), forKey: old)
            date.advance(by: 43_200)
            try await store.store(answer: Data(#"{"text":"fresh"}"#.utf8), forKey: fresh)
            date.advance(by: 43_201)
            // A day after it was stored, an answer is no longer used, and the next heartbeat deletes it.
            #expect(try await store.answer(forKey: old) == nil)
            #expect(try await store.answer(forKey: fresh) == Data(#"{"text":"fresh"}"#.utf8))
            func stored() async throws -> Int64 {
                var count: Int64 = 0
                for try await rows in try await store.client.query("SELECT count(*) FROM chunk_answer").decode(Int64.self) {
                    count = rows
                }
                return count
            }
            #expect(try await stored() == 2)
            try await store.recordHeartbeat(slots: 1, running: 0)
            #expect(try await stored() == 1)
            // An expired key is answered again, and its new answer kept.
            try await store.store(answer: Data(#"{"text":"again"}"#.utf8), forKey: fresh)
            #expect(try await store.answer(forKey: fresh) == Data(#"{"text":"fresh"}"#.utf8))
            date.advance(by: 86_400)
            try await store.store(answer: Data(#"{"text":"again"}"#.utf8), forKey: fresh)
            #expect(try await store.answer(forKey: fresh) == Data(#"{"text":"again"}"#.utf8))
        }
    }

        @Test func anUnreadableRowIsMarkedFailedAndSkipped() async throws {
        let database = try await PostgresTestDatabase.make()
        try await database.withStore(node: "a", logger: logs.logger) { store in
            try await store.client.query("""
                INSERT INTO job (id, state, origin, path, claim, request, created_at, updated_at, outputs)
                VALUES ('bad', 'queued', 'api', '/m/x.mkv', '/m/x', '{"path": 5}', now(), now(), '[]')
                """)
            let good = try await store.enqueue(JobRequest(path: "/m/a.mkv"), resolvedPath: "/m/a.mkv", origin: .api).job
            #expect(try await store.claimNext()?.id == good.id)
            let bad = try #require(try await store.job(id: "bad"))
            #expect(bad.state == .failed)
            #expect(bad.error == "the stored job cannot be read (its request does not decode); submit it again")
            #expect(self.logs.text.contains("a stored job cannot be read; marked failed"), "\(self.logs.text)")
        }
    }
}

/// `--store` and `SUBTITLER_STORE_URL`: what is accepted, and that no message shows the password.
@Suite struct StoreLocationTests {
    @Test func aPostgresURLIsReadWithItsParts() throws {
        let location = try StoreLocation(parsing: "postgres://sub:s3cr%40t@db.example:6543/jobs?sslmode=require")
        guard case .postgres(let postgres) = location else { Issue.record("not postgres: \(location)"); return }
        #expect(postgres == PostgresLocation(host: "db.example", port: 6543, user: "sub", password: "s3cr@t",
                                             database: "jobs", tls: .require))
        #expect("\(location)" == "postgres://sub@db.example:6543/jobs?sslmode=require")
        #expect(try StoreLocation(parsing: "postgresql://sub@10.0.0.5/jobs") == .postgres(
            PostgresLocation(host: "10.0.0.5", user: "sub", database: "jobs")))
        #expect(try StoreLocation(parsing: "sqlite") == .sqlite)
    }

    @Test(arguments: [
        ("mysql://u:hunter2@h/db", "--store mysql://u:***@h/db: the scheme must be postgres (expected sqlite or postgres://user@host:port/database)"),
        ("postgres://u:hunter2@h", "--store postgres://u:***@h: the URL names no database (expected sqlite or postgres://user@host:port/database)"),
        ("postgres://h/db", "--store postgres://h/db: the URL names no user (expected sqlite or postgres://user@host:port/database)"),
        ("postgres://u:hunter2@h:70000/db", "--store postgres://u:***@h:70000/db: the port must be between 1 and 65535 (expected sqlite or postgres://user@host:port/database)"),
        ("postgres://u:hunter2@h/db?sslmode=maybe", "--store postgres://u:***@h/db?sslmode=maybe: sslmode must be disable, prefer or require (expected sqlite or postgres://user@host:port/database)"),
        ("/var/lib/jobs.sqlite", "--store /var/lib/jobs.sqlite: the scheme must be postgres (expected sqlite or postgres://user@host:port/database)"),
    ])
    func aBadStoreIsOneLineWithoutThePassword(text: String, message: String) {
        #expect(throws: SettingProblem("store", message)) { try StoreLocation(parsing: text) }
    }
}
