import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

/// Options shared by `transcribe` and `translate`.
struct JobOptions: ParsableArguments {
    @Argument(help: "Media files, or directories of media files (put -- before names that start with '-').")
    var inputs: [String]

    @OptionGroup var naming: NamingOptions

    @Option(name: .customLong("output"), help: ArgumentHelp("Directory for the subtitle files (default: next to each input). -o names one file, as in every command.", valueName: "dir"))
    var outputDirectory: String?

    @Option(name: .customShort("o"), help: ArgumentHelp("Output file for a single input; '-' writes to stdout.", valueName: "file"))
    var outputFile: String?

    @Option(help: "Audio stream index to use (see `subtitler probe`).")
    var track: Int?

    @Option(help: "Audio track by language: ISO 639-1 or 639-2 (de, ger, deu).")
    var audioLanguage: String?

    @OptionGroup var api: APIOptions

    @Option(help: ArgumentHelp("Requests in flight at once at most (1...32); fewer when the server is seen to answer fewer at a time.", valueName: "n"))
    var jobs: Int = 4

    @Flag(help: "Skip inputs that already have subtitles in the target language: a sidecar in any spelling (en, eng, English; srt, vtt, ass) or a text subtitle stream in the file. Forced tracks do not count.")
    var skipIfSubtitled = false

    @Flag(help: "Look for media in subdirectories too. A .subtitler-skip file excludes its folder tree.")
    var recursive = false

    @Flag(help: "Also mux the subtitles into each input (MKV, WebM, MP4, M4V, MOV; stream copy, replaced atomically; earlier tracks of ours in the same language are replaced).")
    var embed = false

    @Flag(help: "Write outputs even when newer ones exist, and ignore --skip-if-subtitled.")
    var force = false

    @Flag(help: "Empty the resume cache before starting (only its own entries).")
    var clearCache = false

    @Flag(help: "Keep going when a chunk fails after retries, leaving a gap (reported).")
    var allowGaps = false

    @Flag(help: "Plan chunks and print sizes, request count and estimated cost; send nothing.")
    var dryRun = false

    @Option(help: "Progress on stderr: auto is a live line on a terminal and nothing otherwise.")
    var progress: ProgressMode = .auto

    @Flag(help: "Print a machine-readable summary on stdout.")
    var json = false

    @Flag(help: "More detail in errors and warnings.")
    var verbose = false

    func validate() throws {
        if outputFile != nil && inputs.count != 1 {
            throw ValidationError("-o takes a single input; use --output DIR for several")
        }
        if outputFile == "-" && naming.format.formats.count > 1 {
            throw ValidationError("-o - writes one format to stdout; choose one --format")
        }
        if outputFile == "-" && json {
            throw ValidationError("-o - and --json both write to stdout; use one of them")
        }
        if let outputDirectory {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: outputDirectory, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw ValidationError("--output \(outputDirectory): not a directory") }
                guard FileManager.default.isWritableFile(atPath: outputDirectory) else {
                    throw ValidationError("--output \(outputDirectory): directory is not writable")
                }
            }
        }
        if outputFile != nil && outputDirectory != nil {
            throw ValidationError("use either -o FILE or --output DIR, not both")
        }
        if !(1...32).contains(jobs) { throw ValidationError("--jobs must be between 1 and 32") }
        if track != nil && audioLanguage != nil { throw ValidationError("use either --track or --audio-language") }
        if embed && outputFile == "-" { throw ValidationError("--embed writes into the input; it cannot be used with -o -") }
    }

    /// The pipeline options these flags describe.
    func subtitleOptions(task: SubtitleTask, language: String?) -> SubtitleOptions {
        var options = api.subtitleOptions(task: task, language: language, concurrency: jobs)
        if let track { options.track = .index(track) } else if let audioLanguage { options.track = .language(audioLanguage) }
        options.allowsGaps = allowGaps
        return options
    }

    /// The job every input gets.
    func jobTemplate(task: SubtitleTask, language: String?) -> SubtitleJob {
        let destination: OutputDestination =
            if outputFile == "-" { .standardOutput }
            else if let outputFile { .file(outputFile) }
            else if let outputDirectory { .directory(outputDirectory) }
            else { .besideInput }
        return SubtitleJob(
            input: "",
            options: subtitleOptions(task: task, language: language),
            formats: naming.format.formats,
            naming: naming.naming,
            destination: destination,
            overwrite: force ? .replace : .keepNewer,
            skipsIfSubtitled: skipIfSubtitled && !force,
            isDryRun: dryRun,
            remembersLanguage: !api.noCache,
            embedsSubtitles: embed
        )
    }
}
