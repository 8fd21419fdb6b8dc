import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// Issue 12 in the library: numbers that size anything are range-checked, hostile server text and times never
/// reach the cues, and nothing is lost or left behind.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct AdversarialPipelineTests {
    func subtitler(_ server: StubHTTPServer) -> Subtitler {
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test", maxRetries: 0)
        configuration.requestTimeout = .seconds(30)
        return Subtitler(client: OpenAIAudioClient(configuration: configuration), cache: nil)
    }

    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    // MARK: Range checks

    static let invalidOptions: [(String, @Sendable (inout SubtitleOptions) -> Void)] = [
        ("style.maxLines", { $0.style.maxLines = Int.max }),
        ("style.maxCharactersPerLine", { $0.style.maxCharactersPerLine = 1 << 40 }),
        ("style.maxCharactersPerSecond", { $0.style.maxCharactersPerSecond = .nan }),
        ("style.maxCharactersPerSecond", { $0.style.maxCharactersPerSecond = .infinity }),
        ("style.frameRate", { $0.style.frameRate = 0 }),
        ("style.frameRate", { $0.style.frameRate = .nan }),
        ("style.maxDuration", { $0.style.maxDuration = .max }),
        ("targetChunkDuration", { $0.targetChunkDuration = .max }),
        ("maxChunkDuration", { $0.maxChunkDuration = 0 }),
        ("concurrency", { $0.concurrency = 1_000_000 }),
        ("concurrency", { $0.concurrency = 0 }),
        ("model", { $0.model = "" }),
        ("model", { $0.model = "whisper\u{1B}[31m" }),
        ("temperature", { $0.temperature = .nan }),
        ("maxRequestBytes", { $0.maxRequestBytes = -1 }),
        ("requestTimeout", { $0.requestTimeout = RequestTimeoutPolicy(fixed: .zero) }),
    ]

    @Test func optionsThatWouldSizeAnythingAbsurdlyAreRefusedBeforeSending() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        for (name, change) in Self.invalidOptions {
            var options = StubPipelineTests.toneOptions()
            change(&options)
            let problem = try #require(options.problem, "\(name)")
            #expect(problem.setting == name, "\(name): \(problem)")
            let error = try await #require(throws: SubtitlerError.self) {
                try await subtitler(server).makeSubtitles(for: input, options: options)
            }
            #expect(error.description.contains("invalid options"), "\(error)")
            #expect(error.kind == .invalidOptions)
            #expect(error.optionsProblem == problem)
            #expect(throws: SubtitlerError.self) { try subtitler(server).plan(for: input, options: options) }
            // The job layer says so before anything else.
            var job = SubtitleJob(input: input, options: options)
            job.destination = .file(scratch.path("out.srt"))
            let report = await JobRunner(subtitler: subtitler(server)).run(job).report
            #expect(report.status == .failed)
            #expect(report.error?.contains("invalid options") == true, "\(report.error ?? "")")
        }
        #expect(server.requestCount == 0)
        #expect(SubtitleOptions().problem == nil)
        #expect(StyleProfile.netflix.problem == nil && StyleProfile.bbc.problem == nil)
    }

    @Test func theExtremesOfTheAllowedRangesShapeInBoundedTime() {
        // The largest and smallest values the checks allow, on a one-minute transcript: no crash, no overflow.
        // (The shaper's work grows with the line capacity: at 200 characters x 10 lines this takes seconds.)
        var words: [TranscriptWord] = []
        for index in 0..<200 {
            words.append(TranscriptWord(text: "word\(index % 37)", start: Int64(index) * 300, end: Int64(index) * 300 + 250))
        }
        let segment = TranscriptSegment(start: 0, end: 60_000, text: words.map(\.text).joined(separator: " "), words: words)
        for style in [
            StyleProfile(name: "wide", maxCharactersPerLine: 200, maxLines: 10, minDuration: 60_000, maxDuration: 60_000,
                         maxCharactersPerSecond: 1000, minGap: 60_000, frameRate: 1000),
            StyleProfile(name: "narrow", maxCharactersPerLine: 1, maxLines: 1, minDuration: 0, maxDuration: 1,
                         maxCharactersPerSecond: 0.1, minGap: 0, frameRate: 1),
        ] {
            #expect(style.problem == nil, "\(style.problem?.message ?? "")")
            let built = SubtitleBuilder(style: style).build(from: [TranscriptChunk(offset: 0, duration: 60_000, segments: [segment])])
            #expect(!built.cues.isEmpty)
        }
        // A frame rate from a crafted file cannot overflow the gap.
        #expect(StyleProfile(name: "x", frameRate: 1e-300).effectiveMinGap == 125)
        #expect(StyleProfile(name: "x", frameRate: 1e300).effectiveMinGap == 0)
    }

    // MARK: What a server sends

    @Test func controlCharactersFromTheServerNeverReachCuesOrFiles() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let body = #"{"language":"english","duration":9.0,"text":"x","segments":[{"id":0,"start":0.5,"end":2.5,"text":" Bell\u0007 and escape \u001b[2J\u001b]0;title\u0007 here\u0000.","words":[]},{"id":1,"start":3.0,"end":5.0,"text":"C1\u009b31m and\ttab\r\nbreak."}]}"#
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        var options = StubPipelineTests.toneOptions()
        options.language = "en"
        let result = try await subtitler(server).makeSubtitles(for: input, options: options)
        let text = result.cues.map(\.text).joined(separator: " ")
        #expect(!Self.hasControl(text), "\(text.debugDescription)")
        #expect(text.contains("Bell") && text.contains("escape") && text.contains("break."))
        for format in SubtitleFormat.allCases {
            let rendered = Subtitler.render(result.cues, as: format)
            #expect(!rendered.unicodeScalars.contains { Self.hasControl(String($0)) && $0 != "\n" }, "\(format)")
        }
    }

    @Test func diarizedSpeakerLabelsAreCleanedToo() {
        let transcript = ChunkTranscript(language: "en\u{1B}", text: "a", segments: [
            TranscriptSegment(start: 0, end: 1_000, text: "Hi\u{7}", speaker: "A\u{1B}[31m"),
        ]).sanitized(audioDuration: 10_000)
        #expect(transcript.segments.first?.speaker == "A[31m")
        #expect(transcript.segments.first?.text == "Hi")
        #expect(transcript.language == "en")
    }

    @Test func timesPastTheEndOfTheMediaAreClampedOrDropped() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let body = #"{"language":"english","duration":12.0,"text":"x","segments":[{"id":0,"start":0.5,"end":2.5,"text":"Inside."},{"id":1,"start":11.0,"end":99999.0,"text":"Across the end."},{"id":2,"start":500.0,"end":501.0,"text":"Past the end."},{"id":3,"start":1e300,"end":1e308,"text":"Far past."}]}"#
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        var options = StubPipelineTests.toneOptions()
        options.language = "en"
        let result = try await subtitler(server).makeSubtitles(for: input, options: options)
        let end = result.report.audioDuration
        #expect(abs(end - 12_000) < 100)
        let text = result.cues.map(\.text).joined(separator: " ")
        #expect(text.contains("Inside.") && text.contains("Across the end."))
        #expect(!text.contains("Past the end.") && !text.contains("Far past."))
        for cue in result.cues {
            #expect(cue.start >= 0 && cue.start < end && cue.end <= end && cue.end > cue.start, "\(cue)")
        }
    }

    @Test func cuesAreClampedToTheTimeline() {
        let cues = [
            Cue(start: 0, end: 1_000, lines: ["a"]), Cue(start: 9_000, end: 12_000, lines: ["b"]),
            Cue(start: 10_000, end: 11_000, lines: ["c"]), Cue(start: -5, end: 10, lines: ["d"]),
        ]
        let clamped = cues.clamped(toTimeline: 10_000)
        #expect(clamped.map(\.text) == ["a", "b", "d"])
        #expect(clamped[1].end == 10_000)
        #expect(clamped[2].start == 0)
    }

    @Test func textWithoutSegmentsIsKeptAndReported() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, #"{"language":"english","text":"Tone number one. Tone number two.","segments":[]}"#)])
        defer { Task { try? await server.shutdown() } }
        var options = StubPipelineTests.toneOptions()
        options.language = "en"
        let result = try await subtitler(server).makeSubtitles(for: input, options: options)
        #expect(result.cues.map(\.text).joined(separator: " ").contains("Tone number two."))
        #expect(result.report.warnings.contains { $0.contains("without timestamps") }, "\(result.report.warnings)")
        for cue in result.cues { #expect(cue.end <= result.report.audioDuration) }
        // Through the job layer the file is not empty.
        var job = SubtitleJob(input: input, options: options)
        job.destination = .file(scratch.path("t.srt"))
        let report = await JobRunner(subtitler: subtitler(server)).run(job).report
        #expect(report.status == .done)
        #expect(try String(contentsOfFile: scratch.path("t.srt"), encoding: .utf8).contains("Tone number one."))
        #expect(report.run?.warnings.contains { $0.contains("without timestamps") } == true)
    }

    // MARK: Speech

    @Test(arguments: [Int64(10_000_000_000_000), Int64(100 * 3_600_000), Int64(-1)])
    func cuesFarOutsideTheTrackAreRefusedBeforeSending(start: Int64) async throws {
        let server = try await StubHTTPServer.start([.bytes(200, [[0]], contentType: "audio/wav")])
        defer { Task { try? await server.shutdown() } }
        let maker = SpeechMaker(client: OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: server.baseURL)))
        let cues = [Cue(start: 1_000, end: 2_000, lines: ["Hello."]), Cue(start: start, end: start &+ 1_000, lines: ["Later."])]
        var options = SpeechMaker.Options()
        options.format = .wav
        let error = try await #require(throws: SpeechError.self) { try await maker.speak(cues, options: options) }
        #expect(error.description.contains("cue 2"), "\(error)")
        #expect(server.requestCount == 0)
    }

    @Test func aSpeechTrackIsWrittenInOrderWithSilenceInBoundedMemory() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        // Each answer: 0.2 s of a 16 kHz tone; the later cue's answer comes back first.
        let tone = (0..<3_200).map { Int16(clamping: Int(8_000 * sin(Double($0) * 2 * .pi * 440 / 16_000))) }
        let wav = try PCMAudio(sampleRate: 16_000, samples: tone).encoded(as: .wav)
        let server = try await StubHTTPServer.start { index, _ in
            StubHTTPServer.Response(status: 200, headers: [("content-type", "audio/wav")], chunks: [wav],
                                    delay: index == 0 ? .milliseconds(300) : .zero)
        }
        defer { Task { try? await server.shutdown() } }
        let maker = SpeechMaker(client: OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: server.baseURL)))
        var options = SpeechMaker.Options()
        options.format = .flac
        let cues = [Cue(start: 1_000, end: 2_000, lines: ["One."]), Cue(start: 600_000, end: 601_000, lines: ["Two."])]
        let output = scratch.url.appendingPathComponent("track.flac")
        try await maker.speak(cues, options: options, to: output)
        let reader = try AudioReader(path: output.path)
        var active: [Int64] = []
        while let block = try reader.nextBlock() {
            if block.samples.contains(where: { abs(Int32($0)) > 4_000 }) { active.append(block.startSample / 16_000) }
        }
        #expect(active == [1, 600], "\(active)")
        #expect(try scratch.files() == ["track.flac"])   // no temporary file left
    }

    @Test func aSpeechAnswerWithAnAbsurdRateIsAnErrorNotAnAllocation() async throws {
        var wav = try PCMAudio(sampleRate: 16_000, samples: [Int16](repeating: 5, count: 2_000)).encoded(as: .wav)
        let fmt = try #require((0..<(wav.count - 4)).first { wav[$0..<($0 + 4)].elementsEqual("fmt ".utf8) })
        wav.replaceSubrange((fmt + 12)..<(fmt + 16), with: [1, 0, 0, 0])   // 1 Hz
        let server = try await StubHTTPServer.start([.bytes(200, [wav], contentType: "audio/wav")])
        defer { Task { try? await server.shutdown() } }
        let maker = SpeechMaker(client: OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: server.baseURL)))
        var options = SpeechMaker.Options()
        options.format = .wav
        let error = try await #require(throws: SpeechError.self) {
            _ = try await maker.speak([Cue(start: 0, end: 1_000, lines: ["A."]), Cue(start: 2_000, end: 3_000, lines: ["B."])],
                                      options: options)
        }
        #expect(error.description.contains("sample rate"), "\(error)")
    }

    @Test func speechThatIsNotAudioNamesThePieceOnce() async throws {
        let server = try await StubHTTPServer.start([.bytes(200, [Array("not audio at all".utf8)], contentType: "audio/wav")])
        defer { Task { try? await server.shutdown() } }
        let maker = SpeechMaker(client: OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: server.baseURL)))
        var options = SpeechMaker.Options()
        options.format = .wav
        let cues = [Cue(start: 0, end: 1_000, lines: ["Hello."]), Cue(start: 2_000, end: 3_000, lines: ["There."])]
        let error = try await #require(throws: SpeechError.self) { _ = try await maker.speak(cues, options: options) }
        let message = error.description
        #expect(message.components(separatedBy: "speech for cue 1").count == 2, "\(message)")
        #expect(message.hasPrefix("the speech server returned audio that cannot be read: speech for cue 1: "), "\(message)")
        #expect(!message.contains("\n"))
    }

    // MARK: Extraction

    @Test func extractionNeverReplacesItsInputADirectoryOrADevice() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 3)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        // The input itself, also under another name.
        for target in [input, scratch.path("alias.wav")] {
            if target != input { #expect(link(input, target) == 0) }
            let error = try #require(throws: SubtitlerError.self) {
                try AudioExtraction.extract(from: input, to: URL(fileURLWithPath: target))
            }
            #expect(error.description.contains("the input file itself"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        // A directory (with something in it) is refused before decoding.
        try FileManager.default.createDirectory(atPath: scratch.path("dir.flac/x"), withIntermediateDirectories: true)
        let directory = try #require(throws: SubtitlerError.self) {
            try AudioExtraction.extract(from: input, to: scratch.url.appendingPathComponent("dir.flac"))
        }
        #expect(directory.description.contains("directory"))
        // A FIFO with a reader is written through and stays a FIFO; without one, the write fails at once.
        let fifo = scratch.path("out.wav")
        #expect(mkfifo(fifo, 0o600) == 0)
        let noReader = try #require(throws: SubtitlerError.self) {
            try AudioExtraction.extract(from: input, to: URL(fileURLWithPath: fifo))
        }
        #expect(noReader.description.contains("no process is reading"), "\(noReader)")
        let collected = FIFOCollector(path: fifo)
        let summary = try AudioExtraction.extract(from: input, to: URL(fileURLWithPath: fifo))
        let bytes = collected.finish()
        #expect(summary.sampleCount == 48_000)
        #expect(bytes.count > 90_000 && Array(bytes.prefix(4)) == Array("RIFF".utf8))
        var info = stat()
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(Set(try scratch.files()) == ["alias.wav", "dir.flac", "out.wav", "tones.wav"])
    }

    @Test func anInterruptedExtractionSaysNothingWasWrittenAndNothingOfACache() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 3)
        let output = scratch.url.appendingPathComponent("x.flac")
        let task = Task { () throws -> AudioExtraction.Summary in
            withUnsafeCurrentTask { $0?.cancel() }
            return try AudioExtraction.extract(from: input, to: output)
        }
        let error = try await #require(throws: SubtitlerError.self) { try await task.value }
        #expect(error.description.contains("interrupted") && error.description.contains("nothing was written"))
        #expect(!error.description.contains("cache"))
        #expect(try scratch.files() == ["tones.wav"])
    }

    // MARK: Job outputs

    @Test func aDeviceOrFIFOOutputIsWrittenThroughEvenWhenTheLanguageIsDetected() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        let fifo = scratch.path("live.srt")
        #expect(mkfifo(fifo, 0o600) == 0)
        var job = SubtitleJob(input: input, options: StubPipelineTests.toneOptions())   // no language: the FIFO is
        // "newer" than the input, and not a file
        job.destination = .file(fifo)
        job.remembersLanguage = false
        let runner = JobRunner(subtitler: subtitler(server),
                               languageMemory: LanguageMemory(directory: scratch.url.appendingPathComponent("state")))
        // Nobody reads: a clear failure, at once.
        let unread = await runner.run(job).report
        #expect(unread.status == .failed)
        #expect(unread.error?.contains("no process is reading") == true, "\(unread.error ?? "")")
        // Somebody reads: written through, not skipped as a newer hand-made file.
        let collected = FIFOCollector(path: fifo)
        let report = await runner.run(job).report
        let text = String(decoding: collected.finish(), as: UTF8.self)
        #expect(report.status == .done, "\(report.error ?? report.skipReason?.message ?? "")")
        #expect(text.contains("Tone number one."))
        var info = stat()
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
    }

    @Test func aTargetThatIsADirectoryIsFoundBeforeThePaidRequest() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try StubPipelineTests.makeToneTalk(in: scratch, seconds: 12)
        let server = try await StubHTTPServer.start([.json(200, StubPipelineTests.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        try FileManager.default.createDirectory(atPath: scratch.path("out/tones.en.vtt/x"), withIntermediateDirectories: true)
        var job = SubtitleJob(input: input, formats: [.srt, .vtt])
        job.options.language = "en"
        job.destination = .directory(scratch.path("out"))
        let report = await JobRunner(subtitler: subtitler(server)).run(job).report
        #expect(report.status == .failed)
        #expect(report.error?.contains("tones.en.vtt") == true && report.error?.contains("directory") == true)
        #expect(server.requestCount == 0)
    }

    @Test func anOldFileThatCannotBeKeptIsNotReplaced() throws {
        // As an ordinary user, a folder that allows neither links nor renames of the old file: nothing is replaced.
        guard geteuid() != 0 else { return }   // root may do both; covered by the rollback tests
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        try "old".write(toFile: scratch.path("a.srt"), atomically: true, encoding: .utf8)
        var transaction = OutputTransaction()
        try transaction.stage(Data("new".utf8), for: scratch.url.appendingPathComponent("a.srt"))
        chmod(scratch.url.path, 0o555)
        defer { chmod(scratch.url.path, 0o755) }
        #expect(throws: OutputError.self) { try transaction.commit() }
        #expect(try String(contentsOfFile: scratch.path("a.srt"), encoding: .utf8) == "old")
    }
}
