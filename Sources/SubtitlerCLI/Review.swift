import ArgumentParser
import Foundation
import Subtitler
import SubtitlerJobs
import SubtitlerReview
import SubtitlerSupport

/// `subtitler review`: a page to check subtitles against the audio.
struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML page to check subtitles against the audio.",
        discussion: """
            The page plays the video with its subtitle tracks and draws a timeline: loudness and speech, chunk cuts, \
            every cue coloured by the style rules, every dropped segment and violation. Without SUB files it uses \
            the sidecars `subtitler transcribe` writes for VIDEO. With --report (the output of --json) it also shows \
            what the guard dropped, the chunk cuts, the model and the cost. Writes VIDEO's name + .review.html next \
            to the subtitles, or --output FILE. Exit codes: 0 written, 1 failed, 2 usage error.
            """
    )

    @Argument(help: "The video (or audio) file.")
    var video: String

    @Argument(help: "Subtitle files (.srt, .vtt, .ttml, .ass…); the first is checked and drawn. Default: VIDEO's sidecars.")
    var subtitles: [String] = []

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The page to write.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("A `--json` summary of the run that made the subtitles.", valueName: "file"))
    var report: String?

    @Option(help: ArgumentHelp(
        "A subtitle file drawn in a lane under the cues and named beside each one: a translation beside its source, or the file before a sync.",
        valueName: "file"))
    var beside: String?

    @Option(help: ArgumentHelp("What --beside is: translation (the default when it names another language), before (a sync's input) or other.",
                               valueName: "role"))
    var besideRole: ReviewDocument.Beside.Role?

    @OptionGroup var style: StyleOptions

    @Flag(help: "Open the page with xdg-open when it is written.")
    var open = false

    func run() async throws {
        let besidePath = beside.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let sidecars = subtitles.isEmpty
            ? ReviewBuilder.sidecars(of: video).filter { URL(fileURLWithPath: $0).standardizedFileURL.path != besidePath }
            : subtitles
        let page = URL(fileURLWithPath: output ?? Self.defaultPage(video: video, subtitles: sidecars))
        if besideRole != nil, beside == nil {
            throw ValidationError("--beside-role describes a --beside file; name one")
        }
        if let input = OutputGuard.overwrittenInput(by: page.path, inputs: [video] + sidecars + (report.map { [$0] } ?? []) + (beside.map { [$0] } ?? [])) {
            Console.error("\(page.path): the page is the input \(input); choose another name with -o")
            throw ExitCode(ExitStatus.failure)
        }
        var jobReport: JobReport?
        if let report {
            let batch: BatchReport
            switch Self.readReport(report) {
            case .success(let read): batch = read
            case .failure(let problem):
                Console.error(problem.message)
                throw ExitCode(ExitStatus.failure)
            }
            let name = (video as NSString).lastPathComponent
            jobReport = batch.inputs.first { $0.input == video || ($0.input as NSString).lastPathComponent == name }
            if jobReport == nil { Console.error("\(report): no entry for \(video); drawing without it") }
        }
        do {
            let document = try await ReviewBuilder.document(
                video: video, subtitles: sidecars, report: jobReport?.run, style: style.profile,
                pageDirectory: page.deletingLastPathComponent(), beside: beside, besideRole: besideRole)
            try await BlockingWork.run("write") { try ReviewPage.write(document, to: page) }
            Console.error("\(video): wrote \(page.path) (\(document.cues.count) cues, \(document.violations.count) violations, \(document.dropped.count) dropped)")
        } catch let failure as ReviewBuilder.Failure {
            Console.error(failure.message)
            throw ExitCode(ExitStatus.failure)
        } catch let error as OutputError {
            Console.error(error.description)
            throw ExitCode(ExitStatus.failure)
        }
        if open {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/xdg-open")
            process.arguments = [page.path]
            try? process.run()
        }
    }

    /// Why a `--report` file cannot be used: one line naming it and the cause.
    struct ReportProblem: Error {
        /// `FILE: cause`.
        var message: String
    }

    /// The `--json` summary at `path`, or one line saying that it cannot be read, is not JSON, or is JSON of
    /// another shape (naming the field that does not fit).
    static func readReport(_ path: String) -> Result<BatchReport, ReportProblem> {
        if let problem = FileChecks.textFileProblem(path) {
            return .failure(ReportProblem(message: "\(path): cannot read the report: \(problem)"))
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            return .failure(ReportProblem(message: "\(path): cannot read the report: \(FileChecks.describe(error))"))
        }
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            return .failure(ReportProblem(
                message: "\(path): not valid JSON, so not a subtitler report (the output of transcribe --json)"))
        }
        do {
            return .success(try JSONDecoder().decode(BatchReport.self, from: data))
        } catch let error as DecodingError {
            return .failure(ReportProblem(
                message: "\(path): not a subtitler report (the output of transcribe --json): \(Self.describe(error))"))
        } catch {
            return .failure(ReportProblem(message: "\(path): not a subtitler report: \(error)"))
        }
    }

    /// A decoding error in a few words: which field is missing or of the wrong type.
    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            let names = (path + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "the top level" : "'" + names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "it has no \(field(context.codingPath, key)) field"
        case .typeMismatch(_, let context): return "\(field(context.codingPath)) is of the wrong type"
        case .valueNotFound(_, let context): return "\(field(context.codingPath)) is null"
        case .dataCorrupted(let context): return "\(field(context.codingPath)) holds a value it cannot have"
        @unknown default: return "its content does not fit"
        }
    }

    /// `<video stem>.review.html` next to the first subtitle file (or the video).
    static func defaultPage(video: String, subtitles: [String]) -> String {
        let folder = subtitles.first.map { ($0 as NSString).deletingLastPathComponent }
            ?? (video as NSString).deletingLastPathComponent
        let stem = ((video as NSString).lastPathComponent as NSString).deletingPathExtension
        return ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(stem + ".review.html")
    }
}

extension ReviewDocument.Beside.Role: ExpressibleByArgument {}
