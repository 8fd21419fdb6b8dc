import Foundation
import MediaAudio

/// A fixture that could not be generated (ffmpeg missing or failing).
public struct FixtureError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Runs the ffmpeg / ffprobe command-line tools.
public enum Tool {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ tool: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a chatty tool cannot fill a pipe and block.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `ffmpeg -v error -y ARGS`; throws with ffmpeg's stderr on failure.
    public static func ffmpeg(_ arguments: [String]) throws {
        let result = try run("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-y"] + arguments)
        if result.status != 0 {
            throw FixtureError(description: "ffmpeg \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
    }

    /// One ffprobe entry, e.g. `stream=start_time` of the first audio stream.
    public static func ffprobe(_ path: String, entries: String, select: String? = nil) throws -> String {
        var args = ["-v", "error"]
        if let select { args += ["-select_streams", select] }
        args += ["-show_entries", entries, "-of", "default=noprint_wrappers=1:nokey=1", path]
        let result = try run("ffprobe", args)
        if result.status != 0 { throw FixtureError(description: "ffprobe failed on \(path): \(result.stderr)") }
        // MPEG-TS lists its streams twice (program and file); the first line is the answer.
        return result.stdout.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    }
}

/// Media files generated once per test run, with the ffmpeg CLI, into a temporary directory.
public enum Fixture {
    public static let directory: String = {
        let dir = NSTemporaryDirectory() + "MediaAudioTests-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fixture.directory) }
        return dir
    }()

    public static func path(_ name: String) -> String { directory + "/" + name }

    /// Generates `name` with ffmpeg (`-f lavfi` inputs etc.), once.
    public static func make(_ name: String, _ arguments: [String]) -> Result<String, FixtureError> {
        let output = path(name)
        do {
            try FileManager.default.createDirectory(
                atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Tool.ffmpeg(arguments + [output])
            return .success(output)
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError(description: "\(error)"))
        }
    }

    public static func lavfi(_ graph: String) -> [String] { ["-f", "lavfi", "-i", graph] }
    public static func tone(_ hz: Int, rate: Int = 48_000, seconds: Double) -> String {
        "sine=frequency=\(hz):sample_rate=\(rate):duration=\(seconds)"
    }
    public static let smallVideo = "testsrc=size=64x48:rate=10:duration=4"

    /// 4 s of 10 fps video + a 440 Hz stereo 48 kHz AAC track, in MP4.
    public static let stereoMP4 = make(
        "stereo48k.mp4",
        lavfi(smallVideo) + lavfi(tone(440, seconds: 4)) + ["-c:v", "mpeg4", "-c:a", "aac", "-ac", "2", "-ar", "48000"])

    /// MKV: video; #1 5.1 AC-3 300 Hz `eng`; #2 AAC 600 Hz `ger` "Deutsch" default; #3 Vorbis 1200 Hz 44.1 kHz
    /// `fre` "Commentaire" comment.
    public static let multiTrackMKV = make(
        "multi.mkv",
        lavfi("testsrc=size=64x48:rate=5:duration=3")
            + lavfi(tone(300, seconds: 3) + ",pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0")
            + lavfi(tone(600, seconds: 3)) + lavfi(tone(1200, rate: 44_100, seconds: 3))
            + ["-map", "0", "-map", "1", "-map", "2", "-map", "3", "-c:v", "mpeg4",
               "-c:a:0", "ac3", "-c:a:1", "aac", "-c:a:2", "libvorbis",
               "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=ger",
               "-metadata:s:a:1", "title=Deutsch", "-metadata:s:a:2", "language=fre",
               "-metadata:s:a:2", "title=Commentaire",
               "-disposition:a:0", "0", "-disposition:a:1", "default", "-disposition:a:2", "comment"])

    /// 6 s of video; a 1 kHz tone that starts at 2.5 s on the video timeline (audio input offset by 2.5 s).
    public static func lateAudio(_ ext: String) -> Result<String, FixtureError> {
        make(
            "late." + ext,
            lavfi("testsrc=size=64x48:rate=10:duration=6") + ["-itsoffset", "2.5"]
                + lavfi(tone(1000, seconds: 3)) + ["-c:v", "mpeg4", "-c:a", "aac", "-ac", "2"])
    }
    public static let lateMP4 = lateAudio("mp4")
    public static let lateMKV = lateAudio("mkv")
    public static let lateTS = lateAudio("ts")

    /// Video only.
    public static let videoOnly = make("video-only.mp4", lavfi(smallVideo) + ["-c:v", "mpeg4"])

    /// 3 s of 440 Hz FLAC in MKV with a 1 s hole in the timestamps after the first second.
    public static let gapMKV = make(
        "gap.mkv", lavfi(tone(440, seconds: 3) + ",asetpts='if(gte(T,1),PTS+48000,PTS)'") + ["-c:a", "flac"])

    /// 10 s of 440 Hz AAC in MPEG-TS.
    public static let longTS = make("long.ts", lavfi(tone(440, seconds: 10)) + ["-c:a", "aac", "-b:a", "64k"])

    /// 10 s of 440 Hz in MKV (AAC), for cutting.
    public static let longMKV = make("long.mkv", lavfi(tone(440, seconds: 10)) + ["-c:a", "aac", "-b:a", "64k"])

    /// A tone in MP3 under a directory and file name with spaces and non-ASCII characters.
    public static let unicodePath = make(
        "dir with spaces/Ünïcödé 日本語 file (1).mp3", lavfi(tone(440, seconds: 2)) + ["-c:a", "libmp3lame"])

    /// Writes bytes to a fixture file (for hand-made and damaged files).
    public static func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let output = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: output))
        return output
    }

    /// A copy of `source` with bytes `from..<to` (fractions of the size) overwritten by seeded garbage.
    public static func damaged(_ source: String, name: String, from: Double, to: Double) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in Int(Double(bytes.count) * from)..<Int(Double(bytes.count) * to) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[i] = UInt8(truncatingIfNeeded: state >> 33)
        }
        return try write(name, bytes)
    }

    /// The first `fraction` of `source`.
    public static func truncated(_ source: String, name: String, fraction: Double) throws -> String {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        return try write(name, Array(bytes.prefix(Int(Double(bytes.count) * fraction))))
    }
}

/// Signal measurements for assertions.
public enum Signal {
    public static func rms(_ x: ArraySlice<Int16>) -> Double {
        guard !x.isEmpty else { return 0 }
        var sum = 0.0
        for v in x { sum += Double(v) * Double(v) }
        return (sum / Double(x.count)).squareRoot()
    }

    public static func rms(_ x: [Int16]) -> Double { rms(x[...]) }

    /// Frequency estimated from zero crossings.
    public static func frequency(_ x: ArraySlice<Int16>, sampleRate: Int) -> Double {
        var crossings = 0
        var previous = x.first ?? 0
        for v in x.dropFirst() {
            if (previous < 0 && v >= 0) || (previous >= 0 && v < 0) { crossings += 1 }
            previous = v
        }
        return Double(crossings) / 2 / (Double(x.count) / Double(sampleRate))
    }

    /// Index of the first sample whose magnitude exceeds `threshold`.
    public static func onset(_ x: [Int16], threshold: Int16 = 1000) -> Int? {
        x.firstIndex { abs(Int32($0)) > Int32(threshold) }
    }

    /// Normalized cross-correlation of `a` and `b` shifted by `lag` (b[i + lag] against a[i]).
    public static func correlation(_ a: [Int16], _ b: [Int16], lag: Int = 0) -> Double {
        var ab = 0.0
        var aa = 0.0
        var bb = 0.0
        for i in 0..<a.count {
            let j = i + lag
            guard j >= 0 && j < b.count else { continue }
            let x = Double(a[i])
            let y = Double(b[j])
            ab += x * y
            aa += x * x
            bb += y * y
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }

    /// A speech-like test signal: a 200 Hz -> 3 kHz chirp with a 3 Hz amplitude envelope (not periodic, so
    /// correlation finds one clear alignment).
    public static func chirp(seconds: Double, sampleRate: Int) -> [Int16] {
        let n = Int(seconds * Double(sampleRate))
        var out = [Int16](repeating: 0, count: n)
        var phase = 0.0
        for i in 0..<n {
            let t = Double(i) / Double(sampleRate)
            let f = 200 + (3000 - 200) * t / seconds
            phase += 2 * Double.pi * f / Double(sampleRate)
            let envelope = 0.55 + 0.35 * sin(2 * Double.pi * 3 * t)
            out[i] = Int16(12_000 * envelope * sin(phase))
        }
        return out
    }
}
