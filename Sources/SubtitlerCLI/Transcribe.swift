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
            --translate-to es,fr also writes NAME.es.srt and NAME.fr.srt, translated from that track by a chat model. \
            Exit codes: 0 all done, 1 some input failed, 2 usage error, 130 interrupted.
            """
    )

    @OptionGroup var job: JobOptions

    @Option(help: "The spoken language (ISO 639-1, e.g. en). Default: detected from the first chunk.")
    var language: String?

    @Option(help: ArgumentHelp("Also translate the subtitles into these languages through a chat model (comma-separated ISO 639-1 codes).", valueName: "langs"))
    var translateTo: String?

    @OptionGroup var chat: ChatOptions

    func validate() throws {
        if let language, WhisperLanguages.code(for: language) == nil {
            throw ValidationError("unknown language '\(language)'; use an ISO 639-1 code such as en, de or fr")
        }
        if let translateTo {
            _ = try ChatOptions.targets(translateTo, flag: "--translate-to")
            if job.outputFile != nil { throw ValidationError("--translate-to writes several files; use --output DIR, not -o") }
        }
    }

    func run() async throws {
        let command = BatchCommand(options: job, task: .transcribe, language: language.flatMap(WhisperLanguages.code(for:)))
        guard let translateTo else { return try await command.run() }
        let batch = try await command.execute()
        let targets = try ChatOptions.targets(translateTo, flag: "--translate-to")
        let translated = try await ChatTranslationCommand(job: job, chat: chat, targets: targets)
            .run(subtitleFiles: [], transcribed: batch)
        if batch.failed > 0 || !translated { throw ExitCode(ExitStatus.failure) }
    }
}

/// `subtitler translate`: an English track from the audio, or subtitles in any language through a chat model.
struct Translate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make English subtitles for speech in any language (/audio/translations, whisper-1), or subtitles in any language (--to) through a chat model.",
        discussion: """
            Without --to: writes NAME.en.srt (or .vtt) from the audio through /audio/translations. With --to es,fr: \
            subtitle files (.srt, .vtt) are translated as they are; media is transcribed in its spoken language first \
            (an up-to-date sidecar in that language is used instead) and the cues translated, into NAME.es.srt and \
            NAME.fr.srt, one translated cue per source cue on the source's times. --to en on media keeps \
            /audio/translations unless --via chat. Every answer is checked; cues that still fail after re-asks and \
            splits fail that language and nothing is written for it, unless --allow-gaps. \
            Exit codes: 0 all done, 1 some input failed, 2 usage error, 130 interrupted.
            """
    )

    @OptionGroup var job: JobOptions

    @Option(help: ArgumentHelp("Translate into these languages through a chat model (comma-separated ISO 639-1 codes, e.g. es,fr).", valueName: "langs"))
    var to: String?

    @Option(help: "How media gets an English track with --to en: audio (/audio/translations) or chat (transcribe, then the chat model).")
    var via: TranslationRoute = .audio

    @OptionGroup var chat: ChatOptions

    func validate() throws {
        guard let to else {
            if !AudioModel.named(job.api.model).translates {
                throw ValidationError("/audio/translations serves whisper-1 only; '\(job.api.model)' cannot translate")
            }
            return
        }
        _ = try ChatOptions.targets(to, flag: "--to")
        if job.outputFile != nil { throw ValidationError("--to writes one file per language; use --output DIR, not -o") }
    }

    func run() async throws {
        guard let to else { return try await BatchCommand(options: job, task: .translate, language: nil).run() }
        let targets = try ChatOptions.targets(to, flag: "--to")
        let subtitleFiles = job.inputs.filter(ChatTranslationCommand.isSubtitleFile)
        var media = job
        media.inputs = job.inputs.filter { !ChatTranslationCommand.isSubtitleFile($0) }
        var failed = false
        var transcribed: BatchReport?
        if !media.inputs.isEmpty {
            if targets == ["en"] && via == .audio {
                failed = try await BatchCommand(options: media, task: .translate, language: nil).execute().failed > 0
            } else {
                let batch = try await BatchCommand(options: media, task: .transcribe, language: nil).execute()
                failed = batch.failed > 0
                transcribed = batch
            }
        }
        if !subtitleFiles.isEmpty || transcribed != nil {
            let translated = try await ChatTranslationCommand(job: job, chat: chat, targets: targets)
                .run(subtitleFiles: subtitleFiles, transcribed: transcribed)
            failed = failed || !translated
        }
        if failed { throw ExitCode(ExitStatus.failure) }
    }
}
