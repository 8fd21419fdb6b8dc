import Foundation
import Testing
import Subtitles

struct ParserTests {
    @Test func tolerantSRTAcceptsCommonDamage() throws {
        let text = "\u{FEFF}1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i>\r\nthere\r\n\r\n\r\n"
            + "00:00:03.000 --> 00:00:04,000\r\nNo number, dot.\r\n\r\nAfter a stray blank line.\r\n\r\n"
            + "7\r\n0:00:05,5 --> 00:06.25\r\n{\\an8}Short forms\r\n8\r\n00:00:07,000-->00:00:08,000\r\nMissing blank line\r\n"
        let cues = try SubtitleParser().parse(text, format: .srt)
        #expect(cues == [
            Cue(start: 1000, end: 2500, lines: ["Hello", "there"]),
            Cue(start: 3000, end: 4000, lines: ["No number, dot.", "After a stray blank line."]),
            Cue(start: 5500, end: 6250, lines: ["Short forms"]),
            Cue(start: 7000, end: 8000, lines: ["Missing blank line"]),
        ])
    }

    @Test func tolerantParserSkipsUnreadableTiming() throws {
        let text = "1\n00:00:xx,000 --> 00:00:02,000\nlost\n\nmore lost\n\n2\n00:00:03,000 --> 00:00:04,000\nkept\n"
        #expect(try SubtitleParser().parse(text, format: .srt) == [Cue(start: 3000, end: 4000, lines: ["kept"])])
    }

    @Test(arguments: [
        ("00:00:01,000 --> 00:00:02,000\nx\n", 1, "missing cue number"),
        ("1\n00:00:01.000 --> 00:00:02,000\nx\n", 2, "invalid start time"),
        ("1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\n00:00:03,000 --> 00:00:02,000\ny\n", 6, "not after"),
        ("1\n00:00:01,000 --> 00:00:02,000\nx\n\nstray\n", 5, "blank line inside"),
        ("one\n00:00:01,000 --> 00:00:02,000\nx\n", 1, "expected a cue number"),
        ("1\n00:00:01,000 --> 00:00:02,000\n\n", 2, "no text"),
        ("1\n00:00:01,000 --> 00:00:02,000\nx\n2\n00:00:03,000 --> 00:00:04,000\ny\n", 5, "-->"),
        ("1\n00:61:01,000 --> 00:62:02,000\nx\n", 2, "invalid start time"),
    ])
    func strictSRTNamesTheLine(text: String, line: Int, reason: String) {
        do {
            _ = try SubtitleParser(strict: true).parse(text, format: .srt)
            Issue.record("expected an error")
        } catch {
            #expect(error.line == line)
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.hasPrefix("line \(line): "))
        }
    }

    @Test func strictSRTAcceptsAWellFormedFile() throws {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\n100:00:03,000 --> 100:00:04,000\ny\nz\n"
        let cues = try SubtitleParser(strict: true).parse(text, format: .srt)
        #expect(cues.count == 2)
        #expect(cues[1].start == 360_003_000)
    }

    @Test func webVTTVoicesEntitiesAndBlocks() throws {
        let text = """
            WEBVTT - a title
            Kind: captions

            NOTE a comment
            that spans lines

            STYLE
            ::cue { color: yellow }

            intro
            00:01.000 --> 00:02.000 align:start line:0
            <v.loud Ann Smith>AT&amp;T &lt;rocks&gt; &nbsp;<i>really</i>&#x21;
            second line

            00:00:03.000 --> 00:00:04.000
            <v Ann>-Coming?</v>
            <v Bob>-Yes.</v>

            00:00:05.000 --> 00:00:06.000
            <c.yellow>plain</c> <00:00:05.500>karaoke &unknown; & done
            """
        let cues = try SubtitleParser().parse(text, format: .vtt)
        #expect(cues.count == 3)
        #expect(cues[0] == Cue(start: 1000, end: 2000, lines: ["AT&T <rocks> \u{00A0}really!", "second line"], speaker: "Ann Smith"))
        #expect(cues[1] == Cue(start: 3000, end: 4000, lines: ["Coming?", "Yes."], lineSpeakers: ["Ann", "Bob"]))
        #expect(cues[2].lines == ["plain karaoke &unknown; & done"])
        #expect(try SubtitleParser(strict: true).parse(text, format: .vtt).count == 3)
    }

    @Test func tolerantWebVTTAcceptsMissingHeaderAndStrayBlankLines() throws {
        let text = "\u{FEFF}00:01.000 --> 00:02.000\r\nfirst\r\n\r\n\r\nstill first\r\n\r\n2\r\n00:00:03,000 --> 00:00:04.5\r\nsecond\r\n"
        let cues = try SubtitleParser().parse(text, format: .vtt)
        #expect(cues == [
            Cue(start: 1000, end: 2000, lines: ["first", "still first"]),
            Cue(start: 3000, end: 4500, lines: ["second"]),
        ])
        #expect(SubtitleParser.sniff(text) == .srt)
        #expect(SubtitleParser.sniff("\u{FEFF}WEBVTT\n\n") == .vtt)
    }

    @Test(arguments: [
        ("00:00:01.000 --> 00:00:02.000\nx\n", 1, "WEBVTT"),
        ("WEBVTT\n00:00:01.000 --> 00:00:02.000\nx\n", 2, "blank line after the header"),
        ("WEBVTT\n\n00:00:01,000 --> 00:00:02.000\nx\n", 3, "invalid start time"),
        ("WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nx\n\n00:00:01.000 --> 00:00:02.000\ny\n", 6, "before the previous"),
        ("WEBVTT\n\nid\nother\n00:00:01.000 --> 00:00:02.000\nx\n", 4, "timing line"),
        ("WEBVTT\n\n00:00:01.000-->00:00:02.000\nx\n", 3, "spaces"),
    ])
    func strictWebVTTNamesTheLine(text: String, line: Int, reason: String) {
        do {
            _ = try SubtitleParser(strict: true).parse(text, format: .vtt)
            Issue.record("expected an error")
        } catch {
            #expect(error.line == line)
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func roundTripIsIdentical() throws {
        let cues = WriterTests.cues + WriterTests.dialogue.map {
            var cue = $0
            cue.start += 10_000_000
            cue.end += 10_000_000
            return cue
        } + [Cue(start: 20_000_000, end: 20_000_500, lines: ["&amp; literally", "-dash <b>not a tag</b>", "a > b"], speaker: "Z<z>")]
        // SRT has no escaping: `<b>` in text is a tag there, so the SRT round trip uses text without tags.
        let srtCues = cues.map { cue in
            var copy = cue
            copy.lines = cue.lines.map { $0.replacingOccurrences(of: "<b>", with: "").replacingOccurrences(of: "</b>", with: "") }
            return copy
        }
        for style in [SpeakerLabelStyle.dialogueDash, .namePrefix] {
            let srt = SRTWriter(speakerLabels: style).render(srtCues)
            let again = SRTWriter(speakerLabels: style).render(try SubtitleParser(strict: true).parse(srt, format: .srt))
            #expect(again == srt)
        }
        let vtt = WebVTTWriter(kind: "subtitles", language: "en").render(cues)
        let parsed = try SubtitleParser(strict: true).parse(vtt, format: .vtt)
        #expect(WebVTTWriter(kind: "subtitles", language: "en").render(parsed) == vtt)
        // VTT keeps speakers and text exactly.
        let sorted = cues.sorted { $0.start < $1.start }
        #expect(parsed == sorted)
    }

    @Test func crlfSRTRoundTrips() throws {
        let writer = SRTWriter(lineEnding: .crlf, includesByteOrderMark: true)
        let srt = writer.render(WriterTests.cues)
        #expect(writer.render(try SubtitleParser(strict: true).parse(srt, format: .srt)) == srt)
    }

    @Test func parsesFilesAndSniffsTheFormat() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("subtitles-tests-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let vtt = directory.appendingPathComponent("a.txt")
        try Data(WebVTTWriter().render(WriterTests.cues).utf8).write(to: vtt)
        #expect(try SubtitleParser().parse(contentsOf: vtt).count == 3)
        let latin1 = directory.appendingPathComponent("b.srt")
        try Data([0x31, 0x0A] + Array("00:00:01,000 --> 00:00:02,000\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: latin1)
        #expect(try SubtitleParser().parse(contentsOf: latin1).first?.lines == ["café"])
        #expect(throws: SubtitleParseError.self) { try SubtitleParser(strict: true).parse(contentsOf: latin1) }
    }

    @Test func randomBytesNeverCrashTheParsers() {
        var generator = SeededGenerator(seed: 42)
        let alphabet = Array("0123456789:,.-> \n\r\t<>&;v#xWEBVTTNOTE\u{FEFF}é") + ["\r\n"]
        for round in 0..<400 {
            let text: String
            if round.isMultiple(of: 2) {
                let bytes = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                text = String((0..<Int.random(in: 0...300, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            }
            for strict in [false, true] {
                for format in SubtitleFormat.allCases {
                    _ = try? SubtitleParser(strict: strict).parse(text, format: format)
                }
            }
        }
        // Absurd hour counts neither crash nor overflow.
        let huge = "1\n99999999999999999999:00:00,000 --> 999999999999:00:00,000\nx\n"
        #expect((try? SubtitleParser().parse(huge, format: .srt))?.isEmpty == true)
    }
}

extension Cue {
    func shifted(by offset: Milliseconds) -> Cue {
        var copy = self
        copy.start += offset
        copy.end += offset
        return copy
    }
}

/// SplitMix64: a small deterministic generator for property tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
