import ArgumentParser
import Foundation
import Subtitler
import Subtitles
import SubtitlerSupport

/// `subtitler lint`: style violations and format problems in subtitle files.
struct Lint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check subtitle files (SRT, WebVTT, TTML/IMSC/EBU-TT-D, ASS) against a style profile.",
        discussion: """
            Files are read as browsers (WebVTT) and the common SRT readers do; what they would drop or read \
            differently is reported as a warning with its line number. Files are streamed: any size works.
            Exit codes: 0 no violations, 1 violations found or a file could not be read or holds no readable cue, \
            2 usage error, 130 interrupted.
            """
    )

    @Argument(help: "Subtitle files (.srt, .vtt, .ttml, .imsc.ttml, .ebu-tt-d.ttml, .dfxp, .ass, .ssa).")
    var inputs: [String]

    @OptionGroup var style: StyleOptions

    @Option(help: "Frame rate of the video, for the minimum gap between cues.")
    var frameRate: Double?

    @Flag(help: "Print JSON on stdout.")
    var json = false

    @Flag(help: "Parse strictly: anything outside the format is an error naming the line.")
    var strict = false

    func validate() throws {
        if let frameRate, !StyleProfile.Limits.frameRate.contains(frameRate) {
            throw ValidationError("--frame-rate must be a number from 1 to 1000")
        }
    }

    func run() async throws {
        var profile = style.profile
        if let frameRate { profile.frameRate = frameRate }
        let linter = Linter(style: profile)
        var failed = false
        let output = LintOutput(json: json)
        output.begin()
        for (index, input) in inputs.enumerated() {
            try Task.checkCancellation()
            output.beginFile(input, first: index == 0)
            var cueCount = 0
            var violationCount = 0
            var warningCount = 0
            var error: String?
            do {
                // Not a device (`/dev/zero` never ends) or a directory. Any size, and pipes too: lint streams, in
                // bounded memory, and one signal stops it.
                if let problem = FileChecks.textFileProblem(input, maxBytes: .max, allowsPipes: true) {
                    throw ReadProblem(description: problem)
                }
                var stream = try SubtitleParser(strict: strict).stream(contentsOf: URL(fileURLWithPath: input))
                var previous: Cue?
                var number = 0
                while let event = try stream.next() {
                    // Checked between cues: a signal stops even a huge file at once.
                    try Task.checkCancellation()
                    switch event {
                    case .warning(let warning):
                        warningCount += 1
                        output.warning(warning, file: input)
                    case .cue(let cue, _):
                        number += 1
                        for violation in linter.violations(of: cue, number: number, previous: previous) {
                            violationCount += 1
                            output.violation(violation, file: input)
                        }
                        previous = cue
                    }
                }
                cueCount = number
                if number == 0 { error = stream.noCuesReason }
            } catch let parseError as SubtitleParseError {
                error = parseError.description
            } catch is CancellationError {
                throw CancellationError()
            } catch let readError {
                error = FileChecks.describe(readError)
            }
            if let error {
                output.flush()
                Console.error("\(input): \(error)")
                failed = true
            }
            if violationCount > 0 { failed = true }
            output.endFile(input, cues: cueCount, error: error, warningCount: warningCount, profile: profile.name)
        }
        output.end()
        if failed { throw ExitCode(ExitStatus.failure) }
    }
}

/// Prints lint results as they come, as text or as one JSON array: per file `file`, `violations` (streamed),
/// `warnings` (held back: at most ``SubtitleStream/warningLimitPerKind`` per kind), `cues`, and `error` when the
/// file could not be read. Memory stays constant whatever the file.
final class LintOutput {
    private let json: Bool
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
    private var violationCount = 0
    private var warnings: [SubtitleWarning] = []
    private var buffer = ""

    /// Buffered stdout: one write per 64 KiB rather than one per line.
    private func write(_ text: String) {
        buffer += text
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    /// Writes what is buffered.
    func flush() {
        guard !buffer.isEmpty else { return }
        Console.out(buffer)
        buffer = ""
    }

    init(json: Bool) { self.json = json }

    func begin() {
        if json { write("[\n") }
    }

    func beginFile(_ file: String, first: Bool) {
        violationCount = 0
        warnings = []
        if json { write((first ? "" : ",\n") + "{\"file\":\(encoded(file)),\"violations\":[") }
    }

    func warning(_ warning: SubtitleWarning, file: String) {
        if json {
            warnings.append(warning)
        } else {
            let place = warning.line > 0 ? "line \(warning.line): " : ""
            write("\(file): \(place)warning: \(warning.message) [\(warning.kind.rawValue)]\n")
        }
    }

    func violation(_ violation: StyleViolation, file: String) {
        if json {
            write((violationCount == 0 ? "\n" : ",\n") + encoded(violation))
        } else {
            write("\(file): cue \(violation.cueNumber): \(violation.rule.rawValue): \(violation.message)\n")
        }
        violationCount += 1
    }

    func endFile(_ file: String, cues: Int, error: String?, warningCount: Int, profile: String) {
        if json {
            var tail = "],\"warnings\":\(encoded(warnings)),\"cues\":\(cues)"
            if let error { tail += ",\"error\":\(encoded(error))" }
            write((violationCount == 0 ? "" : "\n") + tail + "}")
        } else if error == nil {
            let warningText = warningCount == 0 ? "" : ", \(warningCount) warning\(warningCount == 1 ? "" : "s")"
            write("\(file): \(cues) cues, \(violationCount) violation\(violationCount == 1 ? "" : "s")\(warningText) (\(profile))\n")
        }
    }

    func end() {
        if json { write("\n]\n") }
        flush()
    }

    private func encoded(_ value: some Encodable) -> String {
        (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

/// A file that cannot be read as a subtitle file, with its reason.
struct ReadProblem: Error, CustomStringConvertible {
    var description: String
}
