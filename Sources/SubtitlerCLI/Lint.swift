import ArgumentParser
import Foundation
import Subtitler
import Subtitles

/// `subtitler lint`: style violations in subtitle files.
struct Lint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check SRT or WebVTT files against a style profile.",
        discussion: "Exit codes: 0 no violations, 1 violations found or a file could not be read, 2 usage error."
    )

    @Argument(help: "Subtitle files (.srt, .vtt).")
    var inputs: [String]

    @OptionGroup var style: StyleOptions

    @Option(help: "Frame rate of the video, for the minimum gap between cues.")
    var frameRate: Double?

    @Flag(help: "Print JSON on stdout.")
    var json = false

    @Flag(help: "Parse strictly: malformed input is an error naming the line.")
    var strict = false

    func validate() throws {
        if let frameRate, !StyleProfile.Limits.frameRate.contains(frameRate) {
            throw ValidationError("--frame-rate must be a number from 1 to 1000")
        }
    }

    func run() async throws {
        var profile = style.profile
        if let frameRate { profile.frameRate = frameRate }
        struct FileResult: Encodable {
            var file: String
            var cues: Int
            var violations: [StyleViolation]
            var error: String?
        }
        var results: [FileResult] = []
        var failed = false
        for input in inputs {
            do {
                if let problem = FileChecks.textFileProblem(input) { throw ReadProblem(description: problem) }
                let cues = try SubtitleParser(strict: strict).parse(contentsOf: URL(fileURLWithPath: input))
                let violations = Linter(style: profile).lint(cues)
                results.append(FileResult(file: input, cues: cues.count, violations: violations))
                if !violations.isEmpty { failed = true }
            } catch {
                results.append(FileResult(file: input, cues: 0, violations: [], error: FileChecks.describe(error)))
                Console.error("\(input): \(FileChecks.describe(error))")
                failed = true
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.out(String(decoding: try encoder.encode(results), as: UTF8.self) + "\n")
        } else {
            var text = ""
            for result in results where result.error == nil {
                for violation in result.violations {
                    text += "\(result.file): cue \(violation.cueNumber): \(violation.rule): \(violation.message)\n"
                }
                text += "\(result.file): \(result.cues) cues, \(result.violations.count) violation\(result.violations.count == 1 ? "" : "s") (\(profile.name))\n"
            }
            Console.out(text)
        }
        if failed { throw ExitCode(ExitStatus.failure) }
    }
}

/// A file that cannot be read as a subtitle file, with its reason.
struct ReadProblem: Error, CustomStringConvertible {
    var description: String
}
