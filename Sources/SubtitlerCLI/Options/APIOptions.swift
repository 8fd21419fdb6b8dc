import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

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

    @Option(help: ArgumentHelp("Seconds one request may take, queue or not (1...86400). Default: no fixed limit; a request is never given up while the server answers others, and a server silent for 60 s + 3 s per second of audio (2 minutes to 1 hour, longer for a server seen slower) is taken as stopped. A request that times out is not retried.", valueName: "seconds"))
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
