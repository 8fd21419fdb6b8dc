import Foundation
import MediaAudio
import TestSupport
import Testing
@testable import SpeechDetection

/// Proof that the Swift inference is the same model as the ONNX file: faster-whisper's own VAD code (onnxruntime)
/// and ours on the same 16 kHz samples agree within 1e-3 on every frame, and the regions match exactly for
/// faster-whisper's defaults, Silero's defaults and a setting that exercises the maximum-length split.
@Suite(.enabled(if: VADReference.isConfigured, "needs .venv-backend with faster-whisper (scripts/setup)"))
struct SileroVADParityTests {
    static let optionSets: [VoiceActivityOptions] = [
        .fasterWhisper,
        .silero,
        VoiceActivityOptions(
            threshold: 0.6, negativeThreshold: 0.3, minimumSpeechMilliseconds: 100, maximumSpeechMilliseconds: 3000,
            minimumSilenceMilliseconds: 300, speechPadMilliseconds: 200),
    ]

    @Test("the committed weight resource is the conversion of faster-whisper's ONNX file")
    func resourceIsCurrent() throws {
        let python = try #require(VADReference.python, "SUBTITLER_REQUIRE_BACKEND=1 but no Python with faster-whisper")
        let converter = VADReference.repository.appendingPathComponent("scripts/generate/convert-silero-vad.py").path
        let result = try Tool.run(python.path, [converter, "--check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasSuffix("True\n"))
    }

    @Test("talk-en.mp4 (English Piper speech)")
    func englishSample() throws {
        try compare(try SpeechAudio.decode(Samples.url("talk-en.mp4").path), name: "talk-en.mp4")
    }

    @Test("clip-de.mkv (German espeak)")
    func germanSample() throws {
        try compare(try SpeechAudio.decode(Samples.url("clip-de.mkv").path), name: "clip-de.mkv")
    }

    @Test("music, speech over music, noise, silence, speech")
    func musicAndSpeech() throws {
        let path = try SpeechAudio.musicAndSpeech.get()
        try compare(try SpeechAudio.decode(path), name: "music-and-speech.wav")
    }

    @Test("a length that is a multiple of 512 (faster-whisper adds a whole zero frame) and a tiny input")
    func edgeLengths() throws {
        let speech = try SpeechAudio.decode(Samples.url("talk-en.mp4").path)
        try compare(Array(speech[0..<(512 * 200)]), name: "talk-en.mp4, 200 frames")
        try compare(Array(speech[20_000..<20_100]), name: "talk-en.mp4, 100 samples")
    }

    private func compare(_ samples: [Int16], name: String) throws {
        try #require(VADReference.python != nil, "SUBTITLER_REQUIRE_BACKEND=1 but no Python with faster-whisper")
        let reference = try VADReference.probabilities(of: samples, optionSets: Self.optionSets)
        let expected = try #require(reference.probabilities)
        let model = try SileroVADModel.bundled()

        for (index, options) in Self.optionSets.enumerated() {
            let ours = VoiceActivityDetector.detect(samples: samples, model: model, options: options)
            if index == 0 {
                #expect(reference.sampleCount == Int64(samples.count))
                #expect(ours.probabilities.count == expected.count, "\(name): frame count")
                var worst = (difference: 0.0, frame: 0)
                for (frame, (a, b)) in zip(ours.probabilities, expected).enumerated() {
                    let difference = abs(Double(a) - b)
                    if difference > worst.difference { worst = (difference, frame) }
                }
                #expect(
                    worst.difference <= 1e-3,
                    """
                    \(name): frame \(worst.frame) differs by \(worst.difference) \
                    (ours \(ours.probabilities[worst.frame]), onnxruntime \(expected[worst.frame]))
                    """
                )
            }
            let regions = ours.regions.map { VADReference.Output.Region(start: $0.start, end: $0.end) }
            #expect(regions == reference.regions[index], "\(name): regions with \(options)")
        }
    }
}

/// The region tracker against faster-whisper's `get_speech_timestamps` on crafted probability sequences: every
/// branch of its loop (hysteresis, short speech dropped, short silence bridged, splits at the maximum length with and
/// without a pause, padding that overlaps, the end of the audio).
@Suite(.enabled(if: VADReference.isConfigured, "needs .venv-backend with faster-whisper (scripts/setup)"))
struct SpeechRegionTrackerParityTests {
    static let optionSets: [VoiceActivityOptions] = [
        .fasterWhisper,
        .silero,
        VoiceActivityOptions(minimumSilenceMilliseconds: 0, speechPadMilliseconds: 0),
        VoiceActivityOptions(
            minimumSpeechMilliseconds: 200, maximumSpeechMilliseconds: 2000, minimumSilenceMilliseconds: 150),
        VoiceActivityOptions(maximumSpeechMilliseconds: 1000, minimumSilenceMilliseconds: 0, speechPadMilliseconds: 30),
        VoiceActivityOptions(
            threshold: 0.7, negativeThreshold: 0.2, maximumSpeechMilliseconds: 1500, speechPadMilliseconds: 100),
    ]

    @Test("random walks of probability")
    func randomWalks() throws {
        var generator = SplitMix(seed: 11)
        for trial in 0..<6 {
            let frames = 300 + trial * 250
            var probabilities: [Float] = []
            var level: Float = 0.1
            for _ in 0..<frames {
                // Mostly sticky, sometimes jumping: long speech, short gaps, stretches between the thresholds.
                if generator.unit() < 0.08 { level = Float(generator.unit()) }
                probabilities.append(min(1, max(0, level + Float(generator.unit() - 0.5) * 0.3)))
            }
            let sampleCount = Int64(frames - 1) * 512 + Int64(generator.next() % 512)
            try check(probabilities, sampleCount: sampleCount, label: "trial \(trial)")
        }
    }

    @Test("edges: speech from the first frame, speech to the last frame, nothing at all")
    func edges() throws {
        try check([Float](repeating: 0.9, count: 100), sampleCount: 99 * 512 + 7, label: "all speech")
        try check([Float](repeating: 0.0, count: 100), sampleCount: 99 * 512, label: "no speech")
        try check(
            [0.9, 0.9, 0.1] + [Float](repeating: 0.0, count: 60) + [0.9, 0.9], sampleCount: 64 * 512 + 300,
            label: "short")
    }

    private func check(_ probabilities: [Float], sampleCount: Int64, label: String) throws {
        try #require(VADReference.python != nil, "SUBTITLER_REQUIRE_BACKEND=1 but no Python with faster-whisper")
        let reference = try VADReference.regions(
            of: probabilities, sampleCount: sampleCount, optionSets: Self.optionSets)
        for (index, options) in Self.optionSets.enumerated() {
            var tracker = SpeechRegionTracker(options: options)
            var regions: [SpeechRegion] = []
            for probability in probabilities { regions += tracker.append(probability) }
            regions += tracker.finish(sampleCount: sampleCount)
            let ours = regions.map { VADReference.Output.Region(start: $0.start, end: $0.end) }
            #expect(ours == reference.regions[index], "\(label), options \(options)")
        }
    }
}

/// A small deterministic generator for test data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
