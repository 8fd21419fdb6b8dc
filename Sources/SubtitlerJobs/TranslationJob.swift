import Foundation
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerSupport

/// A subtitle file to translate into one or more languages through a chat model: what `subtitler translate --to`
/// and `transcribe --translate-to` hand to ``TranslationRunner``.
public struct TranslationJob: Sendable, Hashable {
    /// The subtitle file (SRT or WebVTT).
    public var input: String
    /// The target languages (ISO 639-1 codes), in order.
    public var targets: [String]
    /// The translation settings; ``TranslationOptions/targetLanguage`` is set per target, and a nil
    /// ``TranslationOptions/sourceLanguage`` is taken from the file's name or, failing that, from its text.
    public var options: TranslationOptions
    /// How outputs are named: `Film.es.srt`, with the same label and flags as other sidecars.
    public var naming: SidecarNaming
    /// Where outputs go; nil puts them next to the input.
    public var outputDirectory: String?
    /// The output format; nil keeps the input's.
    public var format: SubtitleFormat?
    /// Only estimate requests, tokens and cost; send and write nothing.
    public var isDryRun: Bool
    /// The folders outputs must stay under (the service's roots), checked where each file is opened and renamed; nil
    /// for no such check (the command line).
    public var outputRoots: [String]?

    /// Creates a job.
    public init(
        input: String, targets: [String], options: TranslationOptions, naming: SidecarNaming = SidecarNaming(),
        outputDirectory: String? = nil, format: SubtitleFormat? = nil, isDryRun: Bool = false
    ) {
        self.input = input
        self.targets = targets
        self.options = options
        self.naming = naming
        self.outputDirectory = outputDirectory
        self.format = format
        self.isDryRun = isDryRun
    }
}

extension TranslationJob {
    /// The translation of a transcription job's subtitles: its first SRT or WebVTT output (written now, or the
    /// up-to-date sidecar the skip rules kept), translated from the language it was transcribed in, with the outputs
    /// beside it. Nil when the job wrote no subtitle file (failed, planned, or written to standard output).
    public static func following(
        _ report: JobReport, targets: [String], options: TranslationOptions, naming: SidecarNaming,
        format: SubtitleFormat? = nil
    ) -> TranslationJob? {
        guard report.status == .done || report.status == .skipped,
              let sidecar = report.outputs.first(where: {
                  SubtitleFormat(pathExtension: URL(fileURLWithPath: $0).pathExtension) != nil
              })
        else { return nil }
        var options = options
        options.sourceLanguage = options.sourceLanguage ?? report.language.flatMap(WhisperLanguages.code(for:))
        return TranslationJob(input: sidecar, targets: targets, options: options, naming: naming, format: format)
    }
}

/// What became of one translation job.
public struct TranslationReport: Sendable, Hashable, Codable {
    /// One target language's outcome.
    public struct Target: Sendable, Hashable, Codable {
        /// The target language.
        public var language: String
        /// The file written, when one was.
        public var output: String?
        /// How many cues were written (the source's count) when the file was written.
        public var cues: Int?
        /// Cues left untranslated (only with gaps allowed).
        public var failures: [CueTranslationFailure]
        /// Reading-rule violations of the translation.
        public var violations: [StyleViolation]
        /// Requests, tokens, retries, splits and cost.
        public var statistics: TranslationStatistics?
        /// The dry run's estimate.
        public var estimate: TranslationEstimate?
        /// Why this target failed; nothing was written for it.
        public var failure: JobFailure?
    }

    /// The input.
    public var input: String
    /// The source language used (from the options, the file's name or its text), if known.
    public var sourceLanguage: String?
    /// How many cues the input holds.
    public var sourceCues: Int
    /// One entry per target, in the job's order (empty when the input itself failed).
    public var targets: [Target]
    /// Why the whole input failed (unreadable, no cues, bad options).
    public var failure: JobFailure?

    /// Whether every target was written (or estimated, for a dry run).
    public var succeeded: Bool { failure == nil && targets.allSatisfy { $0.failure == nil } }
}

/// Runs translation jobs: reads the subtitle file, translates it into each target with ``CueTranslator``, and writes
/// each target's file whole (a temporary file renamed into place) or not at all.
public struct TranslationRunner: Sendable {
    /// The translator (chat backend and resume cache).
    public let translator: CueTranslator

    /// Creates a runner.
    public init(translator: CueTranslator) {
        self.translator = translator
    }

    /// Runs `job`.
    /// - Parameter onTarget: called as each target finishes.
    /// - Returns: the report; a cancelled job's report names the cancellation as its failure.
    public func run(_ job: TranslationJob, onTarget: (@Sendable (TranslationReport.Target) -> Void)? = nil) async
        -> TranslationReport
    {
        var report = TranslationReport(input: job.input, sourceLanguage: job.options.sourceLanguage, sourceCues: 0,
                                       targets: [], failure: nil)
        let document: SubtitleDocument
        switch await Self.read(job.input) {
        case .document(let read): document = read
        case .failure(let failure):
            report.failure = failure
            return report
        }
        report.sourceCues = document.cues.count
        let named = Self.nameParts(of: job.input)
        let source = job.options.sourceLanguage ?? named.language ?? Self.detectedLanguage(of: document.cues)
        report.sourceLanguage = source
        let format = job.format ?? document.format
        let directory = job.outputDirectory.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: job.input).deletingLastPathComponent()
        for target in job.targets {
            var options = job.options
            options.targetLanguage = target
            options.sourceLanguage = source
            let output = directory.appendingPathComponent(
                job.naming.fileName(stem: named.stem, language: target, format: format))
            var outcome = TranslationReport.Target(language: target, failures: [], violations: [])
            if output.standardizedFileURL.path == URL(fileURLWithPath: job.input).standardizedFileURL.path {
                outcome.failure = .at(job.input, .outputIsInput,
                                      "the \(target) translation would replace the input itself (\(output.path))")
            } else if job.isDryRun {
                outcome.estimate = CueTranslator.estimate(document.cues, options: options)
            } else {
                do {
                    let result = try await translator.translate(document.cues, named: job.input, options: options)
                    let text = format.render(result.cues)
                    try await ConfinedOutput.write(Data(text.utf8), to: output.path, roots: job.outputRoots)
                    outcome.output = output.path
                    outcome.cues = result.cues.count
                    outcome.failures = result.failures
                    outcome.violations = result.violations
                    outcome.statistics = result.statistics
                } catch let error as TranslationError {
                    outcome.failure = Self.failure(error, target: target)
                    outcome.failures = error.failures
                    if error.kind == .api || error.kind == .cancelled || error.kind == .invalidOptions {
                        // Every other target would fail the same way.
                        report.targets.append(outcome)
                        onTarget?(outcome)
                        return report
                    }
                } catch let error as OutputError {
                    outcome.failure = .at(output.path, error.isOutsideRoots ? .outsideRoots : .writeFailed,
                                          error.description)
                } catch {
                    outcome.failure = .at(job.input, .cancelled, "translation cancelled")
                    report.targets.append(outcome)
                    return report
                }
            }
            report.targets.append(outcome)
            onTarget?(outcome)
        }
        return report
    }

    /// The job failure for a translation error, with the target named.
    static func failure(_ error: TranslationError, target: String) -> JobFailure {
        let reason: JobFailure.Reason =
            switch error.kind {
            case .cancelled: .cancelled
            case .invalidOptions: .invalidOptions
            case .cuesFailed: .translationIncomplete
            default: .pipeline
            }
        var detail = error.description
        if detail.hasPrefix(error.path + ": ") { detail.removeFirst(error.path.count + 2) }
        return .at(error.path, reason, "\(target): \(detail)")
    }

    /// A subtitle file read, or why not.
    enum ReadOutcome: Sendable {
        case document(SubtitleDocument)
        case failure(JobFailure)
    }

    /// Reads and parses a subtitle file off the cooperative pool.
    static func read(_ path: String) async -> ReadOutcome {
        let outcome: ReadOutcome
        do {
            outcome = try await BlockingWork.run("read") { () -> ReadOutcome in
                if let problem = FileChecks.textFileProblem(path) {
                    return .failure(.at(path, .unreadableInput, problem))
                }
                do {
                    return .document(try SubtitleParser().document(contentsOf: URL(fileURLWithPath: path)))
                } catch {
                    return .failure(.at(path, .unreadableInput, FileChecks.describe(error)))
                }
            }
        } catch {
            return .failure(.at(path, .cancelled, "translation cancelled"))
        }
        if case .document(let document) = outcome,
           !document.cues.contains(where: { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }) {
            return .failure(.at(path, .unreadableInput, "no cue with text to translate"))
        }
        return outcome
    }

    /// The stem of a subtitle file's name and the language it names: `Film.en.sdh.srt` → (`Film`, `en`).
    static func nameParts(of path: String) -> (stem: String, language: String?) {
        var tokens = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            .split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var language: String?
        while tokens.count > 1, let last = tokens.last {
            let lower = last.lowercased()
            if SidecarName.flagTokens.contains(lower) {
                tokens.removeLast()
            } else if language == nil, lower.count <= 3, let code = WhisperLanguages.code(for: lower) {
                language = code
                tokens.removeLast()
            } else {
                break
            }
        }
        return (tokens.joined(separator: "."), language)
    }

    /// The language most cues are in, by the offline check, when it decides for at least half of them.
    static func detectedLanguage(of cues: [Cue]) -> String? {
        var votes: [String: Int] = [:]
        for cue in cues.prefix(200) {
            switch TextLanguage.englishVerdict(for: cue.text) {
            case .english: votes["en", default: 0] += 1
            case .other(let code) where code != "und": votes[code, default: 0] += 1
            default: continue
            }
        }
        guard let best = votes.max(by: { $0.value < $1.value }), best.value * 2 >= min(cues.count, 200) else {
            return nil
        }
        return best.key
    }
}
