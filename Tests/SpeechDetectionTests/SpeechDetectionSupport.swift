import Foundation
import MediaAudio
import TestSupport
@testable import SpeechDetection

/// faster-whisper's VAD run by `Tests/Oracles/vad-reference.py` with the backend venv's Python (onnxruntime, one thread):
/// the oracle for the Swift Silero VAD.
///
/// The interpreter is `SUBTITLER_VAD_PYTHON`, else `<repo>/.venv-backend/bin/python` when faster-whisper is
/// installed there (`scripts/setup`). With `SUBTITLER_REQUIRE_BACKEND=1` the parity tests run and fail when it is
/// missing; otherwise they are skipped.
enum VADReference {
    static let repository = Samples.directory.deletingLastPathComponent()
    static let script = repository.appendingPathComponent("Tests/Oracles/vad-reference.py")

    /// The Python with faster-whisper, or nil.
    static var python: URL? {
        if let path = ProcessInfo.processInfo.environment["SUBTITLER_VAD_PYTHON"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let venv = repository.appendingPathComponent(".venv-backend")
        let candidate = venv.appendingPathComponent("bin/python")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else { return nil }
        let lib = venv.appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        let installed = versions.contains {
            FileManager.default.fileExists(
                atPath: lib.appendingPathComponent("\($0)/site-packages/faster_whisper/vad.py").path)
        }
        return installed ? candidate : nil
    }

    /// Whether the parity tests run: the reference is there, or it is required (and then missing means failure).
    static var isConfigured: Bool { python != nil || LocalBackend.isRequired }

    /// What the reference computed for one audio file.
    struct Output: Decodable {
        struct Region: Decodable, Equatable {
            var start: Int64
            var end: Int64
        }
        var sampleCount: Int64?
        var probabilities: [Double]?
        var regions: [[Region]]
    }

    /// The options as faster-whisper's `VadOptions` keyword arguments.
    static func json(_ options: VoiceActivityOptions) -> [String: Any] {
        var object: [String: Any] = [
            "threshold": options.threshold,
            "min_speech_duration_ms": options.minimumSpeechMilliseconds,
            "min_silence_duration_ms": options.minimumSilenceMilliseconds,
            "speech_pad_ms": options.speechPadMilliseconds,
        ]
        if let negative = options.negativeThreshold { object["neg_threshold"] = negative }
        if let maximum = options.maximumSpeechMilliseconds { object["max_speech_duration_s"] = Double(maximum) / 1000 }
        return object
    }

    /// Runs the model on 16 kHz samples; regions once per option set.
    static func probabilities(of samples: [Int16], optionSets: [VoiceActivityOptions]) throws -> Output {
        let input = Fixture.path("vad-\(UUID().uuidString).s16")
        try Data(samples.withUnsafeBufferPointer { Data(buffer: $0) }).write(to: URL(fileURLWithPath: input))
        defer { try? FileManager.default.removeItem(atPath: input) }
        return try run(["probabilities", input, try encode(optionSets)])
    }

    /// Runs `get_speech_timestamps` on given probabilities for audio of `sampleCount` samples.
    static func regions(of probabilities: [Float], sampleCount: Int64, optionSets: [VoiceActivityOptions]) throws
        -> Output
    {
        let input = Fixture.path("probabilities-\(UUID().uuidString).json")
        let object: [String: Any] = ["sampleCount": sampleCount, "probabilities": probabilities.map(Double.init)]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: input))
        defer { try? FileManager.default.removeItem(atPath: input) }
        return try run(["regions", input, try encode(optionSets)])
    }

    private static func encode(_ optionSets: [VoiceActivityOptions]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: optionSets.map(json)), as: UTF8.self)
    }

    private static func run(_ arguments: [String]) throws -> Output {
        guard let python else {
            throw FixtureError(
                description:
                    "no Python with faster-whisper (.venv-backend; run scripts/setup, or set SUBTITLER_VAD_PYTHON)")
        }
        let result = try Tool.run(python.path, [script.path] + arguments)
        guard result.status == 0 else {
            throw FixtureError(description: "vad-reference.py \(arguments.first ?? "") failed: \(result.stderr)")
        }
        return try JSONDecoder().decode(Output.self, from: Data(result.stdout.utf8))
    }
}

/// Audio for the speech detector tests, as 16 kHz samples.
enum SpeechAudio {
    /// A media file's default track decoded by `AudioReader` at 16 kHz.
    static func decode(_ path: String) throws -> [Int16] {
        try AudioReader(path: path, sampleRate: 16_000).readAll()
    }

    /// Layout of the music + speech fixture, in seconds.
    static let musicSeconds = 8
    static let firstSpeechSeconds = 12
    static let noiseSeconds = 5
    static let silenceSeconds = 3
    static let secondSpeechSeconds = 8

    /// 8 s of chords (a I-vi-IV-V progression, pulsing), 12 s of the English sample's speech with the chords
    /// quietly under it, 5 s of pink noise, 3 s of digital silence, 8 s more of the sample's speech: 16 kHz mono WAV.
    static let musicAndSpeech: Result<String, FixtureError> = {
        let talk = Samples.url("talk-en.mp4").path
        let chords = [
            [220.0, 277.18, 329.63], [185.0, 220.0, 277.18], [146.83, 185.0, 220.0], [164.81, 207.65, 246.94],
        ]
        // Each chord lasts 2 s; notes pulse at 2 Hz like a strummed accompaniment.
        let tone = chords.enumerated().map { index, notes in
            let sum = notes.map { "sin(2*PI*\($0)*t)+0.3*sin(4*PI*\($0)*t)" }.joined(separator: "+")
            return "between(mod(t,8),\(2 * index),\(2 * index + 2))*(\(sum))"
        }.joined(separator: "+")
        let music = "aevalsrc='0.08*(0.55+0.45*cos(2*PI*2*t))*(\(tone))':s=16000"
        let end = firstSpeechSeconds + secondSpeechSeconds
        return Fixture.make(
            "music-and-speech.wav",
            [
                "-f", "lavfi", "-i", music,
                "-i", talk,
                "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.15:sample_rate=16000:seed=42",
                "-filter_complex",
                "[0:a]atrim=0:\(musicSeconds + firstSpeechSeconds),asplit=2[intro][bed];"
                    + "[intro]atrim=0:\(musicSeconds),asetpts=N/SR/TB[m];"
                    + "[bed]atrim=\(musicSeconds):\(musicSeconds + firstSpeechSeconds),asetpts=N/SR/TB,"
                    + "volume=0.3[under];"
                    + "[1:a]aresample=16000,pan=mono|c0=c0,asplit=2[t1][t2];"
                    + "[t1]atrim=0:\(firstSpeechSeconds),asetpts=N/SR/TB[s1];"
                    + "[s1][under]amix=inputs=2:normalize=0[speech1];"
                    + "[2:a]atrim=0:\(noiseSeconds),asetpts=N/SR/TB[n];"
                    + "aevalsrc=0:s=16000:d=\(silenceSeconds)[z];"
                    + "[t2]atrim=\(firstSpeechSeconds):\(end),asetpts=N/SR/TB[s2];"
                    + "[m][speech1][n][z][s2]concat=n=5:v=0:a=1,"
                    + "aformat=sample_fmts=s16:sample_rates=16000:channel_layouts=mono[out]",
                "-map", "[out]", "-c:a", "pcm_s16le",
            ])
    }()
}
