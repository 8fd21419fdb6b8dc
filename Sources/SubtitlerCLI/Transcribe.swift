import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

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
