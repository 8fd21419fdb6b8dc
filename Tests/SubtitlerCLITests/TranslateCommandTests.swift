import Foundation
import OpenAIAudio
import Subtitler
import Subtitles
import TestSupport
import Testing

/// `subtitler translate FILE --to LANG,…` (issue 24) through the built binary: outputs named as sidecars, one
/// translated cue per source cue on the source's times, nothing written for a language whose cues still fail, and a
/// dry run that sends nothing. The chat server is a stub here (it must break its answers on demand); the real local
/// chat server is in ``TranslateCommandBackendTests``.
@Suite(.timeLimit(.minutes(3)))
struct TranslateCommandTests {
    static let source = """
        1
        00:00:01,000 --> 00:00:03,000
        Good evening, and welcome to the show.

        2
        00:00:03,500 --> 00:00:06,000
        Tonight we talk about the weather.

        3
        00:00:07,000 --> 00:00:09,500
        - Is it going to rain?
        - Yes, all day long.

        """

    /// A chat server that translates each cue with ``FakeChatBackend/pseudoTranslation(_:tag:)``, tagged with the
    /// language its instructions name, and drops
    /// cue 3 from every answer for `broken` (so that language never comes out whole).
    static func chatServer(broken: String? = nil) async throws -> StubHTTPServer {
        try await StubHTTPServer.start { _, request in
            guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)),
                  case .object(let fields) = body, case .array(let messages)? = fields["messages"],
                  case .object(let system)? = messages.first, case .string(let instructions)? = system["content"],
                  case .object(let last)? = messages.last, case .string(let batchText)? = last["content"],
                  let batch = TranslationContract.cues(inAnswer: batchText)
            else { return .json(400, #"{"error":{"message":"bad request"}}"#) }
            let language = instructions.contains("into French") ? "fr" : "es"
            var cues = batch.map { WireCue(id: $0.id, text: FakeChatBackend.pseudoTranslation($0.text, tag: language)) }
            if language == broken { cues.removeAll { $0.id == 3 } }
            let content = String(decoding: try! JSONEncoder().encode(TranslationContract.json(cues)), as: UTF8.self)
            return .json(200, """
                {"choices":[{"message":{"role":"assistant","content":\(content)},"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":100,"completion_tokens":20}}
                """)
        }
    }

    static func cues(_ path: String) throws -> [Cue] {
        try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: path))
    }

    @Test func aSubtitleFileIsTranslatedIntoEachLanguageOnItsOwnTimes() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = scratch.path("Show.en.srt")
        try Self.source.write(toFile: input, atomically: true, encoding: .utf8)
        let server = try await Self.chatServer()
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["SUBTITLER_CHAT_BASE_URL": server.baseURL,
                                             "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"], cache: scratch.cache)
        let result = try await CommandRunner.run(["translate", input, "--to", "es,fr"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let source = try Self.cues(input)
        for language in ["es", "fr"] {
            let translated = try Self.cues(scratch.path("Show.\(language).srt"))
            #expect(translated.map(\.start) == source.map(\.start))
            #expect(translated.map(\.end) == source.map(\.end))
            // 47 characters: broken in two for the 42-character lines of the default style.
            #expect(translated[0].lines == ["[\(language)] Buenas noches,", "y bienvenidos a la función."])
            #expect(translated[2].lines == ["- [\(language)] Es ello va a llover?", "- [\(language)] Sí, todo día largo."])
        }
        #expect(server.requestCount == 2)
        #expect(result.stderr.contains("Show.en.srt: wrote \(scratch.path("Show.es.srt")) (3 cues; 1 request, 120 tokens"))
    }

    @Test func aLanguageWhoseCuesStillFailIsNotWrittenAndTheOthersAre() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = scratch.path("Show.en.srt")
        try Self.source.write(toFile: input, atomically: true, encoding: .utf8)
        let server = try await Self.chatServer(broken: "fr")
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["SUBTITLER_CHAT_BASE_URL": server.baseURL], cache: scratch.cache)
        let result = try await CommandRunner.run(["translate", input, "--to", "es,fr", "--sdh"], environment: env)
        #expect(result.status == 1)
        #expect(FileManager.default.fileExists(atPath: scratch.path("Show.es.sdh.srt")))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("Show.fr.sdh.srt")))
        #expect(try scratch.files() == ["Show.en.srt", "Show.es.sdh.srt"])
        let line = try #require(result.stderr.split(separator: "\n").first { $0.contains("fr:") })
        #expect(line.hasPrefix("\(input): fr: 1 cue could not be translated, nothing was written: cue 3 (00:00:07,000)"))
        #expect(line.hasSuffix("(--allow-gaps writes the rest and keeps these cues in the source language)"))
        // With gaps allowed, the French file is written whole: the failing cue keeps its English text.
        let again = try await CommandRunner.run(["translate", input, "--to", "fr", "--sdh", "--allow-gaps"],
                                                environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        let french = try Self.cues(scratch.path("Show.fr.sdh.srt"))
        #expect(french.count == 3)
        #expect(french[2].lines == ["- Is it going to rain?", "- Yes, all day long."])
        #expect(again.stderr.contains("1 cue left untranslated: cue 3 (00:00:07,000)"))
    }

    @Test func aDryRunEstimatesEachLanguageAndSendsNothing() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = scratch.path("Show.en.vtt")
        try ("WEBVTT\n\n" + Self.source.replacingOccurrences(of: ",", with: ".")).write(
            toFile: input, atomically: true, encoding: .utf8)
        let server = try await Self.chatServer()
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["SUBTITLER_CHAT_BASE_URL": server.baseURL], cache: scratch.cache)
        let result = try await CommandRunner.run(["translate", input, "--to", "de,it", "--dry-run"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("\(input): de: 1 request, about "))
        #expect(lines[1].hasSuffix("(gpt-4.1-mini)"))
        #expect(server.requestCount == 0)
        #expect(try scratch.files().sorted() == ["Show.en.vtt"])
    }

    @Test func anUnknownTargetOrAnUnreadableGlossaryIsAUsageError() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = scratch.path("Show.en.srt")
        try Self.source.write(toFile: input, atomically: true, encoding: .utf8)
        let env = CommandRunner.environment(["SUBTITLER_CHAT_BASE_URL": "http://127.0.0.1:9/v1"], cache: scratch.cache)
        let unknown = try await CommandRunner.run(["translate", input, "--to", "es,klingon"], environment: env)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--to: unknown language 'klingon'"))
        let glossary = scratch.path("terms.tsv")
        try "Winterfell Invernalia\n".write(toFile: glossary, atomically: true, encoding: .utf8)
        let badGlossary = try await CommandRunner.run(["translate", input, "--to", "es", "--glossary", glossary],
                                                      environment: env)
        #expect(badGlossary.status == 2)
        #expect(badGlossary.stderr.contains("\(glossary): line 1: expected a term and its translation separated by one tab"))
        #expect(try scratch.files().sorted() == ["Show.en.srt", "terms.tsv"])
    }
}
