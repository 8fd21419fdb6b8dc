import OpenAIAudio
import Subtitles
import Testing
@testable import Subtitler

/// Placement of answers on the media timeline, on numbers alone.
struct SegmentPlacementTests {
    let rate = 16_000

    func samples(_ milliseconds: Int64) -> Int64 { milliseconds * Int64(rate) / 1000 }

    @Test func timesOutsideTheUploadAreClampedIntoIt() {
        let segment = TranscriptSegment(
            start: -400, end: 12_000, text: "x",
            words: [TranscriptWord(text: "a", start: -50, end: 300), TranscriptWord(text: "b", start: 9_000, end: 99_000)])
        let clamped = SegmentPlacement.clamped(segment, toDuration: 10_000)
        #expect(clamped.start == 0)
        #expect(clamped.end == 10_000)
        #expect(clamped.words.map(\.start) == [0, 9_000])
        #expect(clamped.words.map(\.end) == [300, 10_000])
        // An end before the start becomes the start: never a negative length.
        let reversed = SegmentPlacement.clamped(TranscriptSegment(start: 5_000, end: 1_000, text: "y"), toDuration: 10_000)
        #expect(reversed.start == 5_000 && reversed.end == 5_000)
    }

    @Test func stretchesLeftOutOfTheUploadArePutBack() {
        // The chunk starts at 60 s; its upload is 60–65 s then 75–80 s of the timeline (10 s left out between).
        let map = UploadMap(kept: [samples(60_000)..<samples(65_000), samples(75_000)..<samples(80_000)], sampleRate: rate)
        let inSecondPiece = TranscriptSegment(start: 6_000, end: 8_000, text: "after the cut")
        let placed = SegmentPlacement.mapped(inSecondPiece, through: map, chunkStart: 60_000)
        #expect(placed.start == 16_000)   // 75 s + 1 s on the timeline, relative to the chunk
        #expect(placed.end == 18_000)
        // A segment that spans the join keeps its start before it and its end after it.
        let spanning = SegmentPlacement.mapped(TranscriptSegment(start: 4_000, end: 6_000, text: "across"), through: map,
                                               chunkStart: 60_000)
        #expect(spanning.start == 4_000)
        #expect(spanning.end == 16_000)
        // On the join itself, an end belongs to the piece before and a start to the piece after.
        let atJoin = SegmentPlacement.mapped(TranscriptSegment(start: 5_000, end: 5_000, text: "edge"), through: map,
                                             chunkStart: 60_000)
        #expect(atJoin.start == 15_000)
        #expect(atJoin.end == 15_000)
    }

    @Test func aContiguousUploadFromTheChunkStartIsLeftAsItIs() {
        let map = UploadMap(kept: [samples(30_000)..<samples(60_000)], sampleRate: rate)
        let segment = TranscriptSegment(start: 1_234, end: 5_678, text: "same")
        #expect(SegmentPlacement.mapped(segment, through: map, chunkStart: 30_000) == segment)
    }

    @Test func placementReportsRejectedTranslationsOnTheMediaTimeline() {
        var scheduled = ScheduledChunks()
        scheduled.summaries = [
            ChunkSummary(index: 0, start: 0, duration: 30_000, bytes: 1, requestBytes: 1, endsInSilence: true,
                         cached: false, audioSent: 30_000),
            ChunkSummary(index: 1, start: 30_000, duration: 30_000, bytes: 1, requestBytes: 1, endsInSilence: true,
                         cached: true, audioSent: 30_000),
        ]
        scheduled.uploadMaps = [
            0: UploadMap(kept: [0..<samples(30_000)], sampleRate: rate),
            1: UploadMap(kept: [samples(30_000)..<samples(60_000)], sampleRate: rate),
        ]
        var second = ChunkTranscript(language: "en", text: "Hello.", segments: [TranscriptSegment(start: 1_000, end: 2_000, text: "Hello.")])
        second.rejected = [TranscriptSegment(start: 3_000, end: 4_000, text: "Hallo.")]
        second.rerequestedAudio = 2_000
        scheduled.outcomes = [1: second]   // chunk 0 failed: it has no answer

        let placed = SegmentPlacement.place(scheduled, strategy: .segmentsAndWords, activity: SpeechActivity(frameDuration: 20, isSpeech: []))
        #expect(placed.chunks.map(\.offset) == [30_000])
        #expect(placed.chunks.first?.segments.map(\.start) == [1_000])
        #expect(placed.rejected.map(\.start) == [33_000])
        #expect(placed.rejected.map(\.rule) == [DroppedSegment.Rule.notEnglish])
        #expect(placed.rerequested == 2_000)
        #expect(placed.uncachedRerequests == 0)   // the chunk came from the cache
        #expect(!placed.hasWords)
    }
}
