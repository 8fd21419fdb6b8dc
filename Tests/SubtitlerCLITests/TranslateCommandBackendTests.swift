import Foundation
import TestSupport
import Testing

/// `subtitler translate --to es` through the built binary against the real local chat server (Gemma 3 270M on
/// llama-cpp-python). The model drops, merges and invents cues and leaves some in English, so what is asserted is
/// what must hold whatever it answers: with `--allow-gaps`, a file with one cue per source cue on the source's times,
/// as ffmpeg (a reader nobody here wrote) reads it. That a language whose cues still fail is not written at all is
/// asserted against a stub that fails on demand (`TranslateCommandTests`).
@Suite(.enabled(if: LocalBackend.isChatConfigured), .serialized, .timeLimit(.minutes(10)))
struct TranslateCommandBackendTests {
    static let source = """
        1
        00:00:01,000 --> 00:00:03,000
        Good evening and welcome to the news.

        2
        00:00:03,500 --> 00:00:06,000
        The weather is cold and wet today.

        3
        00:00:07,000 --> 00:00:09,500
        Thank you for watching.

        """

    static func environment(_ scratch: TemporaryDirectory) throws -> [String: String] {
        CommandRunner.environment(["SUBTITLER_CHAT_BASE_URL": try #require(LocalBackend.chatURL)], cache: scratch.cache)
    }

    /// The cue timings of a subtitle file as ffmpeg reads it (converted to WebVTT).
    static func timingsReadByFFmpeg(_ path: String) throws -> [String] {
        let vtt = String(decoding: try FFmpegCLI.run(["-i", path, "-f", "webvtt", "-"]), as: UTF8.self)
        return vtt.split(separator: "\n").filter { $0.contains(" --> ") }.map(String.init)
    }

    @Test func withGapsAllowedTheFileAlwaysHasOneCuePerSourceCueOnItsTimes() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = scratch.path("News.en.srt")
        try Self.source.write(toFile: input, atomically: true, encoding: .utf8)
        let result = try await CommandRunner.run(["translate", input, "--to", "es", "--allow-gaps", "--batch-cues", "3"],
                                                 environment: try Self.environment(scratch))
        #expect(result.status == 0, "\(result.stderr)")
        let output = scratch.path("News.es.srt")
        let timings = try Self.timingsReadByFFmpeg(output)
        #expect(timings.count == 3)
        #expect(timings == (try Self.timingsReadByFFmpeg(input)))
        #expect(result.stderr.contains("\(input): wrote \(output) (3 cues; "), "\(result.stderr)")
    }
}
