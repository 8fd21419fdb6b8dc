import Foundation
import Testing
import TestSupport

/// `--send-all` on the command line: by default a long stretch without speech is left out of the upload (issue 11);
/// with the flag the whole audio is sent. The `--json` report says which.
@Suite(.timeLimit(.minutes(3)))
struct SendAllCommandTests {
    /// Eight seconds of digital silence, then six seconds of the English sample's speech, as 16 kHz WAV.
    static func silenceThenSpeech(in scratch: TemporaryDirectory) throws -> String {
        let path = scratch.path("quiet-start.wav")
        _ = try FFmpegCLI.run([
            "-f", "lavfi", "-t", "8", "-i", "anullsrc=r=16000:cl=mono", "-t", "6", "-i", Samples.url("talk-en.mp4").path,
            "-filter_complex", "[1:a]aresample=16000,aformat=channel_layouts=mono[s];[0:a][s]concat=n=2:v=0:a=1",
            "-y", path,
        ])
        return path
    }

    static func report(_ stdout: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        let inputs = object?["inputs"] as? [[String: Any]]
        return try #require(inputs?.first)
    }

    @Test func theSilenceIsLeftOutUnlessSendAllIsGiven() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = try Self.silenceThenSpeech(in: scratch)
        let body = #"{"task":"transcribe","language":"english","duration":6.0,"text":"Hello.","segments":[{"id":0,"start":0.5,"end":2.0,"text":" Hello there."}]}"#
        let server = try await StubHTTPServer.start([.json(200, body), .json(200, body)])
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let common = ["transcribe", input, "--language", "en", "--output", scratch.path("out"), "--json", "--no-cache"]

        let speechOnly = try await CommandRunner.run(common, environment: env)
        #expect(speechOnly.status == 0, "\(speechOnly.stderr)")
        let first = try Self.report(speechOnly.stdout)
        let duration = try #require(first["audioDurationMs"] as? Int)
        let sentOnlySpeech = try #require(first["audioSentMs"] as? Int)
        #expect(duration > 13_500 && duration < 14_500)
        // The 8 s of silence go, less the padding kept next to the speech.
        #expect(sentOnlySpeech < duration - 6_000, "sent \(sentOnlySpeech) of \(duration) ms")

        let everything = try await CommandRunner.run(common + ["--send-all", "--force"], environment: env)
        #expect(everything.status == 0, "\(everything.stderr)")
        let second = try Self.report(everything.stdout)
        let sentAll = try #require(second["audioSentMs"] as? Int)
        #expect(abs(sentAll - duration) <= 40, "sent \(sentAll) of \(duration) ms")
        #expect(server.requests.count == 2)
    }
}
