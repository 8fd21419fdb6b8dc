import ArgumentParser
import Foundation
import Subtitler
import SubtitlerDub
import SubtitlerJobs
import Subtitles
import Testing
import TestSupport
@testable import SubtitlerCLI

/// The command line's one-line messages: each names the file or setting and the cause.
struct MessageTests {
    @Test func aReportThatIsNotOneSaysWhichFileAndWhy() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        func problem(_ name: String, _ contents: String?) -> String {
            let path = scratch.path(name)
            if let contents { FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)) }
            switch Review.readReport(path) {
            case .success: return "read"
            case .failure(let problem): return problem.message
            }
        }
        #expect(problem("missing.json", nil) == scratch.path("missing.json") + ": cannot read the report: no such file or directory")
        #expect(problem("notes.txt", "hello") == scratch.path("notes.txt")
            + ": not valid JSON, so not a subtitler report (the output of transcribe --json)")
        #expect(problem("other.json", #"{"name": "x"}"#) == scratch.path("other.json")
            + ": not a subtitler report (the output of transcribe --json): it has no 'command' field")
        #expect(problem("shape.json", #"{"command": "transcribe", "inputs": 3, "wallTimeMs": 1}"#).hasSuffix(
            ": 'inputs' is of the wrong type"))
        #expect(problem("entry.json", #"{"command": "transcribe", "inputs": [{"input": "a.mp4"}], "wallTimeMs": 1}"#)
            .hasSuffix(": it has no 'inputs[0].status' field"))
        for message in [problem("notes.txt", nil), problem("other.json", nil)] {
            #expect(!message.contains("data is missing") && !message.contains("\n"), "\(message)")
        }
        let batch = BatchReport(command: "transcribe", inputs: [JobReport(input: "a.mp4", status: .done)], wallTimeMs: 5)
        try JSONEncoder().encode(batch).write(to: URL(fileURLWithPath: scratch.path("good.json")))
        #expect(problem("good.json", nil) == "read")
    }

    @Test func aDubOntoItsInputIsPhrasedWithTheFlagOnlyByTheCommandLine() {
        let error = DubError.outputIsInput(path: "film.mkv", output: "film.mkv")
        #expect(!error.description.contains("--"), "the library names no flag: \(error.description)")
        #expect(JobPhrasing.dubFailure(error)
            == "film.mkv: the output film.mkv is the input itself; use --in-place to replace it, or --output another name")
        #expect(JobPhrasing.dubFailure(.noCues(path: "film.mkv")) == DubError.noCues(path: "film.mkv").description)
    }

    /// The README's `--label ai` runs; a label Jellyfin would read as a flag is refused in one line naming the setting.
    @Test func theReadmesLabelIsTakenAndAFlagLikeLabelIsRefused() throws {
        let command = try SubtitlerCommand.parseAsRoot(["transcribe", "film.mkv", "--label", "ai"])
        let transcribe = try #require(command as? Transcribe)
        #expect(transcribe.job.naming.naming.fileName(stem: "Film", language: "en", format: .srt) == "Film.ai.en.srt")
        do {
            _ = try SubtitlerCommand.parseAsRoot(["transcribe", "film.mkv", "--label", "autodefault"])
            Issue.record("--label autodefault was accepted")
        } catch {
            let message = SubtitlerCommand.message(for: error)
            #expect(message.hasPrefix("--label: the label 'autodefault' contains 'default'"), "\(message)")
            #expect(!message.contains("\n"), "\(message)")
        }
    }
}
