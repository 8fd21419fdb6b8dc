import Foundation
import Testing
import Subtitles

/// The TTML and ASS readers: every writer's output reads back as written (hostile text included), files written
/// by tools nobody here wrote (ttconv's IMSC, pysubs2's ASS) read as those tools meant, TTML's time expressions
/// and containment, ASS's fields and escapes, and documents built to hurt a reader (entities, a DOCTYPE, broken
/// markup: our own XMLScanner reads them, strictly).
@Suite struct DeliveryReaderTests {
    static func parse(_ text: String, as format: SubtitleFormat, strict: Bool = false) throws -> SubtitleDocument {
        try SubtitleParser(strict: strict).document(text, format: format)
    }

    /// What our reader gives for a cue: its lines joined by LF.
    static func reading(_ cue: Cue) -> DeliveryFormatTests.Reading {
        DeliveryFormatTests.Reading(start: cue.start, end: cue.end, text: cue.lines.joined(separator: "\n"))
    }

    @Test(arguments: [SubtitleFormat.imsc, .ebuTTD, .ttml])
    func timedTextReadsBackExactlyAsWritten(format: SubtitleFormat) throws {
        let cues = DeliveryFormatTests.cues()
        let document = try Self.parse(format.render(cues, language: "en"), as: format)
        let want = cues.map { DeliveryFormatTests.Reading(start: $0.start, end: $0.end, text: DeliveryFormatTests.shown($0)) }
        DeliveryFormatTests.compare(document.cues.map(Self.reading), want, reader: "our \(format) reader")
        #expect(document.warnings.isEmpty, "\(document.warnings)")
    }

    @Test func assReadsBackExactlyAsWritten() throws {
        let cues = DeliveryFormatTests.cues()
        let document = try Self.parse(ASSWriter().render(cues), as: .ass)
        // Hours stay at one digit: the cue past 99 hours is not written (see ASSWriter.maximumTime).
        let written = cues.filter { $0.start < ASSWriter.maximumTime }
        #expect(written.count == cues.count - 1)
        let want = written.map { cue -> DeliveryFormatTests.Reading in
            let rounded = DeliveryFormatTests.assReading(cue)
            return DeliveryFormatTests.Reading(start: rounded.start, end: rounded.end, text: DeliveryFormatTests.shown(cue))
        }
        DeliveryFormatTests.compare(document.cues.map(Self.reading), want, reader: "our ASS reader")
        #expect(document.cues.first { $0.lines == ["'single' \"double\" a > b < c"] }?.speaker == "Ann <&>")
    }

    @Test func aBackslashBeforeAWordJoinerSurvivesTheRoundTrip() throws {
        let line = "C:\\\u{2060}x \\N \\{ {\\b1}"
        let script = ASSWriter().render([Cue(start: 0, end: 1000, lines: [line])])
        #expect(try Self.parse(script, as: .ass).cues.map(\.lines) == [[line]])
    }

    /// ttconv writes IMSC and pysubs2 writes ASS from one SRT file; our readers find the SRT's cues in both.
    @Test(arguments: ["ttconv-write", "pysubs2-write"])
    func readsWhatOtherToolsWrite(writer: String) throws {
        let scratch = try Scratch()
        let srt = """
            1
            00:00:01,250 --> 00:00:02,500
            Tom & Jerry <i>again</i>
            5 < 6 & 7 > 3

            2
            00:01:03,000 --> 00:01:04,040
            Two,  commas, here

            3
            01:02:03,456 --> 01:02:05,000
            Last.

            """
        let source = try scratch.write(srt, name: "in.srt")
        let output = scratch.url.appendingPathComponent(writer == "ttconv-write" ? "out.ttml" : "out.ass")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Conformance/delivery_readers.py").path
        let python = DeliveryFormatTests.python
        try #require(FileManager.default.isExecutableFile(atPath: python), "no \(python): run scripts/setup")
        let result = try Command.run(python, [script, writer, source.path, output.path])
        try #require(result.status == 0, "\(writer): \(result.stderr)")
        let theirs = try SubtitleParser().document(contentsOf: output)
        let ours = try SubtitleParser().parse(srt, format: .srt)
        // ASS holds centiseconds; pysubs2 rounds as we do.
        let want = ours.map { cue -> DeliveryFormatTests.Reading in
            let text = cue.lines.joined(separator: "\n").replacingOccurrences(of: "  ", with: writer == "ttconv-write" ? " " : "  ")
            guard writer == "pysubs2-write" else { return .init(start: cue.start, end: cue.end, text: text) }
            return .init(start: (cue.start + 5) / 10 * 10, end: (cue.end + 5) / 10 * 10, text: text)
        }
        DeliveryFormatTests.compare(theirs.cues.map(Self.reading), want, reader: "our reader of \(writer)")
        #expect(theirs.format == (writer == "ttconv-write" ? .ttml : .ass))
    }

    @Test func ttmlTimeExpressionsAndContainment() throws {
        let document = try Self.parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
                ttp:frameRate="30" ttp:frameRateMultiplier="1000 1001" ttp:tickRate="10000000" xml:lang="fr">
              <head><metadata><p begin="0s" end="9s">not a cue</p></metadata></head>
              <body begin="10s">
                <div begin="2s">
                  <p begin="00:00:01:15" end="00:00:02.000">frames:  one
                     two</p>
                  <p begin="500ms" dur="1.5s">a <span>span</span><br/>and a line</p>
                  <p begin="10000000t" end="0.01h">ticks and hours</p>
                  <p begin="1m" end="61s" xml:space="preserve">kept  as   written</p>
                  <p begin="3s">no end</p>
                  <p begin="4s" end="5s"> </p>
                  <p begin="6s" end="bad">bad end</p>
                </div>
                <div begin="20s" end="21s"><p begin="0s" end="5s">cut by its div</p></div>
              </body>
            </tt>
            """, as: .imsc)
        let frame = (15.0 * 1001 / 30).rounded()
        #expect(document.cues.map(Self.reading) == [
            .init(start: 12_000 + 1_000 + Milliseconds(frame), end: 14_000, text: "frames: one two"),
            .init(start: 12_500, end: 14_000, text: "a span\nand a line"),
            .init(start: 13_000, end: 48_000, text: "ticks and hours"),
            .init(start: 72_000, end: 73_000, text: "kept  as   written"),
            .init(start: 30_000, end: 31_000, text: "cut by its div"),  // the body's 10 s, the div's 20 s, its end
        ])
        let kinds = document.warnings.map(\.kind)
        #expect(kinds.filter { $0 == .cueDropped }.count == 2, "\(document.warnings)")  // no end; an unreadable end
        #expect(kinds.contains(.emptyCue))
        #expect(kinds.contains(.timingNotStandard))
    }

    @Test func documentsBuiltToHurtAReaderAreRefusedOrReadSafely() throws {
        let secret = try Scratch().write("SECRET-CONTENT", name: "secret.txt")
        let external = """
            <?xml version="1.0"?>
            <!DOCTYPE tt [<!ENTITY leak SYSTEM "\(secret.absoluteString)">]>
            <tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="0s" end="1s">x&leak;y</p></div></body></tt>
            """
        let read = try Self.parse(external, as: .ttml)
        #expect(read.cues.isEmpty)
        #expect(read.warnings.map(\.kind) == [.fileRejected])
        #expect(read.warnings.first?.message.contains("&leak;") == true, "\(read.warnings)")

        var laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE tt [<!ENTITY l0 \"lol\">"
        for level in 1...9 { laughs += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">" }
        laughs += "]>\n<tt xmlns=\"http://www.w3.org/ns/ttml\"><body><div><p begin=\"0s\" end=\"1s\">&l9;</p></div></body></tt>"
        let bomb = try Self.parse(laughs, as: .ttml)
        #expect(bomb.cues.isEmpty)
        #expect(bomb.warnings.map(\.kind) == [.fileRejected])

        // Markup errors are named with their line.
        let mismatched = try Self.parse("<tt xmlns=\"http://www.w3.org/ns/ttml\"><body>\n<div><p begin=\"0s\" end=\"1s\">a</div></body></tt>", as: .ttml)
        #expect(mismatched.warnings.map(\.line) == [2])
        #expect(mismatched.warnings.first?.message.contains("</div> closes <p>") == true, "\(mismatched.warnings)")
        let undeclared = try Self.parse("<tt xmlns=\"http://www.w3.org/ns/ttml\"><x:body/></tt>", as: .ttml)
        #expect(undeclared.warnings.first?.message.contains("prefix x") == true, "\(undeclared.warnings)")

        let broken = try Self.parse("<tt xmlns=\"http://www.w3.org/ns/ttml\"><body><div><p begin=\"0s\" end=\"1s\">a</p><p>", as: .ttml)
        #expect(broken.cues.map(\.lines) == [["a"]])
        #expect(broken.warnings.map(\.kind) == [.fileRejected])
        #expect(throws: SubtitleParseError.self) {
            try Self.parse("<tt xmlns=\"http://www.w3.org/ns/ttml\"><body><p>", as: .ttml, strict: true)
        }

        let notTTML = try Self.parse("<html><body><p begin=\"0s\" end=\"1s\">web page</p></body></html>", as: .ttml)
        #expect(notTTML.warnings.map(\.kind).contains(.fileRejected))
    }

    /// Our own documents, damaged in thousands of ways (bytes and tokens cut, repeated, swapped): the readers never
    /// crash or hang, warnings name lines inside the file, and whatever cues they find are sane.
    @Test(.timeLimit(.minutes(3)), arguments: [SubtitleFormat.imsc, .ebuTTD, .ass])
    func damagedDocumentsNeverCrashTheReaders(format: SubtitleFormat) throws {
        let seeds = [Array(format.render(DeliveryFormatTests.cues(), language: "en").utf8),
                     Array(format.render(Array(DeliveryFormatTests.cues().prefix(3)), language: nil).utf8)]
        var generator = SeededGenerator(seed: 2026)
        for round in 0..<1_500 {
            let input = FuzzTests.mutate(seeds.randomElement(using: &generator)!, seeds: seeds, using: &generator)
            let document = try SubtitleParser().document(String(decoding: input, as: UTF8.self), format: format)
            let lines = input.reduce(1) { $0 + ($1 == 0x0A || $1 == 0x0D ? 1 : 0) }
            #expect(document.warnings.allSatisfy { $0.line >= 0 && $0.line <= lines }, "round \(round)")
            #expect(document.cues.allSatisfy { $0.start >= 0 && !$0.lines.isEmpty }, "round \(round)")
        }
    }

    @Test func anEmptyOrCuelessFileSaysWhy() throws {
        let scratch = try Scratch()
        let empty = try scratch.write("", name: "empty.imsc.ttml")
        #expect(throws: SubtitleParseError(line: 0, reason: "no readable cues: the file is empty")) {
            try SubtitleParser().document(contentsOf: empty)
        }
        let noDialogue = try scratch.write("[Script Info]\nScriptType: v4.00+\n\n[Events]\n", name: "x.ass")
        #expect(throws: SubtitleParseError(line: 0, reason: "no readable cues: the script holds no Dialogue line")) {
            try SubtitleParser().document(contentsOf: noDialogue)
        }
    }

    @Test func assFieldsOverridesAndEscapes() throws {
        let document = try Self.parse("""
            \u{FEFF}[Script Info]
            ScriptType: v4.00

            [Events]
            Format: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
            Comment: Marked=0,0:00:00.00,0:00:01.00,Default,,0,0,0,,a comment
            Dialogue: Marked=0,0:00:01.5,0:00:02.25,Default,Ann,0,0,0,,{\\an8\\b1}Top, bold{\\b0}\\Nsecond\\nsame\\hline
            Dialogue: Marked=0,1:02:03.04,1:02:04.10,Default,,0,0,0,,{\\k20}ka{\\k30}ra{unclosed
            Dialogue: 0,0:00:05.00,0:00:06.00
            Dialogue: Marked=0,0:00:07.00,0:00:08.00,Default,,0,0,0,,{\\p1}
            """, as: .ass)
        #expect(document.cues == [
            Cue(start: 1_500, end: 2_250, lines: ["Top, bold", "second same\u{00A0}line"], speaker: "Ann"),
            Cue(start: 3_723_040, end: 3_724_100, lines: ["kara{unclosed"]),
        ])
        #expect(document.warnings.map(\.kind) == [.cueDropped, .emptyCue])
    }

    @Test func formatsAreFoundByNameAndByContent() {
        #expect(SubtitleFormat(fileName: "Film.en.IMSC.ttml") == .imsc)
        #expect(SubtitleFormat(fileName: "film.en.ebu-tt-d.ttml") == .ebuTTD)
        #expect(SubtitleFormat(fileName: "film.en.ttml") == .ttml)
        #expect(SubtitleFormat(fileName: "film.dfxp") == .ttml)
        #expect(SubtitleFormat(fileName: "film.en.ssa") == .ass)
        #expect(SubtitleFormat(pathExtension: "TTML") == .ttml)
        #expect(SubtitleFormat(pathExtension: "xml") == nil)
        #expect(SubtitleParser.sniff("\u{FEFF}<?xml version=\"1.0\"?><tt/>") == .ttml)
        #expect(SubtitleParser.sniff("  [Script Info]\nTitle: x") == .ass)
        #expect(SubtitleParser.sniff("1\n00:00:01,000 --> 00:00:02,000\n<i>x</i>") == .srt)
        #expect(SubtitleFormat.readable == SubtitleFormat.allCases)
    }
}
