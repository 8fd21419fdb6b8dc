import ArgumentParser
import Foundation
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerSupport

/// `subtitler speak`: text or a subtitle file to audio.
struct Speak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn text or a subtitle file into speech through /audio/speech.",
        discussion: """
            Text comes from the argument, from --input FILE (.txt, or .srt/.vtt to speak each cue at its time), or \
            from stdin. Text over 4096 characters is split at sentence ends and the audio joined into one file. \
            Exit codes: 0 done, 1 failed, 2 usage error, 130 interrupted.
            """
    )

    @Argument(help: "The text to speak (default: --input, else stdin).")
    var text: String?

    @Option(help: ArgumentHelp("A text file, or a subtitle file (.srt/.vtt) whose cues are spoken at their times.", valueName: "file"))
    var input: String?

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The audio file to write ('-' for stdout).", valueName: "file"))
    var output: String

    @OptionGroup(title: "Voice")
    var speech: VoiceOptions

    @Option(help: "Speed from 0.25 to 4.0.")
    var speed: Double?

    @Option(help: "Audio format (default: from the output's extension).")
    var format: SpeechFormat?

    @Option(help: "Speech server base URL (default: SUBTITLER_SPEECH_BASE_URL, else the API base URL).")
    var baseURL: String?

    @Option(help: ArgumentHelp("Environment variable holding the API key.", valueName: "name"))
    var apiKeyEnv: String = "OPENAI_API_KEY"

    /// The format: `--format`, else the output's extension (`.m4a` is AAC); `-o -` without `--format` is MP3.
    var speechFormat: SpeechFormat? {
        if let format { return format }
        if output == "-" { return .mp3 }
        let ext = (output as NSString).pathExtension.lowercased()
        if ext == "m4a" { return .aac }
        return SpeechFormat(rawValue: ext)
    }

    func validate() throws {
        if text != nil && input != nil { throw ValidationError("give the text as an argument or with --input, not both") }
        if speechFormat == nil {
            throw ValidationError("cannot tell the audio format of '\(output)': name it .mp3, .opus, .aac, .m4a, .flac, .wav or .pcm, or pass --format")
        }
        if let speed, !(0.25...4.0).contains(speed) { throw ValidationError("--speed must be between 0.25 and 4.0") }
    }

    func run() async throws {
        var configuration: OpenAIConfiguration
        do {
            configuration = try ClientFactory.configuration(baseURL: nil, apiKeyVariable: apiKeyEnv)
        } catch let error as ConfigurationError {
            // A speech-only server may be configured without a transcription server.
            if baseURL == nil && ProcessInfo.processInfo.environment["SUBTITLER_SPEECH_BASE_URL"] == nil {
                Console.error("error: \(error.message)")
                throw ExitCode(ExitStatus.usage)
            }
            configuration = OpenAIConfiguration.fromEnvironment(ProcessInfo.processInfo.environment, apiKeyVariable: apiKeyEnv)
        }
        if let baseURL { configuration.speechBaseURL = baseURL }
        do {
            try ClientFactory.check(configuration, apiKeyVariable: apiKeyEnv)
        } catch let error as ConfigurationError {
            Console.error("error: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        let maker = SpeechMaker(client: OpenAIAudioClient(configuration: configuration))
        var options = SpeechMaker.Options()
        options.voice = speech.voice
        options.model = speech.model
        options.instructions = speech.instructions
        options.speed = speed
        options.format = speechFormat ?? .mp3
        let label = input ?? "speech"
        let destination: URL? = output == "-" ? nil : URL(fileURLWithPath: output)
        do {
            if let input, let problem = FileChecks.textFileProblem(input) {
                throw OutputError(path: input, reason: problem)
            }
            var audio: [UInt8] = []
            if let input, SubtitleFormat(pathExtension: (input as NSString).pathExtension) != nil {
                let cues = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: input))
                if let destination {
                    try await maker.speak(cues, options: options, to: destination)
                } else {
                    audio = try await maker.speak(cues, options: options)
                }
            } else {
                let source: String
                if let text {
                    source = text
                } else if let input {
                    guard let data = FileManager.default.contents(atPath: input) else {
                        throw OutputError(path: input, reason: "cannot read the file")
                    }
                    source = String(decoding: data, as: UTF8.self)
                } else {
                    source = String(decoding: try Self.readStandardInput(), as: UTF8.self)
                }
                if let destination {
                    try await maker.speak(source, options: options, to: destination)
                } else {
                    audio = try await maker.speak(source, options: options)
                }
            }
            if destination == nil {
                FileHandle.standardOutput.write(Data(audio))
            } else {
                let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? nil
                Console.error("\(label): wrote \(output)" + (size.map { " (\($0) bytes)" } ?? ""))
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            Console.error("\(label): \(FileChecks.describe(error))")
            throw ExitCode(ExitStatus.failure)
        }
    }
}

extension Speak {
    /// Standard input, up to ``FileChecks/maxTextFileBytes`` (piping `/dev/zero` in must not exhaust memory).
    static func readStandardInput() throws -> Data {
        var data = Data()
        while true {
            let piece = FileHandle.standardInput.readData(ofLength: 1 << 20)
            if piece.isEmpty { return data }
            data += piece
            if Int64(data.count) > FileChecks.maxTextFileBytes {
                throw OutputError(path: "standard input", reason: "more than \(FileChecks.maxTextFileBytes) bytes of text")
            }
        }
    }
}

extension SpeechFormat: ExpressibleByArgument {}
