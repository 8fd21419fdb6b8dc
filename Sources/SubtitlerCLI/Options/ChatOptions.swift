import ArgumentParser
import Foundation
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

/// The chat-translation settings shared by `translate --to` and `transcribe --translate-to`.
struct ChatOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Chat model that translates the cues (\(ChatModel.knownNames.joined(separator: ", ")), or a compatible server's model). The chat server is SUBTITLER_CHAT_BASE_URL, else the API base URL.", valueName: "model"))
    var chatModel: String = ChatModel.defaultName

    @Option(help: ArgumentHelp("Names and terms with fixed translations: a TSV file, one 'term<TAB>translation' a line.", valueName: "file"))
    var glossary: String?

    @Option(help: ArgumentHelp("What the programme is (title, genre, speakers), for the model.", valueName: "text"))
    var context: String?

    @Flag(help: "Formal or familiar address where the target language has the distinction (default: the model's choice).")
    var formality: Formality?

    @Option(help: ArgumentHelp("Most cues in one chat request (1...100).", valueName: "count"))
    var batchCues: Int = 12

    func validate() throws {
        if chatModel.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--chat-model must not be empty") }
        if !(1...100).contains(batchCues) { throw ValidationError("--batch-cues must be between 1 and 100") }
        if let context, context.count > 2_000 { throw ValidationError("--context is longer than 2000 characters") }
    }

    /// The target languages of a comma-separated list (`es,fr`), as ISO 639-1 codes, or the usage error to show.
    static func targets(_ list: String, flag: String) throws -> [String] {
        var targets: [String] = []
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let code = WhisperLanguages.code(for: item) else {
                throw ValidationError("\(flag): unknown language '\(item)'; use ISO 639-1 codes such as es, fr or de")
            }
            if !targets.contains(code) { targets.append(code) }
        }
        guard !targets.isEmpty else { throw ValidationError("\(flag) needs at least one language, e.g. \(flag) es,fr") }
        return targets
    }

    /// The translation settings for these flags and the job's (`--jobs`, `--allow-gaps`, the style, the cache).
    /// - Throws: ``ConfigurationError`` naming the glossary file and line when it cannot be read.
    func translationOptions(job: JobOptions, sourceLanguage: String?) throws -> TranslationOptions {
        try translationOptions(sourceLanguage: sourceLanguage, concurrency: job.jobs, allowsGaps: job.allowGaps,
                               api: job.api)
    }

    /// The translation settings for these flags, with the concurrency, gaps rule, style and cache given.
    /// - Throws: ``ConfigurationError`` naming the glossary file and line when it cannot be read.
    func translationOptions(sourceLanguage: String?, concurrency: Int, allowsGaps: Bool, api: APIOptions) throws
        -> TranslationOptions
    {
        var options = TranslationOptions(
            targetLanguage: "und", sourceLanguage: sourceLanguage, model: chatModel, context: context,
            formality: formality, maxBatchCues: batchCues, concurrency: concurrency, allowsGaps: allowsGaps,
            style: api.style.profile, usesCache: !api.noCache)
        if let glossary {
            let text: String
            do {
                text = try String(contentsOfFile: glossary, encoding: .utf8)
            } catch {
                throw ConfigurationError(message: "\(glossary): cannot read the glossary: \(error.localizedDescription)")
            }
            do {
                options.glossary = try Glossary(tsv: text)
            } catch {
                throw ConfigurationError(message: "\(glossary): \(error.description)")
            }
        }
        return options
    }
}

extension Formality: EnumerableFlag {}

/// Where `translate --to en` sends media: through `/audio/translations` (Whisper, as before) or through
/// transcription then the chat model.
enum TranslationRoute: String, ExpressibleByArgument, CaseIterable {
    case audio, chat
}
