import ArgumentParser
import Foundation
import MediaAudio
import Subtitler
import SubtitlerJobs
import Subtitles
import Testing
@testable import SubtitlerCLI

/// Option parsing and validation of every command, in process through the command types (ArgumentParser's way:
/// `parseAsRoot`, `parse`, `message(for:)`). The binary is spawned only for what needs a process: exit codes,
/// signals, stdout and stderr (CLITests and the others).
@Suite struct CommandParsingTests {
    /// The usage error `arguments` give, as the binary prints it (the binary exits 2 for every one of them).
    func usageError(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            let command = try SubtitlerCommand.parseAsRoot(arguments)
            Issue.record("\(arguments) parsed as \(type(of: command))", sourceLocation: sourceLocation)
            return ""
        } catch {
            #expect(SubtitlerCommand.exitCode(for: error) != .success, "\(arguments)", sourceLocation: sourceLocation)
            return SubtitlerCommand.fullMessage(for: error)
        }
    }

    func parse<Command: ParsableCommand>(_ type: Command.Type, _ arguments: [String]) throws -> Command {
        let command = try SubtitlerCommand.parseAsRoot(arguments)
        return try #require(command as? Command, "\(arguments) parsed as \(Swift.type(of: command))")
    }

    @Test func transcribeTakesItsOptionsAndBuildsTheJob() throws {
        let command = try parse(Transcribe.self, [
            "transcribe", "a.mp4", "b.mkv", "--language", "de", "--format", "both", "--sdh", "--language-codes", "639-2b",
        ])
        #expect(command.job.inputs == ["a.mp4", "b.mkv"])
        #expect(command.language == "de")
        let job = command.job.jobTemplate(task: .transcribe, language: "de")
        #expect(job.formats == [.srt, .vtt])
        let listed = try parse(Transcribe.self, ["transcribe", "a.mp4", "--format", "imsc,srt,ass,IMSC,ebu-tt-d,ttml,webvtt"])
        #expect(listed.job.jobTemplate(task: .transcribe, language: nil).formats == [.imsc, .srt, .ass, .ebuTTD, .ttml, .vtt])
        #expect(job.naming.isSDH && job.naming.codeStyle == .iso639_2B)
        #expect(job.destination == .besideInput)
        #expect(job.options.language == "de")
        #expect(job.overwrite == .keepNewer)

        let toStdout = try parse(Transcribe.self, ["transcribe", "a.mp4", "-o", "-", "--force", "--jobs", "8"])
        let stdoutJob = toStdout.job.jobTemplate(task: .transcribe, language: nil)
        #expect(stdoutJob.destination == .standardOutput)
        #expect(stdoutJob.overwrite == .replace)
        #expect(stdoutJob.options.concurrency == 8)
        let toFile = try parse(Transcribe.self, ["transcribe", "a.mp4", "-o", "x.srt"])
        #expect(toFile.job.jobTemplate(task: .transcribe, language: nil).destination == .file("x.srt"))
        let track = try parse(Transcribe.self, ["transcribe", "a.mkv", "--track", "2", "--dry-run"])
        #expect(track.job.subtitleOptions(task: .transcribe, language: nil).track == .index(2))
        #expect(track.job.jobTemplate(task: .transcribe, language: nil).isDryRun)
        // `--` lets a file name start with a dash.
        #expect(try parse(Transcribe.self, ["transcribe", "--", "-odd.mp4"]).job.inputs == ["-odd.mp4"])
    }

    @Test func transcribeAndTranslateUsageErrors() {
        #expect(usageError(["transcribe", "--format", "docx", "x.mp4"]).contains("docx"))
        #expect(usageError(["transcribe", "a.mp4", "b.mp4", "-o", "x.srt"]).contains("-o takes a single input"))
        #expect(usageError(["transcribe", "a.mp4", "-o", "-", "--json"]).contains("both write to stdout"))
        #expect(usageError(["transcribe", "a.mp4", "-o", "-", "--format", "both"]).contains("choose one --format"))
        #expect(usageError(["transcribe", "a.mp4", "-o", "-", "--format", "imsc,srt"]).contains("choose one --format"))
        #expect(usageError(["transcribe", "a.mp4", "--format", "imsc,docx"]).contains("imsc,docx"))
        #expect(usageError(["transcribe", "a.mp4", "--format", "srt,"]).contains("srt,"))
        #expect(usageError(["transcribe", "a.mp4", "-o", "x.srt", "--output", "/tmp"]).contains("not both"))
        #expect(usageError(["transcribe", "a.mp4", "-o", "-", "--embed"]).contains("--embed"))
        #expect(usageError(["transcribe", "a.mp4", "--language", "klingon"]).contains("unknown language 'klingon'"))
        #expect(usageError(["transcribe", "a.mp4", "--jobs", "0"]).contains("--jobs must be between 1 and 32"))
        #expect(usageError(["transcribe", "a.mp4", "--track", "1", "--audio-language", "de"]).contains("--track or --audio-language"))
        #expect(usageError(["transcribe", "a.mp4", "--chunk-seconds", "5"]).contains("--chunk-seconds"))
        #expect(usageError(["transcribe", "a.mp4", "--timeout", "0"]).contains("--timeout"))
        #expect(usageError(["transcribe", "a.mp4", "--model", " "]).contains("--model must not be empty"))
        #expect(usageError(["transcribe"]).contains("Missing expected argument"))
        #expect(usageError(["transcribe", "a.mp4", "--no-such-flag"]).contains("--no-such-flag"))
        #expect(usageError(["translate", "a.mp4", "--model", "gpt-4o-transcribe"]).contains("whisper-1"))
        #expect(usageError(["frobnicate"]).contains("frobnicate"))
    }

    @Test func everySingleOutputCommandTakesDashOAndDashDashOutput() throws {
        for flag in ["-o", "--output"] {
            #expect(try parse(Mux.self, ["mux", "v.mkv", "v.en.srt", flag, "out.mkv"]).output == "out.mkv")
            #expect(try parse(Review.self, ["review", "v.mkv", flag, "page.html"]).output == "page.html")
            #expect(try parse(Dub.self, ["dub", "v.mkv", flag, "dubbed.mkv"]).output == "dubbed.mkv")
            #expect(try parse(Extract.self, ["extract", "v.mkv", flag, "a.wav"]).output == "a.wav")
            #expect(try parse(Speak.self, ["speak", "Hello.", flag, "hello.mp3"]).output == "hello.mp3")
            #expect(usageError(["mux", "v.mkv", "v.en.srt", flag]).contains("Missing value"))
        }
        let singleOutput: [any ParsableCommand.Type] = [Mux.self, Review.self, Dub.self, Extract.self, Speak.self]
        for command in singleOutput {
            let help = SubtitlerCommand.helpMessage(for: command)
            #expect(help.contains("-o, --output <file>"), "\(command): \(help)")
        }
        #expect(SubtitlerCommand.helpMessage(for: Transcribe.self).contains("-o names one file"))
        let root = SubtitlerCommand.helpMessage()
        #expect(root.contains("Exit codes") && root.contains("130"))
    }

    @Test func mediaCommandsUsageErrors() {
        #expect(usageError(["mux", "v.mkv", "a.srt", "-o", "x.mkv", "--in-place"]).contains("either -o FILE or --in-place"))
        #expect(usageError(["mux", "v.mkv"]).contains("Missing expected argument '<subtitles> ...'"))
        #expect(usageError(["mux", "v.mkv", "a.srt", "--language", "zz9"]).contains("unknown language 'zz9'"))
        #expect(usageError(["extract", "v.mkv", "-o", "a.docx"]).contains("cannot tell the format"))
        #expect(usageError(["extract", "v.mkv", "-o", "a.wav", "--rate", "100"]).contains("--rate must be between"))
        #expect(usageError(["extract", "v.mkv", "-o", "a.wav", "--track", "1", "--audio-language", "de"]).contains("--track or --audio-language"))
        #expect(usageError(["extract", "v.mkv"]).contains("Missing expected argument"))
        #expect(usageError(["probe"]).contains("Missing expected argument"))
        #expect(usageError(["lint", "a.srt", "--frame-rate", "0"]).contains("--frame-rate"))
        #expect(usageError(["review"]).contains("Missing expected argument"))
    }

    @Test func speakAndDubUsageErrors() {
        #expect(usageError(["speak", "Hi.", "--input", "t.txt", "-o", "a.mp3"]).contains("not both"))
        #expect(usageError(["speak", "Hi.", "-o", "a.xyz"]).contains("cannot tell the audio format"))
        #expect(usageError(["speak", "Hi.", "-o", "a.mp3", "--speed", "9"]).contains("--speed must be between"))
        #expect(usageError(["speak", "Hi."]).contains("Missing expected argument") || usageError(["speak", "Hi."]).contains("--output"))
        #expect(usageError(["dub", "v.mkv", "-o", "x.mkv", "--in-place"]).contains("not both"))
        #expect(usageError(["dub", "v.mkv", "--track", "1", "--audio-language", "de"]).contains("--track or --audio-language"))
        #expect(usageError(["dub", "v.mkv", "--jobs", "99"]).contains("--jobs must be between 1 and 32"))
        #expect(usageError(["dub", "v.mkv", "--max-speed", "9"]).contains("--max-speed"))
        #expect(usageError(["dub", "v.mkv", "--max-tempo", "3"]).contains("--max-tempo"))
        #expect(usageError(["dub", "v.mkv", "--duck", "90"]).contains("--duck must be between 0 and 60"))
        #expect(usageError(["dub", "v.mkv", "--voice", " "]).contains("must not be empty"))
        #expect(usageError(["dub", "v.mkv", "--translation-model", "gpt-4o-transcribe"]).contains("cannot translate"))
        #expect(usageError(["dub", "v.mkv", "-o", "x.avi"]).contains("name it .mkv"))
    }

    @Test func serviceCommandsParseTheirConfiguration() throws {
        let serve = try parse(Serve.self, [
            "serve", "--host", "0.0.0.0", "--port", "0", "--root", "/media", "--jobs", "2", "--allow", "192.168.1.0/24",
            "--path-map", "/data=/media", "--max-upload-mb", "64",
        ])
        #expect(serve.host == "0.0.0.0" && serve.port == 0 && serve.allowed == ["192.168.1.0/24"])
        #expect(serve.service.roots == ["/media"] && serve.service.jobs == 2 && serve.service.pathMaps == ["/data=/media"])
        #expect(serve.maxUploadMb == 64)
        let watch = try parse(Watch.self, ["watch", "/media/in", "--root", "/media", "--interval", "5", "--settle", "0"])
        #expect(watch.folders == ["/media/in"] && watch.interval == 5 && watch.settle == 0)
        let hook = try parse(Hook.self, ["hook", "--server", "http://nas:9000", "--path-map", "/downloads=/media"])
        #expect(hook.server == "http://nas:9000" && hook.pathMaps == ["/downloads=/media"])
    }

    @Test func serviceCommandsUsageErrors() {
        #expect(usageError(["serve", "--jobs", "0"]).contains("--jobs must be between 1 and 32"))
        #expect(usageError(["serve", "--requests", "64"]).contains("--requests must be between 1 and 32"))
        #expect(usageError(["serve", "--path-map", "relative=/x"]).contains("use FROM=TO with absolute paths"))
        #expect(usageError(["serve", "--refresh", "kodi"]).contains("use jellyfin or plex"))
        #expect(usageError(["serve", "--notify", "ftp://x"]).contains("give an http or https URL"))
        #expect(usageError(["serve", "--allow", "not-a-network"]).contains("--allow not-a-network"))
        #expect(usageError(["serve", "--max-upload-mb", "0"]).contains("--max-upload-mb"))
        #expect(usageError(["serve", "--port", "http"]).contains("http"))
        #expect(usageError(["watch", "/w", "--interval", "0"]).contains("--interval must be between 1 and 3600"))
        #expect(usageError(["watch", "/w", "--settle", "-1"]).contains("--settle") || usageError(["watch", "/w", "--settle", "-1"]).contains("-1"))
        #expect(usageError(["watch"]).contains("Missing expected argument"))
        #expect(usageError(["hook", "--path-map", "nope"]).contains("use FROM=TO with absolute paths"))
    }
}
