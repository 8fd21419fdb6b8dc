import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles

/// Which subtitle files to write.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case srt, vtt, both
    var formats: [SubtitleFormat] {
        switch self {
        case .srt: [.srt]
        case .vtt: [.vtt]
        case .both: [.srt, .vtt]
        }
    }
}

/// The style profile and its overrides, shared by `transcribe`, `translate` and `lint`.
struct StyleOptions: ParsableArguments {
    @Option(help: "Style profile: netflix or bbc.")
    var style: String = "netflix"

    @Option(help: "Override: maximum characters per line.")
    var maxChars: Int?

    @Option(help: "Override: maximum lines per cue.")
    var maxLines: Int?

    @Option(help: "Override: maximum reading speed, characters per second.")
    var maxCps: Double?

    func validate() throws {
        if StyleProfile.named(style) == nil { throw ValidationError("unknown style '\(style)'; use netflix or bbc") }
        if let maxChars, maxChars < 1 { throw ValidationError("--max-chars must be at least 1") }
        if let maxLines, maxLines < 1 { throw ValidationError("--max-lines must be at least 1") }
        if let maxCps, maxCps <= 0 { throw ValidationError("--max-cps must be positive") }
    }

    /// The named profile with the overrides applied.
    var profile: StyleProfile {
        var profile = StyleProfile.named(style) ?? .netflix
        if let maxChars { profile.maxCharactersPerLine = maxChars }
        if let maxLines { profile.maxLines = maxLines }
        if let maxCps { profile.maxCharactersPerSecond = maxCps }
        return profile
    }
}

/// Options shared by `transcribe` and `translate`.
struct JobOptions: ParsableArguments {
    @Argument(help: "Media files, or directories of media files.")
    var inputs: [String]

    @Option(help: "Subtitle format: srt, vtt or both.")
    var format: OutputFormat = .srt

    @Option(name: .customLong("output"), help: ArgumentHelp("Directory for the subtitle files (default: next to each input).", valueName: "dir"))
    var outputDirectory: String?

    @Option(name: .customShort("o"), help: ArgumentHelp("Output file for a single input; '-' writes to stdout.", valueName: "file"))
    var outputFile: String?

    @Option(help: "Audio stream index to use (see `subtitler probe`).")
    var track: Int?

    @Option(help: "Audio track by language: ISO 639-1 or 639-2 (de, ger, deu).")
    var audioLanguage: String?

    @Option(help: "Model: whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe, gpt-4o-transcribe-diarize.")
    var model: String = "whisper-1"

    @Option(help: "A prompt to steer spelling and style.")
    var prompt: String?

    @OptionGroup var style: StyleOptions

    @Option(help: "Requests in flight at once.")
    var jobs: Int = 4

    @Option(help: "Upload encoding: flac, wav, mp3 or opus.")
    var uploadFormat: String = "flac"

    @Option(help: ArgumentHelp("Preferred chunk length in seconds (default 300; 20 for text-only models).", visibility: .hidden))
    var chunkSeconds: Int?

    @Flag(help: "Look for media in subdirectories too.")
    var recursive = false

    @Flag(help: "Write outputs even when newer ones exist.")
    var force = false

    @Flag(help: "Neither read nor write the resume cache.")
    var noCache = false

    @Flag(help: "Empty the resume cache before starting.")
    var clearCache = false

    @Flag(help: "Keep going when a chunk fails after retries, leaving a gap (reported).")
    var allowGaps = false

    @Flag(help: "Plan chunks and print sizes, request count and estimated cost; send nothing.")
    var dryRun = false

    @Option(help: "Progress on stderr: auto (a live line on a terminal), line, json or none.")
    var progress: String = "auto"

    @Flag(help: "Print a machine-readable summary on stdout.")
    var json = false

    @Flag(help: "More detail in errors and warnings.")
    var verbose = false

    @Option(help: "API base URL (default: OPENAI_BASE_URL, else https://api.openai.com/v1).")
    var baseURL: String?

    @Option(help: ArgumentHelp("Environment variable holding the API key.", valueName: "name"))
    var apiKeyEnv: String = "OPENAI_API_KEY"

    func validate() throws {
        if outputFile != nil && inputs.count != 1 {
            throw ValidationError("-o takes a single input; use --output DIR for several")
        }
        if outputFile == "-" && format == .both {
            throw ValidationError("-o - writes one format to stdout; choose --format srt or vtt")
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
        guard let encoding = AudioEncoding(rawValue: uploadFormat), encoding != .m4a else {
            throw ValidationError("unknown upload format '\(uploadFormat)'; use flac, wav, mp3 or opus")
        }
        _ = encoding
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if ProgressMode(rawValue: progress) == nil {
            throw ValidationError("unknown progress mode '\(progress)'; use auto, line, json or none")
        }
        if track != nil && audioLanguage != nil { throw ValidationError("use either --track or --audio-language") }
    }

    /// The pipeline options these flags describe.
    func subtitleOptions(task: SubtitleTask, language: String?) -> SubtitleOptions {
        var options = SubtitleOptions()
        options.task = task
        options.model = model
        options.language = language
        options.prompt = prompt
        if let track { options.track = .index(track) } else if let audioLanguage { options.track = .language(audioLanguage) }
        options.uploadEncoding = AudioEncoding(rawValue: uploadFormat) ?? .flac
        options.concurrency = jobs
        options.style = style.profile
        options.allowsGaps = allowGaps
        options.usesCache = !noCache
        options.targetChunkDuration = chunkSeconds.map { Int64($0) * 1000 }
        return options
    }
}

/// `subtitler transcribe`: subtitles in the spoken language.
struct Transcribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make subtitles in the spoken language.",
        discussion: "Writes NAME.LANG.srt (or .vtt) next to each input, or in --output DIR. Exit codes: 0 all done, 1 some input failed, 2 usage error, 130 interrupted."
    )

    @OptionGroup var job: JobOptions

    @Option(help: "The spoken language (ISO 639-1, e.g. en). Default: detected from the first chunk.")
    var language: String?

    func validate() throws {
        if let language, WhisperLanguages.code(for: language) == nil {
            throw ValidationError("unknown language '\(language)'; use an ISO 639-1 code such as en, de or fr")
        }
    }

    func run() async throws {
        try await JobRunner(job: job, task: .transcribe, language: language.flatMap(WhisperLanguages.code(for:))).run()
    }
}

/// `subtitler translate`: an English track.
struct Translate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make English subtitles for speech in any language (/audio/translations, whisper-1).",
        discussion: "Writes NAME.en.srt (or .vtt) next to each input, or in --output DIR. Exit codes: 0 all done, 1 some input failed, 2 usage error, 130 interrupted."
    )

    @OptionGroup var job: JobOptions

    func validate() throws {
        if job.model.hasPrefix("gpt-") {
            throw ValidationError("/audio/translations serves whisper-1 only; '\(job.model)' cannot translate")
        }
    }

    func run() async throws {
        try await JobRunner(job: job, task: .translate, language: nil).run()
    }
}
