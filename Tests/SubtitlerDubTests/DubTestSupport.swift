import Foundation
import MediaAudio
import OpenAIAudio
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerDub

/// Fixtures shared by the dub tests (measurements: TestSupport's TrackMeasurements).
enum DubFixtures {
    /// A small video with a steady 300 Hz tone as its only audio track (`deu`), `seconds` long.
    static func toneVideo(in directory: TemporaryDirectory, name: String = "media.mkv", seconds: Int = 6) throws -> String {
        let path = directory.path(name)
        let audioCodec = name.hasSuffix(".mkv") || name.hasSuffix(".webm") ? "libopus" : "aac"
        let videoCodec = name.hasSuffix(".webm") ? ["libvpx", "-deadline", "realtime"] : ["mpeg4"]
        _ = try FFmpegCLI.run([
            "-y", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=\(seconds)",
            "-f", "lavfi", "-i", "color=c=black:s=64x64:d=\(seconds):r=10",
            "-af", "volume=0.5", "-c:a", audioCodec, "-c:v"] + videoCodec + ["-metadata:s:a:0", "language=deu", path,
        ])
        return path
    }

    /// The JSON body of a recorded speech request.
    static func speechBody(_ request: StubHTTPServer.RecordedRequest) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
    }
}

/// A speech server on demand: each text has a length at normal speed; `speed` shortens it unless told to ignore it.
struct SpeechStub: Sendable {
    /// Seconds of tone per input text at speed 1 (texts not listed get one second).
    var durations: [String: Double]
    /// Whether the `speed` field is honoured.
    var honoursSpeed = true
    /// Texts answered with HTTP 400.
    var failing: Set<String> = []

    /// The answer to `request` as the speech seam returns it: a WAV of tone, or the client's error.
    func answer(_ request: SpeechRequest) throws(OpenAIAudioError) -> [UInt8] {
        if failing.contains(request.input) {
            throw FakeSpeechSynthesizer.rejected(400, message: "rejected input")
        }
        let speed = honoursSpeed ? (request.speed ?? 1) : 1
        return TrackMeasurements.toneWAV(seconds: (durations[request.input] ?? 1) / speed)
    }

    /// The same answer over HTTP, for tests of the real client.
    func respond(_ request: StubHTTPServer.RecordedRequest) -> StubHTTPServer.Response {
        let body = DubFixtures.speechBody(request)
        let input = body["input"] as? String ?? ""
        if failing.contains(input) {
            return .json(400, #"{"error":{"message":"rejected input","type":"invalid_request_error","param":"input","code":null}}"#)
        }
        let speed = honoursSpeed ? (body["speed"] as? Double ?? 1) : 1
        return .bytes(200, [TrackMeasurements.toneWAV(seconds: (durations[input] ?? 1) / speed)], contentType: "audio/wav")
    }
}
