import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// Jobs that change the media file itself (issue 15 through the service): `embed` muxes the subtitles in, `dub` adds
/// an English dub track, both in place, against the real local backend (Whisper translates, Piper speaks).
@Suite(.enabled(if: (LocalBackend.whisperURL != nil && LocalBackend.speechURL != nil) || LocalBackend.isRequired,
                "set SUBTITLER_TEST_WHISPER_URL and SUBTITLER_TEST_SPEECH_URL, or run scripts/test"),
       .serialized, .backendTurn)
struct ServiceMediaTests {
    /// ffprobe's streams of a file, as JSON objects.
    static func streams(_ path: String) throws -> [[String: Any]] {
        try #require(try TrackMeasurements.ffprobe(path, ["-show_streams"])["streams"] as? [[String: Any]])
    }

    @Test func aTranslateJobEmbedsItsSubtitlesAndAddsAnEnglishDubTrackInPlace() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let whisper = try #require(LocalBackend.whisperURL, "SUBTITLER_TEST_WHISPER_URL is not set")
        let speech = try #require(LocalBackend.speechURL, "SUBTITLER_TEST_SPEECH_URL is not set")
        try FileManager.default.createDirectory(atPath: scratch.path("media"), withIntermediateDirectories: true)
        let media = scratch.path("media/clip.mkv")
        try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: media)
        let before = try Self.streams(media)
        let environment = ServiceProcess.environment(
            ["OPENAI_BASE_URL": whisper, "SUBTITLER_SPEECH_BASE_URL": speech], scratch: scratch)
        let service = try ServiceProcess.start(["--root", scratch.path("media")], environment: environment)
        defer { service.stop() }
        let client = ServiceClient(baseURL: service.baseURL)

        // (A request the dub cannot honour is refused before anything is queued: ServiceRouterTests.)
        let body = #"{"path": "\#(media)", "task": "translate", "embed": true, "dub": {"duck": 12}}"#
        let (status, created) = try await client.json(.POST, "/v1/jobs", body: body)
        #expect(status == 201, "\(created)")
        let job = try await client.waitForJob(try #require(created["id"] as? String), timeout: .seconds(900))
        #expect(job["state"] as? String == "done", "\(job)")
        let outputs = job["outputs"] as? [String] ?? []
        #expect(outputs.contains(scratch.path("media/clip.en.srt")), "\(outputs)")
        #expect(outputs.contains(media), "\(outputs)")

        // Every original stream is kept, in order; an English subtitle track and an English dub track are added.
        let after = try Self.streams(media)
        #expect(after.count == before.count + 2, "\(after.map { $0["codec_type"] ?? "" })")
        for (old, new) in zip(before, after) {
            #expect(old["codec_name"] as? String == new["codec_name"] as? String)
        }
        let subtitles = after.filter { $0["codec_type"] as? String == "subtitle" }
        #expect(subtitles.count == 1)
        #expect((subtitles.first?["tags"] as? [String: String])?["language"] == "eng")
        let dubs = after.filter {
            $0["codec_type"] as? String == "audio" && ($0["disposition"] as? [String: Int])?["dub"] == 1
        }
        #expect(dubs.count == 1)
        let tags = dubs.first?["tags"] as? [String: String] ?? [:]
        #expect(tags["language"] == "eng")
        #expect(tags["title"] == "English (dub)")
        #expect((dubs.first?["disposition"] as? [String: Int])?["default"] == 0)
    }
}
