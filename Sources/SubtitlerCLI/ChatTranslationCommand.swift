import ArgumentParser
import Foundation
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

/// `translate --to` and `transcribe --translate-to`: turns the flags into translation jobs, hands them to the job
/// layer's ``TranslationRunner``, and prints one line per target language.
struct ChatTranslationCommand {
    let job: JobOptions
    let chat: ChatOptions
    let targets: [String]

    /// Whether a path names a subtitle file (by its extension) rather than media.
    static func isSubtitleFile(_ path: String) -> Bool {
        SubtitleFormat(pathExtension: URL(fileURLWithPath: path).pathExtension) != nil
    }

    /// Translates `subtitleFiles` and the subtitles a transcription batch wrote (or kept as up to date).
    /// - Returns: whether every target of every input was written (or estimated).
    func run(subtitleFiles: [String], transcribed: BatchReport?) async throws -> Bool {
        let options: TranslationOptions
        let translator: CueTranslator
        do {
            options = try chat.translationOptions(job: job, sourceLanguage: nil)
            translator = job.dryRun
                ? CueTranslator(chat: OpenAIAudioClient(configuration: OpenAIConfiguration()), cache: nil)
                : try makeTranslator()
        } catch let error as ConfigurationError {
            Console.error("error: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        let format: SubtitleFormat? = job.naming.format.formats.count == 1 ? job.naming.format.formats.first : nil
        var jobs = subtitleFiles.map {
            TranslationJob(input: $0, targets: targets, options: options, naming: job.naming.naming,
                           outputDirectory: job.outputDirectory, format: format, isDryRun: job.dryRun)
        }
        for report in transcribed?.inputs ?? [] {
            guard var next = TranslationJob.following(report, targets: targets, options: options,
                                                       naming: job.naming.naming, format: format) else { continue }
            next.isDryRun = job.dryRun
            jobs.append(next)
        }
        let runner = TranslationRunner(translator: translator)
        var succeeded = true
        var reports: [TranslationReport] = []
        for translation in jobs {
            try Task.checkCancellation()
            let report = await runner.run(translation) { target in
                if !job.json { print(target, input: translation.input) }
            }
            reports.append(report)
            if let failure = report.failure { Console.error(JobPhrasing.failure(failure)) }
            if report.targets.contains(where: { $0.failure?.reason == .cancelled }) { throw CancellationError() }
            succeeded = succeeded && report.succeeded
        }
        if job.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.out(String(decoding: try encoder.encode(reports), as: UTF8.self) + "\n")
        }
        return succeeded
    }

    /// The translator: the chat server from the environment and flags, and the resume cache.
    func makeTranslator() throws -> CueTranslator {
        try Self.makeTranslator(api: job.api, clearingCache: job.clearCache)
    }

    /// The translator for these API flags: the chat server from the environment and flags, and the resume cache.
    static func makeTranslator(api: APIOptions, clearingCache: Bool = false) throws -> CueTranslator {
        let configuration = try ClientFactory.chatConfiguration(baseURL: api.baseURL, apiKeyVariable: api.apiKeyEnv)
        let cache = ResponseCache()
        if clearingCache { _ = try? cache.clear() }
        return CueTranslator(chat: OpenAIAudioClient(configuration: configuration), cache: api.noCache ? nil : cache)
    }

    /// One line for a finished target.
    func print(_ target: TranslationReport.Target, input: String) {
        if let failure = target.failure {
            Console.error(JobPhrasing.failure(failure))
            return
        }
        if let estimate = target.estimate {
            Console.out("\(input): \(target.language): \(estimate.requests) request\(estimate.requests == 1 ? "" : "s"), "
                        + "about \(estimate.promptTokens) tokens in and \(estimate.completionTokens) out, "
                        + String(format: "estimated cost $%.4f (%@)\n", estimate.cost, chat.chatModel))
            return
        }
        guard let output = target.output, let statistics = target.statistics else { return }
        var line = "\(input): wrote \(output) (\(target.cues ?? 0) cues; \(statistics.requests) request"
            + (statistics.requests == 1 ? "" : "s")
        if statistics.cachedBatches > 0 { line += ", \(statistics.cachedBatches) batch\(statistics.cachedBatches == 1 ? "" : "es") from cache" }
        line += ", \(statistics.promptTokens + statistics.completionTokens) tokens"
        if statistics.retries > 0 { line += ", \(statistics.retries) retr\(statistics.retries == 1 ? "y" : "ies")" }
        if statistics.reasks > 0 { line += ", \(statistics.reasks) re-ask\(statistics.reasks == 1 ? "" : "s")" }
        if statistics.splits > 0 { line += ", \(statistics.splits) split\(statistics.splits == 1 ? "" : "s")" }
        line += String(format: ", $%.4f", statistics.cost)
        if !target.violations.isEmpty {
            line += ", \(target.violations.count) style violation\(target.violations.count == 1 ? "" : "s")"
        }
        Console.error(line + ")")
        if !target.failures.isEmpty {
            Console.error("\(output): \(target.failures.count) cue\(target.failures.count == 1 ? "" : "s") left "
                          + "untranslated: " + target.failures.prefix(5).map(\.description).joined(separator: "; "))
        }
        if job.verbose {
            for violation in target.violations { Console.error("  cue \(violation.cueNumber): \(violation.message)") }
        }
    }
}
