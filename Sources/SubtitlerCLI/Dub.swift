import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerDub

extension DubFitTarget: ExpressibleByArgument {}

/// `subtitler dub`: an English dub track muxed into the file.
struct Dub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add an English dub track: the translation (or --cues) spoken through /audio/speech.",
        discussion: """
            Each cue is spoken through /audio/speech (concurrently, cached) and fitted to its slot: first a re-request \
            with the API's speed (up to --max-speed), then a tempo change that keeps the pitch (up to --max-tempo). \
            Speech that still does not fit is reported and runs into the pause after it, never cut off and never over \
            the next cue's speech. The track is as long as the media, optionally over the original lowered by --duck \
            dB, encoded as Opus (MKV, WebM) or AAC (MP4, M4V, MOV) and muxed as an extra audio track (eng, \
            "English (dub)", dub disposition); every original stream is kept. Writes NAME.dub.EXT next to the input \
            unless --output or --in-place. The speech server is SUBTITLER_SPEECH_BASE_URL (or --speech-base-url), \
            else the API base URL. Exit codes: 0 done, 1 failed (nothing written), 2 usage or configuration error, \
            130 interrupted.
            """
    )

    @Argument(help: "The media file (MKV, WebM, MP4, M4V or MOV; see --output for others).")
    var input: String

    @Option(help: ArgumentHelp("English cues to speak (.srt or .vtt) instead of translating the audio.", valueName: "file"))
    var cues: String?

    @Option(help: "Audio stream index to translate and duck (see `subtitler probe`).")
    var track: Int?

    @Option(help: "Audio track by language: ISO 639-1 or 639-2 (de, ger, deu).")
    var audioLanguage: String?

    @OptionGroup(title: "Voice")
    var speech: VoiceOptions

    @Option(help: ArgumentHelp("Speech requests in flight at once (1...32).", valueName: "n"))
    var jobs: Int = 4

    @Option(help: ArgumentHelp("Highest speed asked of the speech API for speech too long for its slot (1...4; 1 never re-requests).", valueName: "x"))
    var maxSpeed: Double = 1.5

    @Option(help: ArgumentHelp("Largest tempo change applied afterwards, pitch kept (1...2; 1 never changes tempo).", valueName: "x"))
    var maxTempo: Double = 1.35

    @Option(help: "What speech must fit into: next-cue (up to the next cue's start) or cue (the cue's own end).")
    var fit: DubFitTarget = .untilNextCue

    @Option(help: ArgumentHelp("Mix the dub over the original track lowered by this many dB (0...60), voice-over style. Default: speech alone.", valueName: "dB"))
    var duck: Double?

    @Flag(name: .customLong("default"), help: "Make the dub the default audio track.")
    var isDefault = false

    @Flag(help: "Also add the English cues as a subtitle track (eng, \"English\").")
    var subtitles = false

    @Option(name: [.customShort("o"), .long],
            help: ArgumentHelp("The file to write (default NAME.dub.EXT next to the input); its extension chooses the container.", valueName: "file"))
    var output: String?

    @Flag(help: "Replace the input, only once the new file is complete and checked.")
    var inPlace = false

    @Option(help: "Translation model (whisper-1, or a compatible server's model name).")
    var translationModel: String = "whisper-1"

    @Option(help: "API base URL (default: OPENAI_BASE_URL, else https://api.openai.com/v1).")
    var baseURL: String?

    @Option(help: "Speech server base URL (default: SUBTITLER_SPEECH_BASE_URL, else the API base URL).")
    var speechBaseURL: String?

    @Option(help: ArgumentHelp("Environment variable holding the API key.", valueName: "name"))
    var apiKeyEnv: String = "OPENAI_API_KEY"

    @Flag(help: "Neither read nor write the resume cache.")
    var noCache = false

    @Option(help: "Progress on stderr: auto is a live line on a terminal and nothing otherwise.")
    var progress: ProgressMode = .auto

    @Flag(help: "Print the report as JSON on stdout.")
    var json = false

    @Flag(help: "More detail: warnings, and FFmpeg's own messages.")
    var verbose = false

    func validate() throws {
        if output != nil && inPlace { throw ValidationError("use either --output FILE or --in-place, not both") }
        if track != nil && audioLanguage != nil { throw ValidationError("use either --track or --audio-language") }
        if !(1...32).contains(jobs) { throw ValidationError("--jobs must be between 1 and 32") }
        if !(1.0...4.0).contains(maxSpeed) { throw ValidationError("--max-speed must be between 1 and 4") }
        if !(1.0...2.0).contains(maxTempo) { throw ValidationError("--max-tempo must be between 1 and 2") }
        if let duck, !(0...60).contains(duck) { throw ValidationError("--duck must be between 0 and 60 dB") }
        if translationModel.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--translation-model must not be empty")
        }
        if cues == nil && !AudioModel.named(translationModel).translates {
            throw ValidationError("/audio/translations serves whisper-1 only; '\(translationModel)' cannot translate")
        }
        if let output, MuxContainer(path: output) == nil {
            throw ValidationError("--output \(output): name it .mkv, .webm, .mp4, .m4v or .mov")
        }
    }

    /// The library job these flags describe.
    var job: DubJob {
        var options = DubOptions()
        if let track { options.track = .index(track) } else if let audioLanguage { options.track = .language(audioLanguage) }
        options.translation.model = translationModel
        options.translation.concurrency = jobs
        options.translation.usesCache = !noCache
        options.speechModel = speech.model
        options.voice = speech.voice
        options.instructions = speech.instructions
        options.concurrency = jobs
        options.maxSpeed = maxSpeed
        options.maxTempo = maxTempo
        options.fitTarget = fit
        options.duckDecibels = duck
        options.isDefault = isDefault
        options.embedsSubtitles = subtitles
        options.usesCache = !noCache
        let destination: DubDestination = inPlace ? .replacingInput : output.map { .file($0) } ?? .besideInput
        return DubJob(input: input, cues: cues.map { .file($0) } ?? .translation, destination: destination,
                      options: options)
    }

    /// The API configuration; a key is needed only for the endpoints that go to OpenAI itself.
    func clientConfiguration() throws -> OpenAIConfiguration {
        var configuration = OpenAIConfiguration.fromEnvironment(ProcessInfo.processInfo.environment, apiKeyVariable: apiKeyEnv)
        if let baseURL { configuration.baseURL = baseURL }
        if let speechBaseURL { configuration.speechBaseURL = speechBaseURL }
        let speechServer = configuration.speechBaseURL ?? configuration.baseURL
        let usesOpenAI = speechServer.contains("api.openai.com") || (cues == nil && configuration.baseURL.contains("api.openai.com"))
        if usesOpenAI && (configuration.apiKey ?? "").isEmpty {
            throw ConfigurationError(message: """
                no API key: set \(apiKeyEnv) to use OpenAI, or start the local backend (scripts/local-backend start) \
                and set OPENAI_BASE_URL and SUBTITLER_SPEECH_BASE_URL to the URLs it prints
                """)
        }
        return configuration
    }

    func run() async throws {
        MediaLogging.setVerbose(verbose)
        let configuration: OpenAIConfiguration
        do {
            configuration = try clientConfiguration()
        } catch let error as ConfigurationError {
            Console.error("error: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        let subtitler = Subtitler(client: OpenAIAudioClient(configuration: configuration),
                                  cache: noCache ? nil : ResponseCache())
        let printer = DubProgressPrinter(mode: progress, input: input)
        let result: DubResult
        do {
            result = try await Dubber(subtitler: subtitler).dub(job) { printer.handle($0) }
            printer.finish()
        } catch {
            printer.finish()
            if error.kind == .cancelled { throw CancellationError() }
            Console.error(JobPhrasing.dubFailure(error))
            throw ExitCode(ExitStatus.failure)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Console.out(String(decoding: try encoder.encode(result.report), as: UTF8.self) + "\n")
        } else {
            Console.out(DubReportText.render(result.report, verbose: verbose))
        }
    }
}

/// The text form of a dub report.
enum DubReportText {
    static func render(_ report: DubReport, verbose: Bool) -> String {
        var text = "\(report.input): wrote \(report.output ?? "?")"
        if let track = report.dubTrack { text += " (dub track #\(track)" } else { text += " (dub track" }
        text += ", \(report.encoding == .opus ? "Opus" : "AAC") \(report.sampleRate / 1000) kHz, "
        text += "\(seconds(report.trackDuration)) s"
        if let duck = report.duckDecibels { text += String(format: ", original %.1f dB below", duck) }
        if let subtitles = report.subtitleTrack { text += ", subtitles #\(subtitles)" }
        text += ")\n"
        text += "  cue  planned       actual        speed  tempo  status   text\n"
        for cue in report.cues {
            let actual = cue.actualStart.map(Timecode.vtt) ?? "-"
            let row = String(
                format: "  %-4d %@  %@ %5.2f  %5.2f  %@ ", cue.number, Timecode.vtt(cue.plannedStart),
                actual.padding(toLength: 13, withPad: " ", startingAt: 0), cue.speed, cue.tempo,
                label(cue.status).padding(toLength: 8, withPad: " ", startingAt: 0))
            text += row + abbreviated(cue.text) + "\n"
        }
        let spoken = report.cues.filter { $0.actualStart != nil }.count
        text += "cues: \(report.cues.count), \(spoken) spoken"
        if report.notFitted.isEmpty {
            text += ", all fitted\n"
        } else {
            let details = report.cues.filter { $0.status == .overran }.map { cue -> String in
                let over = (cue.actualEnd ?? cue.slotEnd) - cue.slotEnd
                return "#\(cue.number) by \(seconds(max(0, over))) s"
            }
            text += "; did not fit: " + details.joined(separator: ", ") + "\n"
        }
        let speech = report.speech
        text += "speech: \(speech.requests) request\(speech.requests == 1 ? "" : "s")"
        if speech.speedRequests > 0 { text += " (\(speech.speedRequests) at a higher speed)" }
        text += ", \(speech.cacheHits) from cache, \(speech.retries) retr\(speech.retries == 1 ? "y" : "ies"), "
        text += "\(speech.bytesReceived) bytes received\n"
        if let translation = report.translation {
            text += "translation: \(translation.requests) request\(translation.requests == 1 ? "" : "s"), "
            text += "\(translation.cachedChunks) cached chunk\(translation.cachedChunks == 1 ? "" : "s"), "
            text += "\(translation.bytesSent) bytes sent\n"
        }
        if verbose || !report.warnings.isEmpty {
            for warning in report.warnings { text += "warning: \(warning)\n" }
        }
        return text
    }

    /// The status as the text report shows it.
    static func label(_ status: DubbedCue.Status) -> String {
        switch status {
        case .fitted: "fitted"
        case .overran: "overran"
        case .skipped: "skipped"
        case .outsideMedia: "past end"
        }
    }

    static func seconds(_ milliseconds: Milliseconds) -> String {
        String(format: "%.3f", Double(milliseconds) / 1000)
    }

    static func abbreviated(_ text: String) -> String {
        text.count <= 48 ? text : String(text.prefix(47)) + "…"
    }
}

/// Renders dub progress on stderr: a live line on a terminal, or one JSON object per event.
final class DubProgressPrinter: Sendable {
    private let output: ProgressOutput
    private let line: NIOLockedValueBox<DubProgressLine>

    init(mode: ProgressMode, input: String) {
        output = ProgressOutput(mode: mode, input: input)
        line = NIOLockedValueBox(DubProgressLine(name: output.name))
    }

    func handle(_ event: DubEvent) {
        switch output.mode {
        case .none, .auto: return
        case .json: output.emit(fields(for: event))
        // Shown under the lock, so the lines come out in the order of the figures.
        case .line: line.withLockedValue { output.show($0.update(event)) }
        }
    }

    /// Clears the live line.
    func finish() { output.finish() }
}

/// The figures of a dub's live line.
struct DubProgressLine {
    let name: String
    private var cueCount = 0
    private var speechReady = 0
    private var placed: Milliseconds = 0
    private var duration: Milliseconds = 0

    init(name: String) { self.name = name }

    /// Takes in `event` and returns the line to show.
    mutating func update(_ event: DubEvent) -> String {
        var line: String
        switch event {
        case .started(_, let length):
            duration = length
            line = "\(name): starting"
        case .translation(let event):
            if case .chunkDone = event { line = "\(name): translating (chunk done)" } else { line = "\(name): translating" }
        case .cuesReady(let count):
            cueCount = count
            line = "\(name): \(count) cues"
        case .speechReady:
            speechReady += 1
            line = "\(name): speech \(speechReady)/\(cueCount), track \(clock(placed))/\(clock(duration))"
        case .speechRetried(let number, let attempt, _):
            line = "\(name): cue \(number): retry \(attempt)"
        case .placed(_, let position):
            placed = position
            line = "\(name): speech \(speechReady)/\(cueCount), track \(clock(placed))/\(clock(duration))"
        case .muxing:
            line = "\(name): muxing"
        }
        return line
    }

    private func clock(_ ms: Milliseconds) -> String { ProgressOutput.clock(ms) }
}

extension DubProgressPrinter {
    private func fields(for event: DubEvent) -> [String: Any] {
        var object: [String: Any] = [:]
        switch event {
        case .started(let path, let length):
            object["event"] = "started"; object["path"] = path; object["durationMs"] = length
        case .translation:
            object["event"] = "translation"
        case .cuesReady(let count):
            object["event"] = "cuesReady"; object["cues"] = count
        case .speechReady(let number, let cached):
            object["event"] = "speechReady"; object["cue"] = number; object["cached"] = cached
        case .speechRetried(let number, let attempt, let reason):
            object["event"] = "speechRetried"; object["cue"] = number; object["attempt"] = attempt; object["reason"] = reason
        case .placed(let number, let position):
            object["event"] = "placed"; object["cue"] = number; object["positionMs"] = position
        case .muxing(let output):
            object["event"] = "muxing"; object["output"] = output
        }
        return object
    }
}
