import Foundation
import MediaAudio
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// Blocking work runs on the pools made for it, so other tasks keep running while jobs decode, and short work
/// never queues behind media work.
struct BlockingWorkTests {
    @Test(.timeLimit(.minutes(6))) func aTickingTaskKeepsRunningWhileSeveralJobsBlock() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 20)
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        // The watchdog is only the hang guard: in the whole suite other suites' CPU-bound tests share the cooperative
        // threads, so the ticks may take a minute or more without any job blocking them.
        let gate = ThreadGate(watchdogSeconds: 240)
        defer { gate.open() }

        // More jobs than the cooperative pool has threads: if their blocking work ran there, nothing else could.
        let cooperativeThreads = ProcessInfo.processInfo.activeProcessorCount
        let jobCount = cooperativeThreads + 2
        // The jobs' media work runs on a pool of the test's own, which holds every piece at the gate.
        let media = BlockingPool(threads: jobCount) { _ in gate.pass() }
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test", maxRetries: 0)
        configuration.requestTimeout = .seconds(30)
        var subtitler = Subtitler(client: OpenAIAudioClient(configuration: configuration), cache: nil)
        subtitler.mediaPool = media
        let runner = JobRunner(
            subtitler: subtitler, languageMemory: LanguageMemory(directory: scratch.url.appendingPathComponent("state")))
        let jobs = Task {
            await withTaskGroup(of: JobReport.self) { group in
                for index in 0..<jobCount {
                    var job = SubtitleJob(input: input)
                    job.options.language = "en"
                    job.destination = .file(scratch.path("out-\(index).srt"))
                    group.addTask { await runner.run(job).report }
                }
                var reports: [JobReport] = []
                for await report in group { reports.append(report) }
                return reports
            }
        }
        // Wait (off the cooperative pool) until as many jobs are blocked inside blocking work as the cooperative pool
        // has threads: had that work run on the cooperative pool, no other task could run from here on.
        #expect(await gate.arrivals(cooperativeThreads, timeoutSeconds: 120))
        // A task that needs the cooperative pool: it completes while every job is still blocked.
        var ticks = 0
        for _ in 0..<1_000 {
            await Task.yield()
            ticks += 1
        }
        let starved = gate.openedByWatchdog
        gate.open()
        #expect(ticks == 1_000)
        #expect(!starved, "the ticking task ran only after the watchdog opened the gate")
        let reports = await jobs.value
        #expect(reports.count == jobCount)
        #expect(reports.allSatisfy { $0.status == .done }, "\(reports.map { $0.error ?? "" })")
        try await media.shutdown()
    }

    /// Every thread of a media pool is held: a piece of I/O work still runs at once. The pool held is one of the
    /// test's own, as large as the process's media pool: holding the shared one would stall other suites' decodes
    /// (and, with them running, never see every thread arrive).
    @Test(.timeLimit(.minutes(2))) func ioWorkCompletesWhileAMediaPoolIsFull() async throws {
        let gate = ThreadGate()
        defer { gate.open() }
        let threads = BlockingPool.media.threadCount
        let full = BlockingPool(threads: threads)
        let held = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<threads {
                    group.addTask { try await BlockingWork.run(on: full, "held") { gate.pass() } }
                }
                try await group.waitForAll()
            }
        }
        #expect(await gate.arrivals(threads), "the pool's threads were not all held")
        let answer = try await BlockingWork.run(on: .io, "store") { 42 }
        let starved = gate.openedByWatchdog
        gate.open()
        try await held.value
        #expect(answer == 42)
        #expect(!starved, "the I/O work ran only after the watchdog opened the media pool")
        try await full.shutdown()
    }

    /// The process's media and I/O pools are two sets of threads: no piece of media work runs on an I/O thread.
    @Test func theSharedMediaAndIOPoolsRunOnThreadsOfTheirOwn() async throws {
        func threads(of pool: BlockingPool) async throws -> Set<UInt> {
            try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<32 {
                    group.addTask { try await BlockingWork.run(on: pool, "which") { UInt(pthread_self()) } }
                }
                var seen: Set<UInt> = []
                for try await thread in group { seen.insert(thread) }
                return seen
            }
        }
        let media = try await threads(of: .media), io = try await threads(of: .io)
        #expect(!media.isEmpty && !io.isEmpty)
        #expect(media.isDisjoint(with: io), "media work ran on an I/O thread")
        #expect(media.count <= BlockingPool.media.threadCount)
    }

    /// A pool's observer sees each piece of its own work, and nothing from other pools.
    @Test func aPoolsObserverSeesOnlyItsOwnWork() async throws {
        let seen = NIOLockedValueBox<[String]>([])
        let pool = BlockingPool(threads: 1) { label in seen.withLockedValue { $0.append(label) } }
        _ = try await pool.run("first") { 1 }
        _ = try await BlockingWork.run(on: pool, "second") { 2 }
        _ = try await BlockingWork.run(on: .io, "elsewhere") { 3 }
        _ = try await pool.runEvenIfCancelled("third") { 4 }
        #expect(seen.withLockedValue { $0 } == ["first", "second", "third"])
        try await pool.shutdown()
    }
}
