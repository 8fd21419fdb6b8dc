import Foundation
import MediaAudio

/// Measurements on written media files, shared by the dub, mux and service tests: decoded tracks, 20 ms energies,
/// speech onsets and levels, ffprobe's view and packet hashes.
public enum TrackMeasurements {
    /// The decoded samples (mono, `sampleRate`) of stream `index` of `path`.
    public static func track(_ path: String, index: Int, sampleRate: Int = 48_000) throws -> [Int16] {
        try AudioReader(path: path, track: .index(index), sampleRate: sampleRate, blockSize: sampleRate).readAll()
    }

    /// 20 ms frame energies (dBFS) of `samples`.
    public static func energies(_ samples: [Int16], sampleRate: Int = 48_000) -> [Float] {
        var meter = EnergyMeter(sampleRate: sampleRate)
        meter.append(samples)
        meter.finish()
        return meter.energies
    }

    /// The first rising edge at or after `from` ms: a frame above `threshold` after one below it, in milliseconds.
    public static func onset(in energies: [Float], from: Int64, threshold: Float = -40) -> Int64? {
        let first = max(1, Int(from / 20))
        guard first < energies.count else { return nil }
        return energies.indices[first...].first { energies[$0] > threshold && energies[$0 - 1] <= threshold }
            .map { Int64($0) * 20 }
    }

    /// The mean power of the frames `frames` of `energies`, in dB.
    public static func meanLevel(_ energies: [Float], frames: [Int]) -> Double {
        let power = frames.reduce(0.0) { $0 + pow(10, Double(energies[$1]) / 10) } / Double(max(1, frames.count))
        return 10 * log10(power)
    }

    /// `ffprobe -v error -of json ARGUMENTS PATH`, parsed.
    public static func ffprobe(_ path: String, _ arguments: [String]) throws -> [String: Any] {
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
    public static func packetHash(_ path: String, _ specifier: String) throws -> String {
        String(decoding: try FFmpegCLI.run(["-i", path, "-map", "0:\(specifier)", "-c", "copy", "-f", "md5", "-"]),
               as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A speech server's answer stand-in: mono 16-bit WAV at 24 kHz, 0.2 s of silence, `seconds` of a 1 kHz tone,
    /// 0.2 s of silence.
    public static func toneWAV(seconds: Double) -> [UInt8] {
        let rate = 24_000
        let silence = [Int16](repeating: 0, count: rate / 5)
        let tone = (0..<Int(seconds * Double(rate))).map {
            Int16(10_000 * sin(2 * Double.pi * 1_000 * Double($0) / Double(rate)))
        }
        return (try? AudioEncoder.encode(silence + tone + silence, sampleRate: rate, as: .wav).data) ?? []
    }
}
