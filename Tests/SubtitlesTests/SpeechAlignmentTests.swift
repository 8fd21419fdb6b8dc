import Foundation
import Testing
@testable import Subtitles

/// Cue timing on detected speech: segment and word edges move to the speech they belong to.
struct SpeechAlignmentTests {
    /// A detector's map at 32 ms frames: probability 230 inside the regions, 5 outside.
    static func activity(_ regions: [(Milliseconds, Milliseconds)], length: Milliseconds = 60_000) -> SpeechActivity {
        let spans = regions.map { SpeechSpan(start: $0.0, end: $0.1) }
        let frames = Int(length / 32)
        let probabilities = (0..<frames).map { frame -> UInt8 in
            let middle = Milliseconds(frame) * 32 + 16
            return spans.contains { $0.start <= middle && middle < $0.end } ? 230 : 5
        }
        return SpeechActivity(frameDuration: 32, probabilities: probabilities, regions: spans)
    }

    /// The talk sample's regions and the segments faster-whisper-server returns for it (start glued to the
    /// previous end): every segment lands on its own speech.
    @Test func gluedSegmentEdgesMoveToTheirSpeech() {
        let activity = Self.activity([(830, 3870), (4580, 7490), (7620, 8350), (8610, 9470), (9700, 10_400),
                                      (11_170, 12_800), (13_060, 16_000), (17_670, 19_870)])
        let segments = [
            TranscriptSegment(start: 0, end: 4920, text: "Welcome to this short talk about subtitles and why they matter."),
            TranscriptSegment(start: 4920, end: 9760, text: "Millions of people watch videos with the sound turned off, on a train, in a library, or"),
            TranscriptSegment(start: 9760, end: 11_400, text: "late at night."),
            TranscriptSegment(start: 11_400, end: 15_400, text: "Others are deaf or hard of hearing, and for them captions are not a luxury but the only"),
            TranscriptSegment(start: 15_400, end: 17_760, text: "way in."),
        ]
        let aligner = SpeechAligner(activity: activity)
        var previous: Milliseconds = 0
        var spans: [(Milliseconds, Milliseconds)] = []
        for segment in segments {
            guard case .aligned(let aligned) = aligner.align(segment, offset: 0, notBefore: previous) else {
                Issue.record("\(segment.text) was not aligned")
                return
            }
            spans.append((aligned.start, aligned.end))
            previous = aligned.end
        }
        #expect(spans.map(\.0) == [830, 4580, 9700, 11_170, 15_400])
        #expect(spans.map(\.1) == [3870, 9470, 10_400, 15_400, 16_000])
    }

    /// Whisper's segments often run across sentence ends: "neighbors. The weather service … because the town".
    /// The tail at the start and the run-on at the end keep their speech, and the new sentence starts with its own.
    @Test func segmentsThatRunAcrossSentencesKeepTheirEdgeSpeech() {
        let aligner = SpeechAligner(activity: Self.activity([(26_944, 28_672), (29_728, 32_928), (33_216, 34_816)]))
        let segment = TranscriptSegment(start: 28_030, end: 33_950, text: "neighbors. The weather service hopes to record the songs of the Northern Valley because the town")
        guard case .aligned(let aligned) = aligner.align(segment, offset: 0, notBefore: 28_030) else {
            Issue.record("not aligned")
            return
        }
        #expect(aligned.start == 28_030 && aligned.end == 33_950)
        let words = Dictionary(aligned.words.map { ($0.text, $0.start) }, uniquingKeysWith: { a, _ in a })
        #expect(words["neighbors."] == 28_030)
        #expect(words["The"] == 29_728)
        #expect(words["because"] == 33_216)
        // The same words as a sentence of their own: the tail region belongs to the previous segment.
        let own = TranscriptSegment(start: 28_030, end: 33_950, text: "The weather service hopes to record the songs of the Northern Valley.")
        guard case .aligned(let sentence) = aligner.align(own, offset: 0, notBefore: 28_030) else {
            Issue.record("not aligned")
            return
        }
        #expect(sentence.start == 29_728)
    }

    @Test func aSegmentOverNoSpeechIsOutsideSpeech() {
        let aligner = SpeechAligner(activity: Self.activity([(23_900, 30_000)]))
        let music = TranscriptSegment(start: 400, end: 5_200, text: "Every morning,")
        guard case .outsideSpeech = aligner.align(music, offset: 0, notBefore: 0) else {
            Issue.record("a segment over the music intro was kept")
            return
        }
        // The same segment with its chunk's offset lands on the speech.
        guard case .aligned(let aligned) = aligner.align(music, offset: 23_000, notBefore: 0) else {
            Issue.record("a segment over speech was dropped")
            return
        }
        #expect(aligned.start == 900)
    }

    @Test func wordsThatStartOrEndInAPauseMoveOntoTheSpeech() {
        let aligner = SpeechAligner(activity: Self.activity([(2_000, 3_000), (3_500, 4_200)]))
        // whisper-1 stretched "So" over the silence before it and "then" over the pause after it.
        let segment = TranscriptSegment(start: 1_000, end: 4_300, text: "So then we go.", words: [
            TranscriptWord(text: "So", start: 1_000, end: 2_300), TranscriptWord(text: "then", start: 2_300, end: 3_400),
            TranscriptWord(text: "we", start: 3_400, end: 3_800), TranscriptWord(text: "go", start: 3_800, end: 4_300),
        ])
        guard case .aligned(let aligned) = aligner.align(segment, offset: 0, notBefore: 0) else {
            Issue.record("not aligned")
            return
        }
        #expect(aligned.start == 2_000 && aligned.end == 4_200)
        #expect(aligned.words.map(\.start) == [2_000, 2_300, 3_500, 3_800])
        #expect(aligned.words.map(\.end) == [2_300, 3_000, 3_800, 4_200])
    }

    /// Two sentences in one segment over two stretches of speech: the second sentence's words start with the
    /// second stretch, and the shaped cues start where their words do.
    @Test func sentencesOfOneSegmentAreSharedOverTheirSpeech() {
        let activity = Self.activity([(1_000, 4_000), (6_000, 8_000)])
        let text = "The first sentence is rather long and takes a while. Then a short one."
        let chunk = TranscriptChunk(offset: 0, duration: 60_000, segments: [TranscriptSegment(start: 500, end: 8_500, text: text)])
        let result = SubtitleBuilder(hallucinationGuard: .disabled).build(from: [chunk], speechActivity: activity)
        #expect(result.cues.map(\.text) == ["The first sentence is rather long and takes a while.", "Then a short one."])
        #expect(result.cues.map(\.start) == [1_000, 6_000])
        #expect(result.cues[0].end <= 6_000 - 83)
    }

    @Test func boundariesFollowThePausesPreferringSentenceEnds() {
        // 10 words of 4 characters; the pause lies after 55 % of the speech, a sentence ends after word 5 (50 %).
        let bonus = (0..<10).map { $0 == 4 ? 0.2 : 0 }
        let boundaries = SpeechAligner.assignBoundaries(characters: Array(repeating: 4, count: 10), pieces: [550, 450], bonus: bonus)
        #expect(boundaries == [5])
        // Without a sentence end, the pause at 62 % of the speech falls after word 6 (60 % of the text).
        #expect(SpeechAligner.assignBoundaries(characters: Array(repeating: 4, count: 10), pieces: [620, 380],
                                               bonus: Array(repeating: 0, count: 10)) == [6])
        // More pauses than words: boundaries never go backwards.
        let many = SpeechAligner.assignBoundaries(characters: [3, 3], pieces: [100, 100, 100, 100], bonus: [0, 0])
        #expect(many == many.sorted())
        #expect(many.count == 3)
    }

    @Test func aGuardedSegmentOutsideSpeechIsReportedUnderItsOwnRule() {
        let activity = Self.activity([(10_000, 14_000)])
        let chunk = TranscriptChunk(offset: 0, duration: 60_000, segments: [
            TranscriptSegment(start: 1_000, end: 3_000, text: "Music words."),
            TranscriptSegment(start: 9_000, end: 15_000, text: "Spoken words."),
        ])
        let result = SubtitleBuilder().build(from: [chunk], speechActivity: activity)
        #expect(result.cues.map(\.text) == ["Spoken words."])
        #expect(result.cues.first?.start == 10_000)
        #expect(result.dropped.map(\.rule) == [DroppedSegment.Rule.outsideSpeech])
        // With the rule off, the segment stays where the model put it.
        var lenient = HallucinationGuard.disabled
        lenient.dropsTextWithoutSpeech = false
        let kept = SubtitleBuilder(hallucinationGuard: lenient).build(from: [chunk], speechActivity: activity)
        #expect(kept.cues.map(\.text) == ["Music words.", "Spoken words."])
        #expect(kept.cues.first?.start == 1_000)
    }

    @Test func theNoSpeechRuleWeighsTheProbabilityUnderTheAlignedSegment() {
        // A long segment over music that grazes a short burst the detector took for weak speech: aligned to the
        // burst, its mean probability (0.55) is below this guard's threshold.
        let spans = [SpeechSpan(start: 5_000, end: 5_300)]
        var probabilities = [UInt8](repeating: 10, count: 60_000 / 32)
        for frame in (5_000 / 32)..<(5_300 / 32) { probabilities[frame] = 140 }
        let activity = SpeechActivity(frameDuration: 32, probabilities: probabilities, regions: spans)
        #expect(activity.meanProbability(from: 0, to: 10_000) < 0.1)
        var guardOnly = HallucinationGuard.disabled
        guardOnly.dropsTextWithoutSpeech = true
        guardOnly.minimumSpeechProbability = 0.6
        let chunk = TranscriptChunk(offset: 0, duration: 60_000, segments: [TranscriptSegment(start: 4_000, end: 9_000, text: "La la la la.")])
        let result = SubtitleBuilder(hallucinationGuard: guardOnly).build(from: [chunk], speechActivity: activity)
        #expect(result.cues.isEmpty)
        #expect(result.dropped.map(\.rule) == [DroppedSegment.Rule.noSpeech])
    }

    @Test func probabilityMeansWeighPartialFramesAndRegionsAreFound() {
        let activity = SpeechActivity(frameDuration: 100, probabilities: [0, 255, 51, 255], regions: [SpeechSpan(start: 100, end: 200), SpeechSpan(start: 300, end: 400)])
        #expect(abs(activity.meanProbability(from: 0, to: 400) - 0.55) < 1e-9)
        #expect(abs(activity.meanProbability(from: 150, to: 250) - 0.6) < 1e-9)
        #expect(activity.meanProbability(from: 500, to: 600) == 1)
        #expect(activity.peakProbability(from: 150, to: 290) == 1)
        #expect(activity.isSpeech == [false, true, false, true])
        #expect(activity.regions(overlapping: 150, 350).map(\.start) == [100, 300])
        #expect(activity.regions(overlapping: 200, 300).isEmpty)
        #expect(activity.speechDuration == 200)
    }
}
