import Foundation
import MediaAudio
import OpenAIAudio
import Testing
import TestSupport
@testable import Subtitler

/// Fixtures and measurements shared by the dub tests.
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

    /// Mono 16-bit WAV at 24 kHz: 0.2 s of silence, `seconds` of a 1 kHz tone, 0.2 s of silence.
    static func speechWAV(seconds: Double) -> [UInt8] {
        let rate = 24_000
        let silence = [Int16](repeating: 0, count: rate / 5)
        let tone = (0..<Int(seconds * Double(rate))).map {
            Int16(10_000 * sin(2 * Double.pi * 1_000 * Double($0) / Double(rate)))
        }
        return (try? AudioEncoder.encode(silence + tone + silence, sampleRate: rate, as: .wav).data) ?? []
    }

    /// The JSON body of a recorded speech request.
    static func speechBody(_ request: StubHTTPServer.RecordedRequest) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
    }

    /// The decoded samples (mono, 48 kHz) of stream `index` of `path`.
    static func decodedTrack(_ path: String, index: Int, sampleRate: Int = 48_000) throws -> [Int16] {
        try AudioReader(path: path, track: .index(index), sampleRate: sampleRate, blockSize: sampleRate).readAll()
    }

    /// 20 ms frame energies (dBFS) of `samples`.
    static func energies(_ samples: [Int16], sampleRate: Int = 48_000) -> [Float] {
        var meter = EnergyMeter(sampleRate: sampleRate)
        meter.append(samples)
        meter.finish()
        return meter.energies
    }

    /// The first rising edge at or after `from` ms: a frame above `threshold` after one below it, in milliseconds.
    static func onset(in energies: [Float], from: Int64, threshold: Float = -40) -> Int64? {
        let first = max(1, Int(from / 20))
        guard first < energies.count else { return nil }
        return energies.indices[first...].first { energies[$0] > threshold && energies[$0 - 1] <= threshold }
            .map { Int64($0) * 20 }
    }

    /// The mean power of the frames `frames` of `energies`, in dB.
    static func meanLevel(_ energies: [Float], frames: [Int]) -> Double {
        let power = frames.reduce(0.0) { $0 + pow(10, Double(energies[$1]) / 10) } / Double(max(1, frames.count))
        return 10 * log10(power)
    }

    /// Runs `ffprobe` and returns its JSON output.
    static func ffprobe(_ path: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffprobe", "-v", "error", "-of", "json"] + arguments + [path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// The MD5 of stream `specifier`'s packets (`ffmpeg -map 0:SPEC -c copy -f md5 -`).
    static func packetHash(_ path: String, _ specifier: String) throws -> String {
        String(decoding: try FFmpegCLI.run(["-i", path, "-map", "0:\(specifier)", "-c", "copy", "-f", "md5", "-"]),
               as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
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

    func respond(_ request: StubHTTPServer.RecordedRequest) -> StubHTTPServer.Response {
        let body = DubFixtures.speechBody(request)
        let input = body["input"] as? String ?? ""
        if failing.contains(input) {
            return .json(400, #"{"error":{"message":"rejected input","type":"invalid_request_error","param":"input","code":null}}"#)
        }
        let speed = honoursSpeed ? (body["speed"] as? Double ?? 1) : 1
        return .bytes(200, [DubFixtures.speechWAV(seconds: (durations[input] ?? 1) / speed)], contentType: "audio/wav")
    }
}
