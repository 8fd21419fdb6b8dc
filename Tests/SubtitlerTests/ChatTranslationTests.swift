import Foundation
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitles
import TestSupport
import Testing

@testable import Subtitler
import SubtitlerSupport

/// Translation through a chat model (issue 24) against the fake chat seam: the wire contract, and every broken answer
/// a real model cannot give on demand (fewer cues, merged cues, invalid JSON, refusals, truncation, untranslated
/// text, lost markup, API errors) ending in a complete, checked translation or in an error naming the cues.
@Suite struct ChatTranslationTests {
    /// `count` English cues, two seconds each with half a second between them.
    static func cues(_ count: Int, gapAfter: Int? = nil) -> [Cue] {
        var start: Milliseconds = 1_000
        return (1...count).map { number in
            defer { start += 2_500 + (number == gapAfter ? 10_000 : 0) }
            return Cue(start: start, end: start + 2_000, lines: ["This is the line number \(number) of the show."])
        }
    }

    /// What the fake model answers for cue `number` of ``cues(_:gapAfter:)``.
    static func es(_ number: Int) -> String {
        FakeChatBackend.pseudoTranslation("This is the line number \(number) of the show.")
    }

    static func options(batch: Int = 12, concurrency: Int = 1, gaps: Bool = false) -> TranslationOptions {
        TranslationOptions(targetLanguage: "es", sourceLanguage: "en", maxBatchCues: batch, concurrency: concurrency,
                           allowsGaps: gaps)
    }

    static func translated(_ cues: [WireCue]) -> [WireCue] {
        cues.map { WireCue(id: $0.id, text: FakeChatBackend.pseudoTranslation($0.text)) }
    }

    /// A chat model that translates every batch correctly.
    static func goodModel() -> FakeChatBackend {
        FakeChatBackend { request, _ in FakeChatBackend.answer(translated(FakeChatBackend.batch(of: request))) }
    }

    /// A model whose first answer is `broken(batch)` and whose later answers are right.
    static func firstAnswerBroken(_ broken: @escaping @Sendable ([WireCue]) -> ChatCompletion) -> FakeChatBackend {
        FakeChatBackend { request, order in
            let batch = FakeChatBackend.batch(of: request)
            return order == 0 ? broken(batch) : FakeChatBackend.answer(translated(batch))
        }
    }

    @Test func everyCueIsTranslatedOnItsOwnTimesThroughTheFixedWireContract() async throws {
        let source = Self.cues(30)
        let model = Self.goodModel()
        let result = try await CueTranslator(chat: model, cache: nil)
            .translate(source, named: "show.en.srt", options: Self.options())
        #expect(result.cues.count == 30)
        #expect(result.cues.map(\.start) == source.map(\.start))
        #expect(result.cues.map(\.end) == source.map(\.end))
        #expect(result.cues[7].text == Self.es(8))
        #expect(result.failures.isEmpty)
        // 30 cues in batches of at most 12: three requests, ids 1...30 each sent once, in order.
        #expect(model.requests.count == 3)
        #expect(model.requests.flatMap { FakeChatBackend.batch(of: $0).map(\.id) } == Array(1...30))
        let first = try #require(model.requests.first)
        #expect(first.messages.first?.role == .system)
        #expect(first.messages.first?.content.contains("from English into Spanish") == true)
        #expect(first.messages.last == ChatMessage(role: .user, content: TranslationContract.json(
            (1...12).map { WireCue(id: $0, text: "This is the line number \($0) of the show.") })))
        #expect(first.messages.last?.content.hasPrefix(#"{"cues":[{"id":1,"text":"This is the line number 1"#) == true)
        #expect(first.schema == TranslationContract.schema)
        #expect(result.statistics.requests == 3)
        #expect(result.statistics.promptTokens == 30)
        #expect(result.statistics.reasks == 0)
    }

    @Test func laterBatchesCarryTheirTranslatedNeighboursAsContext() async throws {
        let model = Self.goodModel()
        _ = try await CueTranslator(chat: model, cache: nil)
            .translate(Self.cues(8), named: "show.srt", options: Self.options(batch: 4))
        let second = try #require(model.requests.dropFirst().first)
        // system, the neighbours' sources as user, their translations as assistant, then the batch.
        #expect(second.messages.map(\.role) == [.system, .user, .assistant, .user])
        #expect(TranslationContract.cues(inAnswer: second.messages[1].content)?.map(\.id) == [1, 2, 3, 4])
        #expect(TranslationContract.cues(inAnswer: second.messages[2].content)?.first?.text
                == Self.es(1))
        #expect(FakeChatBackend.batch(of: second).map(\.id) == [5, 6, 7, 8])
    }

    @Test func batchesAreCutAtASceneGap() async throws {
        let model = Self.goodModel()
        _ = try await CueTranslator(chat: model, cache: nil)
            .translate(Self.cues(10, gapAfter: 3), named: "show.srt", options: Self.options())
        #expect(model.requests.map { FakeChatBackend.batch(of: $0).map(\.id) } == [[1, 2, 3], Array(4...10)])
    }

    /// One broken first answer of each kind, for a batch of two cues.
    static let brokenAnswers: [(AnswerProblem.Kind, @Sendable ([WireCue]) -> ChatCompletion)] = [
        (.cueMismatch, { batch in FakeChatBackend.answer(translated(Array(batch.dropLast()))) }),
        (.cueMismatch, { batch in
            FakeChatBackend.answer([WireCue(id: batch[0].id, text: translated(batch).map(\.text).joined(separator: " "))])
        }),
        (.cueMismatch, { batch in FakeChatBackend.answer(translated(batch) + [WireCue(id: 99, text: "[es] Inventado.")]) }),
        (.cueMismatch, { batch in FakeChatBackend.answer(translated(batch).reversed()) }),
        (.invalidJSON, { _ in ChatCompletion(content: "Sure! Here are the translations: 1. Hola") }),
        (.refused, { _ in ChatCompletion(content: "", refusal: "I can't help with that.") }),
        (.emptyText, { batch in FakeChatBackend.answer([WireCue(id: batch[0].id, text: " ")] + translated(Array(batch.dropFirst()))) }),
        (.untranslated, { batch in FakeChatBackend.answer(batch) }),
        (.truncated, { _ in ChatCompletion(content: #"{"cues":[{"id":1,"text":"Esta es la lí"#, finishReason: .length) }),
    ]

    @Test(arguments: 0..<9)
    func aBrokenAnswerIsRejectedAndTheTranslationStillComesOutComplete(_ index: Int) async throws {
        let (kind, broken) = Self.brokenAnswers[index]
        let model = Self.firstAnswerBroken(broken)
        let result = try await CueTranslator(chat: model, cache: nil)
            .translate(Self.cues(2), named: "show.srt", options: Self.options())
        #expect(result.cues.map(\.text) == [Self.es(1), Self.es(2)])
        #expect(result.statistics.rejections == [kind.rawValue: 1])
        if kind == .truncated {
            // A cut-off batch would be cut off again: it is split at once, one request per half.
            #expect(result.statistics.requests == 3)
            #expect(result.statistics.reasks == 0)
            #expect(result.statistics.splits == 1)
        } else {
            // Asked again, with the same batch last and the problem stated in the instructions.
            #expect(result.statistics.requests == 2)
            #expect(result.statistics.reasks == 1)
            #expect(model.requests[1].messages.last == model.requests[0].messages.last)
            #expect(model.requests[1].messages[0].content.contains("Your previous answer to this batch was rejected"))
        }
    }

    @Test func markupAndSpeakerDashesMustBeKept() async throws {
        let source = [
            Cue(start: 0, end: 2_000, lines: ["<i>We are on the air now.</i>"]),
            Cue(start: 2_500, end: 4_500, lines: ["- Are you ready for it?", "- I am ready."]),
        ]
        let model = Self.firstAnswerBroken { batch in
            FakeChatBackend.answer(batch.map { WireCue(id: $0.id, text: "Estamos en el aire ahora mismo.") })
        }
        let result = try await CueTranslator(chat: model, cache: nil)
            .translate(source, named: "show.srt", options: Self.options())
        #expect(result.statistics.rejections == [AnswerProblem.Kind.markupLost.rawValue: 1])
        #expect(result.cues[0].lines == ["[es] <i>Nosotros estamos en la aire ahora.</i>"])
        #expect(result.cues[1].lines == ["- [es] Estamos tú listo para ello?", "- [es] Yo estoy listo."])
        #expect(result.cues.map(\.start) == [0, 2_500])
    }

    @Test func aBatchThatKeepsMergingCuesIsSplitDownToSingleCues() async throws {
        // Merges the last two cues of any batch of two or more.
        let model = FakeChatBackend { request, _ in
            let batch = Self.translated(FakeChatBackend.batch(of: request))
            guard batch.count > 1 else { return FakeChatBackend.answer(batch) }
            let merged = WireCue(id: batch[batch.count - 2].id, text: batch.suffix(2).map(\.text).joined(separator: " "))
            return FakeChatBackend.answer(batch.dropLast(2) + [merged])
        }
        let result = try await CueTranslator(chat: model, cache: nil)
            .translate(Self.cues(4), named: "show.srt", options: Self.options())
        #expect(result.cues.map(\.text) == (1...4).map(Self.es))
        // 4 cues: asked twice, split; each pair asked twice, split; four single cues.
        #expect(result.statistics.requests == 10)
        #expect(result.statistics.reasks == 3)
        #expect(result.statistics.splits == 3)
        #expect(model.requests.map { FakeChatBackend.batch(of: $0).count } == [4, 4, 2, 2, 1, 1, 2, 2, 1, 1])
    }

    @Test func aCueThatNeverTranslatesFailsTheTranslationUnlessGapsAreAllowed() async throws {
        // Cue 3 always comes back in English.
        let model = FakeChatBackend { request, _ in
            FakeChatBackend.answer(FakeChatBackend.batch(of: request).map { $0.id == 3 ? $0 : Self.translated([$0])[0] })
        }
        let translator = CueTranslator(chat: model, cache: nil)
        await #expect {
            try await translator.translate(Self.cues(4), named: "show.en.srt", options: Self.options())
        } throws: { error in
            guard let error = error as? TranslationError, error.kind == .cuesFailed else { return false }
            return error.failures.map(\.cueID) == [3] && error.failures[0].reason == "left in English"
                && error.description.hasPrefix("show.en.srt: 1 cue could not be translated, nothing was written")
        }
        let result = try await translator.translate(Self.cues(4), named: "show.en.srt", options: Self.options(gaps: true))
        #expect(result.failures.map(\.cueID) == [3])
        #expect(result.cues.map(\.text) == [
            Self.es(1), Self.es(2), "This is the line number 3 of the show.", Self.es(4),
        ])
    }

    @Test func anAPIErrorEveryRequestWouldHitStopsAtOnce() async throws {
        let model = FakeChatBackend { _, _ throws(OpenAIAudioError) in
            throw OpenAIAudioError(endpoint: "chat/completions", status: 401, message: "bad key", kind: .http)
        }
        await #expect {
            try await CueTranslator(chat: model, cache: nil)
                .translate(Self.cues(30), named: "show.srt", options: Self.options(batch: 5, concurrency: 1))
        } throws: { error in
            (error as? TranslationError)?.kind == .api && (error as? TranslationError)?.apiError?.status == 401
        }
        #expect(model.requests.count == 1)
    }

    @Test func aBatchWhoseRequestsFailAfterRetriesIsReportedWithTheError() async throws {
        let model = FakeChatBackend { request, _ throws(OpenAIAudioError) in
            let batch = FakeChatBackend.batch(of: request)
            if batch.contains(where: { $0.id == 1 }) {
                throw OpenAIAudioError(endpoint: "chat/completions", status: 429, message: "slow down", kind: .http,
                                       attempts: 3)
            }
            return FakeChatBackend.answer(Self.translated(batch))
        }
        let result = try await CueTranslator(chat: model, cache: nil)
            .translate(Self.cues(4), named: "show.srt", options: Self.options(batch: 2, gaps: true))
        #expect(result.failures.map(\.cueID) == [1, 2])
        #expect(result.failures[0].reason.contains("HTTP 429"))
        #expect(result.cues[2].text == Self.es(3))
    }

    @Test func aRerunAsksOnlyForTheBatchesThatFailed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let cache = ResponseCache(directory: directory.cache)
        let source = Self.cues(6)
        // First run: the batch holding cue 4 never comes back whole.
        let flaky = FakeChatBackend { request, _ in
            let batch = Self.translated(FakeChatBackend.batch(of: request))
            return FakeChatBackend.answer(batch.filter { $0.id != 4 })
        }
        await #expect(throws: TranslationError.self) {
            try await CueTranslator(chat: flaky, cache: cache)
                .translate(source, named: "show.srt", options: Self.options(batch: 3))
        }
        let model = Self.goodModel()
        let result = try await CueTranslator(chat: model, cache: cache)
            .translate(source, named: "show.srt", options: Self.options(batch: 3))
        #expect(result.statistics.cachedBatches == 1)
        #expect(model.requests.map { FakeChatBackend.batch(of: $0).map(\.id) } == [[4, 5, 6]])
        #expect(result.cues.map(\.text) == (1...6).map(Self.es))
    }

    @Test func stretchesAreTranslatedAtTheSameTime() async throws {
        let gate = Gate()
        let model = FakeChatBackend { request, _ in
            await gate.wait()
            return FakeChatBackend.answer(Self.translated(FakeChatBackend.batch(of: request)))
        }
        let task = Task {
            try await CueTranslator(chat: model, cache: nil)
                .translate(Self.cues(12), named: "show.srt", options: Self.options(batch: 2, concurrency: 3))
        }
        await gate.arrivals(3)
        let firstBatches = Set(model.requests.map { FakeChatBackend.batch(of: $0)[0].id })
        gate.open()
        let result = try await task.value
        // Six batches in three stretches: the first batch of each stretch is asked at once.
        #expect(firstBatches == [1, 5, 9])
        #expect(result.cues.count == 12)
        #expect(model.requests.count == 6)
    }

    @Test func theTextIsReBrokenForReadingAndReadingSpeedIsReported() async throws {
        let source = [Cue(start: 0, end: 600, lines: ["A very short cue on the screen."])]
        let model = FakeChatBackend { request, _ in
            FakeChatBackend.answer(FakeChatBackend.batch(of: request).map {
                WireCue(id: $0.id, text: "Una frase bastante larga que no cabe en una sola línea de subtítulos.")
            })
        }
        let result = try await CueTranslator(chat: model, cache: nil)
            .translate(source, named: "show.srt", options: Self.options())
        // The most even break: 36 and 32 characters (a break after "no" would leave 37 on the second line).
        #expect(result.cues[0].lines == ["Una frase bastante larga que no cabe", "en una sola línea de subtítulos."])
        #expect(result.cues[0].start == 0 && result.cues[0].end == 600)
        #expect(result.violations.contains { $0.rule == .readingSpeed })
    }

    @Test func theTokenBoundGrowsWithTheBatchAndStaysCapped() {
        let small = TranslationContract.maxTokens(for: [WireCue(id: 1, text: "Hi.")])
        let batch = (1...12).map { WireCue(id: $0, text: String(repeating: "word ", count: 12)) }
        let large = TranslationContract.maxTokens(for: batch)
        #expect(small == 64)
        #expect(large == (16 + 12 * (14 + 60 / 3)) * 2)
        #expect(TranslationContract.maxTokens(for: (1...100).map { WireCue(id: $0, text: String(repeating: "x", count: 900)) }) == 4_096)
    }

    @Test func aGlossaryIsReadFromTabSeparatedLinesAndGoesIntoTheInstructions() throws {
        let glossary = try Glossary(tsv: "# names\nWinterfell\tInvernalia\n\nthe Wall\tel Muro\n")
        #expect(glossary.entries == [Glossary.Entry(term: "Winterfell", translation: "Invernalia"),
                                     Glossary.Entry(term: "the Wall", translation: "el Muro")])
        #expect(throws: Glossary.ParseProblem(line: 2, reason: "expected a term and its translation separated by one tab")) {
            try Glossary(tsv: "a\tb\nno tab here\n")
        }
        var options = Self.options()
        options.glossary = glossary
        options.context = "A fantasy series; speakers Jon and Arya."
        options.formality = .informal
        let text = TranslationContract.instructions(options: options, rejection: nil)
        #expect(text.contains("Winterfell = Invernalia"))
        #expect(text.contains("About the programme: A fantasy series; speakers Jon and Arya."))
        #expect(text.contains("familiar form of address"))
    }

    @Test func optionsOutOfRangeAreRejectedBeforeAnythingIsSent() async {
        var options = Self.options()
        options.maxBatchCues = 0
        #expect(options.problem == SettingProblem("maxBatchCues", "maxBatchCues 0 is out of range 1...100"))
        let model = Self.goodModel()
        await #expect {
            try await CueTranslator(chat: model, cache: nil).translate(Self.cues(2), named: "show.srt", options: options)
        } throws: { ($0 as? TranslationError)?.kind == .invalidOptions }
        #expect(model.requests.isEmpty)
    }

    @Test func theDryRunEstimatesRequestsTokensAndCost() {
        let estimate = CueTranslator.estimate(Self.cues(30), options: Self.options())
        #expect(estimate.requests == 3)
        #expect(estimate.promptTokens > estimate.completionTokens)
        #expect(estimate.cost == ChatModel.named(ChatModel.defaultName)
            .cost(inputTokens: estimate.promptTokens, outputTokens: estimate.completionTokens))
    }
}
