import Foundation
import Testing
@testable import Subtitles

/// Cues that respect sentences: a sentence end inside a cue is a boundary unless the cue holds whole sentences.
struct SentenceCueTests {
    func build(_ segments: [TranscriptSegment], activity: SpeechActivity? = nil) -> [Cue] {
        SubtitleBuilder(hallucinationGuard: .disabled)
            .build(from: [TranscriptChunk(offset: 0, duration: 600_000, segments: segments)], speechActivity: activity).cues
    }

    /// Whether a cue holds the end of one sentence and the start of the next.
    static func mixesSentences(_ cue: Cue) -> Bool {
        let words = cue.text.split(separator: " ").map(String.init)
        let inside = words.dropLast().contains { TextRules.endsSentence($0) }
        return inside && !TextRules.endsSentence(words.last ?? "")
    }

    @Test func noCueHoldsTheEndOfOneSentenceAndTheStartOfTheNext() {
        // Word-timed speech without pauses between sentences: the cheapest cues by length alone would run on.
        let text = "I went to the market early this morning. We bought apples and pears and a big loaf of bread. "
            + "Then it started to rain. So we took the bus home and made tea. It was a good day after all, I think."
        let words = Script.words(text, start: 0, wordLength: 250, pause: 40)
        let cues = build([TranscriptSegment(start: 0, end: words.last!.end, text: text, words: words)])
        #expect(Script.words(of: cues) == text.split(separator: " ").map(String.init))
        for cue in cues { #expect(!Self.mixesSentences(cue), "\(cue.text)") }
    }

    @Test func twoWholeShortSentencesMayShareACue() {
        let text = "Yes. I know."
        let words = Script.words(text, start: 0, wordLength: 200, pause: 30)
        let cues = build([TranscriptSegment(start: 0, end: words.last!.end, text: text, words: words)])
        #expect(cues.map(\.text) == ["Yes. I know."])
    }

    @Test func aSentenceEndFollowedByAPauseGetsReadingTimeFromThePause() {
        // 60 characters spoken in 1.5 s need 3 s to read at 20 characters per second; the pause after gives it.
        let first = "This sentence is spoken far too quickly to read in its time."
        let firstWords = Script.words(first, start: 1_000, wordLength: 100, pause: 20)
        let second = "After a pause, another one."
        let secondWords = Script.words(second, start: 5_000, wordLength: 250, pause: 40)
        let cues = build([
            TranscriptSegment(start: 1_000, end: firstWords.last!.end, text: first, words: firstWords),
            TranscriptSegment(start: 5_000, end: secondWords.last!.end, text: second, words: secondWords),
        ])
        #expect(cues.count == 2)
        let speechEnd = firstWords.last!.end
        #expect(cues[0].end > speechEnd + 500, "cue ends at \(cues[0].end), speech at \(speechEnd)")
        #expect(cues[0].end <= speechEnd + 1_500)
        #expect(cues[0].end <= cues[1].start - 83)
    }
}
