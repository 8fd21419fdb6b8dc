import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// Blocking work runs on the pool made for it, so other tasks keep running while jobs decode.
@Suite(.serialized)
struct BlockingWorkTests {
    /// Blocks every piece of blocking work until released, and lets the test see how many are blocked.
    final class Gate: @unchecked Sendable {
        private let condition = NSCondition()
        private var open = false
        private var count = 0
        private var openedByWatchdog = false

        /// Whether the gate was opened by the watchdog (the jobs starved everything else until then).
        var timedOut: Bool {
            condition.lock()
            defer { condition.unlock() }
            return openedByWatchdog
        }

        func releaseAfterTimeout() {
            condition.lock()
            if !open { openedByWatchdog = true }
            open = true
            condition.broadcast()
            condition.unlock()
        }

        var waiting: Int {
            condition.lock()
            defer { condition.unlock() }
            return count
        }

        func pass() {
            condition.lock()
            count += 1
            condition.broadcast()
            while !open { condition.wait() }
            condition.unlock()
        }

        func waitForWaiting(atLeast count: Int, until deadline: Date) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while self.count < count { if !condition.wait(until: deadline) { return false } }
            return true
        }

        func release() {
            condition.lock()
            open = true
            condition.broadcast()
            condition.unlock()
        }
    }

    @Test(.timeLimit(.minutes(2))) func aTickingTaskKeepsRunningWhileSeveralJobsBlock() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 20)
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        let gate = Gate()
        BlockingWork.observer.current = { _ in gate.pass() }
        defer { BlockingWork.observer.current = nil }
        // A watchdog on its own thread opens the gate if the test would otherwise hang (the failure case).
        let watchdog = Thread {
            if !gate.waitForWaiting(atLeast: Int.max, until: Date().addingTimeInterval(60)) { gate.releaseAfterTimeout() }
        }
        watchdog.start()

        // More jobs than the cooperative pool has threads: if their blocking work ran there, nothing else could.
        let cooperativeThreads = ProcessInfo.processInfo.activeProcessorCount
        let jobCount = cooperativeThreads + 2
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test", maxRetries: 0)
        configuration.requestTimeout = .seconds(30)
        let runner = JobRunner(
            subtitler: Subtitler(client: OpenAIAudioClient(configuration: configuration), cache: nil),
            languageMemory: LanguageMemory(directory: scratch.url.appendingPathComponent("state")))
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
        let allBlocked = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: gate.waitForWaiting(atLeast: cooperativeThreads, until: Date().addingTimeInterval(30)))
            }.start()
        }
        #expect(allBlocked)
        // A task that needs the cooperative pool: it completes while every job is still blocked.
        var ticks = 0
        for _ in 0..<1_000 {
            await Task.yield()
            ticks += 1
        }
        let starved = gate.timedOut
        gate.release()
        #expect(ticks == 1_000)
        #expect(!starved, "the ticking task ran only after the watchdog opened the gate")
        let reports = await jobs.value
        #expect(reports.count == jobCount)
        #expect(reports.allSatisfy { $0.status == .done }, "\(reports.map { $0.error ?? "" })")
    }
}
