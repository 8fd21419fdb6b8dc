import Foundation
import HTTPTypes
import Subtitler
import Subtitles
import SubtitlerJobs
import SubtitlerReview
import Testing
import TestSupport
@testable import SubtitlerService
import OpenAIAudio

/// `"translateTo"` on the jobs API, and `serve --translate-to` for watch folders and hooks: the job's subtitles go
/// through the job layer's `TranslationRunner` (the same as `transcribe --translate-to`), each language written whole
/// or not at all, under the roots.
@Suite("Translation jobs in the service")
struct ServiceTranslationTests {
    /// A chat model that translates every cue it is sent (the stand-in translation of `FakeChatBackend`).
    static func translatingModel() -> FakeChatBackend {
        FakeChatBackend { request, _ in
            FakeChatBackend.answer(FakeChatBackend.batch(of: request).map {
                WireCue(id: $0.id, text: FakeChatBackend.pseudoTranslation($0.text))
            })
        }
    }

    /// A chat model that always leaves the last cue of a batch out.
    static func droppingModel() -> FakeChatBackend {
        FakeChatBackend { request, _ in FakeChatBackend.answer(Array(FakeChatBackend.batch(of: request).dropLast())) }
    }

    static func service(_ scratch: TemporaryDirectory, model: FakeChatBackend, defaults: [String] = [])
        throws -> InProcessService
    {
        try InProcessService(scratch: scratch) { configuration in
            var options = TranslationOptions(targetLanguage: "und", maxBatchCues: 12, concurrency: 1)
            options.usesCache = false
            configuration.translation = ServiceTranslation(
                runner: TranslationRunner(translator: CueTranslator(chat: model, cache: nil)), options: options,
                defaultTargets: defaults)
        }
    }

    @Test func aJobWithTranslateToWritesEachLanguageBesideTheTranscription() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let model = Self.translatingModel()
        let service = try Self.service(scratch, model: model)
        let media = try service.media("film.wav")
        let job = try await service.test { client in
            let (status, created) = try await client.json(
                .post, "/v1/jobs", body: #"{"path": "\#(media)", "language": "en", "formats": ["srt"], "translateTo": ["es", "fr"]}"#)
            #expect(status == .created, "\(created)")
            return try await service.job(try #require(created["id"] as? String))
        }
        #expect(job.state == .done, "\(job)")
        let english = scratch.path("media/film.en.srt")
        #expect(job.outputs == [english, scratch.path("media/film.es.srt"), scratch.path("media/film.fr.srt")])
        let translation = try #require(job.report?.translation)
        #expect(translation.sourceLanguage == "en")
        #expect(translation.targets.map(\.language) == ["es", "fr"])
        let source = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: english))
        for language in ["es", "fr"] {
            let cues = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: scratch.path("media/film.\(language).srt")))
            #expect(cues.map(\.start) == source.map(\.start))
            #expect(cues.map(\.end) == source.map(\.end))
            #expect(cues.map(\.text) == source.map { FakeChatBackend.pseudoTranslation($0.text) })
        }
        // One request a language: the programme's cues fit one batch; each names its target in the instructions.
        #expect(model.requests.count == 2)
        #expect(model.requests.first?.messages.first?.content.contains("into Spanish") == true)
        #expect(model.requests.last?.messages.first?.content.contains("into French") == true)
        // The stored report carries the translation, as GET /v1/jobs/{id} returns it.
        let stored = try #require(try await service.store.job(id: job.id))
        #expect(stored.report?.translation == translation)
        // The review page draws the first language beside its source, as written.
        let page = try JSONDecoder().decode(ReviewDocument.self, from: try #require(try await service.store.review(id: job.id)))
        let beside = try #require(page.beside)
        #expect(beside.role == .translation)
        #expect(beside.language == "es")
        #expect(beside.label == "film.es.srt")
        #expect(beside.cues.map { $0.lines.joined(separator: " ") }
                == source.map { FakeChatBackend.pseudoTranslation($0.text) })
        #expect(page.cues.map(\.start) == beside.cues.map(\.start))
    }

    @Test func aLanguageWhoseCuesStillFailFailsTheJobAndIsNotWritten() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try Self.service(scratch, model: Self.droppingModel())
        let media = try service.media("film.wav")
        let job = try await service.test { client in
            let (status, created) = try await client.json(
                .post, "/v1/jobs", body: #"{"path": "\#(media)", "language": "en", "formats": ["srt"], "translateTo": ["es"]}"#)
            #expect(status == .created, "\(created)")
            return try await service.job(try #require(created["id"] as? String))
        }
        #expect(job.state == .failed, "\(job)")
        #expect(job.report?.failure?.reason == .translationIncomplete)
        #expect(job.error?.contains("es: ") == true, "\(job.error ?? "")")
        // The transcription stays written; the translation is not there at all, not even in part.
        #expect(try scratch.files(in: "media") == ["film.en.srt", "film.wav"])
        #expect(job.report?.translation?.targets.first?.failures.isEmpty == false)
    }

    @Test func jobsFromWatchFoldersAndHooksTakeTheServiceDefaultsAndAPIJobsTheirOwn() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try Self.service(scratch, model: Self.translatingModel(), defaults: ["de"])
        let watched = try service.media("watched.wav")
        let asked = try service.media("asked.wav")
        let (fromWatch, fromAPI) = try await service.test { _ in
            let scheduler = service.environment.scheduler
            let (watch, _) = try await scheduler.submit(JobRequest(path: watched, language: "en", formats: [.srt]),
                                                        origin: .watch)
            let (api, _) = try await scheduler.submit(JobRequest(path: asked, language: "en", formats: [.srt]),
                                                      origin: .api)
            return (try await service.job(watch.id), try await service.job(api.id))
        }
        #expect(fromWatch.outputs == [scratch.path("media/watched.en.srt"), scratch.path("media/watched.de.srt")])
        #expect(fromAPI.outputs == [scratch.path("media/asked.en.srt")])
        #expect(fromAPI.report?.translation == nil)
    }

    @Test func translateToWithAnUnderscoreIsTheSameField() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try Self.service(scratch, model: Self.translatingModel())
        let media = try service.media("film.wav")
        let job = try await service.test { client in
            let (status, created) = try await client.json(
                .post, "/v1/jobs", body: #"{"path": "\#(media)", "language": "en", "formats": ["srt"], "translate_to": ["es"]}"#)
            #expect(status == .created, "\(created)")
            return try await service.job(try #require(created["id"] as? String))
        }
        #expect(job.request.translateTo == ["es"])
        #expect(job.state == .done, "\(job)")
        #expect(job.outputs == [scratch.path("media/film.en.srt"), scratch.path("media/film.es.srt")])
        #expect(job.report?.translation?.targets.map(\.language) == ["es"])
    }

    @Test func translationRequestsTheServiceCannotHonourAreRefusedBeforeAnythingIsQueued() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try Self.service(scratch, model: Self.translatingModel())
        let media = try service.media("film.wav")
        let subtitles = scratch.path("media/film.en.srt")
        try "1\n00:00:01,000 --> 00:00:02,000\nTone.\n".write(toFile: subtitles, atomically: true, encoding: .utf8)
        let many = (0...ServiceTranslation.maximumTargets).map { _ in "\"es\"" }.joined(separator: ",")
        let untranslated = try InProcessService(scratch: scratch)
        try await service.test { client in
            for body in [
                #"{"path": "\#(media)", "translateTo": []}"#,
                #"{"path": "\#(media)", "translateTo": ["xx"]}"#,
                #"{"path": "\#(media)", "translateTo": [\#(many)]}"#,
                #"{"path": "\#(media)", "translateTo": ["es"], "sync": ["\#(subtitles)"]}"#,
                #"{"path": "\#(media)", "translateTo": "es"}"#,
                #"{"path": "\#(media)", "translateTo": ["es"], "translate_to": ["es"]}"#,
            ] {
                let (status, answer) = try await client.json(.post, "/v1/jobs", body: body)
                #expect(status == .badRequest, "\(body): \(answer)")
                #expect(answer["error"] is String, "\(body)")
            }
        }
        try await untranslated.test { client in
            let (status, answer) = try await client.json(
                .post, "/v1/jobs", body: #"{"path": "\#(media)", "translateTo": ["es"]}"#)
            #expect(status == .badRequest)
            #expect((answer["error"] as? String)?.contains("without a chat server") == true, "\(answer)")
        }
        #expect(try await service.store.jobs().isEmpty)
        #expect(try await untranslated.store.jobs().isEmpty)
    }
}
