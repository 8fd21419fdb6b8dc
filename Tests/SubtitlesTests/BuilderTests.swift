import Foundation
import Testing
import Subtitles

/// Helpers to make transcripts.
enum Script {
    /// Words of `text`, each `wordLength` ms long with `pause` ms between, starting at `start`.
    static func words(_ text: String, start: Milliseconds, wordLength: Milliseconds = 300, pause: Milliseconds = 50) -> [TranscriptWord] {
        var time = start
        return text.split(separator: " ").map { word in
            defer { time += wordLength + pause }
            return TranscriptWord(text: String(word), start: time, end: time + wordLength)
        }
    }

    static func segment(_ text: String, start: Milliseconds, timed: Bool = true, wordLength: Milliseconds = 300) -> TranscriptSegment {
        let words = self.words(text, start: start, wordLength: wordLength)
        return TranscriptSegment(start: start, end: words.last!.end, text: text, words: timed ? words : [])
    }

    static func words(of cues: [Cue]) -> [String] {
        cues.flatMap { $0.text.split(separator: " ").map(String.init) }
    }
}

struct MergeTests {
    @Test func offsetsAreAppliedAndChunksSorted() {
        let late = TranscriptChunk(offset: 60_000, duration: 10_000, segments: [Script.segment("Second chunk.", start: 1000)])
        let early = TranscriptChunk(offset: 0, duration: 10_000, segments: [Script.segment("First chunk.", start: 500)])
        let result = SubtitleBuilder().build(from: [late, early])
        #expect(result.cues.map(\.text) == ["First chunk.", "Second chunk."])
        #expect(result.cues[0].start == 500)
        #expect(result.cues[1].start == 61_000)
    }

    @Test func overlappingChunksKeepEveryWordOnce() {
        // 40 words, 350 ms apart, on the media timeline; chunk A hears 0–10 s, chunk B hears 7–17 s.
        let text = (1...40).map { "w\($0)" }.joined(separator: " ")
        let timeline = Script.words(text, start: 100)
        func chunk(offset: Milliseconds, duration: Milliseconds, jitter: Milliseconds) -> TranscriptChunk {
            let heard = timeline.filter { $0.start >= offset && $0.end <= offset + duration }
                .map { TranscriptWord(text: $0.text, start: $0.start - offset + jitter, end: $0.end - offset + jitter) }
            let segment = TranscriptSegment(start: heard.first!.start, end: heard.last!.end, text: heard.map(\.text).joined(separator: " "), words: heard)
            return TranscriptChunk(offset: offset, duration: duration, segments: [segment])
        }
        for jitter: Milliseconds in [-40, 0, 40] {
            let chunks = [chunk(offset: 0, duration: 10_000, jitter: 0), chunk(offset: 7_000, duration: 10_000, jitter: jitter)]
            let result = SubtitleBuilder(hallucinationGuard: .disabled).build(from: chunks)
            #expect(Script.words(of: result.cues) == timeline.map(\.text), "jitter \(jitter)")
        }
    }

    @Test func wordDoubledAtTheSeamIsKeptOnce() {
        // The seam splits "me": chunk A hears it ending at 10.02 s, chunk B hears it starting at 9.95 s.
        let a = TranscriptChunk(offset: 0, duration: 10_050, segments: [
            TranscriptSegment(start: 9000, end: 10_020, text: "kept me", words: [
                TranscriptWord(text: "kept", start: 9000, end: 9500), TranscriptWord(text: "me", start: 9600, end: 10_020),
            ]),
        ])
        let b = TranscriptChunk(offset: 9_900, duration: 10_000, segments: [
            TranscriptSegment(start: 50, end: 1000, text: "me honest.", words: [
                TranscriptWord(text: "me", start: 50, end: 300), TranscriptWord(text: "honest", start: 400, end: 1000),
            ]),
        ])
        let result = SubtitleBuilder(hallucinationGuard: .disabled).build(from: [a, b])
        #expect(result.cues.map(\.text) == ["kept me honest."])
    }

    @Test func wordTimesMatchTextWithPunctuationAndContractions() {
        // The API's words lack punctuation; "don't" arrives as two words; "$5" is spoken as "five dollars".
        let segment = TranscriptSegment(start: 0, end: 4000, text: "Well, I don't have $5. Sorry.", words: [
            TranscriptWord(text: "Well", start: 0, end: 300),
            TranscriptWord(text: "I", start: 500, end: 600),
            TranscriptWord(text: "don", start: 600, end: 750),
            TranscriptWord(text: "'t", start: 750, end: 900),
            TranscriptWord(text: "have", start: 900, end: 1200),
            TranscriptWord(text: "five", start: 1200, end: 1500),
            TranscriptWord(text: "dollars", start: 1500, end: 2000),
            TranscriptWord(text: "Sorry", start: 3000, end: 3500),
        ])
        let style = StyleProfile.netflix.overriding(maxCharactersPerLine: 12, maxLines: 1, minDuration: 100)
        let result = SubtitleBuilder(style: style, hallucinationGuard: .disabled).build(from: [TranscriptChunk(offset: 0, duration: 5000, segments: [segment])])
        #expect(Script.words(of: result.cues) == ["Well,", "I", "don't", "have", "$5.", "Sorry."])
        #expect(result.cues.last?.text == "Sorry.")
        #expect(result.cues.last?.start == 3000)
    }
}

struct GuardTests {
    func chunk(_ segments: [TranscriptSegment], offset: Milliseconds = 0) -> TranscriptChunk {
        TranscriptChunk(offset: offset, duration: 60_000, segments: segments)
    }

    @Test func dropsSilenceOnlyWithBothSignals() {
        var silent = Script.segment("Thank you so much everyone.", start: 1000)
        silent.noSpeechProbability = 0.8
        silent.averageLogProbability = -1.4
        var confident = Script.segment("This one is real speech.", start: 5000)
        confident.noSpeechProbability = 0.8
        confident.averageLogProbability = -0.3
        let result = SubtitleBuilder().build(from: [chunk([silent, confident], offset: 2000)])
        #expect(result.cues.map(\.text) == ["This one is real speech."])
        #expect(result.dropped == [DroppedSegment(start: 3000, end: silent.end + 2000, text: "Thank you so much everyone.", rule: .silence)])
        var off = HallucinationGuard()
        off.dropsSilence = false
        #expect(SubtitleBuilder(hallucinationGuard: off).build(from: [chunk([silent, confident])]).cues.count == 2)
    }

    @Test func dropsLoops() {
        var looping = Script.segment("Go go go go go go go go go go go go go go go go.", start: 0)
        looping.compressionRatio = 3.1
        let first = Script.segment("I will be right back.", start: 8000)
        let repeat1 = Script.segment("I will be right back.", start: 10_000)
        let repeat2 = Script.segment("I will be right back.", start: 12_000)
        let short1 = Script.segment("No.", start: 14_000)
        let short2 = Script.segment("No.", start: 15_000)
        let result = SubtitleBuilder().build(from: [chunk([looping, first, repeat1, repeat2, short1, short2])])
        #expect(Script.words(of: result.cues) == ["I", "will", "be", "right", "back.", "No.", "No."])
        #expect(result.dropped.map(\.rule.rawValue) == ["loop", "loop", "loop"])
        #expect(result.dropped[1].start == 10_000)
        #expect(SubtitleBuilder(hallucinationGuard: HallucinationGuard(dropsLoops: false)).build(from: [chunk([looping, first, repeat1])]).dropped.isEmpty)
    }

    @Test func dropsPhantomPhrasesPerLanguage() {
        let speech = Script.segment("We are done for today.", start: 0)
        let thanks = Script.segment("Thanks for watching!", start: 3000)
        let amara = Script.segment("Subtitles by the Amara.org community", start: 6000)
        let german = Script.segment("Untertitel im Auftrag des ZDF, 2017", start: 9000)
        let weak = Script.segment("Thank you.", start: 12_000)
        var unsureWeak = Script.segment("Thank you.", start: 15_000)
        unsureWeak.noSpeechProbability = 0.45
        let dots = Script.segment("...", start: 18_000)
        let all = [speech, thanks, amara, german, weak, unsureWeak, dots]
        let english = SubtitleBuilder(language: "en-US").build(from: [chunk(all)])
        #expect(Script.words(of: english.cues).joined(separator: " ") == "We are done for today. Untertitel im Auftrag des ZDF, 2017 Thank you.")
        #expect(english.dropped.map(\.rule.rawValue) == Array(repeating: "phantom-phrase", count: 4))
        let germanResult = SubtitleBuilder(language: "de").build(from: [chunk(all)])
        #expect(!germanResult.cues.contains { $0.text.contains("Untertitel") })
        // Amara credits are dropped in any language.
        #expect(!SubtitleBuilder(language: "fi").build(from: [chunk(all)]).cues.map(\.text).contains { $0.contains("Amara") })
        #expect(SubtitleBuilder(hallucinationGuard: .disabled).build(from: [chunk(all)]).dropped.isEmpty)
    }

    @Test func customPhantomPhrasesExtendTheList() {
        let guardWithExtra = HallucinationGuard(additionalPhantomPhrases: PhantomPhraseList(phrases: ["Brought to you by Acme"]))
        let result = SubtitleBuilder(hallucinationGuard: guardWithExtra).build(from: [chunk([Script.segment("Brought to you by ACME.", start: 0)])])
        #expect(result.cues.isEmpty)
        #expect(result.dropped.first?.rule.rawValue == "phantom-phrase")
    }

    @Test func builtInListsLoadFromResources() {
        #expect(PhantomPhraseList.builtInLanguages.contains("en"))
        #expect(PhantomPhraseList.builtInLanguages.contains("de"))
        #expect(PhantomPhraseList.builtInLanguages.count >= 10)
        #expect(PhantomPhraseList.builtIn(language: "en").phrases.contains("Thanks for watching!"))
    }

    @Test func dropsTextWithoutSpeech() {
        // Speech between 0 and 5 s on the media timeline (100 ms frames), silence after.
        let activity = SpeechActivity(frameDuration: 100, isSpeech: Array(repeating: true, count: 50) + Array(repeating: false, count: 100))
        let spoken = Script.segment("Real words here.", start: 1000)
        let phantom = Script.segment("Words over silence.", start: 6000)
        let result = SubtitleBuilder().build(from: [chunk([spoken]), chunk([phantom], offset: 4000)], speechActivity: activity)
        #expect(result.cues.map(\.text) == ["Real words here."])
        #expect(result.dropped.map(\.rule.rawValue) == ["outside-speech"])
        #expect(result.dropped.first?.start == 10_000)
    }

    @Test func phantomPhrasesAreKeptInsideDetectedSpeechAndDroppedOutsideIt() {
        // Speech from 0 to 5 s (100 ms frames), silence from 5 to 15 s.
        let activity = SpeechActivity(frameDuration: 100, isSpeech: Array(repeating: true, count: 50) + Array(repeating: false, count: 100))
        let sentence = Script.segment("And that should be all.", start: 500)
        var spokenThanks = Script.segment("Thanks.", start: 3_000)
        spokenThanks.averageLogProbability = -0.9   // unsure to the model, but the detector hears speech
        let credit = Script.segment("Thanks for watching!", start: 8_000)
        let withMap = SubtitleBuilder(hallucinationGuard: HallucinationGuard(dropsTextWithoutSpeech: false), language: "en")
            .build(from: [chunk([sentence, spokenThanks, credit])], speechActivity: activity)
        #expect(Script.words(of: withMap.cues).joined(separator: " ") == "And that should be all. Thanks.")
        #expect(withMap.dropped.map(\.text) == ["Thanks for watching!"])
        #expect(withMap.dropped.map(\.rule) == [.phantomPhrase])
        // Without a speech map the model's own doubt decides, as before.
        let withoutMap = SubtitleBuilder(language: "en").build(from: [chunk([sentence, spokenThanks, credit])])
        #expect(withoutMap.dropped.map(\.text) == ["Thanks.", "Thanks for watching!"])
    }

    @Test func speechFractionWeighsPartialFrames() {
        let activity = SpeechActivity(frameDuration: 100, isSpeech: [true, false, true, true])
        #expect(activity.speechFraction(from: 0, to: 400) == 0.75)
        #expect(activity.speechFraction(from: 50, to: 150) == 0.5)
        #expect(activity.speechFraction(from: 100, to: 200) == 0)
        #expect(activity.speechFraction(from: 300, to: 500) == 1)  // beyond the map counts as speech
        #expect(activity.speechFraction(from: 150, to: 150) == 0)
    }
}

struct ShapingTests {
    func build(_ segments: [TranscriptSegment], style: StyleProfile = .netflix) -> SubtitleBuildResult {
        SubtitleBuilder(style: style, hallucinationGuard: .disabled).build(from: [TranscriptChunk(offset: 0, duration: 600_000, segments: segments)])
    }

    @Test func splitsLongSegmentsAtSentenceEndsWithoutWordTimes() {
        let text = "So yesterday I went to the market with Mary Jane Watson, and we bought a lot of apples. Then we went home because it was raining very hard."
        let result = build([TranscriptSegment(start: 0, end: 9000, text: text)])
        #expect(Script.words(of: result.cues) == text.split(separator: " ").map(String.init))
        #expect(result.cues.contains { $0.text.hasSuffix("apples.") })
        #expect(result.cues.contains { $0.text.hasPrefix("Then") })
        for cue in result.cues {
            #expect(cue.lines.count <= 2)
            for line in cue.lines {
                #expect(line.count <= 42)
                let last = line.split(separator: " ").last.map(String.init)?.lowercased() ?? ""
                #expect(!["the", "a", "an"].contains(last), "article ends a line: \(line)")
            }
            #expect(!cue.lines.contains { $0.hasSuffix("Mary") || $0.hasSuffix("Jane") }, "name split: \(cue.lines)")
        }
        // Time was shared by characters: the second sentence starts about where its characters start.
        let then = result.cues.first { $0.text.hasPrefix("Then") }!
        let share = Double(text.distance(from: text.startIndex, to: text.range(of: "Then")!.lowerBound)) / Double(text.count)
        #expect(abs(Double(then.start) - share * 9000) < 150)
    }

    @Test func usesWordTimesForSplits() {
        let first = "This is the first sentence of a rather long stretch of speech."
        let second = "And this is the second one which also goes on for a while."
        let segment = Script.segment(first + " " + second, start: 1000)
        let result = build([segment])
        let secondStart = segment.words[first.split(separator: " ").count].start
        #expect(result.cues.contains { $0.start == secondStart && $0.text.hasPrefix("And this") })
    }

    @Test func keepsShortTextOnOneLineAndBalancesTwoLines() {
        let result = build([Script.segment("Short and sweet.", start: 0), Script.segment("This sentence needs two lines because it is far too long.", start: 5000)])
        #expect(result.cues[0].lines == ["Short and sweet."])
        let lines = result.cues[1].lines
        #expect(lines.count == 2)
        #expect(abs(lines[0].count - lines[1].count) <= 12, "\(lines)")
    }

    @Test func extendsOutTimeForReadingAndMinimumDuration() {
        // 28 characters said in 600 ms; nothing follows for a while.
        let fast = TranscriptSegment(start: 1000, end: 1600, text: "Hurry up, we are late again!")
        let result = build([fast])
        #expect(result.cues.count == 1)
        #expect(result.cues[0].end == 1000 + 1400)  // a sentence end: reading time from the pause after it
        let clause = build([TranscriptSegment(start: 1000, end: 1600, text: "Hurry up, we are late again and")])
        #expect(clause.cues[0].end == 1600 + 500)  // mid-sentence: the reading extension is capped at 0.5 s
        let tiny = build([TranscriptSegment(start: 1000, end: 1200, text: "Yes.")])
        #expect(tiny.cues[0].end == 1000 + 833)
    }

    @Test func extensionNeverCrowdsTheNextCue() {
        let result = build([
            TranscriptSegment(start: 1000, end: 1300, text: "Yes."),
            TranscriptSegment(start: 1400, end: 3000, text: "I think we should leave now."),
        ], style: StyleProfile.netflix.overriding(frameRate: 25))
        for (a, b) in zip(result.cues, result.cues.dropFirst()) {
            #expect(b.start - a.end >= 80)
        }
    }

    @Test func closesFlickerGaps() {
        let result = build([Script.segment("First sentence right here.", start: 0), Script.segment("Second sentence right after.", start: 1800)])
        #expect(result.cues.count == 2)
        #expect(result.cues[1].start - result.cues[0].end == 83)
    }

    @Test func mergesFragmentsTooShortToRead() {
        let result = build([
            Script.segment("Well", start: 0, wordLength: 150),
            Script.segment("I", start: 200, wordLength: 100),
            Script.segment("suppose so.", start: 350, wordLength: 200),
        ])
        #expect(result.cues.map(\.text) == ["Well I suppose so."])
    }

    @Test func reportsFastSpeechInsteadOfHidingText() {
        let text = "This is an extremely fast stream of words that nobody could ever read in the time it is spoken aloud."
        let result = build([TranscriptSegment(start: 0, end: 2000, text: text), Script.segment("Next.", start: 2100)])
        #expect(Script.words(of: result.cues).joined(separator: " ") == text + " Next.")
        #expect(result.violations.contains { $0.rule.rawValue == "max-characters-per-second" })
        #expect(result.cues.first!.start == 0)
    }

    @Test func longWordGetsItsOwnLine() {
        let word = String(repeating: "x", count: 60)
        let result = build([TranscriptSegment(start: 0, end: 3000, text: "a \(word) b")])
        #expect(Script.words(of: result.cues) == ["a", word, "b"])
        #expect(result.violations.contains { $0.rule.rawValue == "max-characters-per-line" && $0.value == 60 })
    }

    @Test func speakerChangeStartsANewCue() {
        var a = Script.segment("Are you coming?", start: 0)
        a.speaker = "Ann"
        var b = Script.segment("Yes, wait for me.", start: 1300)
        b.speaker = "Bob"
        let result = build([a, b])
        #expect(result.cues.map(\.speaker) == ["Ann", "Bob"])
    }

    @Test func shortTurnsOfTwoSpeakersShareADialogueCue() {
        var a = TranscriptSegment(start: 0, end: 400, text: "Coming?", speaker: "Ann")
        a.words = []
        let b = TranscriptSegment(start: 500, end: 900, text: "Yes.", speaker: "Bob")
        let c = TranscriptSegment(start: 5000, end: 8000, text: "Then let us go before it gets dark outside.", speaker: "Ann")
        let result = build([a, b, c])
        #expect(result.cues.count == 2)
        #expect(result.cues[0].lines == ["Coming?", "Yes."])
        #expect(result.cues[0].speakerOfEachLine == ["Ann", "Bob"])
        #expect(SRTWriter().render(result.cues).hasPrefix("1\n00:00:00,000 --> 00:00:00,900\n-Coming?\n-Yes.\n\n"))
        #expect(result.violations.isEmpty)
    }

    @Test func bottomHeavyLayoutPrefersAShorterTopLine() {
        // Two breaks of equal quality (before "to" and before "for"); the shape decides.
        let text = "Nobody expected the meeting to last for three whole hours today."
        var style = StyleProfile.netflix
        let balanced = build([TranscriptSegment(start: 0, end: 5000, text: text)], style: style).cues
        #expect(balanced.map(\.lines) == [["Nobody expected the meeting to last", "for three whole hours today."]])
        style.lineBalance = .bottomHeavy
        let bottomHeavy = build([TranscriptSegment(start: 0, end: 5000, text: text)], style: style).cues
        #expect(bottomHeavy.map(\.lines) == [["Nobody expected the meeting", "to last for three whole hours today."]])
    }

    @Test func manyLinesFallBackToGreedyLayout() {
        let text = (1...60).map { "word\($0)" }.joined(separator: " ")
        let style = StyleProfile.netflix.overriding(maxCharactersPerLine: 20, maxLines: 12, maxDuration: 60_000, maxCharactersPerSecond: 100)
        let result = build([TranscriptSegment(start: 0, end: 20_000, text: text)], style: style)
        #expect(Script.words(of: result.cues).joined(separator: " ") == text)
        #expect(result.cues.allSatisfy { $0.lines.count <= 12 && $0.lines.allSatisfy { $0.count <= 20 } })
    }

    @Test func bbcProfileIsNarrower() {
        let text = "The committee will meet again next week to discuss the proposals in more detail and decide."
        let result = build([TranscriptSegment(start: 0, end: 7000, text: text)], style: .bbc)
        #expect(result.cues.allSatisfy { $0.lines.allSatisfy { $0.count <= 37 } })
        #expect(Script.words(of: result.cues).joined(separator: " ") == text)
    }
}

struct ProfileAndLintTests {
    @Test func profilesByName() {
        #expect(StyleProfile.named("Netflix") == .netflix)
        #expect(StyleProfile.named("bbc")?.maxCharactersPerLine == 37)
        #expect(StyleProfile.named("nope") == nil)
        #expect(StyleProfile.netflix.maxCharactersPerLine == 42)
        #expect(StyleProfile.netflix.minDuration == 833)
        #expect(StyleProfile.netflix.effectiveMinGap == 83)
        #expect(StyleProfile.netflix.overriding(frameRate: 24).effectiveMinGap == 83)
        #expect(StyleProfile.netflix.overriding(frameRate: 25).effectiveMinGap == 80)
        #expect(StyleProfile.netflix.overriding(frameRate: 29.97).effectiveMinGap == 67)
        #expect(StyleProfile.netflix.overriding(frameRate: 5).effectiveMinGap == 125)
        #expect(StyleProfile.netflix.overriding(maxCharactersPerLine: 30).maxCharactersPerLine == 30)
    }

    @Test func profileDecodesWithMissingKeys() throws {
        let profile = try JSONDecoder().decode(StyleProfile.self, from: Data(#"{"name":"custom","maxCharactersPerLine":32}"#.utf8))
        #expect(profile.maxCharactersPerLine == 32)
        #expect(profile.maxLines == 2)
        let again = try JSONDecoder().decode(StyleProfile.self, from: JSONEncoder().encode(StyleProfile.bbc))
        #expect(again == .bbc)
    }

    @Test func lintReportsEveryRule() throws {
        let cues = [
            Cue(start: 0, end: 500, lines: ["Too short."]),
            Cue(start: 520, end: 8600, lines: ["This line is much longer than forty-two characters, really.", "two", "three"]),
            Cue(start: 8000, end: 9000, lines: ["Overlaps and reads far too fast for you."]),
            Cue(start: 7000, end: 7000, lines: [""]),
        ]
        let violations = Linter(style: .netflix).lint(cues)
        let pairs = Set(violations.map { "\($0.cueNumber):\($0.rule)" })
        #expect(pairs == [
            "1:min-duration", "2:min-gap", "2:max-lines", "2:max-characters-per-line", "2:max-duration",
            "3:overlap", "3:max-characters-per-second", "4:start-order", "4:non-positive-duration", "4:empty-text",
        ])
        let gap = try #require(violations.first { $0.rule.rawValue == "min-gap" })
        #expect(gap.value == 20 && gap.limit == 83)
        let report = Linter(style: .netflix).report(cues)
        #expect(report.text.contains("cue 2: line 1 has 59 characters, at most 42 allowed [max-characters-per-line]"))
        #expect(report.text.hasSuffix("4 cues checked against netflix: 10 violations in 4 cues"))
        let decoded = try JSONDecoder().decode(LintReport.self, from: report.jsonData())
        #expect(decoded == report)
        #expect(Linter(style: .netflix).compliantShare(of: cues) == 0)
    }

    @Test func bbcChecksWordsPerMinute() {
        let cue = Cue(start: 0, end: 2000, lines: ["one two three four five", "six seven"])
        #expect(Linter(style: .bbc).lint([cue]).contains { $0.rule.rawValue == "max-words-per-minute" && $0.value == 210 })
        #expect(!Linter(style: .netflix).lint([cue]).contains { $0.rule.rawValue == "max-words-per-minute" })
    }
}
