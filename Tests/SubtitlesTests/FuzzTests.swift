import Foundation
import Testing
import Subtitles

/// A seeded fuzz target for the parsers and writers: random bytes and mutations of real files (the vendored WPT
/// cases and our own writers' output). The iteration count is bounded (SUBTITLER_FUZZ_ITERATIONS, default 1500
/// per format) and the time limit only guards against a hang. Checked on every input: no crash; a cue's lines hold
/// no line break; warnings point at lines of the file; and what the writers make of the cues reads back, strictly,
/// as the same cues.
struct FuzzTests {
    static var iterations: Int {
        Int(ProcessInfo.processInfo.environment["SUBTITLER_FUZZ_ITERATIONS"] ?? "") ?? 1500
    }

    static let tokens: [[UInt8]] = [
        "-->", " --> ", "<", ">", "</", "<v ", "&", "&amp;", "&#x", "&#", ";", "{\\", "}", "\n", "\r", "\r\n", "\n\n",
        "\0", "\u{FEFF}", "WEBVTT", "WEBVTT\n\n", "NOTE", "STYLE", "REGION", "00:00:01.000", "00:00:01,000", "99:59:59.999",
        "1", ":", ".", ",", " ", "\t", "\u{0C}", "line:", "align:", "region:", "id:", "%", "-", "é", "\u{FFFD}",
    ].map { Array($0.utf8) }

    static func seeds() throws -> [[UInt8]] {
        var result: [[UInt8]] = []
        let directory = try WPTConformanceTests.conformance.appendingPathComponent("wpt")
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".test") {
            let source = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            result.append(try WPTTestFile.vtt(of: source))
        }
        let cues = WriterTests.cues + WriterTests.dialogue + [Cue(start: 5, end: 9, lines: ["<b>&amp; {\\an8}", "x --> y"])]
        result.append(Array(SRTWriter().render(cues).utf8))
        result.append(Array(SRTWriter(lineEnding: .crlf, includesByteOrderMark: true, speakerLabels: .namePrefix).render(cues).utf8))
        result.append(Array(WebVTTWriter(kind: "captions", language: "en").render(cues).utf8))
        return result
    }

    static func mutate(_ input: [UInt8], seeds: [[UInt8]], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &generator) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &generator)
            switch Int.random(in: 0..<7, using: &generator) {
            case 0 where !bytes.isEmpty:  // flip a byte
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            case 1:  // insert a token
                bytes.insert(contentsOf: tokens.randomElement(using: &generator)!, at: position)
            case 2 where !bytes.isEmpty:  // delete a run
                let end = min(bytes.count, position + Int.random(in: 1...64, using: &generator))
                if position < end { bytes.removeSubrange(position..<end) }
            case 3 where !bytes.isEmpty:  // duplicate a run
                let start = Int.random(in: 0..<bytes.count, using: &generator)
                let end = min(bytes.count, start + Int.random(in: 1...200, using: &generator))
                bytes.insert(contentsOf: bytes[start..<end], at: position)
            case 4:  // splice in part of another file
                let other = seeds.randomElement(using: &generator)!
                guard !other.isEmpty else { continue }
                let start = Int.random(in: 0..<other.count, using: &generator)
                let end = min(other.count, start + Int.random(in: 1...300, using: &generator))
                bytes.insert(contentsOf: other[start..<end], at: position)
            case 5:  // repeat a token many times
                let token = tokens.randomElement(using: &generator)!
                let times = Int.random(in: 2...500, using: &generator)
                bytes.insert(contentsOf: Array([[UInt8]](repeating: token, count: times).joined()), at: position)
            default:  // random bytes
                bytes.insert(contentsOf: (0..<Int.random(in: 1...32, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) },
                             at: position)
            }
        }
        return bytes
    }

    /// One TTML kind stands for the three (one reader reads them all).
    @Test(.timeLimit(.minutes(5)), arguments: [SubtitleFormat.srt, .vtt, .ttml, .ass])
    func randomAndMutatedInputs(format: SubtitleFormat) throws {
        let seeds = try Self.seeds()
        var generator = SeededGenerator(seed: format == .srt ? 13 : 31)
        for round in 0..<Self.iterations {
            let input: [UInt8]
            if round.isMultiple(of: 4) {
                input = (0..<Int.random(in: 0...600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                input = Self.mutate(seeds.randomElement(using: &generator)!, seeds: seeds, using: &generator)
            }
            try Self.check(input, format: format, round: round)
        }
    }

    static func check(_ input: [UInt8], format: SubtitleFormat, round: Int) throws {
        var stream = SubtitleParser().stream(input, format: format)
        let document: SubtitleDocument
        do {
            document = try stream.collect()
        } catch {
            // The only error of the tolerant parser: UTF-32.
            #expect(error.reason.contains("UTF-32"), "round \(round): \(error)")
            return
        }
        let lineCount = input.reduce(1) { $0 + ($1 == 0x0A || $1 == 0x0D ? 1 : 0) }
        for warning in document.warnings {
            #expect(warning.line >= 0 && warning.line <= lineCount, "round \(round): \(warning)")
        }
        for cue in document.cues {
            #expect(!cue.lines.contains { $0.contains("\n") || $0.contains("\r") }, "round \(round)")
            #expect(cue.start >= 0 && cue.start <= 10_000_000_000_000)
        }
        // The writers' output of whatever was read is clean and reads back, strictly, as the same text.
        for written in [SRTWriter().render(document.cues), WebVTTWriter().render(document.cues)] {
            let writtenFormat: SubtitleFormat = written.hasPrefix("WEBVTT") ? .vtt : .srt
            #expect(!written.unicodeScalars.contains { TextSanitizerTests.isForbidden($0) }, "round \(round)")
            let again: [Cue]
            do {
                again = try SubtitleParser(strict: true).parse(written, format: writtenFormat)
            } catch {
                Issue.record("round \(round): our \(writtenFormat) output does not read back: \(error)\n\(written.prefix(600))")
                continue
            }
            let rewritten = writtenFormat == .srt ? SRTWriter().render(again) : WebVTTWriter().render(again)
            #expect(rewritten == written, "round \(round): \(writtenFormat) output changes when read and written again")
        }
    }

    /// Inputs that made the old parser quadratic: each would take hours if any step rescanned the line.
    @Test(.timeLimit(.minutes(2)), arguments: [
        "<{", "<", "{\\", "&", "&#x", "&amp", "<v ", "-->", "00:", "\\N", "<i>", "‹",
    ])
    func hostileLinesAreReadInOnePass(unit: String) throws {
        let line = String(repeating: unit, count: 400_000 / unit.utf8.count)
        let srt = "1\n00:00:01,000 --> 00:00:02,000\n" + line + "\n"
        let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n" + line + "\n"
        _ = try SubtitleParser().document(srt, format: .srt)
        _ = try SubtitleParser().document(vtt, format: .vtt)
        _ = SRTWriter().render([Cue(start: 0, end: 1, lines: [line])])
        _ = WebVTTWriter().render([Cue(start: 0, end: 1, lines: [line])])
    }
}
