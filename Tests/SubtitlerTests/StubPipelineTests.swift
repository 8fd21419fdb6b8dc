import Foundation
import MediaAudio
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler

/// Pipeline behaviour a real server cannot be made to show on demand: limits, failures, cancellation,
/// concurrency. The in-process stub answers like OpenAI's whisper-1.
@Suite(.serialized)
struct StubPipelineTests {
    static let verboseBody = PipelineFixtures.verboseBody
    static func toneOptions() -> SubtitleOptions { PipelineFixtures.toneOptions() }
    static func makeToneTalk(in directory: TemporaryDirectory, seconds: Int = 180) throws -> String {
        try PipelineFixtures.makeToneTalk(in: directory, seconds: seconds)
    }

    func subtitler(_ server: StubHTTPServer, cache: URL?, key: String = "sk-test-secret-key-123") -> Subtitler {
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: key, maxRetries: 0)
        configuration.requestTimeout = .seconds(30)
        return Subtitler(client: OpenAIAudioClient(configuration: configuration), cache: cache.map { ResponseCache(directory: $0) })
    }

    /// The value of a multipart form field in a recorded request, if present.
    func formField(_ name: String, in request: StubHTTPServer.RecordedRequest) -> String? {
        let text = String(decoding: request.body, as: UTF8.self)
        guard let range = text.range(of: "name=\"\(name)\"\r\n\r\n") else { return nil }
        return String(String.UnicodeScalarView(text[range.upperBound...].unicodeScalars.prefix { $0 != "\r" && $0 != "\n" }))
    }

    @Test func chunksRespectTheByteLimitAndCoverTheTimeline() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory)
        let server = try await StubHTTPServer.start([.json(200, Self.verboseBody)])
        defer { Task { try? await server.shutdown() } }

        var options = Self.toneOptions()
        options.language = "en"
        options.uploadEncoding = .wav
        options.maxRequestBytes = 300_000          // about 9 s of 16 kHz WAV
        options.targetChunkDuration = 60_000
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)

        let chunks = result.report.chunks
        #expect(chunks.count >= 20)
        #expect(server.requestCount == chunks.count)
        for request in server.requests { #expect(request.body.count <= 300_000) }
        for chunk in chunks { #expect(chunk.requestBytes <= 300_000) }
        // Contiguous, exact offsets covering the whole timeline.
        #expect(chunks.first?.start == 0)
        for (a, b) in zip(chunks, chunks.dropFirst()) { #expect(a.start + a.duration == b.start) }
        #expect(abs(chunks.last!.start + chunks.last!.duration - 180_000) <= 20)
        // Most splits found a pause.
        #expect(chunks.filter(\.endsInSilence).count >= chunks.count * 2 / 3)
    }

    @Test func textOnlyModelsGetShortChunksCutInPauses() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 120)
        let server = try await StubHTTPServer.start([.json(200, #"{"text":"Tone.","usage":{"type":"tokens","input_tokens":5,"output_tokens":2,"total_tokens":7}}"#)])
        defer { Task { try? await server.shutdown() } }

        var options = Self.toneOptions()
        options.model = "gpt-4o-transcribe"
        options.language = "en"
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        #expect(result.report.timing == .region)
        #expect(result.report.chunks.allSatisfy { $0.duration <= 30_000 })
        #expect(result.report.chunks.count >= 4)
        // Each cut sits in a pause: chunk boundaries fall 8-10 s into each 10 s period.
        for chunk in result.report.chunks.dropFirst() {
            #expect(chunk.start % 10_000 >= 8_000, "boundary at \(chunk.start) ms")
        }
        #expect(formField("response_format", in: server.requests[0]) == "json")
        #expect(formField("timestamp_granularities[]", in: server.requests[0]) == nil)
        // Region-level cues start where the tone starts (every 10 s), give or take the speech map's 200 ms hangover.
        #expect(result.cues.count >= result.report.chunks.count)
        for cue in result.cues {
            let offset = (cue.start + 5_000) % 10_000 - 5_000
            #expect(abs(offset) <= 300, "cue at \(cue.start) ms")
        }
        #expect(result.report.warnings.contains { $0.contains("region-level") })
    }

    @Test func aRunStoppedHalfWaySendsOnlyTheMissingChunksWhenRunAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory)
        // The first three requests are answered; later ones are held until the first run is stopped, so no answer
        // can land in the cache between the third chunk's event and the cancellation taking effect.
        let holding = HoldFlag()
        let unanswered = Gate()
        defer { unanswered.open() }
        let server = try await StubHTTPServer.start { index, _ in
            index >= 3 && holding.isHolding
                ? .json(200, Self.verboseBody).held(by: unanswered) : .json(200, Self.verboseBody, delay: .milliseconds(400))
        }
        defer { Task { try? await server.shutdown() } }
        let cache = directory.url.appendingPathComponent("cache")
        var options = Self.toneOptions()
        options.language = "en"
        options.targetChunkDuration = 20_000
        options.concurrency = 2

        // The chunks whose answers arrived in the first run: exactly these must come from the cache in the second.
        let answered = IndexLog()
        let (threeDone, signal) = AsyncStream<Void>.makeStream()
        let subtitler = subtitler(server, cache: cache)
        let first = Task {
            try await subtitler.makeSubtitles(for: input, options: options) { event in
                if case .chunkDone(let index, false, _) = event, answered.record(index) == 3 { signal.yield() }
            }
        }
        for await _ in threeDone { break }
        first.cancel()
        await #expect(throws: SubtitlerError.self) { try await first.value }
        holding.release()

        let second = try await subtitler.makeSubtitles(for: input, options: options)
        let total = second.report.chunks.count
        #expect(total >= 8)
        let cachedIndexes = Set(second.report.chunks.filter(\.cached).map(\.index))
        #expect(cachedIndexes == answered.indexes)
        #expect(cachedIndexes.count >= 3 && cachedIndexes.count < total)
        #expect(second.report.requests == total - cachedIndexes.count)
        // The second run's requests carry only the chunks that were not cached.
        let requested = server.requests.suffix(second.report.requests).compactMap { request -> Int? in
            guard let range = request.bodyText.range(of: #"filename="chunk-(\d{4})\."#, options: .regularExpression) else { return nil }
            return Int(request.bodyText[range].filter(\.isNumber)).map { $0 - 1 }
        }
        #expect(Set(requested).isDisjoint(with: cachedIndexes))
        #expect(Set(requested).count == second.report.requests)
    }

    @Test func aFailedChunkFailsTheFileUnlessGapsAreAllowed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 60)
        let server = try await StubHTTPServer.start { _, request in
            request.bodyText.contains("filename=\"chunk-0003.") ? .json(400, #"{"error":{"message":"Audio file might be corrupted","type":"invalid_request_error","param":"file","code":null}}"#)
                       : .json(200, Self.verboseBody)
        }
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.language = "en"
        options.targetChunkDuration = 10_000
        options.concurrency = 1

        do {
            _ = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
            Issue.record("expected the file to fail")
        } catch let error {
            #expect(error.kind == .chunksFailed, "\(error)")
            #expect(error.chunkFailures.map(\.index) == [2])
            #expect(error.description.contains("Audio file might be corrupted"))
            #expect(error.description.contains("chunk 3"))
        }

        options.allowsGaps = true
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        #expect(result.report.gaps.map(\.index) == [2])
        #expect(!result.cues.isEmpty)
        let gap = try #require(result.report.gaps.first)
        #expect(result.cues.allSatisfy { $0.end <= gap.start || $0.start >= gap.end })
    }

    @Test func gapsAreNotAcceptedWhenNothingCameBack() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 30)
        let server = try await StubHTTPServer.start([.text(500, "Internal Server Error")])
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.language = "en"
        options.targetChunkDuration = 10_000
        options.allowsGaps = true
        let error = try await #require(throws: SubtitlerError.self) {
            _ = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        }
        #expect(error.kind == .chunksFailed, "\(error)")
        let failures = error.chunkFailures
        #expect(error.path == input)
        #expect(failures.count == 3)
        #expect(failures.allSatisfy { $0.message.contains("500") })
        #expect(error.description.contains("nothing written"))
    }

    @Test func cachedAnswersAreKeptPerServer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 20)
        let cache = directory.url.appendingPathComponent("cache")
        let first = try await StubHTTPServer.start([.json(200, Self.verboseBody)])
        let second = try await StubHTTPServer.start([.json(200, Self.verboseBody)])
        defer { Task { try? await first.shutdown(); try? await second.shutdown() } }
        var options = Self.toneOptions()
        options.language = "en"
        _ = try await subtitler(first, cache: cache).makeSubtitles(for: input, options: options)
        let again = try await subtitler(first, cache: cache).makeSubtitles(for: input, options: options)
        #expect(again.report.requests == 0)
        let elsewhere = try await subtitler(second, cache: cache).makeSubtitles(for: input, options: options)
        #expect(elsewhere.report.requests == elsewhere.report.chunks.count)
        #expect(second.requestCount == elsewhere.report.chunks.count)
    }

    @Test func concurrencyNeverExceedsTheSetting() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 100)
        let arrivals = ArrivalLog()
        let delay = Duration.milliseconds(300)
        let server = try await StubHTTPServer.start { _, _ in
            arrivals.record()
            return .json(200, Self.verboseBody, delay: delay)
        }
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.language = "en"
        options.targetChunkDuration = 10_000
        options.concurrency = 3
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        #expect(result.report.chunks.count >= 8)
        // A request counts as in flight from its arrival until its delayed answer.
        let maximum = arrivals.maximumOverlap(within: delay)
        #expect(maximum <= 3)
        #expect(maximum >= 2, "requests were not sent concurrently")
    }

    @Test func theFirstChunksLanguageSteersTheRest() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 40)
        let server = try await StubHTTPServer.start([.json(200, Self.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.targetChunkDuration = 10_000
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        let requests = server.requests
        #expect(requests.count >= 3)
        #expect(formField("language", in: requests[0]) == nil)
        for request in requests.dropFirst() { #expect(formField("language", in: request) == "en") }
        #expect(result.report.language == "en")
        #expect(formField("response_format", in: requests[0]) == "verbose_json")
    }

    @Test func aBadKeyStopsAtTheFirstRequestAndIsNeverShown() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 60)
        let key = "sk-this-key-must-not-leak-42"
        let server = try await StubHTTPServer.start([
            .json(401, #"{"error":{"message":"Incorrect API key provided: sk-this-key-must-not-leak-42.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#, headers: [("x-request-id", "req_abc123")]),
        ])
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.targetChunkDuration = 10_000
        do {
            _ = try await subtitler(server, cache: nil, key: key).makeSubtitles(for: input, options: options)
            Issue.record("expected a failure")
        } catch {
            #expect(!error.description.contains(key))
            #expect(error.description.contains("req_abc123"))
            #expect(error.description.contains("401") || error.description.lowercased().contains("api key"))
        }
        #expect(server.requestCount == 1)
    }

    @Test func diarizedSpeakersFlowIntoCues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 20)
        let body = """
            {"task":"transcribe","duration":20.0,"text":"A: Are you coming tonight?\\nB: Yes, I will be there at eight.",
             "segments":[
              {"type":"transcript.text.segment","id":"seg_001","start":0.2,"end":2.4,"text":"Are you coming tonight?","speaker":"A"},
              {"type":"transcript.text.segment","id":"seg_002","start":10.1,"end":13.0,"text":"Yes, I will be there at eight.","speaker":"B"}],
             "usage":{"type":"tokens","input_tokens":10,"output_tokens":12,"total_tokens":22}}
            """
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.model = "gpt-4o-transcribe-diarize"
        options.hallucinationGuard = .disabled
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        #expect(formField("response_format", in: server.requests[0]) == "diarized_json")
        #expect(formField("chunking_strategy", in: server.requests[0]) == "auto")
        #expect(result.cues.count == 2)
        #expect(result.cues.map(\.speaker) == ["A", "B"])
        #expect(result.report.timing == .segment)
        let vtt = Subtitler.render(result.cues, as: .vtt)
        #expect(vtt.contains("<v A>") && vtt.contains("<v B>"))
    }

    @Test func textOverSilenceIsDroppedAndReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // Tone for 8 s, silence from 8 s to 10 s, tone again: the model "hears" a phrase in the pause.
        let input = try Self.makeToneTalk(in: directory, seconds: 20)
        let body = """
            {"task":"transcribe","language":"english","duration":20.0,"text":"Tone one. Thanks for watching! Tone two.",
             "segments":[
              {"id":0,"start":0.3,"end":7.5,"text":" Tone one is playing now.","avg_logprob":-0.2,"compression_ratio":1.2,"no_speech_prob":0.01},
              {"id":1,"start":8.2,"end":9.7,"text":" Thanks for watching!","avg_logprob":-0.9,"compression_ratio":1.0,"no_speech_prob":0.4},
              {"id":2,"start":10.2,"end":17.5,"text":" Tone two is playing now.","avg_logprob":-0.2,"compression_ratio":1.2,"no_speech_prob":0.01}]}
            """
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.language = "en"
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        let text = result.cues.map(\.text).joined(separator: " ")
        #expect(!text.contains("Thanks for watching"))
        #expect(text.contains("Tone one") && text.contains("Tone two"))
        let dropped = try #require(result.report.dropped.first)
        #expect(dropped.text.contains("Thanks for watching"))
        #expect(dropped.start >= 8_000 && dropped.end <= 10_000)

        options.hallucinationGuard = .disabled
        let unguarded = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        #expect(unguarded.cues.map(\.text).joined(separator: " ").contains("Thanks for watching"))
        #expect(unguarded.report.dropped.isEmpty)
    }

    @Test func wordTimestampsTimeTheSplitsLikeOpenAIsWhisper() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 20)
        // One long segment (as whisper-1 returns) with word times; the sentence break falls at 4.0 s.
        let words = [("The", 0.3), ("first", 0.6), ("sentence", 0.9), ("is", 1.5), ("about", 1.8), ("the", 2.3), ("weather", 2.6),
                     ("in", 3.2), ("Berlin.", 3.5), ("Then", 4.0), ("we", 4.4), ("talk", 4.7), ("about", 5.1), ("trains", 5.5),
                     ("and", 6.1), ("how", 6.4), ("late", 6.8), ("they", 7.2), ("run.", 7.5)]
        let wordJSON = words.map { #"{"word":"\#($0.0.trimmingCharacters(in: .punctuationCharacters))","start":\#($0.1),"end":\#($0.1 + 0.3)}"# }
        let body = """
            {"task":"transcribe","language":"english","duration":20.0,
             "text":"The first sentence is about the weather in Berlin. Then we talk about trains and how late they run.",
             "segments":[{"id":0,"start":0.0,"end":7.9,"text":" The first sentence is about the weather in Berlin. Then we talk about trains and how late they run.",
               "avg_logprob":-0.2,"compression_ratio":1.3,"no_speech_prob":0.01}],
             "words":[\(wordJSON.joined(separator: ","))]}
            """
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.language = "en"
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        #expect(result.report.timing == .word)
        #expect(formField("timestamp_granularities[]", in: server.requests[0]) == "segment")
        #expect(server.requests[0].bodyText.contains("name=\"timestamp_granularities[]\"\r\n\r\nword"))
        #expect(result.cues.count == 2)
        let first = try #require(result.cues.first)
        let second = try #require(result.cues.last)
        #expect(first.text.hasSuffix("Berlin."))
        #expect(first.start == 300)
        #expect(second.start == 4_000)
        #expect(second.text.hasPrefix("Then"))
    }

    @Test func absurdSegmentTimesFromAServerStayOnTheTimeline() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 20)
        let body = #"{"task":"transcribe","language":"english","duration":20.0,"text":"x","segments":[{"id":0,"start":-5,"end":1e300,"text":" A tone plays for a long while now."}],"words":[{"word":"A","start":1e300,"end":-1e300}]}"#
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.language = "en"
        let result = try await subtitler(server, cache: nil).makeSubtitles(for: input, options: options)
        #expect(!result.cues.isEmpty)
        for cue in result.cues {
            #expect(cue.start >= 0 && cue.end <= 21_000 && cue.start < cue.end)
        }
    }

    @Test func dryRunPlansWithoutAnyRequest() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try Self.makeToneTalk(in: directory, seconds: 60)
        let server = try await StubHTTPServer.start([.json(200, Self.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        var options = Self.toneOptions()
        options.targetChunkDuration = 20_000
        let plan = try subtitler(server, cache: nil).plan(for: input, options: options)
        #expect(plan.chunks.count >= 2)
        #expect(abs(plan.audioDuration - 60_000) <= 20)
        #expect(abs(plan.estimatedCost - 0.006) < 0.0001)
        #expect(plan.audioSent == plan.audioDuration)
        #expect(server.requestCount == 0)
        // Sending only speech prices only what would be sent.
        options.sendsOnlySpeech = true
        options.minimumOmittedSilence = 1_000
        let speech = try subtitler(server, cache: nil).plan(for: input, options: options)
        #expect(speech.audioSent < plan.audioDuration - 5 * 1_000)
        #expect(abs(speech.estimatedCost - Double(speech.audioSent) / 60_000 * 0.006) < 0.000_001)
    }
}

/// Chunk indexes seen by a progress callback.
/// Whether the stub still holds its later answers.
final class HoldFlag: Sendable {
    private let holding = NIOLockedValueBox(true)
    var isHolding: Bool { holding.withLockedValue { $0 } }
    func release() { holding.withLockedValue { $0 = false } }
}

final class IndexLog: Sendable {
    private let seen = NIOLockedValueBox<Set<Int>>([])
    /// Records an index; returns how many distinct indexes have been seen.
    func record(_ index: Int) -> Int { seen.withLockedValue { $0.insert(index); return $0.count } }
    var indexes: Set<Int> { seen.withLockedValue { $0 } }
}

/// Arrival times of requests at the stub.
final class ArrivalLog: Sendable {
    private let times = NIOLockedValueBox<[ContinuousClock.Instant]>([])
    func record() { times.withLockedValue { $0.append(.now) } }

    /// The most requests that arrived within `window` of each other (each is answered `window` after arrival).
    func maximumOverlap(within window: Duration) -> Int {
        let sorted = times.withLockedValue { $0.sorted() }
        var best = 0
        for (i, time) in sorted.enumerated() {
            let overlapping = sorted[...i].filter { time - $0 < window }.count
            best = max(best, overlapping)
        }
        return best
    }
}
