import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

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

/// The encodings chunks can be uploaded in.
enum UploadFormat: String, ExpressibleByArgument, CaseIterable {
    case flac, wav, mp3, opus

    var encoding: AudioEncoding {
        switch self {
        case .flac: .flac
        case .wav: .wav
        case .mp3: .mp3
        case .opus: .opus
        }
    }
}

extension SidecarNaming.CodeStyle: ExpressibleByArgument {}

/// The API and pipeline settings shared by `transcribe`, `translate`, `serve`, `watch` and `hook`.
struct APIOptions: ParsableArguments {
    @Option(help: "Model: whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe, gpt-4o-transcribe-diarize, or a compatible server's model name.")
    var model: String = "whisper-1"

    @Option(help: "A prompt to steer spelling and style.")
    var prompt: String?

    @OptionGroup var style: StyleOptions

    @Option(help: "Upload encoding.")
    var uploadFormat: UploadFormat = .flac

    @Option(help: ArgumentHelp("Preferred chunk length in seconds (10...3600; default 300, 20 for text-only models). Chunks are cut in the nearest pause.", valueName: "seconds"))
    var chunkSeconds: Int?

    @Option(help: ArgumentHelp("Seconds one request may take (1...86400). Default: in proportion to the chunk's audio (60 s + 3 s per second of audio, between 2 minutes and 1 hour). A request that times out is not retried.", valueName: "seconds"))
    var timeout: Int?

    @Flag(help: "Neither read nor write the resume cache.")
    var noCache = false

    @Flag(help: "Upload the whole audio. By default stretches without speech longer than 2 s (Silero VAD) are left out of the upload, and every time is put back on the media timeline.")
    var sendAll = false

    @Option(help: "API base URL (default: OPENAI_BASE_URL, else https://api.openai.com/v1).")
    var baseURL: String?

    @Option(help: ArgumentHelp("Environment variable holding the API key.", valueName: "name"))
    var apiKeyEnv: String = "OPENAI_API_KEY"

    func validate() throws {
        if let chunkSeconds, !(10...3_600).contains(chunkSeconds) {
            throw ValidationError("--chunk-seconds must be between 10 and 3600")
        }
        if let timeout, !(1...86_400).contains(timeout) { throw ValidationError("--timeout must be between 1 and 86400 seconds") }
        if model.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--model must not be empty") }
    }

    /// Pipeline options for these flags, with `concurrency` requests in flight per file.
    func subtitleOptions(task: SubtitleTask, language: String?, concurrency: Int) -> SubtitleOptions {
        var options = SubtitleOptions()
        options.task = task
        options.model = model
        options.language = language
        options.prompt = prompt
        options.uploadEncoding = uploadFormat.encoding
        options.concurrency = concurrency
        options.style = style.profile
        options.usesCache = !noCache
        options.sendsOnlySpeech = !sendAll
        options.targetChunkDuration = chunkSeconds.map { Int64($0) * 1000 }
        options.requestTimeout = RequestTimeoutPolicy(fixed: timeout.map { .seconds($0) })
        return options
    }

    /// The pipeline for these flags: the API client from the environment and the resume cache.
    /// - Throws: ``ConfigurationError`` when no key and no base URL are set.
    func makeSubtitler(clearingCache: Bool = false) throws -> Subtitler {
        let configuration = try ClientFactory.configuration(baseURL: baseURL, apiKeyVariable: apiKeyEnv)
        let cache = ResponseCache()
        if clearingCache { _ = try? cache.clear() }
        return Subtitler(client: OpenAIAudioClient(configuration: configuration), cache: noCache ? nil : cache)
    }
}

/// Subtitle formats and file naming, shared by every command that writes sidecars.
struct NamingOptions: ParsableArguments {
    @Option(help: "Subtitle format.")
    var format: OutputFormat = .srt

    @Option(help: ArgumentHelp("Language code in file names: 639-1 (en; 639-2/B where a language has no 2-letter code media servers read right: haw, gle, hin), 639-2b (eng, ger) or 639-2t (eng, deu).", valueName: "style"))
    var languageCodes: SidecarNaming.CodeStyle = .iso639_1

    @Flag(help: "Mark the subtitles as SDH (for the deaf and hard of hearing): NAME.en.sdh.srt.")
    var sdh = false

    @Flag(help: "Mark the subtitles as forced (foreign-language parts only): NAME.en.forced.srt.")
    var forced = false

    @Flag(name: .customLong("default"), help: "Mark the subtitles as the default track: NAME.en.default.srt.")
    var isDefault = false

    @Option(help: ArgumentHelp("An extra name token before the language (NAME.LABEL.en.srt). Media servers show it as the track title; some stop matching the file.", valueName: "token"))
    var label: String?

    func validate() throws {
        if let label, let problem = SidecarNaming.problem(withLabel: label) { throw ValidationError("--label: \(problem)") }
    }

    var naming: SidecarNaming {
        SidecarNaming(codeStyle: languageCodes, isSDH: sdh, isForced: forced, isDefault: isDefault, label: label)
    }
}

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

    @Option(help: ArgumentHelp("Requests in flight at once (1...32).", valueName: "n"))
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
        if outputFile == "-" && naming.format == .both {
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

/// `subtitler transcribe`: subtitles in the spoken language.
struct Transcribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make subtitles in the spoken language.",
        discussion: """
            Writes NAME.LANG.srt (or .vtt) next to each input, or in --output DIR; flags add .sdh, .forced, .default \
            after the language. Inputs whose outputs are newer than the input are skipped unless --force. \
            Exit codes: 0 all done, 1 some input failed, 2 usage error, 130 interrupted.
            """
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
        try await BatchCommand(options: job, task: .transcribe, language: language.flatMap(WhisperLanguages.code(for:))).run()
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
        if !AudioModel.named(job.api.model).translates {
            throw ValidationError("/audio/translations serves whisper-1 only; '\(job.api.model)' cannot translate")
        }
    }

    func run() async throws {
        try await BatchCommand(options: job, task: .translate, language: nil).run()
    }
}
