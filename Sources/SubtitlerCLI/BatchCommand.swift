import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

/// Makes the API client from the environment and flags, or explains what is missing.
enum ClientFactory {
    static func configuration(baseURL: String?, apiKeyVariable: String) throws -> OpenAIConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration = OpenAIConfiguration.fromEnvironment(environment, apiKeyVariable: apiKeyVariable)
        if let baseURL { configuration.baseURL = baseURL }
        try check(configuration, apiKeyVariable: apiKeyVariable)
        let usesOpenAI = configuration.baseURL.contains("api.openai.com")
        if usesOpenAI && (configuration.apiKey ?? "").isEmpty {
            throw ConfigurationError(message: """
                no API key: set \(apiKeyVariable) to use OpenAI, or start the local backend \
                (scripts/local-backend start) and set OPENAI_BASE_URL to the URL it prints
                """)
        }
        return configuration
    }

    /// The configuration for chat translation: like ``configuration(baseURL:apiKeyVariable:)``, but a key is needed
    /// only when the chat server (`SUBTITLER_CHAT_BASE_URL`, else the base URL) is OpenAI's.
    static func chatConfiguration(baseURL: String?, apiKeyVariable: String) throws -> OpenAIConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration = OpenAIConfiguration.fromEnvironment(environment, apiKeyVariable: apiKeyVariable)
        if let baseURL { configuration.baseURL = baseURL }
        try check(configuration, apiKeyVariable: apiKeyVariable)
        let chatServer = configuration.chatBaseURL ?? configuration.baseURL
        if chatServer.contains("api.openai.com") && (configuration.apiKey ?? "").isEmpty {
            throw ConfigurationError(message: """
                no API key: set \(apiKeyVariable) to translate with OpenAI, or start the local backend \
                (scripts/local-backend start) and set SUBTITLER_CHAT_BASE_URL to the URL it prints
                """)
        }
        return configuration
    }

    /// Credentials and base URLs that no request could use: a usage error before anything is sent.
    static func check(_ configuration: OpenAIConfiguration, apiKeyVariable: String) throws {
        if let problem = configuration.credentialProblem {
            throw ConfigurationError(message: "\(problem) (the key comes from \(apiKeyVariable); organization and "
                                     + "project from OPENAI_ORG_ID and OPENAI_PROJECT_ID)")
        }
        if let problem = configuration.baseURLProblem {
            throw ConfigurationError(message: "\(problem) (from --base-url, OPENAI_BASE_URL, SUBTITLER_SPEECH_BASE_URL or SUBTITLER_CHAT_BASE_URL)")
        }
    }
}

/// A configuration problem (exit code 2).
struct ConfigurationError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// `transcribe` and `translate`: turns the flags into a job, hands the inputs to the library's job runner, and
/// renders what it reports.
struct BatchCommand {
    let options: JobOptions
    let task: SubtitleTask
    let language: String?

    func run() async throws {
        let batch = try await execute()
        if batch.failed > 0 { throw ExitCode(ExitStatus.failure) }
    }

    /// Runs the batch and prints its reports; throws only for usage errors and interruption.
    func execute() async throws -> BatchReport {
        MediaLogging.setVerbose(options.verbose)   // FFmpeg's own messages only when asked
        let template = options.jobTemplate(task: task, language: language)
        var subtitler = Subtitler(client: OpenAIAudioClient(configuration: OpenAIConfiguration()), cache: nil)
        if !options.dryRun {
            do {
                subtitler = try options.api.makeSubtitler(clearingCache: options.clearCache)
            } catch let error as ConfigurationError {
                Console.error("error: \(error.message)")
                throw ExitCode(ExitStatus.usage)
            }
        }
        let printer = ReportPrinter(options: options)
        let batch = await JobRunner(subtitler: subtitler).runBatch(
            options.inputs, recursive: options.recursive, template: template, events: { printer.handle($0) },
            deliver: { outcome in if let text = outcome.standardOutput { Console.out(text) } })
        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.out(String(decoding: try encoder.encode(batch), as: UTF8.self) + "\n")
        }
        if batch.wasCancelled { throw CancellationError() }
        if batch.inputs.count > 1 || batch.failed > 0 {
            let done = batch.done + batch.planned
            Console.error("subtitler: \(done) done, \(batch.skipped) skipped, \(batch.failed) failed" + (options.dryRun ? " (dry run)" : ""))
        }
        return batch
    }
}

/// Renders job events: progress per input, then one line per finished input (or the plan, for a dry run).
final class ReportPrinter: Sendable {
    private let options: JobOptions
    private let renderers = NIOLockedValueBox<[String: ProgressRenderer]>([:])

    init(options: JobOptions) {
        self.options = options
    }

    func handle(_ event: JobEvent) {
        switch event {
        case .started(let input):
            let renderer = ProgressRenderer(mode: options.progress, input: input)
            renderers.withLockedValue { $0[input] = renderer }
        case .progress(let input, let progress):
            renderers.withLockedValue { $0[input] }?.handle(progress)
        case .finished(let report):
            renderers.withLockedValue { $0.removeValue(forKey: report.input) }?.finish()
            render(report)
        }
    }

    private func render(_ report: JobReport) {
        let file = report.input
        switch report.status {
        case .failed, .cancelled:
            Console.error(JobPhrasing.failureLine(report, recursive: options.recursive))
        case .skipped:
            if !options.json { Console.error("\(file): \(report.skipReason.map(JobPhrasing.skip) ?? "skipped")") }
        case .planned:
            guard !options.json else { return }
            guard let summary = report.dryRun else { return }
            let plan = summary.chunks
            var text = "\(file): \(plan.count) request\(plan.count == 1 ? "" : "s"), "
            text += "\(summary.totalRequestBytes) bytes, audio \(Timecode.srt(summary.audioDuration)), "
            text += String(format: "estimated cost $%.4f (%@)\n", summary.estimatedCost, options.api.model)
            for chunk in plan {
                text += "  chunk \(chunk.index + 1): \(Timecode.srt(chunk.start)) +\(Double(chunk.duration) / 1000)s, "
                text += "\(chunk.requestBytes) bytes" + (chunk.endsInSilence ? "" : " (no pause at its end)") + "\n"
            }
            Console.out(text)
            if options.verbose { for warning in summary.warnings { Console.error("  warning: \(warning)") } }
        case .done:
            guard !options.json, let run = report.run else { return }
            let chunks = run.chunks.count
            var line = "\(file): \(report.outputs.isEmpty ? "written to stdout" : "wrote " + report.outputs.joined(separator: ", "))"
            line += " (\(report.cues ?? 0) cues, \(chunks) chunk\(chunks == 1 ? "" : "s")"
            if run.cachedChunks > 0 { line += ", \(run.cachedChunks) from cache" }
            let dropped = run.dropped
            if !dropped.isEmpty { line += ", \(dropped.count) hallucinated segment\(dropped.count == 1 ? "" : "s") dropped" }
            let omissions = run.omissions
            if !omissions.isEmpty { line += ", \(omissions.count) omission\(omissions.count == 1 ? "" : "s")" }
            let violations = run.violations
            if !violations.isEmpty { line += ", \(violations.count) style violation\(violations.count == 1 ? "" : "s")" }
            line += ")"
            Console.error(line)
            let gaps = run.gaps
            if !gaps.isEmpty {
                Console.error("\(file): \(gaps.count) chunk\(gaps.count == 1 ? "" : "s") failed and left as gaps: "
                              + gaps.map(\.description).joined(separator: "; "))
            }
            if options.verbose {
                for warning in run.warnings { Console.error("  warning: \(warning)") }
                for drop in dropped { Console.error("  dropped [\(drop.rule.rawValue)] \(Timecode.srt(drop.start)): \(drop.text)") }
                for omission in omissions {
                    Console.error("  omitted [\(omission.kind.rawValue)] \(Timecode.srt(omission.start))–\(Timecode.srt(omission.end))")
                }
                for violation in violations { Console.error("  cue \(violation.cueNumber): \(violation.message)") }
            }
        }
    }
}
