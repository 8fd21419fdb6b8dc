import Foundation
import Testing
import Subtitles

struct WriterTests {
    static let cues = [
        Cue(start: 0, end: 1500, lines: ["Hello there.", "How are you?"]),
        Cue(start: 1583, end: 3_600_000, lines: ["AT&T <inaudible> --> done"], speaker: "Ann"),
        Cue(start: 360_000_000, end: 360_000_999, lines: ["Late."]),
    ]

    @Test func srtGolden() {
        let expected = """
            1
            00:00:00,000 --> 00:00:01,500
            Hello there.
            How are you?

            2
            00:00:01,583 --> 01:00:00,000
            AT&T \u{2039}inaudible\u{203A} -> done


            """
        // The cue at 100 h is past what SRT can express portably: left out.
        #expect(SRTWriter().render(Self.cues) == expected)
    }

    @Test func srtStaysWithinTwoDigitHours() {
        let cues = [
            Cue(start: 359_998_000, end: 360_001_000, lines: ["runs past 99:59:59,999"]),
            Cue(start: 359_999_999, end: 360_005_000, lines: ["starts at the limit"]),
            Cue(start: 360_000_000, end: 360_005_000, lines: ["starts past it"]),
        ]
        #expect(SRTWriter().render(cues) == "1\n99:59:58,000 --> 99:59:59,999\nruns past 99:59:59,999\n\n")
        #expect(SRTWriter.maximumTime == 359_999_999)
        // WebVTT has no such limit.
        #expect(WebVTTWriter().render(cues).contains("100:00:00.000 --> 100:00:05.000"))
    }

    @Test func controlCharactersNeverReachAFile() {
        let cue = Cue(start: 0, end: 1000, lines: ["nul\u{0}here bell\u{7} del\u{7F} csi\u{9B}x bom\u{FEFF}in tab\tend", "\u{1}\u{2}"],
                      speaker: "An\u{0}n")
        let srt = SRTWriter(speakerLabels: .namePrefix).render([cue])
        let vtt = WebVTTWriter(kind: "cap\u{0}tions").render([cue])
        for output in [srt, vtt] {
            #expect(!output.unicodeScalars.contains { TextSanitizerTests.isForbidden($0) }, "\(output.debugDescription)")
        }
        #expect(srt.contains("Ann: nulhere bell del csix bomin tab end\n\n"))
        #expect(vtt.contains("<v Ann>nulhere bell del csix bomin tab end\n\n"))
        #expect(vtt.contains("Kind: captions\n"))
        // Line and paragraph separators and the other Unicode line breaks start new lines instead.
        let breaks = SRTWriter().render([Cue(start: 0, end: 1000, lines: ["a\u{2028}b\u{85}c\u{0B}d\u{0C}e\rf"])])
        #expect(breaks == "1\n00:00:00,000 --> 00:00:01,000\na\nb\nc\nd\ne\nf\n\n")
    }

    @Test func srtNeutralisesMarkupLikeText() {
        let lines = [
            "AT&T <inaudible> -> done", "<i>not italic</i>", "{\\an8}top {curly}", "a\\Nb c\\hd e\\n C:\\Users",
            "1 < 2 and 3 > 2", "a > b < c", "<<x>>", "from 10:00:00,5 to 11:00:00.5", "at 10:00:00,5 only",
        ]
        let srt = SRTWriter().render([Cue(start: 0, end: 1000, lines: lines)])
        #expect(srt == """
            1
            00:00:00,000 --> 00:00:01,000
            AT&T \u{2039}inaudible\u{203A} -> done
            \u{2039}i\u{203A}not italic\u{2039}/i\u{203A}
            \u{FF5B}\\an8\u{FF5D}top \u{FF5B}curly\u{FF5D}
            a\\\u{2060}Nb c\\\u{2060}hd e\\\u{2060}n C:\\Users
            1 \u{2039} 2 and 3 \u{203A} 2
            a > b < c
            \u{2039}\u{2039}x\u{203A}\u{203A}
            from 10:00:00,\u{2060}5 to 11:00:00.\u{2060}5
            at 10:00:00,5 only


            """)
    }

    @Test func srtCRLFAndByteOrderMark() {
        let output = SRTWriter(lineEnding: .crlf, includesByteOrderMark: true).render([Self.cues[0]])
        #expect(output == "\u{FEFF}1\r\n00:00:00,000 --> 00:00:01,500\r\nHello there.\r\nHow are you?\r\n\r\n")
        #expect(!SRTWriter().render(Self.cues).hasPrefix("\u{FEFF}"))
    }

    @Test func webVTTGolden() {
        let expected = """
            WEBVTT
            Kind: captions
            Language: en

            00:00:00.000 --> 00:00:01.500
            Hello there.
            How are you?

            00:00:01.583 --> 01:00:00.000
            <v Ann>AT&amp;T &lt;inaudible&gt; --&gt; done

            100:00:00.000 --> 100:00:00.999
            Late.


            """
        #expect(WebVTTWriter(kind: "captions", language: "en").render(Self.cues) == expected)
        #expect(WebVTTWriter().render([]) == "WEBVTT\n\n")
    }

    @Test func writersNeverEmitBlankLinesOrArrowsInsideCues() {
        let cue = Cue(start: 10, end: 10, lines: ["one\n\ntwo", "", "   ", "three-->four"])
        let srt = SRTWriter().render([cue])
        #expect(srt == "1\n00:00:00,010 --> 00:00:00,011\none\ntwo\nthree->four\n\n")
        let vtt = WebVTTWriter().render([cue])
        #expect(vtt == "WEBVTT\n\n00:00:00.010 --> 00:00:00.011\none\ntwo\nthree--&gt;four\n\n")
        // A cue without text is left out and numbering stays continuous.
        let srt2 = SRTWriter().render([Cue(start: 0, end: 5, lines: [" "]), Cue(start: 6, end: 9, lines: ["x"])])
        #expect(srt2.hasPrefix("1\n00:00:00,006"))
    }

    @Test func writersSortByStartAndClampNegativeTimes() {
        let cues = [Cue(start: 5000, end: 6000, lines: ["b"]), Cue(start: -20, end: -10, lines: ["a"])]
        #expect(SRTWriter().render(cues) == "1\n00:00:00,000 --> 00:00:00,001\na\n\n2\n00:00:05,000 --> 00:00:06,000\nb\n\n")
    }

    static let dialogue = [
        Cue(start: 0, end: 2000, lines: ["Are you coming?", "Yes."], lineSpeakers: ["Ann", "Bob"]),
        Cue(start: 2100, end: 4000, lines: ["Good.", "Let's go."], speaker: "Ann"),
        Cue(start: 4100, end: 5000, lines: ["Wait."], speaker: "Bob"),
        Cue(start: 5100, end: 6000, lines: ["Nobody."]),
    ]

    @Test func srtDialogueDashes() {
        let expected = """
            1
            00:00:00,000 --> 00:00:02,000
            -Are you coming?
            -Yes.

            2
            00:00:02,100 --> 00:00:04,000
            Good.
            Let's go.

            3
            00:00:04,100 --> 00:00:05,000
            Wait.

            4
            00:00:05,100 --> 00:00:06,000
            Nobody.


            """
        #expect(SRTWriter().render(Self.dialogue) == expected)
    }

    @Test func srtNamePrefixOnSpeakerChange() {
        let expected = """
            1
            00:00:00,000 --> 00:00:02,000
            Ann: Are you coming?
            Bob: Yes.

            2
            00:00:02,100 --> 00:00:04,000
            Ann: Good.
            Let's go.

            3
            00:00:04,100 --> 00:00:05,000
            Bob: Wait.

            4
            00:00:05,100 --> 00:00:06,000
            Nobody.


            """
        #expect(SRTWriter(speakerLabels: .namePrefix).render(Self.dialogue) == expected)
    }

    @Test func webVTTVoices() {
        let expected = """
            WEBVTT

            00:00:00.000 --> 00:00:02.000
            <v Ann>-Are you coming?</v>
            <v Bob>-Yes.</v>

            00:00:02.100 --> 00:00:04.000
            <v Ann>Good.
            Let's go.

            00:00:04.100 --> 00:00:05.000
            <v Bob>Wait.

            00:00:05.100 --> 00:00:06.000
            Nobody.


            """
        #expect(WebVTTWriter().render(Self.dialogue) == expected)
    }

    @Test func formatFromExtension() {
        #expect(SubtitleFormat(pathExtension: "SRT") == .srt)
        #expect(SubtitleFormat(pathExtension: ".vtt") == .vtt)
        #expect(SubtitleFormat(pathExtension: "ass") == .ass)
        #expect(SubtitleFormat(pathExtension: "sub") == nil)
        #expect(SubtitleFormat.vtt.fileExtension == "vtt")
    }
}

struct ArrowSafetyTests {
    @Test func noCueLineEverReadsAsATimingLine() throws {
        let cues = [
            Cue(start: 0, end: 1_000, lines: ["a ---> b", "c ----> d -->"], speaker: "x-->y"),
            Cue(start: 2_000, end: 3_000, lines: ["plain"], speaker: "z"),
        ]
        for writer in [SRTWriter(speakerLabels: .namePrefix), SRTWriter()] {
            let output = writer.render(cues)
            #expect(output.components(separatedBy: "-->").count - 1 == cues.count, "\(output)")
            #expect(try SubtitleParser().parse(output, format: .srt).count == cues.count)
        }
        let vtt = WebVTTWriter(kind: "sub-->titles", language: "en-->x").render(cues)
        #expect(vtt.components(separatedBy: "-->").count - 1 == cues.count, "\(vtt)")
    }

    @Test func absurdTimestampsAreRejectedNotOverflowed() throws {
        let text = "1\n2562047788015:12:55,807 --> 2562047788015:12:55,808\nboom\n\n2\n00:00:01,000 --> 00:00:02,000\nok\n"
        let cues = try SubtitleParser().parse(text, format: .srt)
        #expect(cues.map(\.text) == ["ok"])
        _ = SRTWriter().render(cues)
    }

    @Test func aProfileNoCueCanMeetKeepsEveryWord() {
        var style = StyleProfile.netflix
        style.maxCharactersPerSecond = 0
        let chunk = TranscriptChunk(offset: 0, duration: 5_000, segments: [
            TranscriptSegment(start: 0, end: 4_000, text: "Every word of this sentence must survive."),
        ])
        let result = SubtitleBuilder(style: style, hallucinationGuard: .disabled).build(from: [chunk])
        #expect(result.cues.map(\.text).joined(separator: " ") == "Every word of this sentence must survive.")
    }
}

enum TextSanitizerTests {
    /// What no writer may emit: C0 controls other than LF, DEL, C1 controls, U+FEFF, U+FFFE, U+FFFF.
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A: return false
        case 0x00...0x1F, 0x7F...0x9F, 0xFEFF, 0xFFFE, 0xFFFF: return true
        default: return false
        }
    }
}
