import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MediaAudio
import Subtitles
import Testing
import TestSupport

/// Bazarr's exact calls, from Python `requests`, against the real service and the real local backend; the answer is
/// parsed with pysrt in strict mode, as Bazarr does.
@Suite(.enabled(if: LocalBackend.isWhisperConfigured, "set SUBTITLER_TEST_WHISPER_URL or run scripts/test"), .serialized, .backendTurn)
struct BazarrTests {
    static func client(_ arguments: [String]) async throws -> [String: Any] {
        let python = try #require(Program.testPython, "the test clients' venv is missing: run scripts/setup")
        let script = Program.repository.appendingPathComponent("Tests/Oracles/bazarr_client.py").path
        let outcome = try await Program.run(python, [script] + arguments)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: outcome.stdout) as? [String: Any], "\(outcome.stderr)")
    }

    static func startService(_ scratch: TemporaryDirectory, root: String, extra: [String] = []) throws -> ServiceProcess {
        let whisper = try #require(LocalBackend.whisperURL)
        return try ServiceProcess.start(["--root", root] + extra,
                                        environment: ServiceProcess.environment(["OPENAI_BASE_URL": whisper], scratch: scratch))
    }

    @Test func statusTranscribeDetectAndTranslateAsBazarrCallsThem() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try Self.startService(scratch, root: scratch.url.path)
        defer { service.stop() }

        let status = try await Self.client(["status", service.baseURL])
        #expect(status["status"] as? Int == 200)
        #expect(((status["json"] as? [String: Any])?["version"] as? String)?.isEmpty == false)

        let english = try await Self.client(["asr", service.baseURL, Samples.url("talk-en.mp4").path, "--task", "transcribe", "--language", "en"])
        #expect(english["status"] as? Int == 200)
        #expect(english["valid"] as? Bool == true, "\(english)")
        let cues = try #require(english["cues"] as? [[String: Any]])
        let text = cues.compactMap { $0["text"] as? String }.joined(separator: " ").lowercased()
        #expect(text.contains("subtitles"))
        // Shaped cues: at most two lines of at most 42 characters (what the CLI writes).
        for cue in cues {
            let lines = (cue["text"] as? String ?? "").split(separator: "\n")
            #expect(lines.count <= 2 && lines.allSatisfy { $0.count <= 42 }, "\(cue)")
        }

        let detected = try await Self.client(["detect", service.baseURL, Samples.url("clip-de.mkv").path])
        let answer = try #require(detected["json"] as? [String: Any])
        #expect(answer["language_code"] as? String == "de", "\(answer)")
        #expect(answer["detected_language"] as? String == "german")

        let translated = try await Self.client(["asr", service.baseURL, Samples.url("clip-de.mkv").path, "--task", "translate", "--language", "de"])
        #expect(translated["valid"] as? Bool == true, "\(translated)")
        let english2 = (translated["cues"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: " ").lowercased()
        let words = Set(Samples.words(in: english2))
        #expect(!words.intersection(["the", "and", "today", "weather", "welcome"]).isEmpty, "\(english2)")
    }

    @Test func withVideoFileTheCuesLandOnTheVideosTimeline() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        // The sample's speech, muxed so the audio starts 2.5 s after the video.
        let video = scratch.path("late.mkv")
        _ = try FFmpegCLI.run([
            "-y", "-f", "lavfi", "-i", "color=size=64x64:rate=10:duration=45", "-itsoffset", "2.5",
            "-i", Samples.url("talk-en.mp4").path, "-map", "0:v", "-map", "1:a", "-c:v", "mpeg4", "-c:a", "aac",
            "-shortest", video,
        ])
        let service = try Self.startService(scratch, root: scratch.url.path)
        defer { service.stop() }
        let fromUpload = try await Self.client(["asr", service.baseURL, video, "--language", "en"])
        let fromVideo = try await Self.client(["asr", service.baseURL, video, "--language", "en", "--video-file", video])
        let uploadStart = try #require(((fromUpload["cues"] as? [[String: Any]])?.first?["start"]) as? Int)
        let videoStart = try #require(((fromVideo["cues"] as? [[String: Any]])?.first?["start"]) as? Int)
        // The sample's first word is at about 0.84 s of its audio, so at about 3.34 s of the video.
        #expect(abs(videoStart - 3_340) <= 400, "first cue at \(videoStart) ms")
        #expect(videoStart - uploadStart >= 2_000, "upload \(uploadStart) ms, video \(videoStart) ms")
    }

    @Test func bazarrsEndpointsAreRefusedToClientsOutsideLoopbackAndAllow() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let whisper = try #require(LocalBackend.whisperURL)
        // Beyond loopback without a token the service refuses to start.
        let refused = try await Program.run(try ServiceProcess.binary("subtitler").path,
                                            ["serve", "--host", "0.0.0.0", "--port", "0", "--root", scratch.url.path],
                                            environment: ServiceProcess.environment(["OPENAI_BASE_URL": whisper], scratch: scratch))
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("token"))
    }
}
