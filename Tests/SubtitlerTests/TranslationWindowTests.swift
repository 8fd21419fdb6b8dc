import Foundation
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
import MediaAudio

/// Translations that stay in English: short speech windows, every segment checked, the foreign ones re-requested
/// in a shorter window, and those still foreign reported instead of written.
@Suite(.serialized)
struct TranslationWindowTests {
    func subtitler(_ server: StubHTTPServer) -> Subtitler {
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test", maxRetries: 0)
        configuration.requestTimeout = .seconds(30)
        return Subtitler(client: OpenAIAudioClient(configuration: configuration), cache: nil)
    }

    static let german = "Heute sprechen wir über das Wetter in Berlin."
    static let english = "Today we are talking about the weather in Berlin."

    /// A stub that answers each window with one English and one German segment, and re-requests (named
    /// `…-retry-N`) with `retryText`.
    func start(retryText: String) async throws -> StubHTTPServer {
        try await StubHTTPServer.start { _, request in
            let upload = (try? SpeechFixtures.pcm(fromWAV: request.body)) ?? []
            let length = SpeechPipelineTests.seconds(upload.count)
            if request.bodyText.contains("-retry-") {
                return .json(200, SpeechPipelineTests.verbose([(0.1, length - 0.1, retryText)], task: "translate"))
            }
            let half = (length / 2 * 1000).rounded() / 1000
            return .json(200, SpeechPipelineTests.verbose([
                (0.0, half, "Welcome, and thank you for coming to this talk."),
                (half, length, Self.german),
            ], task: "translate"))
        }
    }

    @Test func windowsAreShortAndAForeignSegmentIsReRequestedThenReplaced() async throws {
        let server = try await start(retryText: Self.english)
        defer { Task { try? await server.shutdown() } }
        var options = SubtitleOptions()
        options.task = .translate
        options.uploadEncoding = .wav
        let result = try await subtitler(server).makeSubtitles(for: Samples.url("talk-en.mp4").path, options: options)
        let windows = server.requests.filter { !$0.bodyText.contains("-retry-") }
        let retries = server.requests.filter { $0.bodyText.contains("-retry-") }
        #expect(windows.count >= 2)
        #expect(result.report.chunks.allSatisfy { $0.duration <= 30_000 && $0.endsInSilence })
        for window in windows {
            let samples = try SpeechFixtures.pcm(fromWAV: window.body)
            #expect(samples.count <= 30 * 16_000)
        }
        #expect(retries.count == windows.count)
        // A re-request holds only the foreign segment's audio: shorter than its window.
        let longestWindow = try windows.map { try SpeechFixtures.pcm(fromWAV: $0.body).count }.max() ?? 0
        for retry in retries {
            let samples = try SpeechFixtures.pcm(fromWAV: retry.body)
            #expect(samples.count < longestWindow)
        }
        let text = result.cues.map(\.text).joined(separator: " ")
        #expect(!text.contains("Wetter"))
        #expect(text.components(separatedBy: "Today we are talking").count - 1 == windows.count)
        #expect(result.report.dropped.isEmpty)
        #expect(result.report.requests == windows.count + retries.count)
        #expect(result.report.audioSent > result.report.chunks.reduce(0) { $0 + $1.audioSent })
    }

    @Test func aSegmentStillForeignAfterTheReRequestIsReportedNotWritten() async throws {
        let server = try await start(retryText: "Heute sprechen wir wirklich über das Wetter.")
        defer { Task { try? await server.shutdown() } }
        var options = SubtitleOptions()
        options.task = .translate
        options.uploadEncoding = .wav
        let result = try await subtitler(server).makeSubtitles(for: Samples.url("talk-en.mp4").path, options: options)
        let text = result.cues.map(\.text).joined(separator: " ")
        #expect(!text.contains("Wetter") && !text.contains("Heute"))
        #expect(text.contains("thank you for coming"))
        let rejected = result.report.dropped.filter { $0.rule == DroppedSegment.Rule.notEnglish }
        #expect(rejected.count == result.report.chunks.filter { $0.audioSent > 0 }.count)
        #expect(rejected.allSatisfy { $0.text == Self.german })
        #expect(result.report.warnings.contains { $0.contains("stayed in another language") })
        #expect(result.report.language == "en")
    }
}
