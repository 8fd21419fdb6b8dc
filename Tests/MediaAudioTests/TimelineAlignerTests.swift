import CFFmpeg
import Testing
import TestSupport
@testable import MediaAudio

/// The timeline rules on synthetic timestamps: no file, no decoder.
struct TimelineAlignerTests {
    /// Frames of 1,024 samples at 48 kHz into a 16 kHz timeline, as an AAC track delivers them.
    struct Feed {
        var aligner = TimelineAligner(outputRate: 16_000, discontinuousTimestamps: false, silenceAllowanceMilliseconds: 60_000)
        var produced: Int64 = 0
        var audio: Int64 = 0
        var restarts = 0

        /// Places a frame at `timestamp` (output samples) and feeds it, as the decoder does; returns the placement.
        mutating func frame(at timestamp: Int64?, samples: Int64 = 1_024, rate: Int64 = 48_000) -> TimelineAligner.Placement {
            var restarts = self.restarts
            let produced = self.produced
            let placement = aligner.place(
                timestamp: timestamp, frameSamples: samples, inputRate: rate, produced: produced, audioProduced: audio
            ) { () -> Int64 in
                restarts += 1
                return produced
            }
            self.restarts = restarts
            self.produced += placement.silence
            let fed = max(0, samples - placement.dropIn)
            aligner.fed(fed)
            let out = TimelineMath.rescale(fed, 16_000, rate)
            self.produced += out
            self.audio += out
            return placement
        }
    }

    @Test func aLateFirstFrameGetsExactlyItsLeadingSilence() {
        var feed = Feed()
        #expect(feed.frame(at: 4_800) == .init(silence: 4_800))
        #expect(feed.aligner.startOffset == 4_800)
        // Contiguous frames after it need nothing.
        #expect(feed.frame(at: 4_800 + 341) == .init())
        #expect(feed.aligner.repairs == .init())
    }

    @Test func aFirstFrameBeforeTheStartIsTrimmedToIt() {
        var feed = Feed()
        // 100 output samples early = 300 input samples at 48 kHz dropped.
        #expect(feed.frame(at: -100) == .init(dropIn: 300))
        #expect(feed.aligner.startOffset == 0)
    }

    @Test func aGapIsFilledWithSilenceAfterTheResamplerIsFlushed() {
        var feed = Feed()
        _ = feed.frame(at: 0)
        let expected = feed.produced
        let placement = feed.frame(at: expected + 16_000)   // one second missing
        #expect(feed.restarts == 1)
        #expect(placement.silence == 16_000)
        #expect(feed.aligner.repairs.gaps == 1)
        #expect(feed.aligner.warnings == ["filled 1 gap(s) in the audio timestamps with 1.000 s of silence"])
    }

    @Test func anOverlapIsTrimmedFromTheFrame() {
        var feed = Feed()
        _ = feed.frame(at: 0)
        let placement = feed.frame(at: feed.produced - 160)   // 10 ms back
        #expect(placement == .init(dropIn: 480))
        #expect(feed.aligner.repairs.overlaps == 1)
        #expect(feed.aligner.repairs.overlapDropped == 160)
    }

    @Test func aJumpBeyondTheSilenceBudgetKeepsTheAudioContiguous() {
        var feed = Feed()
        _ = feed.frame(at: 0)
        // 30 minutes ahead after 21 ms of audio: more than the 60 s allowance, so not filled.
        let placement = feed.frame(at: feed.produced + 16_000 * 1_800)
        #expect(placement == .init())
        #expect(feed.restarts == 1)
        #expect(feed.aligner.repairs.cappedJumps == 1)
        // Later timestamps are read relative to the jump: the next frame is contiguous again.
        let next = feed.frame(at: feed.produced + 16_000 * 1_800)
        #expect(next == .init())
        #expect(feed.aligner.repairs.cappedJumps == 1)
    }

    @Test func aClaimedLeadInLongerThanTheBudgetIsCapped() {
        var feed = Feed()
        #expect(feed.frame(at: 16_000 * 600) == .init(silence: 16_000 * 60))
        #expect(feed.aligner.repairs.cappedJumps == 1)
    }

    @Test func framesWithoutTimestampsFollowThePreviousOne() {
        var feed = Feed()
        #expect(feed.frame(at: nil) == .init())
        #expect(feed.aligner.started)
        #expect(feed.frame(at: nil) == .init())
        #expect(feed.aligner.repairs == .init())
    }

    @Test(arguments: 0..<2_000)
    func rescalingMatchesFFmpeg(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed))
        let value = Int64.random(in: -(1 << 62)...(1 << 62), using: &random) >> Int64.random(in: 0...62, using: &random)
        let numerator = Int64.random(in: 0...(1 << 40), using: &random)
        let denominator = Int64.random(in: 1...(1 << 40), using: &random)
        #expect(TimelineMath.rescale(value, numerator, denominator) == av_rescale(value, numerator, denominator))
    }
}
