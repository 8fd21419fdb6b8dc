import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler

/// Names media servers recognise.
struct SidecarNamingTests {
    @Test func defaultNamesStayAsTheyWereForTwoLetterLanguages() {
        let naming = SidecarNaming()
        #expect(naming.fileName(stem: "Film (2020)", language: "en", format: .srt) == "Film (2020).en.srt")
        #expect(naming.fileName(stem: "talk", language: "english", format: .vtt) == "talk.en.vtt")
        #expect(naming.fileName(stem: "talk", language: "deu", format: .srt) == "talk.de.srt")
        #expect(naming.fileName(stem: "talk", language: nil, format: .srt) == "talk.und.srt")
    }

    @Test func languagesWithoutA639_1CodeUse639_2B() {
        let naming = SidecarNaming()
        #expect(naming.languageToken(for: "haw") == "haw")
        #expect(naming.languageToken(for: "yue") == "yue")
        #expect(naming.languageToken(for: "fil") == "fil")
        #expect(naming.languageToken(for: "jw") == "jv")   // Whisper's Javanese code
    }

    @Test func codeStylesApplyEverywhere() {
        #expect(SidecarNaming(codeStyle: .iso639_2B).languageToken(for: "de") == "ger")
        #expect(SidecarNaming(codeStyle: .iso639_2T).languageToken(for: "de") == "deu")
        #expect(SidecarNaming(codeStyle: .iso639_2T).languageToken(for: "en") == "eng")
        #expect(SidecarNaming(codeStyle: .iso639_2B).languageToken(for: "fr") == "fre")
    }

    @Test func flagsFollowTheLanguageInTheOrderServersRead() {
        let naming = SidecarNaming(isSDH: true, isForced: true, isDefault: true, label: "subtitler")
        #expect(naming.fileName(stem: "Film", language: "en", format: .srt) == "Film.subtitler.en.sdh.forced.default.srt")
        #expect(SidecarNaming(isSDH: true).fileName(stem: "Film", language: "en", format: .srt) == "Film.en.sdh.srt")
        // Never `.hi`: Jellyfin reads it as Hindi.
        #expect(!SidecarNaming(isSDH: true).fileName(stem: "Film", language: "en", format: .srt).contains(".hi."))
    }

    @Test func labelsThatServersWouldMisreadAreRefused() {
        #expect(SidecarNaming.problem(withLabel: "subtitler") == nil)
        #expect(SidecarNaming.problem(withLabel: "ai-draft_2") == nil)
        for bad in ["hi", "en", "eng", "forced", "sdh", "default", "a.b", "", "two words"] {
            #expect(SidecarNaming.problem(withLabel: bad) != nil, "\(bad)")
        }
    }
}

/// Skip rules and input discovery.
struct SkipRuleTests {
    @Test func aSidecarInAnySpellingCoversTheLanguageButForcedOnesDoNot() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        for name in ["Film.eng.forced.srt", "Film.de.srt", "Other.en.srt", "Film.en.txt"] {
            _ = FileManager.default.createFile(atPath: scratch.path(name), contents: Data())
        }
        #expect(SkipRules.coveringSidecar(stem: "Film", language: "en", in: [scratch.url]) == nil)
        #expect(SkipRules.coveringSidecar(stem: "Film", language: "ger", in: [scratch.url]) == scratch.path("Film.de.srt"))
        for spelling in ["Film.English.sdh.ass", "Film.ENG.vtt", "Film.subtitler.en.default.srt", "Film.en-US.srt"] {
            _ = FileManager.default.createFile(atPath: scratch.path(spelling), contents: Data())
            #expect(SkipRules.coveringSidecar(stem: "Film", language: "en", in: [scratch.url]) == scratch.path(spelling), "\(spelling)")
            try FileManager.default.removeItem(atPath: scratch.path(spelling))
        }
    }

    @Test func aTextSubtitleStreamInTheContainerCoversItsLanguageUnlessForced() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        try "1\n00:00:00,500 --> 00:00:01,500\nHello.\n".write(toFile: scratch.path("s.srt"), atomically: true, encoding: .utf8)
        let video = scratch.path("v.mkv")
        _ = try FFmpegCLI.run([
            "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=2", "-i", scratch.path("s.srt"),
            "-i", scratch.path("s.srt"), "-map", "0", "-map", "1", "-map", "2", "-c:a", "flac", "-c:s", "srt",
            "-metadata:s:s:0", "language=eng", "-disposition:s:0", "forced",
            "-metadata:s:s:1", "language=ger", video,
        ])
        let info = try MediaProbe.probe(video)
        #expect(SkipRules.coveringStream(in: info, language: "en") == nil)
        #expect(SkipRules.coveringStream(in: info, language: "de")?.language == "ger")
    }

    @Test func aMarkerExcludesItsTreeFromScansAndNamedFiles() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch.path("lib/keep"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch.path("lib/done/deeper"), withIntermediateDirectories: true)
        for file in ["lib/keep/a.mkv", "lib/done/b.mkv", "lib/done/deeper/c.mkv"] {
            _ = fm.createFile(atPath: scratch.path(file), contents: Data([1]))
        }
        _ = fm.createFile(atPath: scratch.path("lib/done/.subtitler-skip"), contents: Data())

        let scan = InputDiscovery.discover([scratch.path("lib")], recursive: true)
        #expect(scan.files == [scratch.path("lib/keep/a.mkv")])
        let skipped = try #require(scan.reports.first)
        #expect(skipped.status == .skipped)
        #expect(skipped.skipReason?.kind == .excludedByMarker)
        #expect(skipped.skipReason?.path == scratch.path("lib/done/.subtitler-skip"))

        let named = InputDiscovery.discover([scratch.path("lib/done/deeper/c.mkv")], recursive: false)
        #expect(named.files.isEmpty)
        #expect(named.reports.first?.skipReason?.kind == .excludedByMarker)
    }

    @Test func urlsFifosAndNonUTF8NamesAreReportedNotOpenedOrDropped() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let url = InputDiscovery.discover(["http://127.0.0.1:9/x.mp4", "concat:a.mp4|b.mp4"], recursive: false)
        #expect(url.files == ["concat:a.mp4|b.mp4"].filter { FileManager.default.fileExists(atPath: $0) })
        #expect(url.reports.first?.error?.contains("never fetches URLs") == true)

        #expect(mkfifo(scratch.path("pipe.mp4"), 0o600) == 0)
        _ = FileManager.default.createFile(atPath: scratch.path("real.mp4"), contents: Data([1]))
        // A name that is not UTF-8: the bytes "bad" 0xFF ".mp4".
        let rawName: [CChar] = Array(scratch.path("bad").utf8CString.dropLast()) + [CChar(bitPattern: 0xFF)] + Array(".mp4".utf8CString)
        let fd = rawName.withUnsafeBufferPointer { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o600) }
        #expect(fd >= 0)
        close(fd)

        let scan = InputDiscovery.discover([scratch.url.path], recursive: false)
        #expect(scan.files == [scratch.path("real.mp4")])
        let errors = scan.reports.compactMap(\.error)
        #expect(errors.contains { $0.contains("pipe.mp4") && $0.contains("FIFO") }, "\(errors)")
        #expect(errors.contains { $0.contains("not valid UTF-8") }, "\(errors)")

        let named = InputDiscovery.discover([scratch.path("pipe.mp4")], recursive: false)
        #expect(named.files.isEmpty)
        #expect(named.reports.first?.error?.contains("not a regular file (a FIFO)") == true)
    }

    @Test func inputsWhoseOutputsWouldCollideAreFoundBeforeAnythingIsSent() {
        var template = SubtitleJob(input: "")
        template.destination = .directory("/tmp/out")
        let clashes = JobRunner.collisions(among: ["/a/x.mp4", "/a/x.wav", "/b/x.mkv", "/a/y.mp4"], template: template)
        #expect(clashes == ["/a/x.wav": "/a/x.mp4", "/b/x.mkv": "/a/x.mp4"])
        template.destination = .besideInput
        let beside = JobRunner.collisions(among: ["/a/x.mp4", "/a/x.wav", "/b/x.mkv"], template: template)
        #expect(beside == ["/a/x.wav": "/a/x.mp4"])
    }
}

/// All outputs or none, and nothing the user had is lost.
struct OutputTransactionTests {
    @Test func everyOutputIsPlacedTogether() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        var transaction = OutputTransaction()
        try transaction.stage(Data("srt".utf8), for: scratch.url.appendingPathComponent("a.srt"))
        try transaction.stage(Data("vtt".utf8), for: scratch.url.appendingPathComponent("a.vtt"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("a.srt")))
        try transaction.commit()
        #expect(try String(contentsOfFile: scratch.path("a.srt"), encoding: .utf8) == "srt")
        #expect(try String(contentsOfFile: scratch.path("a.vtt"), encoding: .utf8) == "vtt")
        #expect(try scratch.files() == ["a.srt", "a.vtt"])
    }

    @Test func aFailureOnTheSecondOutputRestoresTheFirstOldFile() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        try "old srt".write(toFile: scratch.path("a.srt"), atomically: true, encoding: .utf8)
        try "old vtt".write(toFile: scratch.path("a.vtt"), atomically: true, encoding: .utf8)
        var transaction = OutputTransaction()
        try transaction.stage(Data("new srt".utf8), for: scratch.url.appendingPathComponent("a.srt"))
        try transaction.stage(Data("new vtt".utf8), for: scratch.url.appendingPathComponent("a.vtt"))
        // The second target turns into a non-empty directory before the commit: its rename must fail.
        try FileManager.default.removeItem(atPath: scratch.path("a.vtt"))
        try FileManager.default.createDirectory(atPath: scratch.path("a.vtt/inside"), withIntermediateDirectories: true)
        #expect(throws: OutputError.self) { try transaction.commit() }
        #expect(try String(contentsOfFile: scratch.path("a.srt"), encoding: .utf8) == "old srt")
        #expect(try scratch.files() == ["a.srt", "a.vtt"])   // no temporary or backup file left
    }

    @Test func aFifoOrDeviceIsWrittenThroughNeverReplaced() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fifo = scratch.path("out.srt")
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader is open before the write (a FIFO nobody reads is refused rather than waited on).
        let readerFD = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(readerFD >= 0)
        defer { close(readerFD) }
        try AtomicFile.write("cues", to: URL(fileURLWithPath: fifo))
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(read(readerFD, &buffer, 16) == 4)
        var info = stat()
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)

        // A character device made with mknod stays a device (root only; elsewhere /dev/null is used read-only).
        if geteuid() == 0 {
            let device = scratch.path("null.srt")
            #expect(mknod(device, S_IFCHR | 0o666, 0x103) == 0)
            try AtomicFile.write("cues", to: URL(fileURLWithPath: device))
            #expect(stat(device, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        }
        #expect(throws: OutputError.self) { try AtomicFile.write("x", to: scratch.url) }
    }

    @Test func leftoversOfKilledWritersAreRemovedAndLiveOnesKept() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let target = scratch.url.appendingPathComponent("a.flac")
        // A process id that cannot be running (above the kernel's limit) and our parent (running).
        let dead = ".a.flac.4194305.deadbeef.tmp.flac"
        let live = ".a.flac.\(getppid()).cafebabe.tmp.flac"
        for name in [dead, live] { _ = FileManager.default.createFile(atPath: scratch.path(name), contents: Data([1])) }
        TemporaryFile.removeLeftovers(for: target)
        #expect(try scratch.files() == [live])
    }
}

/// The relative-XDG and cache-clearing rules.
struct AppDirectoryTests {
    @Test func relativeXDGPathsAreIgnored() {
        let environment = ["XDG_CACHE_HOME": ".", "XDG_STATE_HOME": "state", "HOME": "/home/u"]
        #expect(AppDirectories.cache(environment: environment).path == "/home/u/.cache/subtitler")
        #expect(AppDirectories.state(environment: environment).path == "/home/u/.local/state/subtitler")
        #expect(AppDirectories.cache(environment: ["XDG_CACHE_HOME": "/var/c", "HOME": "/home/u"]).path == "/var/c/subtitler")
    }

    @Test func clearingRemovesOnlyCacheEntries() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let cache = ResponseCache(directory: scratch.url)
        let key = ResponseCache.key(audio: [1, 2, 3], parameters: ["model": "whisper-1"])
        try cache.store("value", forKey: key)
        try "mine".write(toFile: scratch.path("notes.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: scratch.path("ab"), withIntermediateDirectories: true)
        try "keep".write(toFile: scratch.path("ab/photo.jpg"), atomically: true, encoding: .utf8)
        var info = stat()
        let entry = scratch.path("\(key.prefix(2))/\(key).json")
        #expect(stat(entry, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try cache.clear() == 1)
        #expect(cache.value(forKey: key, as: String.self) == nil)
        #expect(try scratch.files().contains("notes.txt"))
        #expect(FileManager.default.fileExists(atPath: scratch.path("ab/photo.jpg")))
    }
}

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

/// The job runner against the in-process stub: what it refuses, skips and keeps before and after paying.
@Suite(.serialized)
struct JobRunnerStubTests {
    func runner(_ server: StubHTTPServer, _ scratch: TemporaryDirectory, requestTimeout: Duration = .seconds(30),
                maxRetries: Int = 0) -> JobRunner {
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test", maxRetries: maxRetries)
        configuration.requestTimeout = requestTimeout
        configuration.backoff.initialDelay = .milliseconds(1)
        return JobRunner(
            subtitler: Subtitler(client: OpenAIAudioClient(configuration: configuration),
                                 cache: ResponseCache(directory: scratch.cache)),
            languageMemory: LanguageMemory(directory: scratch.url.appendingPathComponent("state")))
    }

    @Test func anOutputThatIsTheInputIsRefusedBeforeAnythingIsSent() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
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
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        var job = SubtitleJob(input: input)
        job.destination = .file(scratch.url.path)                         // -o naming a directory
        #expect(await runner(server, scratch).run(job).report.error?.contains("directory") == true)
        job.destination = .file(scratch.path("missing/out.srt"))          // a folder that does not exist
        #expect(await runner(server, scratch).run(job).report.error?.contains("does not exist") == true)
        _ = FileManager.default.createFile(atPath: scratch.path("plain"), contents: Data())
        job.destination = .directory(scratch.path("plain/sub"))          // an output folder under a file
        #expect(await runner(server, scratch).run(job).report.status == .failed)
        #expect(server.requestCount == 0)
    }

    @Test func aNewerHandMadeFileNamedOnlyAfterDetectionIsKept() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
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
        #expect(second.cachedChunks == 1)
        #expect(server.requestCount == 1)              // --force after the skip costs nothing more
        #expect(try String(contentsOfFile: handMade, encoding: .utf8).contains("Tone number one"))
    }

    @Test func theRememberedLanguageSkipsAFinishedInputBeforeSending() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
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
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        _ = FileManager.default.createFile(atPath: scratch.path("tones.English.sdh.srt"), contents: Data())
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
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
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let slow = StubHTTPServer.Response.json(200, StubPipelineTests.verboseBody, delay: .milliseconds(1_500))
        let server = try await StubHTTPServer.start([slow])
        defer { Task { try? await server.shutdown() } }
        // The client's own default would give up after 0.5 s and retry twice; the job's timeout scales with the
        // chunk's audio instead.
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
        let runner = runner(server, scratch, requestTimeout: .milliseconds(500), maxRetries: 2)
        let report = await runner.run(job).report
        #expect(report.status == .done, "\(report.error ?? "")")
        #expect(server.requestCount == 1)
        #expect(report.retries == 0)

        // A fixed timeout shorter than the answer fails after one attempt: no retries piled on a busy server.
        job.options.requestTimeout = RequestTimeoutPolicy(fixed: .milliseconds(300))
        job.destination = .file(scratch.path("b.srt"))
        let failed = await runner.run(job).report
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("no complete response") == true, "\(failed.error ?? "")")
        #expect(server.requestCount == 2)
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
