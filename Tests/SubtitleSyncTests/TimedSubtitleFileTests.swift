import Foundation
import Subtitles
import SubtitleSync
import Testing

/// Rewriting only the times of a file: every other byte (text, styling, numbering, blocks, line endings, BOM) stays.
@Suite("Timed subtitle file")
struct TimedSubtitleFileTests {
    func shifted(_ text: String, format: SubtitleFormat, by offset: Milliseconds) throws -> String {
        let file = try TimedSubtitleFile(bytes: Array(text.utf8), format: format)
        let times = file.cues.map { (start: $0.start + offset, end: $0.end + offset) }
        return String(decoding: try file.retimed(times) { _, time in time + offset }, as: UTF8.self)
    }

    @Test("SRT: a BOM, CRLF, numbering from 7, styling and coordinates are kept; only the times move")
    func srtBytesKept() throws {
        let input = "\u{FEFF}7\r\n00:00:01,000 --> 00:00:02,500 X1:10 X2:20\r\n<i>Hello</i> {\\an8}there\r\n\r\n"
            + "8\r\n00:59:59,900 --> 01:00:01,250\r\n- Two\r\n- Lines\r\n\r\n"
        let output = try shifted(input, format: .srt, by: 2350)
        #expect(output == "\u{FEFF}7\r\n00:00:03,350 --> 00:00:04,850 X1:10 X2:20\r\n<i>Hello</i> {\\an8}there\r\n\r\n"
            + "8\r\n01:00:02,250 --> 01:00:03,600\r\n- Two\r\n- Lines\r\n\r\n")
    }

    @Test("WebVTT: header, NOTE, STYLE and REGION blocks, identifiers, settings and inline times are kept")
    func webVTTBytesKept() throws {
        let input = """
            WEBVTT - a film

            REGION
            id:left width:40%

            STYLE
            ::cue { color: yellow }

            NOTE timed for the DVD

            intro
            00:58.500 --> 01:00.250 align:start region:left
            <v Ann>Karaoke <00:59.000>in <00:59.500>time

            00:01:10.000 --> 00:01:12.000
            Done.

            """
        let output = try shifted(input, format: .vtt, by: 3_600_000)
        #expect(output == """
            WEBVTT - a film

            REGION
            id:left width:40%

            STYLE
            ::cue { color: yellow }

            NOTE timed for the DVD

            intro
            01:00:58.500 --> 01:01:00.250 align:start region:left
            <v Ann>Karaoke <01:00:59.000>in <01:00:59.500>time

            01:01:10.000 --> 01:01:12.000
            Done.

            """)
    }

    @Test("times written unchanged give the same bytes")
    func identity() throws {
        let input = "1\n0:00:01.5 --> 0:00:02.25\nodd times\n\n2\r00:00:03,000 --> 00:00:04,000\rCR only\r"
        let file = try TimedSubtitleFile(bytes: Array(input.utf8), format: .srt)
        #expect(file.cues.count == 2)
        let same = try file.retimed(file.cues.map { ($0.start, $0.end) })
        #expect(same == Array(input.utf8))
    }

    @Test("a shape with one hour digit, a dot and short fractions keeps it")
    func oddShapes() throws {
        let output = try shifted("1\n0:00:01.5 --> 0:00:02.25\nodd\n", format: .srt, by: 1234)
        #expect(output == "1\n0:00:02.7 --> 0:00:03.48\nodd\n")
    }

    @Test("UTF-16 files are refused, not rewritten")
    func utf16Refused() {
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("1\n00:00:01,000 --> 00:00:02,000\nx\n".utf8).flatMap { [$0, 0] }
        #expect(throws: TimedSubtitleFile.RewriteError.self) { try TimedSubtitleFile(bytes: bytes, format: .srt) }
    }

    @Test("TTML and ASS files are written anew with the new times, their text and speakers kept", arguments: [SubtitleFormat.imsc, .ass])
    func timedTextAndASSAreRewritten(format: SubtitleFormat) throws {
        let cues = [Cue(start: 1_000, end: 2_500, lines: ["One & two"], speaker: "Ann"), Cue(start: 4_000, end: 5_000, lines: ["Three", "four"])]
        let output = try shifted(format.render(cues), format: format, by: 2_350)
        let read = try SubtitleParser().parse(output, format: format)
        #expect(read.map(\.lines) == cues.map(\.lines))
        // Whole centiseconds, so ASS keeps them exactly too.
        #expect(read.map(\.start) == [3_350, 6_350])
        #expect(read.map(\.end) == [4_850, 7_350])
    }
}
