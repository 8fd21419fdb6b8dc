import Foundation
import Testing
@testable import Subtitles

/// Doubtful speech is speech until shown otherwise (issue 21): text the model heard with confidence over a stretch
/// the detector doubted is kept, text over sure non-speech is dropped, and a segment run across a long pause is cut
/// to its speech rather than dropped for the pause.
struct DoubtfulSpeechTests {
    /// A detector's map at 32 ms frames over a minute: `speech` regions read 230, `doubtful` stretches 12 (0.05,
    /// music-covered speech), everything else 0 (music, silence).
    static func activity(speech: [(Milliseconds, Milliseconds)], doubtful: [(Milliseconds, Milliseconds)] = [],
                         length: Milliseconds = 60_000) -> SpeechActivity {
        let regions = speech.map { SpeechSpan(start: $0.0, end: $0.1) }
        let doubts = doubtful.map { SpeechSpan(start: $0.0, end: $0.1) }
        let probabilities = (0..<Int(length / 32)).map { frame -> UInt8 in
            let middle = Milliseconds(frame) * 32 + 16
            if regions.contains(where: { $0.start <= middle && middle < $0.end }) { return 230 }
            return doubts.contains { $0.start <= middle && middle < $0.end } ? 12 : 0
        }
        return SpeechActivity(frameDuration: 32, probabilities: probabilities, regions: regions,
                              doubtfulRegions: doubts)
    }

    static func segment(_ start: Milliseconds, _ end: Milliseconds, _ text: String, logProb: Double = -0.29,
                        noSpeech: Double = 0.41) -> TranscriptSegment {
        TranscriptSegment(start: start, end: end, text: text, averageLogProbability: logProb,
                          compressionRatio: 1.3, noSpeechProbability: noSpeech)
    }

    @Test func confidentTextOverDoubtfulSpeechIsKeptAndTextOverSureNonSpeechIsDropped() {
        // The field recording: a music stretch (0.0), then 12 s of speech Silero reads at 0.05, which Whisper heard
        // with avg log prob -0.29 and no-speech prob 0.41.
        let activity = Self.activity(speech: [(40_000, 50_000)], doubtful: [(12_000, 24_000)])
        let chunk = TranscriptChunk(offset: 0, duration: 60_000, segments: [
            Self.segment(2_000, 8_000, "Words over the music."),
            Self.segment(12_500, 17_000, "I have a terrible cold today."),
            Self.segment(17_000, 23_500, "So please bear with me while I talk."),
            Self.segment(40_500, 49_000, "And this part everyone can hear."),
        ])
        let result = SubtitleBuilder().build(from: [chunk], speechActivity: activity)
        let text = result.cues.map(\.text).joined(separator: " ")
        #expect(text.contains("terrible cold"))
        #expect(text.contains("bear with me"))
        #expect(text.contains("everyone can hear"))
        #expect(!text.contains("over the music"))
        #expect(result.dropped.map(\.rule) == [DroppedSegment.Rule.outsideSpeech])
        #expect(result.dropped.first?.text == "Words over the music.")
        // Without the doubtful stretch (the map before issue 21) the same words were dropped as outside speech.
        let sure = Self.activity(speech: [(40_000, 50_000)])
        let before = SubtitleBuilder().build(from: [chunk], speechActivity: sure)
        #expect(before.dropped.count == 3)
    }

    @Test func overDoubtfulSpeechRulesThatCondemnTheTextOnItsOwnStillDrop() {
        let activity = Self.activity(speech: [], doubtful: [(10_000, 40_000)])
        let chunk = TranscriptChunk(offset: 0, duration: 60_000, segments: [
            // The model itself doubts it: Whisper's no-speech probability above 0.6.
            Self.segment(10_500, 15_000, "I'm a man in red.", logProb: -0.86, noSpeech: 0.71),
            // A phantom credit.
            Self.segment(16_000, 20_000, "Thanks for watching!"),
            // A loop.
            TranscriptSegment(start: 21_000, end: 26_000, text: "na na na na na na na na na na na na na na",
                              averageLogProbability: -0.3, compressionRatio: 4.0, noSpeechProbability: 0.2),
            // Heard with confidence.
            Self.segment(27_000, 33_000, "But this sentence was really spoken."),
        ])
        let result = SubtitleBuilder(language: "en").build(from: [chunk], speechActivity: activity)
        #expect(result.cues.map(\.text).joined(separator: " ") == "But this sentence was really spoken.")
        #expect(result.dropped.map(\.rule) == [DroppedSegment.Rule.noSpeech, .phantomPhrase, .loop])
    }

    @Test func overDoubtfulSpeechTextInAnotherLanguageThanTheTracksIsDropped() {
        // Music the detector doubts, which the model heard as German words on an English track; the same German
        // inside detected speech is what the speaker said, and stays.
        let activity = Self.activity(speech: [(40_000, 50_000)], doubtful: [(10_000, 30_000)])
        let chunk = TranscriptChunk(offset: 0, duration: 60_000, segments: [
            Self.segment(11_000, 16_000, "Und dann ist das nicht mehr so wie es war."),
            Self.segment(17_000, 22_000, "But this sentence was really spoken."),
            Self.segment(41_000, 46_000, "Ich weiß nicht, ob wir das noch schaffen."),
        ])
        let english = SubtitleBuilder(language: "en").build(from: [chunk], speechActivity: activity)
        #expect(english.dropped.map(\.rule) == [DroppedSegment.Rule.otherLanguage])
        #expect(english.dropped.first.map { $0.start < 17_000 } == true)
        #expect(english.cues.map(\.text).joined(separator: " ").contains("really spoken"))
        #expect(english.cues.contains { $0.text.contains("noch schaffen") })
        #expect(!english.cues.contains { $0.text.contains("nicht mehr") })
        // On a German track the German over the doubt is kept and the English over it is the other language.
        let german = SubtitleBuilder(language: "de").build(from: [chunk], speechActivity: activity)
        #expect(german.dropped.map(\.text) == ["But this sentence was really spoken."])
        #expect(german.dropped.map(\.rule) == [DroppedSegment.Rule.otherLanguage])
        // Without a known language nothing is judged by it.
        #expect(SubtitleBuilder().build(from: [chunk], speechActivity: activity).dropped.isEmpty)
    }

    @Test func aSegmentRunAcrossALongPauseIsCutToItsSpeechWithEveryWord() {
        // Bazarr's lecture: one segment of 17 words from speech over 31 s of silence into more speech.
        let activity = Self.activity(speech: [(1_000, 3_500), (34_500, 37_000)], length: 40_000)
        let words = "So that is the first point and after the break we come to the second one today"
        #expect(words.split(separator: " ").count == 17)
        let chunk = TranscriptChunk(offset: 0, duration: 40_000, segments: [
            TranscriptSegment(start: 800, end: 37_200, text: words, averageLogProbability: -0.25,
                              compressionRatio: 1.4, noSpeechProbability: 0.05),
        ])
        let result = SubtitleBuilder().build(from: [chunk], speechActivity: activity)
        #expect(result.dropped.isEmpty, "dropped: \(result.dropped)")
        #expect(result.cues.flatMap { $0.text.split(whereSeparator: \.isWhitespace) }.count == 17)
        // Every cue lies on speech (with at most the reading extension after it), none across the pause.
        for cue in result.cues {
            let onFirst = cue.start >= 1_000 && cue.end <= 3_500 + 1_500
            let onSecond = cue.start >= 34_500 && cue.end <= 40_000
            #expect(onFirst || onSecond, "cue \(cue.start)–\(cue.end) lies in the pause")
        }
        #expect(result.cues.first?.start == 1_000)
    }

    @Test func spansAreSubtractedAndJoined() {
        let spans = [SpeechSpan(start: 0, end: 10), SpeechSpan(start: 20, end: 40)]
        let removed = [SpeechSpan(start: 5, end: 25), SpeechSpan(start: 30, end: 32)]
        #expect(SpeechSpan.subtracting(removed, from: spans)
                == [SpeechSpan(start: 0, end: 5), SpeechSpan(start: 25, end: 30), SpeechSpan(start: 32, end: 40)])
        #expect(SpeechSpan.union(spans, [SpeechSpan(start: 10, end: 15), SpeechSpan(start: 38, end: 50)])
                == [SpeechSpan(start: 0, end: 15), SpeechSpan(start: 20, end: 50)])
        // The map keeps doubtful stretches off its speech regions and joins them into the heard regions.
        let activity = SpeechActivity(frameDuration: 32, probabilities: [UInt8](repeating: 12, count: 100),
                                      regions: [SpeechSpan(start: 1_000, end: 2_000)],
                                      doubtfulRegions: [SpeechSpan(start: 1_500, end: 2_500)])
        #expect(activity.doubtfulRegions == [SpeechSpan(start: 2_000, end: 2_500)])
        #expect(activity.heardRegions == [SpeechSpan(start: 1_000, end: 2_500)])
        #expect(activity.doubtfulDuration == 500)
    }
}
