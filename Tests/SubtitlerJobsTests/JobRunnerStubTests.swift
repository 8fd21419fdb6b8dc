import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerJobs

/// The job runner against the in-process stub: what it refuses, skips and keeps before and after paying.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct JobRunnerStubTests {
    func runner(_ server: StubHTTPServer, _ scratch: TemporaryDirectory, requestTimeout: Duration = .seconds(30),
                maxRetries: Int = 0, clock: ManualClock? = nil) -> JobRunner {
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test", maxRetries: maxRetries)
        configuration.requestTimeout = requestTimeout
        if let clock { configuration.clock = clock }
        configuration.backoff.initialDelay = .milliseconds(1)
        return JobRunner(
            subtitler: Subtitler(client: OpenAIAudioClient(configuration: configuration),
                                 cache: ResponseCache(directory: scratch.cache)),
            languageMemory: LanguageMemory(directory: scratch.url.appendingPathComponent("state")))
    }

    @Test func anOutputThatIsTheInputIsRefusedBeforeAnythingIsSent() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try PipelineFixtures.makeToneTalk(in: scratch, seconds: 12)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let server = try await StubHTTPServer.start([.json(200, PipelineFixtures.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        var job = SubtitleJob(input: input)
        job.destination = .file(input)
        let report = await runner(server, scratch).run(job).report
        #expect(report.status == .failed)
        #expect(report.error?.contains("is the input file itself") == true)
        #expect(server.requestCount == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)

        // The same file under another name (a hard link) is the input too.
        #expect(link(input, scratch.path("alias.srt")) == 0)
        job.destination = .file(scratch.path("alias.srt"))
        #expect(await runner(server, scratch).run(job).report.error?.contains("is the input file itself") == true)
        #expect(server.requestCount == 0)
    }

    @Test func outputProblemsAreFoundBeforeThePaidRequest() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try PipelineFixtures.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, PipelineFixtures.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        var job = SubtitleJob(input: input)
        job.destination = .file(scratch.url.path)                         // -o naming a directory
        #expect(await runner(server, scratch).run(job).report.error?.contains("directory") == true)
        job.destination = .file(scratch.path("missing/out.srt"))          // a folder that does not exist
        let missing = try #require(await runner(server, scratch).run(job).report.error)
        #expect(missing.contains("the output file's folder \(scratch.path("missing")) does not exist"), "\(missing)")
        #expect(!missing.contains("-o"), "the library names no flag: \(missing)")
        _ = FileManager.default.createFile(atPath: scratch.path("plain"), contents: Data())
        job.destination = .directory(scratch.path("plain/sub"))          // an output folder under a file
        #expect(await runner(server, scratch).run(job).report.status == .failed)
        #expect(server.requestCount == 0)
    }

    @Test func aNewerHandMadeFileNamedOnlyAfterDetectionIsKept() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try PipelineFixtures.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, PipelineFixtures.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        let handMade = scratch.path("tones.en.srt")
        try "1\n00:00:01,000 --> 00:00:02,000\nMine.\n".write(toFile: handMade, atomically: true, encoding: .utf8)

        var job = SubtitleJob(input: input)            // no language: the name is known only after the first chunk
        job.options.speechDetection = .energy   // a tone is speech only to the energy map
        let first = await runner(server, scratch).run(job).report
        #expect(first.status == .skipped)
        #expect(first.skipReason?.kind == .newerOutputExists)
        #expect(try String(contentsOfFile: handMade, encoding: .utf8).contains("Mine."))
        #expect(server.requestCount == 1)

        var forced = job
        forced.overwrite = .replace
        let second = await runner(server, scratch).run(forced).report
        #expect(second.status == .done)
        #expect(second.run?.cachedChunks == 1)
        #expect(server.requestCount == 1)              // --force after the skip costs nothing more
        #expect(try String(contentsOfFile: handMade, encoding: .utf8).contains("Tone number one"))
    }

    @Test func theRememberedLanguageSkipsAFinishedInputBeforeSending() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try PipelineFixtures.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, PipelineFixtures.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        var job = SubtitleJob(input: input)
        job.options.speechDetection = .energy   // a tone is speech only to the energy map
        job.options.usesCache = false
        let first = await runner(server, scratch).run(job).report
        #expect(first.status == .done)
        #expect(first.outputs == [scratch.path("tones.en.srt")])
        #expect(!FileManager.default.fileExists(atPath: scratch.cache.path))   // the language is not in the cache
        let second = await runner(server, scratch).run(job).report
        #expect(second.status == .skipped)
        #expect(second.skipReason?.kind == .upToDate)
        #expect(server.requestCount == 1)
    }

    @Test func skipIfSubtitledSendsNothingWhenASidecarExists() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try PipelineFixtures.makeToneTalk(in: scratch, seconds: 12)
        _ = FileManager.default.createFile(atPath: scratch.path("tones.English.sdh.srt"), contents: Data())
        let server = try await StubHTTPServer.start([.json(200, PipelineFixtures.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        var job = SubtitleJob(input: input)
        job.options.speechDetection = .energy   // a tone is speech only to the energy map
        job.options.language = "en"
        job.skipsIfSubtitled = true
        let report = await runner(server, scratch).run(job).report
        #expect(report.status == .skipped)
        #expect(report.skipReason?.kind == .alreadySubtitled)
        #expect(report.skipReason?.path == scratch.path("tones.English.sdh.srt"))
        #expect(server.requestCount == 0)
        job.options.language = "de"
        #expect(await runner(server, scratch).run(job).report.status == .done)
    }

    @Test func aSlowAnswerWithinTheScaledTimeoutIsNotRetried() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try PipelineFixtures.makeToneTalk(in: scratch, seconds: 12)
        let answer = Gate()
        defer { answer.open() }
        var slow = StubHTTPServer.Response.json(200, PipelineFixtures.verboseBody)
        slow.hold = answer
        let server = try await StubHTTPServer.start([slow])
        defer { Task { try? await server.shutdown() } }
        // The client's own default would give up after 0.5 s and retry twice; the job's timeout scales with the
        // chunk's audio instead. Time is the test's: the answer comes 1.5 s (of the test clock) after the request.
        var job = SubtitleJob(input: input)
        job.options.speechDetection = .energy   // a tone is speech only to the energy map
        job.options.language = "en"
        job.options.usesCache = false
        job.destination = .file(scratch.path("a.srt"))
        var scaled = RequestTimeoutPolicy()
        scaled.floor = .seconds(1)
        scaled.base = .zero
        scaled.secondsPerAudioSecond = 1   // 12 s of audio: 12 s
        job.options.requestTimeout = scaled
        let clock = ManualClock()
        let runner = runner(server, scratch, requestTimeout: .milliseconds(500), maxRetries: 2, clock: clock)
        let first = job
        let run = Task { await runner.run(first).report }
        await server.waitForRequests(1)
        await clock.sleeps(1)
        clock.advance(by: .milliseconds(1_500))
        answer.open()
        let report = await run.value
        #expect(report.status == .done, "\(report.error ?? "")")
        #expect(server.requestCount == 1)
        #expect(report.retries == 0)

        // A fixed timeout shorter than the answer fails after one attempt: no retries piled on a busy server.
        let late = Gate()
        defer { late.open() }
        slow.hold = late
        let second = try await StubHTTPServer.start([slow])
        defer { Task { try? await second.shutdown() } }
        job.options.requestTimeout = RequestTimeoutPolicy(fixed: .milliseconds(300))
        job.destination = .file(scratch.path("b.srt"))
        let secondClock = ManualClock()
        let secondRunner = self.runner(second, scratch, requestTimeout: .milliseconds(500), maxRetries: 2,
                                       clock: secondClock)
        let again = job
        let failing = Task { await secondRunner.run(again).report }
        await second.waitForRequests(1)
        await secondClock.sleeps(1)
        secondClock.advance(by: .milliseconds(300))
        let failed = await failing.value
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("no complete response") == true, "\(failed.error ?? "")")
        #expect(second.requestCount == 1)
        #expect(failed.requests == 1)
        #expect(failed.retries == 0)
    }

    @Test func theDefaultTimeoutScalesWithTheAudio() {
        let policy = RequestTimeoutPolicy()
        #expect(policy.timeout(forAudio: 300_000) == .seconds(960))    // a 5-minute chunk: 16 minutes
        #expect(policy.timeout(forAudio: 5_000) == .seconds(120))      // the floor
        #expect(policy.timeout(forAudio: 3_600_000) == .seconds(3_600))  // the ceiling
        #expect(policy.timeout(forAudio: .max) == .seconds(3_600))
        #expect(RequestTimeoutPolicy(fixed: .seconds(7)).timeout(forAudio: 300_000) == .seconds(7))
    }
}
