import Foundation
import MediaAudio
import OpenAIAudio
import Testing
@testable import Subtitler

/// Planner tests on synthetic energy maps (20 ms frames, dBFS).
struct ChunkPlannerTests {
    /// Speech at -20 dBFS with pauses at -90 dBFS of `pauseFrames` at the given frames.
    func energyMap(frames: Int, pauses: [Int], pauseFrames: Int = 25) -> [Float] {
        var map = [Float](repeating: -20, count: frames)
        for pause in pauses {
            for i in pause..<min(frames, pause + pauseFrames) { map[i] = -90 }
        }
        // A little texture in the speech so no two stretches are identical.
        for i in map.indices where map[i] > -50 { map[i] += Float(i % 7) }
        return map
    }

    @Test func cutsLandInThePausesNearEachTarget() {
        // 10 minutes; target 2 min, search ±30 s; pauses at 1:50, 4:05, 6:00, 8:10.
        let pauses = [5_500, 12_250, 18_000, 24_500]
        let map = energyMap(frames: 30_000, pauses: pauses)
        let planner = ChunkBoundaryPlanner(targetFrames: 6_000, searchFrames: 1_500)
        let cuts = planner.cuts(for: map)
        #expect(cuts.count == 4)
        for (cut, pause) in zip(cuts, pauses) {
            #expect(cut.isInSilence)
            #expect(cut.frame >= pause && cut.frame < pause + 25, "cut at \(cut.frame), pause at \(pause)")
        }
    }

    @Test func inputWithoutSilenceStillSplitsUnderTheCap() {
        var map = [Float](repeating: -18, count: 20_000)
        for i in map.indices { map[i] += Float((i * 37) % 11) }
        let planner = ChunkBoundaryPlanner(targetFrames: 3_000, searchFrames: 500, maxFrames: 3_200)
        let cuts = planner.cuts(for: map)
        var start = 0
        for cut in cuts {
            #expect(cut.frame - start <= 3_200)
            #expect(cut.frame > start)
            #expect(!cut.isInSilence)
            start = cut.frame
        }
        #expect(map.count - start <= 3_200)
        #expect(cuts.count >= 6)
    }

    @Test func theCapShrinksTargetAndSearch() {
        let planner = ChunkBoundaryPlanner(targetFrames: 15_000, searchFrames: 1_500, maxFrames: 1_500)
        #expect(planner.targetFrames + planner.searchFrames <= 1_500)
        #expect(planner.searchFrames > 0)
    }

    @Test func shortInputIsOneChunk() {
        let map = energyMap(frames: 500, pauses: [200])
        #expect(ChunkBoundaryPlanner(targetFrames: 15_000, searchFrames: 1_500).cuts(for: map).isEmpty)
    }

    @Test func energyMeterMeasuresFramesAndSilence() {
        var meter = EnergyMeter(sampleRate: 16_000)
        #expect(meter.frameLength == 320)
        meter.append([Int16](repeating: 0, count: 320))
        meter.append([Int16](repeating: 16_384, count: 320))
        meter.append([Int16](repeating: 1_000, count: 100))
        #expect(meter.energies.count == 2)
        meter.finish()
        #expect(meter.energies.count == 3)
        #expect(meter.energies[0] == -120)
        #expect(abs(meter.energies[1] - (-6.02)) < 0.05)
    }

    @Test func speechDetectorMarksLoudFramesWithHangover() {
        var map = [Float](repeating: -70, count: 200)
        for i in 100..<120 { map[i] = -20 }
        let speech = EnergySpeechDetector.speechFrames(from: map, hangoverFrames: 5)
        #expect(!speech[50])
        #expect(speech[96] && !speech[94])
        #expect(speech[110])
        #expect(speech[124] && !speech[126])
    }
}

struct SpeechTextSplitTests {
    @Test func longTextSplitsAtSentenceEndsUnderTheLimit() {
        let sentence = "This sentence is exactly fifty characters long ok. "
        let text = String(repeating: sentence, count: 200)
        let pieces = SpeechMaker.split(text, maxCharacters: 4096)
        #expect(pieces.count == 3)
        #expect(pieces.allSatisfy { $0.count <= 4096 && $0.hasSuffix(".") })
        #expect(pieces.joined(separator: " ") == text.trimmingCharacters(in: .whitespaces))
    }

    @Test func aSentenceOverTheLimitBreaksAtCommasOrSpaces() {
        let text = Array(repeating: "word", count: 300).joined(separator: " ")
        let pieces = SpeechMaker.split(text, maxCharacters: 100)
        #expect(pieces.allSatisfy { $0.count <= 100 })
        #expect(pieces.joined(separator: " ").split(separator: " ").count == 300)
    }

    @Test func anUnbreakableRunAfterASpaceStillSplitsAndEnds() {
        let text = "Hi. " + String(repeating: "x", count: 5_000)
        let pieces = SpeechMaker.split(text, maxCharacters: 4096)
        #expect(pieces.allSatisfy { !$0.isEmpty && $0.count <= 4096 })
        #expect(pieces.joined().filter { $0 == "x" }.count == 5_000)
    }

    @Test func shortTextIsOnePieceAndEmptyIsNone() {
        #expect(SpeechMaker.split("  Hello there.  ", maxCharacters: 4096) == ["Hello there."])
        #expect(SpeechMaker.split(" \n ", maxCharacters: 4096).isEmpty)
    }
}

struct SpeechAudioTests {
    @Test func wavRoundTripsAndEncodesForOtherDecoders() throws {
        let samples = (0..<22_050).map { Int16(clamping: Int(8_000 * sin(Double($0) * 2 * .pi * 440 / 22_050))) }
        let audio = PCMAudio(sampleRate: 22_050, samples: samples)
        let back = try PCMAudio(speech: audio.encoded(as: .wav), name: "test", sampleRate: nil)
        #expect(back.sampleRate == 22_050)
        #expect(back.samples == samples)
        #expect(try audio.encoded(as: .pcm).count == samples.count * 2)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("speech-\(UUID().uuidString).flac").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data(try audio.encoded(as: .flac)))
        let reader = try AudioReader(path: path, sampleRate: 22_050)
        #expect(reader.stream.codec == "flac")
        #expect(reader.expectedSampleCount == 22_050)
    }

    @Test func wavWithUnknownDataSizeRunsToTheEnd() throws {
        var bytes = try PCMAudio(sampleRate: 16_000, samples: [1, 2, 3, 4]).encoded(as: .wav)
        let data = try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("data".utf8) })
        bytes.replaceSubrange((data + 4)..<(data + 8), with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try PCMAudio(speech: bytes, name: "test", sampleRate: nil).samples == [1, 2, 3, 4])
        let error = try #require(throws: SpeechError.self) {
            try PCMAudio(speech: Array("not a wave file".utf8), name: "piece 3", sampleRate: nil)
        }
        #expect(error.description.contains("piece 3"))
    }

    @Test func decodingAtAnotherRateKeepsDurationAndLevel() throws {
        let audio = PCMAudio(sampleRate: 22_050, samples: [Int16](repeating: 1_000, count: 22_050))
        let resampled = try PCMAudio(speech: audio.encoded(as: .wav), name: "test", sampleRate: 24_000)
        #expect(resampled.sampleRate == 24_000)
        #expect(abs(resampled.samples.count - 24_000) <= 2)
        // Away from the edges (the resampler's filter rings there) the level is unchanged.
        #expect(resampled.samples[1_000..<23_000].allSatisfy { abs(Int($0) - 1_000) <= 2 })
    }

    @Test func anAbsurdSampleRateInASpeechAnswerIsAnErrorNotAnAllocation() throws {
        var bytes = try PCMAudio(sampleRate: 16_000, samples: [Int16](repeating: 5, count: 1_600)).encoded(as: .wav)
        let fmt = try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("fmt ".utf8) })
        // Sample rate field: 4 bytes at fmt + 12; byte rate at fmt + 16.
        bytes.replaceSubrange((fmt + 12)..<(fmt + 16), with: [0xFF, 0xFF, 0xFF, 0x7F])
        // FFmpeg reads the header and refuses the rate; the error names the piece, and nothing is allocated for it.
        let error = try #require(throws: SpeechError.self) { try PCMAudio(speech: bytes, name: "absurd", sampleRate: nil) }
        #expect(error.kind == .invalidAudio)
        #expect(error.description.contains("absurd"))
        #expect(error.description.contains("sample rate 2147483647 Hz is out of range"), "\(error)")
    }
}
