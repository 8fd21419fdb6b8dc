import Foundation
import Testing
import Subtitles

/// Word highlighting: the builder keeps each cue's words with their times, WebVTT writes cue timestamps (each word
/// in a `<c>` span, which `::cue(:past)` can match) and ASS `\k` tags from them, and readers nobody here wrote (pysubs2, FFmpeg, libass) read and draw them.
@Suite(.serialized)
struct KaraokeTests {
    static func cue(_ start: Milliseconds, _ end: Milliseconds, _ words: [(String, Milliseconds)], lines: [String]? = nil) -> Cue {
        var cue = Cue(start: start, end: end, lines: lines ?? [words.map(\.0).joined(separator: " ")])
        cue.words = words.enumerated().map { index, word in
            CueWord(text: word.0, start: word.1, end: index + 1 < words.count ? words[index + 1].1 : end)
        }
        return cue
    }

    static let sample = cue(500, 3_500, [("one", 500), ("two", 1_500), ("three", 2_500)])

    @Test func theBuilderKeepsEveryWordWithItsTimeOnlyWhenAsked() throws {
        let timed = TranscriptSegment(start: 0, end: 2_400, text: "Hello there, how are you today?", words: [
            .init(text: "Hello", start: 0, end: 400), .init(text: "there", start: 450, end: 800),
            .init(text: "how", start: 900, end: 1_100), .init(text: "are", start: 1_150, end: 1_300),
            .init(text: "you", start: 1_350, end: 1_600), .init(text: "today", start: 1_700, end: 2_400),
        ])
        let untimed = TranscriptSegment(start: 6_000, end: 9_000, text: "A segment without word times.")
        let chunk = TranscriptChunk(offset: 10_000, duration: 20_000, segments: [timed, untimed])
        var builder = SubtitleBuilder(hallucinationGuard: .disabled, language: "en")
        #expect(builder.build(from: [chunk]).cues.allSatisfy { $0.words.isEmpty })

        builder.keepsWordTimes = true
        let cues = builder.build(from: [chunk]).cues
        try #require(!cues.isEmpty)
        for cue in cues {
            let words = try #require(cue.highlightedWords, "\(cue)")
            #expect(zip(words, words.dropFirst()).allSatisfy { $0.0.start <= $0.1.start })
        }
        let words = cues.flatMap(\.words)
        #expect(words.map(\.text) == ["Hello", "there,", "how", "are", "you", "today?", "A", "segment", "without", "word", "times."])
        #expect(words.prefix(6).map(\.start) == [10_000, 10_450, 10_900, 11_150, 11_350, 11_700])
        #expect(words.prefix(6).allSatisfy { $0.isTimed })
        #expect(words.dropFirst(6).allSatisfy { !$0.isTimed && $0.start >= 16_000 && $0.end <= 19_000 })
    }

    @Test func changedTextTurnsHighlightingOff() {
        var cue = Self.sample
        #expect(cue.highlightedWords?.count == 3)
        cue.lines = ["uno dos tres"]
        #expect(cue.highlightedWords == nil)
        #expect(!WebVTTWriter().render([cue]).contains("<00:"))
        #expect(!ASSWriter().render([cue]).contains("\\k"))
    }

    @Test func webVTTWritesATimestampBeforeEachLaterWord() throws {
        let two = Self.cue(10_000, 13_000, [("Well,", 10_200), ("I", 10_900), ("see", 10_900), ("it", 11_400), ("now", 14_000)],
                           lines: ["Well, I", "see  it now"])
        let text = WebVTTWriter().render([Self.sample, two])
        #expect(text.contains("00:00:00.500 --> 00:00:03.500\n<c>one</c> <00:00:01.500><c>two</c> <00:00:02.500><c>three</c>\n"))
        // The first word after the cue's start gets a timestamp; one at the time of the word before does not; one
        // past the cue's end is left out (WebVTT wants them inside the cue, increasing).
        #expect(text.contains("\n<00:00:10.200><c>Well,</c> <00:00:10.900><c>I</c>\n<c>see</c>  <00:00:11.400><c>it</c> <c>now</c>\n"))
        // Our reader shows the text as without timestamps.
        let plain = try SubtitleParser().parse(text, format: .vtt)
        #expect(plain.map(\.lines) == [["one two three"], ["Well, I", "see  it now"]])
    }

    @Test func assWritesAKTagPerWordThatAddsUpToTheCue() throws {
        let late = Self.cue(4_000, 6_000, [("late", 4_500), ("start", 5_250)])
        let dialogue: Cue = {
            var cue = Cue(start: 7_000, end: 9_000, lines: ["Who?", "Me."], lineSpeakers: ["Ann", "Bob"])
            cue.words = [CueWord(text: "Who?", start: 7_000, end: 7_600), CueWord(text: "Me.", start: 8_000, end: 9_000)]
            return cue
        }()
        let script = ASSWriter().render([Self.sample, late, dialogue])
        #expect(script.contains(",,{\\k100}one {\\k100}two {\\k100}three\n"))
        #expect(script.contains(",,{\\k50}{\\k75}late {\\k75}start\n"))
        #expect(script.contains(",,{\\k100}-Who?\\N{\\k100}-Me.\n"))

        // pysubs2 and FFmpeg read the text the tags stand in.
        let scratch = try Scratch()
        let url = try scratch.write(script, name: "karaoke.ass")
        let pysubs2 = try DeliveryFormatTests.read(url, with: "pysubs2")
        #expect(pysubs2.map(\.text) == ["one two three", "late start", "-Who?\n-Me."])
        let srt = try Command.run("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", url.path, "-f", "srt", "-"])
        try #require(srt.status == 0, "\(srt.stderr)")
        #expect(SRTBlocks.parse(srt.stdout).map(\.text) == [
            "<font size=\"54\">one two three</font>", "<font size=\"54\">late start</font>",
            "<font size=\"54\">-Who?\n-Me.</font>",
        ])
    }

    /// libass draws a word in the style's secondary colour (red) until its `\k` time comes, then in the primary
    /// (white): the red ink shrinks word by word at the written times.
    @Test func libassHighlightsEachWordAtItsTime() throws {
        let scratch = try Scratch()
        let ass = try scratch.write(ASSWriter().render([Self.sample]), name: "karaoke.ass")
        func redPixels(at seconds: Double) throws -> Int {
            let raw = scratch.url.appendingPathComponent("frame-\(seconds).rgb")
            let result = try Command.run("/usr/bin/ffmpeg", [
                "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=black:size=1280x720:rate=10:duration=4",
                "-vf", "subtitles=filename=\(ass.path)", "-ss", String(seconds), "-frames:v", "1", "-f", "rawvideo",
                "-pix_fmt", "rgb24", raw.path,
            ])
            try #require(result.status == 0, "\(result.stderr)")
            let bytes = [UInt8](try Data(contentsOf: raw))
            return stride(from: 0, to: bytes.count - 2, by: 3).filter { bytes[$0] > 120 && bytes[$0 + 1] < 80 && bytes[$0 + 2] < 80 }.count
        }
        let first = try redPixels(at: 1.0), second = try redPixels(at: 2.0), third = try redPixels(at: 3.0)
        #expect(first > second, "red at 1.0 s: \(first), at 2.0 s: \(second)")
        #expect(second > third, "red at 2.0 s: \(second), at 3.0 s: \(third)")
        #expect(second > 0)
        #expect(third == 0)
    }
}
