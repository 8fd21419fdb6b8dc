import Foundation
import NIOConcurrencyHelpers
import Testing
import Subtitles

/// The delivery formats (IMSC 1.1 Text, EBU-TT-D, TTML, ASS) read back by readers nobody here wrote: ttconv (the
/// IMSC reference converter) for the TTML kinds, pysubs2 and FFmpeg for ASS, libass rendering ASS through FFmpeg's
/// `subtitles` filter. Hostile text goes through every writer and must come out as written.
@Suite(.serialized)
struct DeliveryFormatTests {
    /// Text that breaks documents when written carelessly.
    static let hostile: [[String]] = [
        ["AT&T <inaudible> &amp; &lt;x&gt; &#65; &nbsp;"],
        ["<i>not italic</i> <br/> <p begin=\"0s\">", "]]> <![CDATA[x]]> <!-- c --> <?pi?>"],
        ["'single' \"double\" a > b < c"],
        ["{\\b1}not bold{\\b0} {\\an8}top {curly}", "a\\Nb c\\hd e\\n C:\\Users\\new"],
        ["arrow --> here", "---> and -->"],
        ["nul\u{0}byte bell\u{7} esc\u{1B}[31m del\u{7F} c1\u{9B}y", "bom\u{FEFF}x tab\tx nonchar\u{FFFE}\u{FFFF}."],
        ["bidi \u{202E}reversed\u{202C} \u{200F}rlm \u{2067}isolate\u{2069} עברית العربية"],
        ["émoji 👋🏽 ß Ω 中文 e\u{301} \u{1F3F3}\u{FE0F}\u{200D}\u{1F308} \u{E000}"],
        ["double  spaces  kept", "Comma, Dialogue: 0,0:00:00.00,x"],
        [String(repeating: "a very long line ", count: 300) + "end"],
    ]

    static func cues() -> [Cue] {
        var cues = hostile.enumerated().map { index, lines in
            Cue(start: 1_583 + Milliseconds(index) * 2_001, end: 3_567 + Milliseconds(index) * 2_001, lines: lines,
                speaker: index == 2 ? "Ann <&>" : nil)
        }
        cues.append(Cue(start: 40_000, end: 42_000, lines: ["Who?", "Me."], lineSpeakers: ["Ann", "Bob"]))
        cues.append(Cue(start: 100 * 3_600_000 + 5, end: 100 * 3_600_000 + 1_005, lines: ["past 99 hours"]))
        return cues
    }

    /// What a reader must show for a cue: control characters and XML's forbidden characters gone (a tab is a
    /// space), trailing spaces dropped, a dash before each speaker's turn in a dialogue cue.
    static func shown(_ cue: Cue) -> String {
        let lines = cue.lines.map { line -> String in
            var text = TextSanitizer.withoutControlCharacters(line)
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        guard cue.isDialogue else { return lines.joined(separator: "\n") }
        return lines.map { "-" + $0 }.joined(separator: "\n")
    }

    struct Reading: Decodable, Equatable, CustomStringConvertible {
        var start: Milliseconds
        var end: Milliseconds
        var text: String
        var description: String { "\(start)–\(end) \(text.debugDescription)" }
    }

    static var python: String {
        let environment = ProcessInfo.processInfo.environment
        let venv = Readers.repositoryRoot.appendingPathComponent(".venv-test/bin/python").path
        return environment["SUBTITLER_DELIVERY_PYTHON"] ?? venv
    }

    static func read(_ url: URL, with reader: String) throws -> [Reading] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Conformance/delivery_readers.py").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "no \(python): run scripts/setup (requirements/test.txt)")
        let result = try Command.run(python, [script, reader, url.path])
        try #require(result.status == 0, "\(reader) failed on \(url.lastPathComponent): \(result.stderr)")
        return try JSONDecoder().decode([Reading].self, from: Data(result.stdout.utf8))
    }

    static func compare(_ got: [Reading], _ want: [Reading], reader: String) {
        #expect(got.count == want.count, "\(reader): \(got.count) cues, we wrote \(want.count)")
        var mismatches = 0
        for (g, w) in zip(got, want) where g != w {
            mismatches += 1
            if mismatches <= 3 { Issue.record("\(reader) reads \(g), we wrote \(w)") }
        }
        #expect(mismatches == 0, "\(reader): \(mismatches) cues differ")
    }

    @Test(arguments: [SubtitleFormat.imsc, .ebuTTD, .ttml])
    func ttconvReadsEveryTimedTextCueAsWritten(format: SubtitleFormat) throws {
        let scratch = try Scratch()
        let cues = Self.cues()
        let document = format.render(cues, language: "en-GB", frameRate: 25)
        #expect(!document.unicodeScalars.contains { TextSanitizerTests.isForbidden($0) })
        #expect(document.contains("xml:lang=\"en-GB\""))
        #expect(document.contains("ttp:timeBase=\"media\""))
        let url = try scratch.write(document, name: "hostile.en." + format.fileExtension)
        let want = cues.map { Reading(start: $0.start, end: $0.end, text: Self.shown($0)) }
        Self.compare(try Self.read(url, with: "ttconv"), want, reader: "ttconv (\(format.rawValue))")
    }

    @Test func imscCarriesItsProfileAndEBUTTDItsStructure() {
        let cue = [Cue(start: 0, end: 1_000, lines: ["a", "b"])]
        let imsc = SubtitleFormat.imsc.render(cue, language: "fr")
        #expect(imsc.contains("ttp:contentProfiles=\"http://www.w3.org/ns/ttml/profile/imsc1.1/text\""))
        #expect(imsc.contains("tts:extent=\"80% 80%\""))
        #expect(imsc.contains(">a<br/>b</p>"))
        let ebu = SubtitleFormat.ebuTTD.render(cue, language: "fr", frameRate: 29.97)
        #expect(ebu.contains("<ebuttm:conformsToStandard>urn:ebu:tt:distribution:2018-04</ebuttm:conformsToStandard>"))
        #expect(ebu.contains("ttp:frameRate=\"30\" ttp:frameRateMultiplier=\"1000 1001\""))
        #expect(ebu.contains("><span>a</span><br/><span>b</span></p>"))
        #expect(SubtitleFormat.ttml.render(cue, language: nil).contains("xml:lang=\"und\""))
    }

    /// ASS times are centiseconds: what the readers see is our time rounded to the nearest 10 ms.
    static func assReading(_ cue: Cue) -> Reading {
        let start = (cue.start + 5) / 10 * 10
        var end = (cue.end + 5) / 10 * 10
        if end == start { end += 10 }
        return Reading(start: start, end: end, text: Self.shownInASS(Self.shown(cue)))
    }

    /// A word joiner follows a backslash before N, n or h (see ``ASSWriter``).
    static func shownInASS(_ text: String) -> String {
        var out = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            out.append(character)
            if character == "\\", index + 1 < characters.count, "Nnh".contains(characters[index + 1]) { out += "\u{2060}" }
        }
        return out
    }

    /// The hostile cues without braces, which FFmpeg's ASS decoder and pysubs2 read as override blocks even when
    /// escaped as libass wants (`\\{`); libass's reading of them is checked by rendering.
    static func cuesWithoutBraces() -> [Cue] {
        cues().filter { !$0.lines.joined().contains("{") }
    }

    @Test func pysubs2AndFFmpegReadEveryASSEventAsWritten() throws {
        let scratch = try Scratch()
        let cues = Self.cuesWithoutBraces()
        let script = ASSWriter().render(cues)
        #expect(!script.unicodeScalars.contains { TextSanitizerTests.isForbidden($0) })
        #expect(script.contains("PlayResX: 1920\nPlayResY: 1080\n"))
        #expect(script.contains("Style: Default,Arial,54,"))
        #expect(script.contains(",2,192,192,108,1\n"), "bottom centre, margins on the 10 % safe area")
        let url = try scratch.write(script, name: "hostile.en.ass")
        #expect(!script.contains("past 99 hours"), "ASS keeps one hour digit: the cue at 100 h is left out")
        let want = cues.filter { $0.start < ASSWriter.maximumTime }.map(Self.assReading)
        Self.compare(try Self.read(url, with: "pysubs2"), want, reader: "pysubs2")

        // FFmpeg's ASS demuxer and decoder, converted to SRT; the style's font size comes back as a <font> tag.
        let srt = try Command.run("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", url.path, "-f", "srt", "-"])
        try #require(srt.status == 0, "\(srt.stderr)")
        let ffmpeg = SRTBlocks.parse(srt.stdout).map { block in
            var text = block.text
            if text.hasPrefix("<font size=\"54\">") { text.removeFirst("<font size=\"54\">".count) }
            if text.hasSuffix("</font>") { text.removeLast("</font>".count) }
            return Reading(start: block.start, end: block.end, text: text)
        }
        Self.compare(ffmpeg, want, reader: "ffmpeg")
    }

    @Test func libassRendersTheScriptWithoutComplaint() throws {
        let scratch = try Scratch()
        let url = try scratch.write(ASSWriter().render(Array(Self.cues().prefix(11))), name: "render.ass")
        let filters = try Command.run("/usr/bin/ffmpeg", ["-hide_banner", "-filters"])
        try #require(filters.stdout.contains(" subtitles "), "this FFmpeg has no libass subtitles filter")
        let result = try Command.run("/usr/bin/ffmpeg", [
            "-hide_banner", "-nostdin", "-v", "warning", "-f", "lavfi", "-i", "color=size=640x360:rate=2:duration=44",
            "-vf", "subtitles=filename=\(url.path)", "-f", "null", "-",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        // This machine's fonts lack CJK and emoji glyphs: libass says so per glyph, which is about the fonts, not the
        // script; anything else it says is.
        let complaints = result.stderr.split(separator: "\n").filter { !$0.contains("fontselect: failed to find any fallback with glyph") }
        #expect(complaints.isEmpty, "libass warned: \(complaints.joined(separator: "\n"))")
    }

    /// libass shows `\\{…\\}` as the braces and text written: the frame of an escaped override tag looks like the
    /// frame of the same text in fullwidth braces drawn as a whole, and unlike the frame where the tag applies.
    @Test func libassShowsEscapedBracesAsText() throws {
        let scratch = try Scratch()
        func frame(_ script: String, _ name: String) throws -> Data {
            let ass = try scratch.write(script, name: name + ".ass")
            let raw = scratch.url.appendingPathComponent(name + ".gray")
            let result = try Command.run("/usr/bin/ffmpeg", [
                "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=size=320x180:rate=1:duration=1",
                "-vf", "subtitles=filename=\(ass.path),format=gray", "-frames:v", "1", "-f", "rawvideo", raw.path,
            ])
            try #require(result.status == 0, "\(result.stderr)")
            return try Data(contentsOf: raw)
        }
        let writer = ASSWriter(playResX: 320, playResY: 180)
        let escaped = try frame(writer.render([Cue(start: 0, end: 2_000, lines: ["{\\an8}top"])]), "escaped")
        let applied = try frame(writer.render([Cue(start: 0, end: 2_000, lines: ["top"])])
            .replacingOccurrences(of: ",,top\n", with: ",,{\\an8}top\n"), "applied")
        let plain = try frame(writer.render([Cue(start: 0, end: 2_000, lines: ["top"])]), "plain")
        #expect(escaped != applied, "the escaped tag did not move the text to the top")
        #expect(escaped != plain, "the escaped tag's text is not drawn")
        // Where the text is drawn: an escaped tag keeps it at the bottom, as the plain line.
        func inkRows(_ frame: Data) -> [Int] {
            (0..<180).filter { row in frame[row * 320..<(row + 1) * 320].contains { $0 > 128 } }
        }
        #expect(inkRows(escaped).min() ?? 0 > 90, "escaped text drawn in the bottom half")
        #expect(inkRows(applied).max() ?? 180 < 90, "the real tag draws at the top")
    }

    @Test func convertedSRTOpensAsASSWithItsCues() throws {
        let srt = "1\n00:00:01,000 --> 00:00:02,500\nHello {there}\n\n2\n00:00:03,000 --> 00:00:04,004\nTwo\nlines\n"
        let cues = try SubtitleParser().parse(srt, format: .srt)
        let script = SubtitleFormat.ass.render(cues)
        #expect(script.hasSuffix("""
            Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,Hello \\{there\\}
            Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,Two\\Nlines

            """))
    }

    @Test func formatNamesAndSidecarExtensions() {
        #expect(SubtitleFormat(name: "IMSC") == .imsc)
        #expect(SubtitleFormat(name: "ebu-tt-d") == .ebuTTD)
        #expect(SubtitleFormat(name: "webvtt") == .vtt)
        #expect(SubtitleFormat(name: "dfxp") == nil)
        #expect(SubtitleFormat.allCases.map(\.fileExtension) == ["srt", "vtt", "imsc.ttml", "ebu-tt-d.ttml", "ttml", "ass"])
        #expect(SubtitleFormat.readable == [.srt, .vtt])
    }
}

/// SRT as FFmpeg writes it, split into blocks (the text may hold anything but a blank line).
enum SRTBlocks {
    struct Block { var start: Milliseconds; var end: Milliseconds; var text: String }

    static func parse(_ text: String) -> [Block] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { chunk in
            let lines = chunk.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.count >= 3 else { return nil }
            let parts = lines[1].components(separatedBy: " --> ")
            guard parts.count == 2, let start = time(parts[0]), let end = time(parts[1]) else { return nil }
            return Block(start: start, end: end, text: lines[2...].joined(separator: "\n"))
        }
    }

    static func time(_ text: String) -> Milliseconds? {
        let fields = text.replacingOccurrences(of: ",", with: ":").split(separator: ":").compactMap { Int64($0) }
        guard fields.count == 4 else { return nil }
        return ((fields[0] * 60 + fields[1]) * 60 + fields[2]) * 1000 + fields[3]
    }
}

/// Runs a program and collects its output (stderr read on a thread of its own, so neither pipe can fill up).
enum Command {
    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ path: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = Readers.ErrorBox()
        let handle = err.fileHandleForReading
        Thread {
            let data = handle.readDataToEndOfFile()
            errors.data.withLockedValue { $0 = data }
            errors.finished.signal()
        }.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        errors.finished.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
                      stderr: String(decoding: errors.data.withLockedValue { $0 }, as: UTF8.self))
    }
}
