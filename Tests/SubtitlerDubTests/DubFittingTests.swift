import Foundation
import MediaAudio
import Subtitles
import Testing
@testable import Subtitler
@testable import SubtitlerDub

/// The decisions that fit dub utterances to their cues, on synthetic audio and cue lists.
struct DubFittingTests {
    /// Silence, a tone of `toneSeconds`, silence, at `rate`.
    static func burst(lead: Double, toneSeconds: Double, tail: Double, rate: Int, frequency: Double = 440) -> [Int16] {
        let silence = { (seconds: Double) in [Int16](repeating: 0, count: Int(seconds * Double(rate))) }
        let tone = (0..<Int(toneSeconds * Double(rate))).map {
            Int16(12_000 * sin(2 * Double.pi * frequency * Double($0) / Double(rate)))
        }
        return silence(lead) + tone + silence(tail)
    }

    // MARK: - Trimming

    @Test func trimmingKeepsTheSpeechAndAFrameOfMargin() throws {
        let rate = 48_000
        let samples = Self.burst(lead: 0.3, toneSeconds: 1.2, tail: 0.5, rate: rate)
        let range = try #require(UtteranceFitting.speechRange(of: samples, sampleRate: rate))
        let frame = rate / 50
        // The tone starts at 0.3 s and ends at 1.5 s: one frame of margin before, two after.
        #expect(range.lowerBound == Int(0.3 * Double(rate)) - frame)
        #expect(range.upperBound == Int(1.5 * Double(rate)) + 2 * frame)
    }

    @Test func quietNoiseAroundTheSpeechIsTrimmedToo() throws {
        let rate = 24_000
        var samples = Self.burst(lead: 0.25, toneSeconds: 0.5, tail: 0.25, rate: rate)
        // Noise 50 dB below the tone: silence for the trimmer.
        var generator = SystemRandomNumberGenerator()
        for i in samples.indices where samples[i] == 0 { samples[i] = Int16.random(in: -30...30, using: &generator) }
        let trimmed = try #require(UtteranceFitting.trimmed(samples, sampleRate: rate))
        let seconds = Double(trimmed.count) / Double(rate)
        // The tone plus three frames of margin, plus the two frames it only partly fills.
        #expect(seconds > 0.5 && seconds <= 0.5 + 5 * 0.02 + 0.001, "kept \(seconds) s")
    }

    @Test func silenceHasNoSpeech() {
        #expect(UtteranceFitting.trimmed([Int16](repeating: 0, count: 24_000), sampleRate: 24_000) == nil)
        #expect(UtteranceFitting.trimmed([Int16](repeating: 3, count: 24_000), sampleRate: 24_000) == nil)
    }

    // MARK: - Speed and tempo

    @Test func speedIsTheRatioWithAMarginInStepsOfFiveHundredths() {
        // 2.4 s into 2.0 s: 1.2 × 1.03 = 1.236, rounded up to 1.25.
        #expect(UtteranceFitting.speed(forLength: 240, slot: 200, maxSpeed: 1.5) == 1.25)
        // Capped at the limit.
        #expect(UtteranceFitting.speed(forLength: 400, slot: 200, maxSpeed: 1.5) == 1.5)
        #expect(UtteranceFitting.speed(forLength: 400, slot: 0, maxSpeed: 1.5) == 1.5)
        // Fits already, or re-requests disabled.
        #expect(UtteranceFitting.speed(forLength: 200, slot: 200, maxSpeed: 1.5) == nil)
        #expect(UtteranceFitting.speed(forLength: 400, slot: 200, maxSpeed: 1) == nil)
    }

    @Test func aServerThatIgnoresSpeedIsNoticed() {
        // At 1.5 the answer should be about 2/3 as long; "about as long" means it ignored the speed.
        #expect(UtteranceFitting.honoursSpeed(1.5, natural: 3_000, faster: 2_050))
        #expect(!UtteranceFitting.honoursSpeed(1.5, natural: 3_000, faster: 2_900))
        #expect(!UtteranceFitting.honoursSpeed(1.5, natural: 3_000, faster: 3_100))
    }

    @Test func tempoIsTheRemainingRatioUpToTheLimit() {
        #expect(UtteranceFitting.tempo(forLength: 120, available: 100, maxTempo: 1.35) == 1.2)
        #expect(UtteranceFitting.tempo(forLength: 200, available: 100, maxTempo: 1.35) == 1.35)
        #expect(UtteranceFitting.tempo(forLength: 100, available: 100, maxTempo: 1.35) == nil)
        #expect(UtteranceFitting.tempo(forLength: 200, available: 100, maxTempo: 1) == nil)
    }

    @Test func aToneTooLongForItsSlotFitsAfterTheTempoChange() throws {
        let rate = 48_000
        let speech = try #require(UtteranceFitting.trimmed(
            Self.burst(lead: 0.2, toneSeconds: 2.4, tail: 0.2, rate: rate, frequency: 220), sampleRate: rate))
        let slot = 2 * rate
        let tempo = try #require(UtteranceFitting.tempo(forLength: speech.count, available: slot, maxTempo: 1.35))
        let fitted = TimeStretch.changingTempo(of: speech, sampleRate: rate, by: tempo)
        #expect(fitted.count <= slot)
        #expect(fitted.count >= slot - 1)
        let middle = fitted[(fitted.count / 4)..<(fitted.count * 3 / 4)]
        #expect(abs(Self.zeroCrossingFrequency(middle, rate: rate) - 220) < 220 * 0.02)
    }

    /// Frequency from rising zero crossings (enough for a clean tone).
    static func zeroCrossingFrequency(_ samples: ArraySlice<Int16>, rate: Int) -> Double {
        var rising = 0
        var previous = samples.first ?? 0
        for sample in samples.dropFirst() {
            if previous < 0 && sample >= 0 { rising += 1 }
            previous = sample
        }
        return Double(rising) * Double(rate) / Double(samples.count)
    }

    // MARK: - Planning and placement

    @Test func slotsRunToTheNextSpokenCueOrTheCueEnd() {
        let cues = [
            Cue(start: 5_000, end: 6_000, lines: ["Second."]),
            Cue(start: 1_000, end: 2_000, lines: ["- First line,", "- second speaker."]),
            Cue(start: 3_000, end: 3_500, lines: ["♪ ♪"]),
            Cue(start: 9_000, end: 12_000, lines: ["Last one."]),
            Cue(start: 15_000, end: 16_000, lines: ["After the end."]),
        ]
        let next = PlannedCue.plan(cues, mediaDuration: 10_000, fitTarget: .untilNextCue)
        #expect(next.map(\.start) == [1_000, 3_000, 5_000, 9_000, 15_000])
        #expect(next.map(\.number) == [1, 2, 3, 4, 5])
        #expect(next[0].text == "First line, second speaker.")
        // The music cue is not spoken, so the first cue's slot runs to the second spoken cue.
        #expect(next.map(\.isSpoken) == [true, false, true, true, false])
        #expect(next[0].slotEnd == 5_000)
        #expect(next[2].slotEnd == 9_000)
        #expect(next[3].slotEnd == 10_000)  // the media ends before the cue
        #expect(next[4].isInsideMedia == false)

        let own = PlannedCue.plan(cues, mediaDuration: 10_000, fitTarget: .cue)
        #expect(own[0].slotEnd == 2_000)
        #expect(own[2].slotEnd == 6_000)
        #expect(own[3].slotEnd == 10_000)
    }

    @Test func anOverrunDelaysTheNextUtteranceAndNothingOverlaps() {
        var timeline = UtteranceTimeline(minimumGap: 100)
        // Planned at 0, 1000, 1500, 5000; lengths 1200, 800, 300, 200.
        var placed: [(start: Int64, end: Int64)] = []
        for (planned, length) in [(Int64(0), Int64(1_200)), (1_000, 800), (1_500, 300), (5_000, 200)] {
            let start = timeline.start(forPlanned: planned)
            timeline.commit(end: start + length)
            placed.append((start, start + length))
        }
        #expect(placed.map(\.start) == [0, 1_300, 2_200, 5_000])
        for (before, after) in zip(placed, placed.dropFirst()) { #expect(after.start >= before.end) }
    }
}
