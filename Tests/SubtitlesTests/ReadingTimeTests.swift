import Foundation
import Testing
@testable import Subtitles

/// Fast speech cut into chained cues: a cue whose words leave it too little time to be read takes the time from
/// within the in-time tolerance (Netflix: 1–2 frames of the audio) on either side, and from nowhere else.
struct ReadingTimeTests {
    /// A sentence too long for one cue, spoken fast: "My grandmother wanted to open a reading room for children,"
    /// (58 characters, 2.9 s to read at 20 per second) from 10 s, 2.56 s of words, then a 290 ms pause before
    /// "although the budget was very tight." at 12.85 s.
    static let firstClause = "My grandmother wanted to open a reading room for children,"
    static let secondClause = "although the budget was very tight."

    func build(_ segments: [TranscriptSegment], style: StyleProfile = .netflix) -> [Cue] {
        SubtitleBuilder(style: style, hallucinationGuard: .disabled)
            .build(from: [TranscriptChunk(offset: 0, duration: 600_000, segments: segments)]).cues
    }

    func segment(_ text: String, start: Milliseconds) -> TranscriptSegment {
        let words = Script.words(text, start: start, wordLength: 220, pause: 40)
        return TranscriptSegment(start: start, end: words.last!.end, text: text, words: words)
    }

    func sentence(startingAt start: Milliseconds, secondAt second: Milliseconds) -> [TranscriptSegment] {
        [segment(Self.firstClause, start: start), segment(Self.secondClause, start: second)]
    }

    @Test func aClauseTooFastForItsWordsStartsEarlierAndHoldsTheNextCueBackWithinTheTolerance() {
        let cues = build(sentence(startingAt: 10_000, secondAt: 12_850))
        #expect(cues.map(\.text) == [Self.firstClause, Self.secondClause])
        // Its words give it 12 850 − 83 − 10 000 = 2 767 ms; it needs 2 900: 83 ms before its words (the pause
        // before is free), the other 50 ms from the next cue, which starts 50 ms after its words.
        #expect(cues[0].start == 9_917)
        #expect(cues[0].end == 12_817)
        #expect(cues[1].start == 12_900)
        #expect(Linter(style: .netflix).lint(cues).isEmpty)
    }

    @Test func withoutToleranceEveryInTimeStaysOnItsWordsAndTheReadingSpeedIsReported() {
        var style = StyleProfile.netflix
        style.inTimeTolerance = 0
        let cues = build(sentence(startingAt: 10_000, secondAt: 12_850), style: style)
        #expect(cues.map(\.start) == [10_000, 12_850])
        #expect(cues[0].end == 12_767)
        #expect(Linter(style: style).lint(cues).map(\.rule) == [.readingSpeed])
    }

    @Test func aClauseThatNeedsMoreThanTheToleranceTakesOnlyTheTolerance() {
        // 12 750: 2 667 ms of its own, 233 missing, at most 83 + 83 to be had.
        let cues = build(sentence(startingAt: 10_000, secondAt: 12_750))
        #expect(cues[0].start == 9_917)
        #expect(cues[1].start == 12_833)
        #expect(cues[0].end == 12_750)
        #expect(Linter(style: .netflix).lint(cues).map(\.cueNumber) == [1])
    }

    @Test func theEarlierStartNeverTakesThePreviousCuesWordsOrReadingTime() {
        // "Yes, I know." (12 characters: 600 ms to read, 833 ms at least on screen) ends at 9 900, 100 ms before the
        // clause: the clause may start no earlier than 9 900 + 83.
        let before = TranscriptSegment(
            start: 9_000, end: 9_900, text: "Yes, I know.",
            words: [TranscriptWord(text: "Yes,", start: 9_000, end: 9_300), TranscriptWord(text: "I", start: 9_350, end: 9_500),
                    TranscriptWord(text: "know.", start: 9_550, end: 9_900)])
        let cues = build([before] + sentence(startingAt: 10_000, secondAt: 12_850))
        #expect(cues.map(\.text) == ["Yes, I know.", Self.firstClause, Self.secondClause])
        #expect(cues[0].end == 9_900)
        #expect(cues[1].start == 9_983)
        // 17 ms earlier; of the other 116 ms the next cue gives what the tolerance allows (it starts 83 ms after its
        // words), so the clause keeps 33 ms too little.
        #expect(cues[2].start == 12_850 + 83)
        #expect(cues[1].end == 12_850)
        #expect(cues[0].end - cues[0].start >= 833)
    }

    @Test func theNextCueLendsOnlyTheTimeItCanSpare() {
        // Another sentence follows the second clause at 14 703: the clause (1 750 ms to read from 12 850) may end
        // at 14 620, so it can spare 20 ms; the first clause gets 83 ms before its words and those 20.
        let cues = build(sentence(startingAt: 10_000, secondAt: 12_850) + [segment("Then it rained.", start: 14_703)])
        #expect(cues.map(\.text) == [Self.firstClause, Self.secondClause, "Then it rained."])
        #expect(cues[0].start == 9_917)
        #expect(cues[0].end == 12_787)
        #expect(cues[1].start == 12_870)
        #expect(cues[1].end == 14_620)
        #expect(cues[2].start == 14_703)
        #expect(Linter(style: .netflix).lint(cues).map(\.cueNumber) == [1])
    }
}
