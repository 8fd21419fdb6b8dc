import Foundation
import OpenAIAudio
import Subtitles
import TestSupport
import Testing

@testable import Subtitler

/// The translation protocol against the real local chat server (llama-cpp-python 0.3.36 with Gemma 3 270M, started by
/// `scripts/local-backend`). Such a small model tests the protocol, not translation quality: it drops, merges and
/// invents cues and leaves some in English, so these tests assert the guarantees, which must hold whatever it answers.
@Suite(.enabled(if: LocalBackend.isChatConfigured), .serialized, .timeLimit(.minutes(10)))
struct ChatTranslationBackendTests {
    static func client() throws -> OpenAIAudioClient {
        let url = try #require(LocalBackend.chatURL)
        var configuration = OpenAIConfiguration(baseURL: "http://127.0.0.1:9/v1", chatBaseURL: url)
        configuration.requestTimeout = .seconds(240)
        return OpenAIAudioClient(configuration: configuration)
    }

    static let lines = [
        "Good evening and welcome to the news.",
        "The weather is cold and wet today.",
        "Thank you for watching.",
        "Good night.",
    ]

    static func cues() -> [Cue] {
        lines.enumerated().map { index, line in
            Cue(start: Milliseconds(index) * 3_000 + 500, end: Milliseconds(index) * 3_000 + 2_800, lines: [line])
        }
    }

    @Test func theServerRejectsJSONSchemaAndTheClientAsksWithJSONObjectInstead() async throws {
        let request = ChatRequest(
            model: "gemma", messages: TranslationContract.messages(
                batch: [WireCue(id: 1, text: "Good night.")], context: [],
                options: TranslationOptions(targetLanguage: "es", sourceLanguage: "en"), rejection: nil),
            schema: TranslationContract.schema, schemaName: TranslationContract.schemaName, maxTokens: 64,
            temperature: 0)
        let completion = try await Self.client().completeJSON(request)
        #expect(completion.mode == .jsonObject)
        // Held to the schema's grammar, the answer is the object asked for (whatever its text says).
        #expect(TranslationContract.cues(inAnswer: completion.content) != nil, "\(completion.content)")
        #expect(completion.promptTokens > 0)
    }

    @Test func aProgrammeComesOutWithOneCheckedCuePerSourceCueOnItsTimes() async throws {
        let source = Self.cues()
        var options = TranslationOptions(targetLanguage: "es", sourceLanguage: "en", maxBatchCues: 2, concurrency: 1,
                                         allowsGaps: true)
        options.usesCache = false
        let result = try await CueTranslator(chat: Self.client(), cache: nil)
            .translate(source, named: "news.en.srt", options: options)
        #expect(result.cues.count == source.count)
        #expect(result.cues.map(\.start) == source.map(\.start))
        #expect(result.cues.map(\.end) == source.map(\.end))
        // Every cue is either reported as failed (and keeps its source text) or passed every check.
        let failed = Set(result.failures.map(\.cueID))
        for (index, cue) in result.cues.enumerated() {
            let id = index + 1
            if failed.contains(id) {
                #expect(cue.lines == source[index].lines)
            } else {
                #expect(!cue.text.isEmpty)
                #expect(TranslationCheck.problem(source: WireCue(id: id, text: source[index].text), answer: cue.text,
                                                 options: options) == nil, "cue \(id): \(cue.text)")
            }
        }
        #expect(result.statistics.requests >= 2)
        #expect(result.statistics.completionTokens > 0)
        print("local chat model: \(result.statistics.requests) requests, rejections \(result.statistics.rejections), "
              + "\(result.statistics.splits) splits, \(result.failures.count) cues failed")
    }
}
