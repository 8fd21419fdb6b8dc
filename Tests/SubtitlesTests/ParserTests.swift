import Foundation
import Testing
import Subtitles

struct ParserTests {
    @Test func tolerantSRTAcceptsCommonDamageAndSaysSo() throws {
        let text = "\u{FEFF}1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i>\r\nthere\r\n\r\n\r\n"
            + "00:00:03.000 --> 00:00:04,000\r\nNo number, dot.\r\n\r\nAfter a stray blank line.\r\n\r\n"
            + "7\r\n0:00:05,5 --> 00:06.25\r\n{\\an8}Short forms\r\n8\r\n00:00:07,000-->00:00:08,000\r\nMissing blank line\r\n"
        let document = try SubtitleParser().document(text, format: .srt)
        #expect(document.cues == [
            Cue(start: 1000, end: 2500, lines: ["Hello", "there"]),
            Cue(start: 3000, end: 4000, lines: ["No number, dot.", "After a stray blank line."]),
            Cue(start: 5500, end: 6250, lines: ["Short forms"]),
            Cue(start: 7000, end: 8000, lines: ["Missing blank line"]),
        ])
        let found = document.warnings.map { "\($0.line) \($0.kind.rawValue)" }
        #expect(found == [
            "7 cue-number", "7 timing-not-standard", "10 text-joined", "13 timing-not-standard",
            "13 timing-not-standard", "15 text-joined", "16 timing-not-standard",
        ], "\(document.warnings)")
    }

    @Test func srtTextWithArrowsIsTextAndBrokenTimingsDropTheirCueWithAWarning() throws {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nline with --> arrow\nafter\n\n"
            + "2\n00:00:xx,000 --> 00:00:02,000\nlost\n\n3\n00:00:03,000 --> 00:00:04,000\nkept\n"
        let document = try SubtitleParser().document(text, format: .srt)
        #expect(document.cues == [
            Cue(start: 1000, end: 2000, lines: ["line with --> arrow", "after"]),
            Cue(start: 3000, end: 4000, lines: ["kept"]),
        ])
        #expect(document.warnings.map(\.kind) == [.cueDropped])
        #expect(document.warnings.first?.line == 7)
        // No empty-text violation for the cue with the arrow.
        #expect(Linter(style: .netflix).lint(document.cues).allSatisfy { $0.rule != StyleViolation.Rule.emptyText })
    }

    @Test func srtKeepsEveryPieceOfTextAndNeverGluesTwoCues() throws {
        let text = "intro text\n\n1\n00:00:01,000 --> 00:00:02,000\nfirst\n\norphan\n\n42\n\n"
            + "2\n00:00:03,000 --> 00:00:04,000\n\n3\n00:00:05,000 --> 00:00:06,000\n   \nafter a line of spaces\n\n9\n"
        let document = try SubtitleParser().document(text, format: .srt)
        #expect(document.cues == [
            Cue(start: 1000, end: 2000, lines: ["first", "orphan", "42"]),
            Cue(start: 3000, end: 4000, lines: []),
            Cue(start: 5000, end: 6000, lines: ["after a line of spaces"]),
        ])
        let kinds = document.warnings.map { "\($0.line) \($0.kind.rawValue)" }
        #expect(kinds == ["1 text-ignored", "7 text-joined", "12 empty-cue", "17 text-joined", "19 text-ignored"], "\(document.warnings)")
    }

    @Test(arguments: [
        ("00:00:01,000 --> 00:00:02,000\nx\n", 1, "no number"),
        ("1\n00:00:01.000 --> 00:00:02,000\nx\n", 2, "\".\" before the milliseconds"),
        ("1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\n00:00:03,000 --> 00:00:02,000\ny\n", 6, "ends at or before its start"),
        ("1\n00:00:01,000 --> 00:00:02,000\nx\n\nstray\n", 5, "text after a blank line"),
        ("one\n00:00:01,000 --> 00:00:02,000\nx\n", 1, "text before the first cue"),
        ("1\n00:00:01,000 --> 00:00:02,000\n\n", 2, "without text"),
        ("1\n00:00:01,000 --> 00:00:02,000\nx\n2\n00:00:03,000 --> 00:00:04,000\ny\n", 4, "blank line is missing"),
        ("1\n00:61:01,000 --> 00:62:02,000\nx\n", 2, "below 60"),
        ("1\n100:00:01,000 --> 100:00:02,000\nx\n", 2, "hours above 99"),
        ("1\n00:00:01,000-->00:00:02,000\nx\n", 2, "space on each side"),
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
        let text = "1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\n99:00:03,000 --> 99:00:04,000 X1:10 X2:20 Y1:1 Y2:2\ny\nz\n"
        let cues = try SubtitleParser(strict: true).parse(text, format: .srt)
        #expect(cues.count == 2)
        #expect(cues[1].start == 356_403_000)
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

    @Test func webVTTKeepsWhatBrowsersShowAndReportsWhatTheyDrop() throws {
        let text = "WEBVTT\n\nNOTE is an id here\n00:01.000 --> 00:02.000align:start\nfirst\n\n"
            + "STYLE\n00:02.000 --> 00:03.000\nsecond\n\n\u{0C}00:03.000\u{0C}-->\u{0C}00:04.000\nthird\n   \n\n"
            + "orphan text\n\n00:00:60.000 --> 00:01:00.000\ndropped\n\n0 --> 1\ndropped\n\n"
            + "00:05,000 --> 00:06.000\ndropped\n\n00:07.000 --> 00:08.000\nlast\n"
        let document = try SubtitleParser().document(text, format: .vtt)
        #expect(document.cues.map(\.lines) == [["first"], ["second"], ["third"], ["last"]])
        #expect(document.cues.map(\.start) == [1000, 2000, 3000, 7000])
        let kinds = document.warnings.map { "\($0.line) \($0.kind.rawValue)" }
        #expect(kinds == ["15 text-ignored", "17 cue-dropped", "20 cue-dropped", "23 cue-dropped"], "\(document.warnings)")
        // The cue holding a line of spaces is valid: strict mode fails only at the first dropped block.
        do {
            _ = try SubtitleParser(strict: true).parse(text, format: .vtt)
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 15)
        }
        let raw = try WebVTTParser.parse(text).cues
        #expect(raw[0].identifier == "NOTE is an id here")
        #expect(raw[0].settings.align == .start)
        #expect(raw[1].identifier == "STYLE")
        #expect(raw[2].text == "third\n   ")
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("00:00:01.000 --> 00:00:02.000\nx\n", "the first line must be \"WEBVTT\""),
        ("WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nx\n", "the first line must be \"WEBVTT\""),
        ("\u{FEFF}\u{FEFF}WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n", "the first line must be \"WEBVTT\""),
    ])
    func webVTTWithoutASignatureIsRejectedWithAReason(text: String, reason: String) throws {
        let document = try SubtitleParser().document(text, format: .vtt)
        #expect(document.cues.isEmpty)
        #expect(document.warnings.first?.kind == .fileRejected)
        #expect(document.warnings.first?.message.contains(reason) == true, "\(document.warnings)")
    }

    @Test func cueTextFollowsTheBrowserTokenizer() throws {
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\n&eacute;t&eacute; &notit; &amp &#x80; &#0; &#xD800; &bogus;\n"
            + "1 < 2 and the rest is a tag\nstill the tag>shown\n"
        let cue = try #require(try SubtitleParser().parse(text, format: .vtt).first)
        // The "<" opens a tag that runs to the ">" on the next line: the line break inside it is not shown.
        #expect(cue.lines == ["été ¬it; & € \u{FFFD} \u{FFFD} &bogus;", "1 shown"])
    }

    @Test func linesSplitAcrossReadBlocksAndEveryLineEnding() throws {
        // A CRLF pair split by the 64 KiB block boundary counts once; CR alone and LF alone end lines too.
        let padding = String(repeating: "a", count: 65_536 - "WEBVTT\n\n00:01.000 --> 00:02.000\n".utf8.count - 1)
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\n" + padding + "\r\nsecond\r00:03.000 --> 00:04.000\rthird\n"
        #expect(Array(text.utf8)[65_535] == 0x0D)
        let cues = try SubtitleParser().parse(text, format: .vtt)
        #expect(cues.map(\.lines) == [[padding, "second"], ["third"]])
    }

    @Test func encodingsAreDetectedOrReported() throws {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nüber\n"
        var utf16 = [UInt8]([0xFF, 0xFE])
        for unit in srt.utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let fromUTF16 = SubtitleParser().stream(utf16, format: .srt)
        var stream = fromUTF16
        let document = try stream.collect()
        #expect(document.cues.first?.lines == ["über"])
        #expect(document.warnings.map(\.kind) == [.encoding])
        let utf32: [UInt8] = [0xFF, 0xFE, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00]
        var utf32Stream = SubtitleParser().stream(utf32, format: .srt)
        #expect(throws: SubtitleParseError.self) { _ = try utf32Stream.collect() }
        var latin1 = SubtitleParser().stream(Array("1\n00:00:01,000 --> 00:00:02,000\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x80, 0x0A], format: .srt)
        let latin1Document = try latin1.collect()
        #expect(latin1Document.cues.first?.lines == ["café€"])
        #expect(latin1Document.warnings.map(\.kind) == [.encoding])
    }

    @Test func repeatedWarningsAreCappedAndCounted() throws {
        var text = ""
        for index in 0..<250 { text += "00:00:\(String(format: "%02d", index % 60)),000 --> 00:00:59,000\nx\n\n" }
        let document = try SubtitleParser().document(text, format: .srt)
        #expect(document.cues.count == 250)
        let numberWarnings = document.warnings.filter { $0.kind == .cueNumber }
        #expect(numberWarnings.count == SubtitleStream.warningLimitPerKind + 1)
        #expect(numberWarnings.last?.message == "150 more cue-number warnings not shown")
    }

    @Test func absurdLinesAndCuesAreErrorsNotMemory() throws {
        let longLine = [UInt8](repeating: UInt8(ascii: "a"), count: (1 << 23) + 1)
        for format in SubtitleFormat.readable {
            var stream = SubtitleParser().stream(Array("WEBVTT\n\n".utf8) + longLine, format: format)
            #expect(throws: SubtitleParseError.self) { _ = try stream.collect() }
        }
        let manyLines = String(repeating: String(repeating: "b", count: 1023) + "\n", count: (1 << 14) + 100)
        do {
            _ = try SubtitleParser().document("1\n00:00:01,000 --> 00:00:02,000\n" + manyLines, format: .srt)
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.reason.contains("16 MiB"))
        }
        #expect(throws: SubtitleParseError.self) {
            try SubtitleParser().document("WEBVTT\n\n00:01.000 --> 00:02.000\n" + manyLines, format: .vtt)
        }
    }

    @Test func filesWithoutCuesThrowWithTheReason() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("subtitles-nocues-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(String, [UInt8], String)] = [
            ("empty.srt", [], "empty"),
            ("plain.srt", Array("Just some prose.\nNothing else.\n".utf8), "no timing line"),
            ("binary.srt", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }, "no timing line"),
            ("nosignature.vtt", Array("00:01.000 --> 00:02.000\nx\n".utf8), "WEBVTT"),
            ("utf32.srt", [0xFF, 0xFE, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00], "UTF-32"),
        ]
        for (name, bytes, reason) in cases {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            do {
                _ = try SubtitleParser().parse(contentsOf: url)
                Issue.record("\(name): expected an error")
            } catch {
                #expect("\(error)".contains(reason), "\(name): \(error)")
            }
        }
        #expect(throws: SubtitleParseError.self) { try SubtitleParser().parse(contentsOf: directory.appendingPathComponent("missing.srt")) }
        #expect(throws: SubtitleParseError.self) { try SubtitleParser().parse(contentsOf: directory) }
    }

    @Test func roundTripIsIdentical() throws {
        let cues = WriterTests.cues + WriterTests.dialogue.map {
            var cue = $0
            cue.start += 10_000_000
            cue.end += 10_000_000
            return cue
        } + [Cue(start: 20_000_000, end: 20_000_500, lines: ["&amp; literally", "-dash <b>not a tag</b>", "a > b"], speaker: "Z<z>")]
        // SRT has no escaping: the writer neutralises `<b>` (as `‹b›`), so the round trip is compared as written.
        for style in [SpeakerLabelStyle.dialogueDash, .namePrefix] {
            let srt = SRTWriter(speakerLabels: style).render(cues)
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

    @Test func sniffsTheFormat() {
        #expect(SubtitleParser.sniff("1\n00:00:01,000 --> 00:00:02,000\nx\n") == .srt)
        #expect(SubtitleParser.sniff("\u{FEFF}WEBVTT\n\n") == .vtt)
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
        // Without an extension the content decides.
        let noExtension = directory.appendingPathComponent("c")
        try Data(WebVTTWriter().render(WriterTests.cues).utf8).write(to: noExtension)
        #expect(try SubtitleParser().parse(contentsOf: noExtension).count == 3)
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
                for format in SubtitleFormat.readable {
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
