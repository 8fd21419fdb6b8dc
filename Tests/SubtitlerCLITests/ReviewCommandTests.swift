import Foundation
import Subtitler
import Testing
import TestSupport
import SubtitlerReview
import Subtitles

/// `subtitler review`: the page for a video and its sidecars, with what a `--json` report adds.
@Suite(.serialized)
struct ReviewCommandTests {
    /// The document embedded in a page.
    static func document(in page: String) throws -> ReviewDocument {
        let start = try #require(page.range(of: #"<script type="application/json" id="review-data">"#))
        let end = try #require(page[start.upperBound...].range(of: "</script>"))
        return try JSONDecoder().decode(ReviewDocument.self, from: Data(page[start.upperBound..<end.lowerBound].utf8))
    }

    @Test func thePageHoldsTheSidecarsCuesTheActivityAndTheReportsDrops() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        // A run whose second segment is a repetition loop the guard drops (wherever it lies: a loop is condemned on
        // its own, not by the speech map).
        let body = #"{"task":"transcribe","language":"english","duration":40.0,"text":"x","segments":[{"id":0,"start":0.8,"end":4.0,"text":" Welcome to the short talk about subtitles.","avg_logprob":-0.2,"compression_ratio":1.1,"no_speech_prob":0.01},{"id":1,"start":30.0,"end":32.0,"text":" Amara Amara Amara Amara Amara Amara Amara Amara","avg_logprob":-1.2,"compression_ratio":3.5,"no_speech_prob":0.5}]}"#
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        let video = scratch.path("talk.mp4")
        try FileManager.default.copyItem(atPath: Samples.url("talk-en.mp4").path, toPath: video)
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let run = try await CommandRunner.run(["transcribe", video, "--json"], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        try run.stdoutData.write(to: URL(fileURLWithPath: scratch.path("report.json")))

        let review = try await CommandRunner.run(["review", video, "--report", scratch.path("report.json")], environment: env)
        #expect(review.status == 0, "\(review.stderr)")
        let page = try String(contentsOfFile: scratch.path("talk.review.html"), encoding: .utf8)
        #expect(!page.contains("http://") && !page.contains("https://"))   // self-contained: nothing fetched
        let document = try Self.document(in: page)
        #expect(document.media.source == "talk.mp4")
        #expect(document.tracks.first?.label == "talk.en.srt")
        #expect(document.cues.first?.lines.joined(separator: " ").contains("Welcome") == true)
        #expect(document.dropped.contains { $0.text.contains("Amara") && $0.rule == .loop })
        #expect(document.summary.model == "whisper-1")
        let activity = try #require(document.activity)
        #expect((activity.energy?.count ?? 0) >= 400)      // 40 s at 100 ms
        #expect((activity.speech?.max() ?? 0) > 50)        // the speech detector heard the talk

        // Without sidecars there is nothing to review: a clear error, no page.
        try FileManager.default.removeItem(atPath: scratch.path("talk.en.srt"))
        try FileManager.default.removeItem(atPath: scratch.path("talk.review.html"))
        let none = try await CommandRunner.run(["review", video], environment: env)
        #expect(none.status == 1)
        #expect(none.stderr.contains("talk.mp4") && none.stderr.contains("no subtitle files"), "\(none.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("talk.review.html")))
    }

    @Test func besideDrawsATranslationUnderTheSidecarItTranslates() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let video = scratch.path("talk.mp4")
        try FileManager.default.copyItem(atPath: Samples.url("talk-en.mp4").path, toPath: video)
        try "1\n00:00:01,000 --> 00:00:03,000\nHello there.\n\n2\n00:00:05,000 --> 00:00:07,000\nGoodbye.\n"
            .write(toFile: scratch.path("talk.en.srt"), atomically: true, encoding: .utf8)
        try "1\n00:00:01,000 --> 00:00:03,000\nHola.\n\n2\n00:00:05,000 --> 00:00:07,000\nAdiós.\n"
            .write(toFile: scratch.path("talk.es.srt"), atomically: true, encoding: .utf8)
        let env = CommandRunner.environment([:], cache: scratch.cache)
        // The file beside is left out of the default sidecars, so the English one is the main track.
        let review = try await CommandRunner.run(["review", video, "--beside", scratch.path("talk.es.srt")], environment: env)
        #expect(review.status == 0, "\(review.stderr)")
        let document = try Self.document(in: try String(contentsOfFile: scratch.path("talk.review.html"), encoding: .utf8))
        #expect(document.cues.map { $0.lines.joined() } == ["Hello there.", "Goodbye."])
        let beside = try #require(document.beside)
        #expect(beside.role == .translation)     // it names another language than the main track
        #expect(beside.language == "es")
        #expect(beside.cues.map { $0.lines.joined() } == ["Hola.", "Adiós."])
        #expect(document.tracks.map(\.label) == ["talk.en.srt", "talk.es.srt"])

        let before = try await CommandRunner.run(
            ["review", video, scratch.path("talk.en.srt"), "--beside", scratch.path("talk.es.srt"), "--beside-role", "before",
             "-o", scratch.path("before.html")], environment: env)
        #expect(before.status == 0, "\(before.stderr)")
        let named = try Self.document(in: try String(contentsOfFile: scratch.path("before.html"), encoding: .utf8))
        #expect(named.beside?.role == .before)

        let alone = try await CommandRunner.run(["review", video, "--beside-role", "before"], environment: env)
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--beside-role describes a --beside file"), "\(alone.stderr)")
    }
}
