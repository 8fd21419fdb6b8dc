import Foundation
import NIOConcurrencyHelpers
import Testing
import Subtitles

/// What we write, read back by readers nobody here wrote: ffmpeg (its SRT and WebVTT demuxers and decoders; times
/// from ffprobe, text from its ASS output shown by libass's rules), and pysubs2, srt and webvtt-py from the backend
/// venv (scripts/setup installs them, pinned). Every reader must show every cue with its times and its text as
/// written. ffmpeg is required; the Python readers are required when SUBTITLER_REQUIRE_BACKEND=1 (scripts/test).
@Suite(.serialized)
struct ThirdPartyReaderTests {
    /// Text that readers like to take as something else.
    static let tricky: [[String]] = [
        ["AT&T <inaudible> --> done"],
        ["<i>not italic</i> <b>nor bold</b> <font color=\"red\">red</font> <Ann>"],
        ["{\\an8}top {curly} {\\i1}x"],
        ["a\\Nb c\\hd e\\n", "C:\\Users\\new"],
        ["&amp; &lt;x&gt; &nbsp; &#65; AT&T"],
        ["arrow --> here", "---> and -->"],
        ["nul\u{0}byte bell\u{7} esc\u{1B}[31m del\u{7F} c1\u{9B}y", "bom\u{FEFF}x tab\tx"],
        ["1 < 2 > 0", "<<x>>", "a > b < c"],
        ["from 10:00:00,5 to 11:00:00.5"],
        ["42"],
        [String(repeating: "a long line ", count: 60) + "end"],
        ["-dialogue dash", "- spaced dash"],
        ["émoji 👋🏽 ß Ω 中文 עברית"],
    ]

    /// The same for WebVTT, less what pysubs2 and ffmpeg read as ASS in WebVTT text (`{…}`, `\N`): see
    /// docs/subtitle-formats.md, "Readers".
    static let trickyVTT: [[String]] = tricky.filter { lines in !lines.contains { $0.contains("{") || $0.contains("\\") } }

    static func cues(_ texts: [[String]], count: Int, from start: Milliseconds, step: Milliseconds) -> [Cue] {
        (0..<count).map { index in
            let begin = start + Milliseconds(index) * step
            return Cue(start: begin, end: begin + step - 17, lines: texts[index % texts.count], speaker: index % 5 == 1 ? "Ann" : nil)
        }
    }

    @Test func srtReadsBackTheSameEverywhere() throws {
        let readers = try Readers.required()
        let scratch = try Scratch()
        // Tricky text, a long file, and the end of SRT's range (cues past 99:59:59,999 are left out by the writer).
        let cues = Self.cues(Self.tricky, count: 39, from: 1_583, step: 2_001)
            + Self.cues([["many cues"], ["more <x> text"], ["and {more}"]], count: 3_000, from: 100_000, step: 1_200)
            + Self.cues(Self.tricky, count: 13, from: 359_990_500, step: 1_000)
        let srt = SRTWriter(speakerLabels: .namePrefix).render(cues)
        let url = try scratch.write(srt, name: "tricky.srt")
        let written = Self.writtenSRT(srt)
        #expect(written.count == cues.count - 3, "the three cues past 99:59:59,999 are left out")
        #expect(written.last?.end == SRTWriter.maximumTime)
        #expect(!srt.unicodeScalars.contains { TextSanitizerTests.isForbidden($0) })

        let ours = try SubtitleParser(strict: true).parse(contentsOf: url)
        #expect(ours.map { [$0.start, $0.end] } == written.map { [$0.start, $0.end] })
        #expect(ours.map { $0.lines.joined(separator: "\n") } == written.map(\.text))

        for (reader, result) in try readers.read(url) {
            #expect(result.count == written.count, "\(reader): \(result.count) cues, we wrote \(written.count)")
            var mismatches = 0
            for (got, want) in zip(result, written) where got != want {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(reader) reads \(got), we wrote \(want)") }
            }
            #expect(mismatches == 0, "\(reader): \(mismatches) cues differ")
        }
    }

    @Test func webVTTReadsBackTheSameEverywhere() throws {
        let readers = try Readers.required()
        let scratch = try Scratch()
        let cues = Self.cues(Self.trickyVTT, count: 30, from: 1_583, step: 2_001)
            + Self.cues([["many cues"], ["more <x> text"], ["and & more"]], count: 3_000, from: 100_000, step: 1_200)
            + Self.cues(Self.trickyVTT, count: 10, from: 359_995_000, step: 1_000)
        let vtt = WebVTTWriter().render(cues)
        let url = try scratch.write(vtt, name: "tricky.vtt")
        #expect(!vtt.unicodeScalars.contains { TextSanitizerTests.isForbidden($0) })
        // What each cue shows: its text without control characters (a tab is a space).
        let shown = cues.map { cue in
            Reading(start: cue.start, end: cue.end,
                    text: cue.lines.map(TextSanitizer.withoutControlCharacters).joined(separator: "\n"))
        }
        // What is written, markup removed: what readers that do not decode character references show.
        let raw = Self.writtenVTTPayloads(vtt)
        #expect(raw.count == cues.count)

        let ours = try SubtitleParser(strict: true).parse(contentsOf: url)
        #expect(ours.map { Reading(start: $0.start, end: $0.end, text: $0.lines.joined(separator: "\n")) } == shown)

        for (reader, result) in try readers.read(url) {
            // ffmpeg decodes character references as browsers do; pysubs2 and webvtt-py return the text as written.
            let expected = reader == "ffmpeg" ? shown : raw
            #expect(result.count == expected.count, "\(reader): \(result.count) cues, we wrote \(expected.count)")
            var mismatches = 0
            for (got, want) in zip(result, expected) where got != want {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(reader) reads \(got), we wrote \(want)") }
            }
            #expect(mismatches == 0, "\(reader): \(mismatches) cues differ")
        }
    }

    /// SRT files nobody here wrote (the test files of the Python subtitle libraries) read as ffmpeg reads them: the
    /// same cues, times and shown text. Differences we keep on purpose are listed (docs/subtitle-formats.md).
    static let knownSRTDifferences: [String: String] = [
        "srt/gb2312.srt": "not UTF-8: ffmpeg refuses the file; we read it as Windows-1252 with an encoding warning",
        "webvtt-py/invalid_format4.srt": "text before the only cue: ffmpeg refuses the file; we read the (empty) cue, as pysubs2 does",
        "webvtt-py/invalid_timeframe.srt": "`00:00:11:890`: ffmpeg and pysubs2 glue cue 2 into cue 1, webvtt-py drops it; we read it, as srt does",
        "webvtt-py/missing_caption_text.srt": "a cue without text: ffmpeg and webvtt-py drop it; we keep it empty, as pysubs2 and srt do",
    ]

    @Test func srtTestFilesOfThePythonLibrariesReadAsFFmpegReadsThem() throws {
        let readers = try Readers.required()
        let folder = try WPTConformanceTests.conformance.appendingPathComponent("python-libs")
        var files: [URL] = []
        for library in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where !library.contains(".") {
            let directory = folder.appendingPathComponent(library)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".srt") {
                files.append(directory.appendingPathComponent(name))
            }
        }
        #expect(files.count >= 10)
        for file in files {
            let name = file.deletingLastPathComponent().lastPathComponent + "/" + file.lastPathComponent
            var stream = try SubtitleParser().stream(contentsOf: file)
            let ours = try stream.collect().cues.map {
                Reading(start: $0.start, end: $0.end, text: $0.lines.joined(separator: "\n"))
            }
            let ffmpeg = try readers.read(file, only: "ffmpeg")["ffmpeg"] ?? []
            // A file ffmpeg refuses must give us no cue either.
            let ffmpegRefused = ffmpeg.first?.start == -1
            let agree = ffmpegRefused ? ours.isEmpty : ours == ffmpeg
            if let reason = Self.knownSRTDifferences[name] {
                #expect(!agree, "\(name) now reads as ffmpeg reads it: remove it from the known differences (\(reason))")
            } else {
                #expect(agree, "\(name): ours \(ours), ffmpeg \(ffmpeg)")
            }
        }
    }

    /// The cues of an SRT text as written: times and the raw text lines.
    static func writtenSRT(_ srt: String) -> [Reading] {
        srt.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.count >= 3 else { return nil }
            let times = lines[1].components(separatedBy: " --> ").map(Self.milliseconds)
            return Reading(start: times[0], end: times[1], text: lines[2...].joined(separator: "\n"))
        }
    }

    /// The payloads of a WebVTT text as written, with `<…>` tags removed and references left as they are.
    static func writtenVTTPayloads(_ vtt: String) -> [Reading] {
        vtt.components(separatedBy: "\n\n").dropFirst().compactMap { block in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.count >= 2 else { return nil }
            let times = lines[0].components(separatedBy: " --> ").map(Self.milliseconds)
            let text = lines[1...].joined(separator: "\n").replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
            return Reading(start: times[0], end: times[1], text: text)
        }
    }

    static func milliseconds(_ stamp: String) -> Milliseconds {
        let parts = stamp.split(whereSeparator: { $0 == ":" || $0 == "," || $0 == "." }).compactMap { Int64($0) }
        return ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + parts[3]
    }
}

/// One cue as a reader returns it.
struct Reading: Hashable, CustomStringConvertible, Decodable {
    var start: Milliseconds
    var end: Milliseconds
    var text: String

    init(start: Milliseconds, end: Milliseconds, text: String) {
        self.start = start
        self.end = end
        self.text = text
    }

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        start = try container.decode(Milliseconds.self)
        end = try container.decode(Milliseconds.self)
        text = try container.decode(String.self)
    }

    var description: String { "[\(start)-\(end) \(text.debugDescription)]" }
}

/// A temporary directory removed when the value goes away.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("subtitles-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ text: String, name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }
}

/// The third-party readers, run by Python (the backend venv's, where pysubs2, srt and webvtt-py live).
struct Readers {
    let python: String

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The readers, or a failing expectation when a required one is missing.
    static func required() throws -> Readers {
        let environment = ProcessInfo.processInfo.environment
        let venv = repositoryRoot.appendingPathComponent(".venv-backend/bin/python").path
        let python = environment["SUBTITLER_READERS_PYTHON"]
            ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"), "ffmpeg is needed: scripts/setup installs it")
        let readers = Readers(python: python)
        if environment["SUBTITLER_REQUIRE_BACKEND"] == "1" {
            let missing = try readers.run(["--missing"]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(missing.isEmpty, "Python readers missing from \(python): \(missing); run scripts/setup")
        }
        return readers
    }

    /// Each available reader's cues for a file (or only `only`'s).
    func read(_ url: URL, only: String? = nil) throws -> [String: [Reading]] {
        let output = try run([url.path] + (only.map { [$0] } ?? []))
        let decoded = try JSONDecoder().decode([String: [Reading]].self, from: Data(output.utf8))
        #expect(decoded["ffmpeg"] != nil)
        if only == nil, ProcessInfo.processInfo.environment["SUBTITLER_REQUIRE_BACKEND"] == "1" {
            let all: Set = url.pathExtension == "srt" ? ["ffmpeg", "pysubs2", "srt", "webvtt-py"] : ["ffmpeg", "pysubs2", "webvtt-py"]
            #expect(Set(decoded.keys) == all)
        }
        return decoded
    }

    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a full pipe cannot stall the child.
        let errHandle = err.fileHandleForReading
        let errorBox = ErrorBox()
        let reader = Thread {
            let data = errHandle.readDataToEndOfFile()
            errorBox.data.withLockedValue { $0 = data }
            errorBox.finished.signal()
        }
        reader.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        errorBox.finished.wait()
        process.waitUntilExit()
        let stderr = String(decoding: errorBox.data.withLockedValue { $0 }, as: UTF8.self)
        try #require(process.terminationStatus == 0, "readers failed: \(stderr)")
        return String(decoding: data, as: UTF8.self)
    }

    final class ErrorBox: Sendable {
        let data = NIOLockedValueBox(Data())
        let finished = DispatchSemaphore(value: 0)
    }

    /// Prints {reader: [[start_ms, end_ms, text], ...]} for ffmpeg and each Python reader present;
    /// with --missing, prints the missing Python readers.
    static let script = #"""
    import json, subprocess, sys
    missing = []
    try:
        import pysubs2
    except ImportError:
        pysubs2 = None; missing.append("pysubs2")
    try:
        import srt
    except ImportError:
        srt = None; missing.append("srt")
    try:
        import webvtt
    except ImportError:
        webvtt = None; missing.append("webvtt-py")
    if sys.argv[1] == "--missing":
        print(",".join(missing)); sys.exit(0)
    path = sys.argv[1]
    only = sys.argv[2] if len(sys.argv) > 2 else None
    if only:
        pysubs2 = srt = webvtt = None
    is_srt = path.endswith(".srt")
    out = {}

    def shown_by_libass(text):
        # How libass shows ASS dialogue text: {...} override blocks hidden, \N and \n break lines,
        # \h is a no-break space, \{ and \} are braces.
        result, i = "", 0
        while i < len(text):
            c = text[i]
            if c == "{":
                j = text.find("}", i)
                if j < 0:
                    result += text[i:]; break
                i = j + 1; continue
            if c == "\\" and i + 1 < len(text):
                n = text[i + 1]
                if n in "Nn":
                    result += "\n"; i += 2; continue
                if n == "h":
                    result += "\u00a0"; i += 2; continue
                if n in "{}":
                    result += n; i += 2; continue
            result += c; i += 1
        return result

    ms = lambda seconds: int(round(float(seconds) * 1000))
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "s:0", "-show_entries",
                            "packet=pts_time,duration_time", "-of", "json", path], capture_output=True)
    ass = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "ass", "-"], capture_output=True)
    if probe.returncode or ass.returncode:
        # A file ffmpeg refuses reads as one marker cue, so it never equals a real cue list.
        out["ffmpeg"] = [[-1, -1, "ffmpeg failed: " + (probe.stderr + ass.stderr).decode("utf-8", "replace").strip()]]
    else:
        packets = json.loads(probe.stdout)["packets"]
        dialogues = [line.split(",", 9)[9] for line in ass.stdout.decode("utf-8").splitlines() if line.startswith("Dialogue:")]
        out["ffmpeg"] = [[ms(p["pts_time"]), ms(p["pts_time"]) + ms(p["duration_time"]), shown_by_libass(d)]
                         for p, d in zip(packets, dialogues)]
        if len(packets) != len(dialogues):
            out["ffmpeg"].append([-1, -1, "%d packets, %d dialogue lines" % (len(packets), len(dialogues))])
    if pysubs2:
        subs = pysubs2.load(path, encoding="utf-8", format_="srt" if is_srt else "vtt")
        out["pysubs2"] = [[e.start, e.end, e.plaintext] for e in subs]
    if srt and is_srt:
        with open(path, encoding="utf-8") as f:
            out["srt"] = [[ms(s.start.total_seconds()), ms(s.end.total_seconds()), s.content] for s in srt.parse(f.read())]
    if webvtt:
        captions = webvtt.from_srt(path) if is_srt else webvtt.read(path)
        out["webvtt-py"] = [[c.start_time.in_milliseconds(), c.end_time.in_milliseconds(), c.text] for c in captions]
    json.dump(out, sys.stdout)
    """#
}
