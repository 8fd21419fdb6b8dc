import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerDub

/// Dub behaviour a real speech server cannot be made to show on demand: answers of chosen lengths, a server that
/// honours or ignores `speed`, failures. Speech comes from an in-memory synthesiser (the `SpeechSynthesizer` seam),
/// except where the real client's behaviour is the point (the resume cache, an HTTP error); the media and every
/// measurement are real (FFmpeg).
@Suite(.serialized)
struct DubStubTests {
    func dubber(_ speech: FakeSpeechSynthesizer, cache: URL? = nil) -> Dubber {
        let unused = OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: "http://127.0.0.1:9/v1", apiKey: nil))
        return Dubber(subtitler: Subtitler(backend: unused, synthesizer: speech,
                                           cache: cache.map { ResponseCache(directory: $0) }))
    }

    func dubber(_ server: StubHTTPServer, cache: URL?) -> Dubber {
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test-secret-key-123", maxRetries: 0)
        configuration.requestTimeout = .seconds(30)
        let subtitler = Subtitler(client: OpenAIAudioClient(configuration: configuration),
                                  cache: cache.map { ResponseCache(directory: $0) })
        return Dubber(subtitler: subtitler)
    }

    func job(_ input: String, cues: [Cue], output: String, configure: (inout DubOptions) -> Void = { _ in }) -> DubJob {
        var options = DubOptions()
        options.concurrency = 2
        configure(&options)
        return DubJob(input: input, cues: .cues(cues), destination: .file(output), options: options)
    }

    @Test func slowSpeechIsRequestedAgainAtAHigherSpeedThenSpedUp() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let stub = SpeechStub(durations: ["One.": 2.4, "Two.": 3.8, "Three.": 0.8])
        let speech = FakeSpeechSynthesizer { request throws(OpenAIAudioError) in try stub.answer(request) }
        let cues = [
            // Slot 2.0 s; 2.46 s once trimmed (tone and 60 ms of margin): ×1.23, plus 3 % and rounded up, speed 1.3.
            Cue(start: 500, end: 2_000, lines: ["One."]),
            // Slot 2.0 s; 3.86 s needs more than 1.5: then 2.593 s at 1.5, tempo 1.297.
            Cue(start: 2_500, end: 4_000, lines: ["Two."]),
            Cue(start: 4_500, end: 5_500, lines: ["Three."]),  // fits
        ]
        let output = directory.path("out.mkv")
        let result = try await dubber(speech).dub(job(input, cues: cues, output: output))
        let report = result.report

        let requests = speech.requests
        #expect(requests.count == 5)
        let speeds = Dictionary(grouping: requests, by: \.input).mapValues { $0.compactMap(\.speed).sorted() }
        #expect(speeds["One."] == [1.3])
        #expect(speeds["Two."] == [1.5])
        #expect(speeds["Three."] == [])
        for request in requests {
            #expect(request.responseFormat == .wav)
            #expect(request.model == "gpt-4o-mini-tts")
        }

        #expect(report.cues.map(\.speed) == [1.3, 1.5, 1])
        #expect(report.cues[0].tempo == 1)
        #expect(abs(report.cues[1].tempo - (3.8 / 1.5 + 0.06) / 2.0) < 0.02)
        #expect(report.cues.map(\.status) == [.fitted, .fitted, .fitted])
        #expect(report.notFitted.isEmpty)
        #expect(report.speech.requests == 5)
        #expect(report.speech.speedRequests == 2)
        for cue in report.cues {
            #expect(cue.actualStart == cue.plannedStart)
            #expect(try #require(cue.actualEnd) <= cue.slotEnd + 20)
        }

        // The track: speech starts at each cue and stops before the next one.
        let dub = try TrackMeasurements.track(output, index: try #require(report.dubTrack))
        let energies = TrackMeasurements.energies(dub)
        for cue in cues {
            let onset = try #require(TrackMeasurements.onset(in: energies, from: cue.start - 200))
            #expect(abs(onset - cue.start) <= 100, "speech for \(cue.lines) starts at \(onset) ms")
        }
        #expect(energies[(2_440 / 20)..<(2_480 / 20)].allSatisfy { $0 < -60 })
    }

    @Test func aServerThatIgnoresSpeedLeavesItToTheTempoAndIsReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let stub = SpeechStub(durations: ["One.": 2.4], honoursSpeed: false)
        let speech = FakeSpeechSynthesizer { request throws(OpenAIAudioError) in try stub.answer(request) }
        let cues = [Cue(start: 1_000, end: 2_000, lines: ["One."]), Cue(start: 3_000, end: 4_000, lines: ["Two."])]
        let result = try await dubber(speech).dub(job(input, cues: cues, output: directory.path("out.mkv")))
        let cue = result.report.cues[0]
        #expect(speech.requests.count == 3)
        #expect(cue.speed == 1)
        // 2.4 s of tone plus 60 ms of kept margin into 2.0 s.
        #expect(cue.tempo > 1.2 && cue.tempo < 1.25)
        #expect(cue.status == .fitted)
        #expect(result.report.warnings.contains { $0.contains("ignore `speed`") })
    }

    @Test func speechThatCannotFitRunsOverWholeAndDelaysTheNext() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let stub = SpeechStub(durations: ["Long.": 2.0, "Next.": 0.5])
        let speech = FakeSpeechSynthesizer { request throws(OpenAIAudioError) in try stub.answer(request) }
        let cues = [Cue(start: 1_000, end: 1_800, lines: ["Long."]), Cue(start: 2_000, end: 3_000, lines: ["Next."])]
        let output = directory.path("out.mkv")
        let result = try await dubber(speech).dub(job(input, cues: cues, output: output) { options in
            options.maxSpeed = 1
        })
        let report = result.report
        #expect(speech.requests.count == 2)
        #expect(report.notFitted == [1])
        let first = report.cues[0]
        let second = report.cues[1]
        #expect(first.status == .overran)
        #expect(first.tempo == 1.35)
        // 2.06 s at 1.35x, whole: not cut at the slot.
        let firstEnd = try #require(first.actualEnd)
        #expect(abs(firstEnd - first.plannedStart - 1_526) <= 20)
        #expect(abs(try #require(second.actualStart) - (firstEnd + 120)) <= 1)
        #expect(second.status == .fitted)

        let energies = TrackMeasurements.energies(try TrackMeasurements.track(output, index: try #require(report.dubTrack)))
        // Tone through the whole first utterance (1.02 ... 2.50 s), silence in the gap, then the second.
        #expect(energies[(1_100 / 20)..<(2_480 / 20)].allSatisfy { $0 > -30 })
        #expect(energies[(2_540 / 20)..<(2_640 / 20)].allSatisfy { $0 < -60 })
        let onset = try #require(TrackMeasurements.onset(in: energies, from: 2_540))
        #expect(abs(onset - (try #require(second.actualStart))) <= 100)
    }

    @Test func aCachedRerunSendsNothingAndWritesTheSameTrack() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let stub = SpeechStub(durations: ["One.": 2.4, "Two.": 0.7])
        // The real client over a stub server: the cache entries must not hold the key it sends.
        let server = try await StubHTTPServer.start { _, request in stub.respond(request) }
        defer { Task { try? await server.shutdown() } }
        let cues = [Cue(start: 500, end: 2_000, lines: ["One."]), Cue(start: 2_500, end: 3_500, lines: ["Two."])]
        let dubber = dubber(server, cache: directory.cache)

        let first = try await dubber.dub(job(input, cues: cues, output: directory.path("first.mkv"))).report
        let sent = server.requestCount
        #expect(sent == 3)
        #expect(first.speech.requests == 3)
        #expect(first.speech.cacheHits == 0)

        let second = try await dubber.dub(job(input, cues: cues, output: directory.path("second.mkv"))).report
        #expect(server.requestCount == sent)
        #expect(second.speech.requests == 0)
        #expect(second.speech.cacheHits == 3)
        #expect(second.speech.bytesReceived == 0)
        #expect(second.cues.allSatisfy { $0.cached })
        #expect(second.cues.map(\.speed) == first.cues.map(\.speed))
        #expect(try TrackMeasurements.packetHash(directory.path("first.mkv"), "a:1")
                == TrackMeasurements.packetHash(directory.path("second.mkv"), "a:1"))

        // Another voice is another answer; the key never holds the API key.
        var other = job(input, cues: cues, output: directory.path("third.mkv"))
        other.options.voice = "coral"
        _ = try await dubber.dub(other)
        #expect(server.requestCount == sent + 3)
        let entries = FileManager.default.enumerator(atPath: directory.cache.path)?.allObjects as? [String] ?? []
        for entry in entries where entry.hasSuffix(".json") {
            let text = try String(contentsOfFile: directory.cache.appendingPathComponent(entry).path, encoding: .utf8)
            #expect(!text.contains("sk-test-secret-key-123"))
        }
    }

    @Test(arguments: ["mkv", "mp4", "webm", "mov"])
    func theDubIsAsLongAsTheMediaAndDucksTheOriginal(container: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory, name: "media.\(container)")
        let stub = SpeechStub(durations: ["Hello.": 1.0])
        let speech = FakeSpeechSynthesizer { request throws(OpenAIAudioError) in try stub.answer(request) }
        let output = directory.path("out.\(container)")
        let cues = [Cue(start: 2_000, end: 3_000, lines: ["Hello."])]
        let result = try await dubber(speech).dub(job(input, cues: cues, output: output) { options in
            options.duckDecibels = 12
        })
        let report = result.report
        let info = try MediaProbe.probe(input)
        let mediaDuration = try #require(info.duration)
        #expect(report.mediaDuration == mediaDuration)
        #expect(report.encoding == (container == "mkv" || container == "webm" ? .opus : .m4a))

        // Length: the decoded dub track is the media's length within one codec frame (20 ms Opus, 21.3 ms AAC).
        let dubIndex = try #require(report.dubTrack)
        let dub = try TrackMeasurements.track(output, index: dubIndex)
        let frame: Int64 = report.encoding == .opus ? 20 : 22
        #expect(abs(Int64(dub.count) * 1000 / 48_000 - mediaDuration) <= frame, "dub \(dub.count) samples")

        // Ducking: where the dub is silent, the original tone at 12 dB lower.
        let original = try TrackMeasurements.track(input, index: try #require(info.audioStreams.first).index)
        let dubEnergies = TrackMeasurements.energies(dub)
        let originalEnergies = TrackMeasurements.energies(original)
        let quiet = Array(5..<90) + Array(170..<280)   // 0.1-1.8 s and 3.4-5.6 s
        let lowered = TrackMeasurements.meanLevel(dubEnergies, frames: quiet) - TrackMeasurements.meanLevel(originalEnergies, frames: quiet)
        #expect(abs(lowered + 12) <= 1, "lowered by \(-lowered) dB")
        // Speech where the cue is.
        #expect(TrackMeasurements.meanLevel(dubEnergies, frames: Array(105..<145)) > TrackMeasurements.meanLevel(dubEnergies, frames: quiet) + 6)

        // The original streams are copied bit for bit.
        #expect(try TrackMeasurements.packetHash(input, "a:0") == TrackMeasurements.packetHash(output, "a:0"))
        #expect(try TrackMeasurements.packetHash(input, "v:0") == TrackMeasurements.packetHash(output, "v:0"))
        let added = try #require(result.media.streams.first { $0.index == dubIndex })
        #expect(added.kind == .audio)
        #expect(added.language == "eng")
        #expect(added.dispositions.contains(.default) == false)
    }

    @Test func anOutputThatIsTheInputIsATypedRefusalNamingNoFlag() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let speech = FakeSpeechSynthesizer { request throws(OpenAIAudioError) in try SpeechStub(durations: [:]).answer(request) }
        let onto = self.job(input, cues: [Cue(start: 1_000, end: 2_000, lines: ["Hello."])], output: input)
        let error = try await #require(throws: DubError.self) { _ = try await dubber(speech).dub(onto) }
        #expect(error.kind == .outputIsInput, "\(error)")
        #expect(error.path == input && error.output == input)
        #expect(!error.description.contains("--"), "\(error.description)")
        #expect(speech.requests.isEmpty)
    }

    @Test func aDubConfinedToRootsWritesThroughItsFolderAndRefusesAnInputOutsideThem() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let speech = FakeSpeechSynthesizer { request throws(OpenAIAudioError) in try SpeechStub(durations: [:]).answer(request) }
        var job = DubJob(input: input, cues: .cues([Cue(start: 1_000, end: 2_000, lines: ["Hello."])]),
                         destination: .replacingInput)
        job.outputRoots = [directory.url.path]
        let result = try await dubber(speech).dub(job)
        // The report names the real file, never the descriptor path the muxer wrote through.
        #expect(result.report.output == input)
        #expect(result.media.path == input)
        #expect(try MediaProbe.probe(input).audioStreams.count == 2)
        #expect(try directory.files() == ["media.mkv"])

        // Roots that do not hold the input: refused before anything is sent, the file untouched.
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let sent = speech.requests.count
        job.outputRoots = [directory.path("elsewhere")]
        let error = try await #require(throws: DubError.self) { _ = try await dubber(speech).dub(job) }
        #expect(error.kind == .invalidJob, "\(error)")
        #expect(error.description.contains("outside the folders"), "\(error)")
        #expect(!error.description.contains("/proc/self/fd"))
        #expect(speech.requests.count == sent)
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
    }

    @Test func dubbingInPlaceTwiceLeavesOneDubTrackAndTheOriginals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let audioHash = try TrackMeasurements.packetHash(input, "a:0")
        let stub = SpeechStub(durations: [:])
        let speech = FakeSpeechSynthesizer { request throws(OpenAIAudioError) in try stub.answer(request) }
        var job = DubJob(input: input, cues: .cues([Cue(start: 1_000, end: 2_000, lines: ["Hello."])]),
                         destination: .replacingInput)
        job.options.embedsSubtitles = true
        let first = try await dubber(speech).dub(job)
        #expect(first.report.output == input)
        job.cues = .cues([Cue(start: 3_000, end: 4_000, lines: ["Again."])])
        let second = try await dubber(speech).dub(job)

        let info = try MediaProbe.probe(input)
        #expect(info.audioStreams.count == 2)
        #expect(info.streams.filter { $0.kind == .subtitle }.count == 1)
        #expect(try TrackMeasurements.packetHash(input, "a:0") == audioHash)
        let dubIndex = try #require(second.report.dubTrack)
        #expect(info.streams[dubIndex].isSubtitlerTrack)
        // The second dub replaced the first: speech at 3 s, none at 1 s.
        let energies = TrackMeasurements.energies(try TrackMeasurements.track(input, index: dubIndex))
        #expect(energies[(1_100 / 20)..<(1_900 / 20)].allSatisfy { $0 < -60 })
        #expect(energies[(3_100 / 20)..<(3_900 / 20)].allSatisfy { $0 > -30 })
        #expect(try directory.files() == ["media.mkv"])
    }

    @Test func dubbingInPlaceRemovesDeadWritersTemporariesFromTheFolderAndKeepsLiveOnes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let planted = try directory.plantTemporaries(deadProcess: try TemporaryDirectory.deadProcessID())
        let stub = SpeechStub(durations: [:])
        let server = try await StubHTTPServer.start { _, request in stub.respond(request) }
        defer { Task { try? await server.shutdown() } }
        let job = DubJob(input: input, cues: .cues([Cue(start: 1_000, end: 2_000, lines: ["Hello."])]),
                         destination: .replacingInput)
        _ = try await dubber(server, cache: nil).dub(job)
        #expect(try directory.files() == ["media.mkv", planted.live].sorted())
    }

    @Test func aSilentVideoGetsAVoiceFromGivenCues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = directory.path("silent.mp4")
        _ = try FFmpegCLI.run(["-y", "-f", "lavfi", "-i", "color=c=black:s=64x64:d=4:r=10", "-c:v", "mpeg4", input])
        let speech = FakeSpeechSynthesizer { request throws(OpenAIAudioError) in try SpeechStub(durations: [:]).answer(request) }
        let cues = [Cue(start: 1_000, end: 2_500, lines: ["Hello."])]
        let output = directory.path("voiced.mp4")
        let result = try await dubber(speech).dub(job(input, cues: cues, output: output))
        #expect(result.report.originalTrack == nil)
        #expect(result.media.audioStreams.count == 1)
        let dub = try TrackMeasurements.track(output, index: try #require(result.report.dubTrack))
        #expect(abs(Int64(dub.count) * 1000 / 48_000 - result.report.mediaDuration) <= 22)

        // Ducking needs an original.
        await #expect(throws: DubError.self) {
            try await dubber(speech).dub(job(input, cues: cues, output: output) { $0.duckDecibels = 6 })
        }
    }

    @Test func aFailedRequestWritesNothingAndNamesTheCue() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let stub = SpeechStub(durations: [:], failing: ["Bad."])
        // The real client over a stub server: the message is the client's, and never holds the key.
        let server = try await StubHTTPServer.start { _, request in stub.respond(request) }
        defer { Task { try? await server.shutdown() } }
        let cues = (0..<5).map { Cue(start: Int64($0) * 1_000, end: Int64($0) * 1_000 + 800, lines: [$0 == 3 ? "Bad." : "Fine."]) }
        let output = directory.path("out.mkv")
        let error = await #expect(throws: DubError.self) {
            try await dubber(server, cache: nil).dub(job(input, cues: cues, output: output))
        }
        let description = try #require(error).description
        #expect(description.hasPrefix("\(input): cue 4: audio/speech: HTTP 400"))
        #expect(!description.contains("sk-test"))
        #expect(try directory.files() == ["media.mkv"])
    }

    @Test func nothingToSayIsAnError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try DubFixtures.toneVideo(in: directory)
        let speech = FakeSpeechSynthesizer { _ throws(OpenAIAudioError) in
            throw FakeSpeechSynthesizer.rejected(500, message: "nothing should be asked")
        }
        let cues = [Cue(start: 1_000, end: 2_000, lines: ["♪ ♪"]), Cue(start: 60_000, end: 61_000, lines: ["Late."])]
        await #expect(throws: DubError.self) {
            try await dubber(speech).dub(job(input, cues: cues, output: directory.path("out.mkv")))
        }
        #expect(speech.requests.count == 0)
        #expect(try directory.files() == ["media.mkv"])
    }
}
