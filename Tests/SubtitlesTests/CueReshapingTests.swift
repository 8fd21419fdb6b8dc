import Foundation
import Testing
import Subtitles

/// `convert --reshape`: cues made elsewhere, cut and timed again to a style profile, every word kept.
struct CueReshapingTests {
    static let words = (1...40).map { "word\($0)" }

    @Test func cuesThatBreakTheProfileAreCutToItWithEveryWordInOrder() {
        // One cue of 40 words in 8 s on one line: far past Netflix's 42 characters and two lines.
        let long = Cue(start: 1_000, end: 9_000, lines: [Self.words.joined(separator: " ")])
        let later = Cue(start: 20_000, end: 21_500, lines: ["After", "a pause."])
        let style = StyleProfile.netflix
        #expect(!Linter(style: style).lint([long]).isEmpty)
        let reshaped = SubtitleBuilder(style: style).reshape([later, long])
        #expect(reshaped.count > 2)
        #expect(reshaped.flatMap { $0.lines.flatMap { $0.split(separator: " ").map(String.init) } } == Self.words + ["After", "a", "pause."])
        #expect(reshaped.allSatisfy { $0.lines.count <= style.maxLines && $0.lines.allSatisfy { $0.count <= style.maxCharactersPerLine } })
        #expect(zip(reshaped, reshaped.dropFirst()).allSatisfy { $0.0.end <= $0.1.start })
        // The long cue's words stay inside its time (the first may start earlier by the profile's in-time
        // tolerance, for reading time); the pause before the later cue still ends a cue there.
        let fromLong = reshaped.filter { $0.start < 20_000 }
        #expect((1_000 - style.inTimeTolerance...1_000).contains(fromLong.first?.start ?? -1))
        #expect(fromLong.allSatisfy { $0.end <= 20_000 - style.effectiveMinGap })
        #expect(reshaped.last?.lines == ["After a pause."])
    }

    @Test func wordTimesGuideTheCutsAndDialogueKeepsItsSpeakers() {
        var timed = Cue(start: 0, end: 6_000, lines: ["First sentence here. Second one starts late."])
        let texts = ["First", "sentence", "here.", "Second", "one", "starts", "late."]
        let starts: [Milliseconds] = [0, 300, 600, 4_000, 4_300, 4_600, 4_900]
        timed.words = zip(texts, starts).map { CueWord(text: $0, start: $1, end: $1 + 250) }
        var builder = SubtitleBuilder(style: .netflix)
        builder.keepsWordTimes = true
        let reshaped = builder.reshape([timed])
        // The 3 s pause between the sentences (past the hard pause) ends a cue, at the words' own times.
        #expect(reshaped.map(\.text) == ["First sentence here.", "Second one starts late."])
        #expect(reshaped.map(\.start) == [0, 4_000])
        #expect(reshaped.allSatisfy { $0.highlightedWords != nil })

        let dialogue = Cue(start: 10_000, end: 12_000, lines: ["-Who?", "-Me."], lineSpeakers: ["Ann", "Bob"])
        let again = SubtitleBuilder(style: .netflix).reshape([dialogue])
        #expect(again.flatMap(\.speakerOfEachLine) == ["Ann", "Bob"])
        #expect(again.flatMap(\.lines) == ["Who?", "Me."])
    }
}
