import Foundation
import Testing
import TestSupport
@testable import MediaAudio

/// Bounded-time fuzz runs over media headers: seeded mutations of small MP4, MKV and WAV fixtures go through probe
/// and decode. Nothing may crash or hang, and what a mutated file makes the reader produce stays bounded.
///
/// The seeds and iteration counts are fixed, so CI runs the same inputs every time (a few seconds per format);
/// `SUBTITLER_FUZZ_ITERATIONS` and `SUBTITLER_FUZZ_SEED` run longer or different campaigns locally.
@Suite struct FuzzMediaTests {
    /// Two seconds of audio (plus a little video where the container has it): small, so many mutations run.
    static let fixtures: [String: Result<String, FixtureError>] = [
        "mp4": Fixture.make(
            "fuzz.mp4",
            Fixture.lavfi("testsrc=size=32x32:rate=2:duration=2") + Fixture.lavfi(Fixture.tone(440, rate: 22_050, seconds: 2))
                + ["-c:v", "mpeg4", "-c:a", "aac", "-b:a", "32k"]),
        "mkv": Fixture.make(
            "fuzz.mkv",
            Fixture.lavfi("testsrc=size=32x32:rate=2:duration=2") + Fixture.lavfi(Fixture.tone(440, rate: 48_000, seconds: 2))
                + ["-c:v", "mpeg4", "-c:a", "libopus", "-b:a", "24k", "-metadata:s:a:0", "language=ger"]),
        "wav": Fixture.make("fuzz.wav", Fixture.lavfi(Fixture.tone(440, rate: 8_000, seconds: 2)) + ["-c:a", "pcm_s16le"]),
    ]

    /// The most a mutated two-second fixture may put on the timeline: a header may legitimately claim a lower
    /// sample rate (longer audio), but never unbounded silence.
    static let maxTimelineSamples: Int64 = 16_000 * 600

    @Test(.timeLimit(.minutes(2)), arguments: ["mp4", "mkv", "wav"])
    func mutatedHeadersNeverCrashHangOrGrowWithoutBound(format: String) throws {
        let source = try #require(Self.fixtures[format]).get()
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let seed = FuzzSettings.seed(0x5EED_0000 ^ UInt64(format.utf8.reduce(0) { $0 &* 31 &+ UInt32($1) }))
        var random = SeededGenerator(seed: seed)
        let iterations = FuzzSettings.iterations(default: 400)
        var opened = 0
        var decodedSamples: Int64 = 0
        for iteration in 0..<iterations {
            // Mutations concentrate on the header, where the numbers that size things live.
            let headerLength = min(original.count, 4096)
            var bytes = Array(original.prefix(headerLength))
            bytes = Mutator.mutate(bytes, using: &random, maxEdits: 6)
            bytes += original.dropFirst(headerLength)
            if iteration % 5 == 4 { bytes = Mutator.mutate(bytes, using: &random, maxEdits: 3) }
            let name = "fuzz-\(format)-\(iteration)"
            do {
                let input = try InputFile(source: .memory(bytes, name: name))
                for stream in input.info.streams {
                    if let duration = stream.duration { #expect((0...MediaLimits.maxTimeline).contains(duration)) }
                }
                let reader = try AudioReader(source: .memory(bytes, name: name))
                opened += 1
                while let block = try reader.nextBlock() {
                    #expect(block.samples.count <= 16_000)
                    if block.endSample > Self.maxTimelineSamples {
                        Issue.record("iteration \(iteration) (seed \(seed)): the timeline grew past 10 minutes")
                        break
                    }
                }
                decodedSamples += reader.position
                if let expected = reader.expectedSampleCount {
                    #expect(expected <= MediaLimits.maxTimeline * 16, "iteration \(iteration) (seed \(seed))")
                }
            } catch {
                // Refusing a damaged file is fine; the error must name it and be one line.
                #expect(error.path == name)
                #expect(!error.description.contains("\n"))
            }
        }
        // The run exercised the decoder, not only the refusals.
        #expect(opened > iterations / 10, "only \(opened) of \(iterations) mutated \(format) files opened")
        #expect(decodedSamples > 0)
    }

    @Test(.timeLimit(.minutes(1))) func truncationsAtEveryEighthOfTheFileAreHandled() throws {
        for format in ["mp4", "mkv", "wav"] {
            let source = try #require(Self.fixtures[format]).get()
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
            for eighth in 0..<8 {
                let bytes = Array(original.prefix(original.count * eighth / 8))
                do {
                    let reader = try AudioReader(source: .memory(bytes, name: "cut.\(format)"))
                    let samples = try reader.readAll()
                    #expect(samples.count <= 3 * 16_000)
                } catch {
                    #expect(error.path == "cut.\(format)")
                }
            }
        }
    }
}
