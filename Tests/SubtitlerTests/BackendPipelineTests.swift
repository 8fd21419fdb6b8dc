import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler

/// The whole pipeline against the real local backend (faster-whisper-server with the base model).
/// Fails, not skips, when SUBTITLER_REQUIRE_BACKEND=1 and the backend is unreachable.
@Suite(.enabled(if: LocalBackend.isConfigured, "set SUBTITLER_TEST_WHISPER_URL or run scripts/test"), .serialized, .backendTurn)
struct BackendPipelineTests {
    func makeSubtitler(cache: URL) throws -> Subtitler {
        let url = try #require(LocalBackend.whisperURL, "SUBTITLER_TEST_WHISPER_URL is not set")
        let client = OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: url, apiKey: nil))
        return Subtitler(client: client, cache: ResponseCache(directory: cache))
    }

    /// The first frame whose energy is clearly speech (no hangover), in milliseconds.
    func firstSpeech(in path: String) throws -> Int64 {
        let reader = try AudioReader(path: path)
        var meter = EnergyMeter(sampleRate: reader.sampleRate)
        while let block = try reader.nextBlock() {
            meter.append(block.samples)
            if meter.energies.count > 500 { break }
        }
        let speech = EnergySpeechDetector.speechFrames(from: meter.energies, hangoverFrames: 0)
        let frame = try #require(speech.firstIndex(of: true))
        return Int64(frame) * 20
    }

    @Test func englishSampleGivesAccurateWellTimedSubtitles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let sample = Samples.directory.appendingPathComponent("talk-en.mp4").path
        let reference = try String(contentsOf: Samples.directory.appendingPathComponent("talk-en.txt"), encoding: .utf8)
        let subtitler = try makeSubtitler(cache: directory.url.appendingPathComponent("cache"))

        var options = SubtitleOptions()
        options.concurrency = 2
        let result = try await subtitler.makeSubtitles(for: sample, options: options)

        let text = result.cues.map(\.text).joined(separator: " ")
        let wer = wordErrorRate(reference: Samples.words(in: reference), hypothesis: Samples.words(in: text))
        #expect(wer < 0.15, "word error rate \(wer): \(text)")
        #expect(result.report.language == "en")
        let first = try #require(result.cues.first)
        let spoken = try firstSpeech(in: sample)
        #expect(abs(first.start - spoken) <= 300, "first cue at \(first.start) ms, first speech at \(spoken) ms")
        // Cues are ordered, do not overlap, and stay inside the audio.
        for (a, b) in zip(result.cues, result.cues.dropFirst()) { #expect(a.end <= b.start) }
        #expect(result.cues.last!.end <= result.report.audioDuration + 1_000)
        #expect(result.report.requests == result.report.chunks.count)
        #expect(result.report.timing == .segment)

        // A second run is answered from the cache: no request is sent.
        let again = try await subtitler.makeSubtitles(for: sample, options: options)
        #expect(again.report.requests == 0)
        #expect(again.report.cachedChunks == again.report.chunks.count)
        #expect(again.cues == result.cues)
    }

    /// A generated programme: music, speech, noise, speech. The real server hears only the speech; the first cue
    /// starts with it, no cue lies over the music or the noise, and the words are as right as on the plain sample.
    @Test func musicAndNoiseAroundSpeechGetNoCues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpeechFixtures.programme(
            [.music(seconds: 12), .speech(from: 0, to: 16.2), .noise(seconds: 6), .speech(from: 17.4, to: 27.6)], in: directory)
        var options = SubtitleOptions()
        options.language = "en"
        options.usesCache = false
        let result = try await makeSubtitler(cache: directory.url).makeSubtitles(for: programme.path, options: options)
        let first = try #require(result.cues.first)
        #expect(abs(first.start - programme.speechOnset(0)) <= 150, "first cue at \(first.start) ms, speech at \(programme.speechOnset(0)) ms")
        for part in [0, 2] {
            let span = programme.span(part)
            let over = result.cues.filter { min($0.end, span.upperBound) - max($0.start, span.lowerBound) > ($0.end - $0.start) / 2 }
            #expect(over.isEmpty, "cues over \(programme.parts[part].part): \(over)")
        }
        let lines = try Samples.text("talk-en.txt").split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        let reference = Samples.words(in: lines[0..<5].joined(separator: " "))
        let wer = wordErrorRate(reference: reference, hypothesis: Samples.words(in: result.cues.map(\.text).joined(separator: " ")))
        #expect(wer < 0.15, "word error rate \(wer)")
        #expect(result.report.speechDetector == .silero)
        #expect(result.report.audioSent < result.report.audioDuration - 15_000)
    }

    @Test func germanSampleTranslatesToEnglish() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let sample = Samples.directory.appendingPathComponent("clip-de.mkv").path
        var options = SubtitleOptions()
        options.task = .translate
        options.track = .language("ger")
        options.usesCache = false
        let result = try await makeSubtitler(cache: directory.url).makeSubtitles(for: sample, options: options)
        let words = Set(Samples.words(in: result.cues.map(\.text).joined(separator: " ")))
        let english = ["welcome", "weather", "berlin", "thank", "tomorrow", "today", "morning", "sun"]
        let found = english.filter(words.contains)
        #expect(found.count >= 4, "English words found: \(found) in \(words.sorted())")
        #expect(!words.contains("wetter") && !words.contains("morgen"))
        #expect(result.report.language == "en")
    }

    @Test func germanSampleTranscribesInGermanWithDetectedLanguage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let sample = Samples.directory.appendingPathComponent("clip-de.mkv").path
        var options = SubtitleOptions()
        options.usesCache = false
        let result = try await makeSubtitler(cache: directory.url).makeSubtitles(for: sample, options: options)
        #expect(result.report.language == "de")
        let words = Set(Samples.words(in: result.cues.map(\.text).joined(separator: " ")))
        #expect(words.contains("berlin"))
    }
}
