import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import OpenAIAudio
import Subtitler
import SubtitlerJobs
import Subtitles
import Testing
import TestSupport
@testable import SubtitlerService

/// Issue 22: the roots are enforced where files are opened and renamed (not only where requests arrive), one file
/// has one job however it is spelled, a file replaced while its job runs is done again, and temporaries of killed
/// writers are cleaned from the folders the service writes into. In process: fake backend, in-memory store.
@Suite struct RootsAtRunTimeTests {
    /// A tone backend whose first answer waits until `gate` opens.
    static func heldBackend(_ gate: Gate) -> FakeTranscriptionBackend {
        FakeTranscriptionBackend { call in
            if call.order == 0 { await gate.wait() }
            return VerboseTranscription(language: "english", text: "Tone.", segments: [
                .init(start: 0.5, end: 2.5, text: " Tone.", avgLogprob: -0.2, compressionRatio: 1.1, noSpeechProb: 0.01),
            ])
        }
    }

    /// Runs `body` while `scheduler` runs (a service after a restart, say).
    static func running<T: Sendable>(_ scheduler: JobScheduler, logger: Logger, _ body: @Sendable () async throws -> T)
        async throws -> T
    {
        let app = Application(router: Router(context: ServiceRequestContext.self), services: [scheduler], logger: logger)
        return try await app.test(.router) { _ in try await body() }
    }

    static func folder(_ scratch: TemporaryDirectory, _ name: String) throws {
        try FileManager.default.createDirectory(atPath: scratch.path(name), withIntermediateDirectories: true)
    }

    // MARK: - Roots at run time

    @Test(.timeLimit(.minutes(2))) func aFolderSwappedOutOfTheRootsWhileTheJobRunsGetsNothingWritten() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let gate = Gate()
        let service = try InProcessService(scratch: scratch, backend: Self.heldBackend(gate))
        let fm = FileManager.default
        try Self.folder(scratch, "outside")
        let original = try Data(contentsOf: URL(fileURLWithPath: try service.media("real/s2.wav")))
        try fm.createSymbolicLink(atPath: scratch.path("media/swapdir"), withDestinationPath: scratch.path("media/real"))

        let ended = try await service.test { _ in
            let (job, _) = try await service.environment.scheduler.submit(
                JobRequest(path: scratch.path("media/swapdir/s2.wav"), language: "en"), origin: .api)
            await gate.arrivals(1)
            // While the job waits for its answer, the folder it writes into leaves the roots; its name leads there.
            try fm.moveItem(atPath: scratch.path("media/real"), toPath: scratch.path("outside/real"))
            try fm.createSymbolicLink(atPath: scratch.path("media/real"), withDestinationPath: scratch.path("outside/real"))
            gate.open()
            return try await service.job(job.id)
        }
        #expect(ended.state == .failed)
        #expect(ended.report?.failure?.reason == .outsideRoots, "\(ended)")
        #expect(ended.error?.contains("outside the folders this service may use") == true, "\(ended.error ?? "")")
        #expect(try scratch.files(in: "outside/real") == ["s2.wav"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("outside/real/s2.wav"))) == original)
    }

    @Test(.timeLimit(.minutes(2))) func aJobQueuedThenSwappedOutOfTheRootsFailsBeforeAnythingIsSent() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        let fm = FileManager.default
        try Self.folder(scratch, "outside")
        try service.media("real/s2.wav")
        try InProcessService.wav(SamplesAudioSource.toneTalk(seconds: 12)).write(to: scratch.url.appendingPathComponent("outside/s2.wav"))
        try fm.createSymbolicLink(atPath: scratch.path("media/swapdir"), withDestinationPath: scratch.path("media/real"))
        // Queued (the scheduler is not running yet), then the link is pointed outside.
        let (job, _) = try await service.environment.scheduler.submit(
            JobRequest(path: scratch.path("media/swapdir/s2.wav"), embed: true), origin: .api)
        try fm.removeItem(atPath: scratch.path("media/swapdir"))
        try fm.createSymbolicLink(atPath: scratch.path("media/swapdir"), withDestinationPath: scratch.path("outside"))

        let ended = try await service.test { _ in try await service.job(job.id) }
        #expect(ended.state == .failed)
        #expect(ended.report?.failure?.reason == .outsideRoots, "\(ended)")
        #expect(service.backend.calls.isEmpty)
        #expect(try scratch.files(in: "outside") == ["s2.wav"])
    }

    @Test(.timeLimit(.minutes(2))) func aJobQueuedUnderARootThatIsGoneAfterARestartFails() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        try Self.folder(scratch, "extra")
        let service = try InProcessService(scratch: scratch) { $0.roots.append(scratch.path("extra")) }
        let file = scratch.path("extra/e.wav")
        try InProcessService.wav(SamplesAudioSource.toneTalk(seconds: 12)).write(to: URL(fileURLWithPath: file))
        let (job, _) = try await service.environment.scheduler.submit(JobRequest(path: file), origin: .api)

        // The service starts again over the same store without that root.
        let environment = service.environment
        let restarted = JobScheduler(
            store: environment.store, runner: environment.runner, defaults: environment.defaults,
            paths: try PathPolicy(roots: [scratch.path("media")]), slots: SlotPool(count: 1), metrics: ServiceMetrics(),
            notifier: Notifier(webhookURL: nil, mediaServers: [], logger: service.logs.logger), logger: service.logs.logger)
        let ended = try await Self.running(restarted, logger: service.logs.logger) { try await service.job(job.id) }
        #expect(ended.state == .failed)
        #expect(ended.report?.failure?.reason == .outsideRoots, "\(ended)")
        #expect(service.backend.calls.isEmpty)
        #expect(try scratch.files(in: "extra") == ["e.wav"])
    }

    @Test(.timeLimit(.minutes(2))) func aSidecarNameLinkedToAFIFOOrADeviceOutsideTheRootsIsNotWrittenThrough() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        try Self.folder(scratch, "outside")
        let fifo = scratch.path("outside/pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)   // a reader waits: a write through would succeed
        #expect(reader >= 0)
        defer { close(reader) }
        let fm = FileManager.default
        try service.media("f.wav")
        try service.media("g.wav")
        try fm.createSymbolicLink(atPath: scratch.path("media/f.en.srt"), withDestinationPath: fifo)
        try fm.createSymbolicLink(atPath: scratch.path("media/g.en.srt"), withDestinationPath: "/dev/null")

        let (known, unknown) = try await service.test { _ in
            let scheduler = service.environment.scheduler
            // The language is given: the name is known, and the job fails before anything is sent.
            let f = try await scheduler.submit(JobRequest(path: scratch.path("media/f.wav"), language: "en"), origin: .api)
            let known = try await service.job(f.job.id)
            // The language is detected: the name is known only when writing, and the write is refused.
            let g = try await scheduler.submit(JobRequest(path: scratch.path("media/g.wav")), origin: .api)
            return (known, try await service.job(g.job.id))
        }
        #expect(known.state == .failed && known.report?.failure?.reason == .outsideRoots, "\(known)")
        #expect(unknown.state == .failed && unknown.report?.failure?.reason == .outsideRoots, "\(unknown)")
        #expect((unknown.report?.requests ?? 0) > 0)   // this one was paid for: the check at the write caught it
        var byte: UInt8 = 0
        #expect(read(reader, &byte, 1) <= 0)   // nothing came through the pipe
        #expect(try scratch.files(in: "media") == ["f.en.srt", "f.wav", "g.en.srt", "g.wav"])
    }

    // MARK: - One job per file

    @Test func everySpellingOfOneFileFindsTheSameJob() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch) {
            $0.pathMappings = [PathMapping(argument: "/data/tv=\(scratch.path("media/tv"))")!]
        }
        let file = try service.media("tv/d1.wav")
        let media = scratch.url.path + "/media"
        let spellings = [file, media + "/tv//d1.wav", media + "/tv/./d1.wav", "/proc/self/root" + file, "/data/tv/d1.wav"]
        var results: [(id: String, created: Bool)] = []
        for spelling in spellings {
            let (job, created) = try await service.environment.scheduler.submit(JobRequest(path: spelling), origin: .api)
            results.append((job.id, created))
        }
        #expect(Set(results.map(\.id)).count == 1)
        #expect(results.map(\.created) == [true, false, false, false, false])
        #expect(try await service.store.jobs().count == 1)
    }

    // MARK: - Replaced files

    @Test(.timeLimit(.minutes(2))) func aFileReplacedWhileItsJobRunsIsDoneAgainFromTheNewContent() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let gate = Gate()
        let service = try InProcessService(scratch: scratch, backend: Self.heldBackend(gate))
        let path = try service.media("r.wav", seconds: 12)
        let ended = try await service.test { _ in
            let (job, _) = try await service.environment.scheduler.submit(JobRequest(path: path, language: "en"), origin: .watch)
            await gate.arrivals(1)
            // A download client puts a new version in place (a new file renamed over the old one).
            let partial = scratch.path("media/r.wav.part")
            try InProcessService.wav(SamplesAudioSource.toneTalk(seconds: 20)).write(to: URL(fileURLWithPath: partial))
            #expect(rename(partial, path) == 0)
            gate.open()
            return try await service.job(job.id)
        }
        #expect(ended.state == .done, "\(ended)")
        // The subtitles are of the new, longer version; the old one's answers were not written.
        #expect((ended.report?.run?.audioDuration ?? 0) >= 19_000, "\(ended.report?.run?.audioDuration ?? 0)")
        #expect(service.logs.text.contains("the file changed while its job ran; queued again"))
        #expect(try scratch.files(in: "media") == ["r.en.srt", "r.wav"])
    }

    @Test(.timeLimit(.minutes(1))) func theWatchSettlesOnTheInjectedClock() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        let file = try service.media("incoming/a.wav")
        let clock = ManualClock()
        let environment = service.environment
        let watcher = FolderWatcherService(
            folders: [scratch.path("media/incoming")], interval: .seconds(10), settleTime: .seconds(10),
            scheduler: environment.scheduler, runner: environment.runner, defaults: environment.defaults,
            logger: service.logs.logger, clock: clock)
        let watching = Task { try await watcher.run() }
        await clock.sleeps(1)   // the start-up scan saw the file; it has not settled yet
        #expect(try await service.store.jobs().isEmpty)
        clock.advance(by: .seconds(10))
        await clock.sleeps(2)   // the second scan took it
        let jobs = try await service.store.jobs()
        #expect(jobs.map(\.request.path) == [file] && jobs.map(\.origin) == [.watch])
        watching.cancel()
        _ = await watching.result
    }

    // MARK: - Temporaries

    @Test(.timeLimit(.minutes(2))) func theServiceRemovesDeadWritersTemporariesFromTheFoldersItWritesInto() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        let video = scratch.path("media/shows/e1.mkv")
        try Self.folder(scratch, "media/shows")
        _ = try FFmpegCLI.run([
            "-y", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=16000:duration=6",
            "-f", "lavfi", "-i", "color=c=black:s=64x64:d=6:r=10", "-c:a", "libopus", "-c:v", "mpeg4", video,
        ])
        let planted = try scratch.plantTemporaries(in: "media/shows", deadProcess: try TemporaryDirectory.deadProcessID())
        let (job, _) = try await service.environment.scheduler.submit(JobRequest(path: video, language: "en", embed: true),
                                                                      origin: .api)
        let ended = try await service.test { _ in try await service.job(job.id) }
        #expect(ended.state == .done, "\(ended)")
        #expect(ended.outputs.contains(video))
        #expect(try scratch.files(in: "media/shows") == ["e1.en.srt", "e1.mkv", planted.live].sorted())
    }
}
