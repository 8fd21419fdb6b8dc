import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles

/// Makes the API client from the environment and flags, or explains what is missing.
enum ClientFactory {
    static func configuration(baseURL: String?, apiKeyVariable: String) throws -> OpenAIConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration = OpenAIConfiguration.fromEnvironment(environment, apiKeyVariable: apiKeyVariable)
        if let baseURL { configuration.baseURL = baseURL }
        let usesOpenAI = configuration.baseURL.contains("api.openai.com")
        if usesOpenAI && (configuration.apiKey ?? "").isEmpty {
            throw ConfigurationError(message: """
                no API key: set \(apiKeyVariable) to use OpenAI, or start the local backend \
                (scripts/local-backend start) and set OPENAI_BASE_URL to the URL it prints
                """)
        }
        return configuration
    }
}

/// A configuration problem (exit code 2).
struct ConfigurationError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs transcribe or translate over every input; one input's failure does not stop the others.
struct JobRunner {
    let job: JobOptions
    let task: SubtitleTask
    let language: String?

    static let mediaExtensions: Set<String> = [
        "mp4", "m4v", "mkv", "mov", "webm", "ts", "m2ts", "mts", "avi", "m4a", "mp3", "wav", "flac", "ogg", "oga",
        "opus", "aac", "wma", "wmv", "flv", "mpg", "mpeg", "3gp", "mka",
    ]

    /// The outcome of one input, as printed in `--json`.
    struct InputSummary: Encodable {
        var input: String
        var status: String            // done, skipped, planned, failed
        var outputs: [String] = []
        var language: String?
        var error: String?
        var chunks: Int?
        var requests: Int?
        var cachedChunks: Int?
        var bytesSent: Int?
        var retries: Int?
        var droppedSegments: [DroppedSegment]?
        var gaps: [ChunkFailure]?
        var styleViolations: [StyleViolation]?
        var audioDurationMs: Int64?
        var wallTimeMs: Int64?
        var estimatedCost: Double?
        var timing: String?
        var warnings: [String]?
        var plan: [ChunkSummary]?
    }

    func run() async throws {
        let started = ContinuousClock.now
        MediaLogging.setVerbose(job.verbose)   // FFmpeg's own messages only when asked
        let options = job.subtitleOptions(task: task, language: language)
        var summaries: [InputSummary] = []
        let (files, inputErrors) = expandInputs()
        summaries += inputErrors
        for summary in inputErrors { Console.error("\(summary.input): \(summary.error ?? "failed")") }

        // The output directory is made before anything is sent, so a bad path costs nothing.
        if let directory = job.outputDirectory, !job.dryRun, !files.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                Console.error("error: --output \(directory): cannot create the directory: \(error.localizedDescription)")
                throw ExitCode(ExitStatus.usage)
            }
        }

        var subtitler: Subtitler?
        if !job.dryRun && !files.isEmpty {
            let configuration: OpenAIConfiguration
            do {
                configuration = try ClientFactory.configuration(baseURL: job.baseURL, apiKeyVariable: job.apiKeyEnv)
            } catch let error as ConfigurationError {
                Console.error("error: \(error.message)")
                throw ExitCode(ExitStatus.usage)
            }
            let cache = ResponseCache()
            if job.clearCache { try? cache.clear() }
            subtitler = Subtitler(client: OpenAIAudioClient(configuration: configuration), cache: job.noCache ? nil : cache)
        }

        var claimed: [String: String] = [:]   // output path -> the input that wrote it in this run
        for file in files {
            try Task.checkCancellation()
            let summary = await process(file, options: options, subtitler: subtitler, claimed: claimed)
            if summary.status == "cancelled" { throw CancellationError() }
            for output in summary.outputs where summary.status == "done" { claimed[output] = file }
            if summary.status == "done" && !job.noCache, let language = summary.language {
                LanguageMemory(job: job).remember(language, of: file)
            }
            summaries.append(summary)
        }

        let failed = summaries.filter { $0.status == "failed" }.count
        let done = summaries.filter { $0.status == "done" }.count
        let skipped = summaries.filter { $0.status == "skipped" }.count
        if job.json {
            struct Summary: Encodable {
                var command: String
                var inputs: [InputSummary]
                var done: Int
                var skipped: Int
                var failed: Int
                var wallTimeMs: Int64
            }
            let elapsed = ContinuousClock.now - started
            let summary = Summary(command: task.rawValue, inputs: summaries, done: done, skipped: skipped, failed: failed,
                                  wallTimeMs: elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.out(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n")
        }
        if summaries.count > 1 || failed > 0 {
            Console.error("subtitler: \(done) done, \(skipped) skipped, \(failed) failed" + (job.dryRun ? " (dry run)" : ""))
        }
        if failed > 0 { throw ExitCode(ExitStatus.failure) }
    }

    /// Files to process, and a failure entry for each input that is missing or holds no media.
    private func expandInputs() -> ([String], [InputSummary]) {
        var files: [String] = []
        var errors: [InputSummary] = []
        let fm = FileManager.default
        for input in job.inputs {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDirectory) else {
                errors.append(InputSummary(input: input, status: "failed", error: "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(input)
                continue
            }
            var found: [String] = []
            if job.recursive, let walker = fm.enumerator(atPath: input) {
                while let relative = walker.nextObject() as? String {
                    let path = (input as NSString).appendingPathComponent(relative)
                    if isMedia(path) { found.append(path) }
                }
            } else if let names = try? fm.contentsOfDirectory(atPath: input) {
                found = names.map { (input as NSString).appendingPathComponent($0) }.filter(isMedia)
            }
            if found.isEmpty {
                errors.append(InputSummary(input: input, status: "failed",
                                           error: "no media files in this directory" + (job.recursive ? "" : " (use --recursive for subdirectories)")))
            }
            files += found.sorted()
        }
        return (files, errors)
    }

    private func isMedia(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return false }
        let name = (path as NSString).lastPathComponent
        return !name.hasPrefix(".") && Self.mediaExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// Where outputs go for `language`.
    private func outputURLs(for file: String, language: String?) -> [URL] {
        if let outputFile = job.outputFile {
            if outputFile == "-" { return [] }
            let url = URL(fileURLWithPath: outputFile)
            if job.format == .both {
                let base = url.deletingPathExtension()
                return [base.appendingPathExtension("srt"), base.appendingPathExtension("vtt")]
            }
            return [url]
        }
        let directory = job.outputDirectory.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: file).deletingLastPathComponent()
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let tag = language ?? "und"
        return job.format.formats.map { directory.appendingPathComponent("\(stem).\(tag).\($0.fileExtension)") }
    }

    /// The outputs, when every output this run would write exists and is newer than the input.
    private func upToDate(_ file: String) -> [String]? {
        guard !job.force, job.outputFile != "-" else { return nil }
        let fm = FileManager.default
        guard let inputDate = (try? fm.attributesOfItem(atPath: file))?[.modificationDate] as? Date else { return nil }
        func newer(_ url: URL) -> Bool {
            guard let date = (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date else { return false }
            return date >= inputDate
        }
        // Without --language, the language an earlier run detected names the outputs; unknown means not done.
        guard let known = task == .translate ? "en" : (language ?? LanguageMemory(job: job).language(of: file)) else {
            return nil
        }
        let urls = outputURLs(for: file, language: known)
        return urls.allSatisfy(newer) ? urls.map(\.path) : nil
    }

    private func process(_ file: String, options: SubtitleOptions, subtitler: Subtitler?, claimed: [String: String]) async -> InputSummary {
        var summary = InputSummary(input: file, status: "failed")
        if let existing = upToDate(file) {
            summary.status = "skipped"
            summary.outputs = existing
            if !job.json { Console.error("\(file): up to date, skipped (use --force to redo)") }
            return summary
        }
        if job.dryRun {
            do {
                let plan = try Subtitler(client: OpenAIAudioClient(configuration: OpenAIConfiguration()), cache: nil)
                    .plan(for: file, options: options)
                summary.status = "planned"
                summary.plan = plan.chunks
                summary.chunks = plan.chunks.count
                summary.requests = plan.chunks.count
                summary.bytesSent = plan.totalRequestBytes
                summary.audioDurationMs = plan.audioDuration
                summary.estimatedCost = plan.estimatedCost
                summary.warnings = plan.warnings
                if !job.json {
                    var text = "\(file): \(plan.chunks.count) request\(plan.chunks.count == 1 ? "" : "s"), "
                    text += "\(plan.totalRequestBytes) bytes, audio \(Timecode.srt(plan.audioDuration)), "
                    text += String(format: "estimated cost $%.4f (%@)\n", plan.estimatedCost, options.model)
                    for chunk in plan.chunks {
                        text += "  chunk \(chunk.index + 1): \(Timecode.srt(chunk.start)) +\(Double(chunk.duration) / 1000)s, "
                        text += "\(chunk.requestBytes) bytes" + (chunk.endsInSilence ? "" : " (no pause at its end)") + "\n"
                    }
                    Console.out(text)
                }
            } catch {
                summary.error = error.description
                Console.error(error.description)
            }
            return summary
        }
        guard let subtitler else { return summary }
        let renderer = ProgressRenderer(mode: ProgressMode(rawValue: job.progress) ?? .auto, input: file)
        do {
            let result = try await subtitler.makeSubtitles(for: file, options: options) { renderer.handle($0) }
            renderer.finish()
            let report = result.report
            summary.language = report.language
            let urls = outputURLs(for: file, language: report.language)
            if let clash = urls.first(where: { claimed[$0.path] != nil }) {
                throw SubtitlerError.output(OutputError(
                    path: clash.path, reason: "already written in this run for \(claimed[clash.path]!); use --output to keep them apart"))
            }
            // Ctrl-C during merging: write nothing.
            if Task.isCancelled { throw SubtitlerError.cancelled(path: file) }
            if job.outputFile == "-" {
                Console.out(Subtitler.render(result.cues, as: job.format.formats[0], language: report.language))
            } else {
                // Every format or none: a failure on the second removes the first.
                for (url, format) in zip(urls, job.format.formats) {
                    do {
                        try Subtitler.write(result.cues, as: format, to: url, language: report.language)
                    } catch {
                        for written in summary.outputs { unlink(written) }
                        summary.outputs = []
                        throw SubtitlerError.output(error)
                    }
                    summary.outputs.append(url.path)
                }
            }
            summary.status = "done"
            summary.chunks = report.chunks.count
            summary.requests = report.requests
            summary.cachedChunks = report.cachedChunks
            summary.bytesSent = report.bytesSent
            summary.retries = report.retries
            summary.droppedSegments = report.dropped
            summary.gaps = report.gaps
            summary.styleViolations = report.violations
            summary.audioDurationMs = report.audioDuration
            summary.wallTimeMs = report.wallTime
            summary.estimatedCost = report.estimatedCost
            summary.timing = report.timing
            summary.warnings = report.warnings
            if !job.json {
                var line = "\(file): \(summary.outputs.isEmpty ? "written to stdout" : "wrote " + summary.outputs.joined(separator: ", "))"
                line += " (\(result.cues.count) cues, \(report.chunks.count) chunk\(report.chunks.count == 1 ? "" : "s")"
                if report.cachedChunks > 0 { line += ", \(report.cachedChunks) from cache" }
                if !report.dropped.isEmpty { line += ", \(report.dropped.count) hallucinated segment\(report.dropped.count == 1 ? "" : "s") dropped" }
                if !report.violations.isEmpty { line += ", \(report.violations.count) style violation\(report.violations.count == 1 ? "" : "s")" }
                line += ")"
                Console.error(line)
                if !report.gaps.isEmpty {
                    Console.error("\(file): \(report.gaps.count) chunk\(report.gaps.count == 1 ? "" : "s") failed and left as gaps: "
                                  + report.gaps.map(\.description).joined(separator: "; "))
                }
                if job.verbose {
                    for warning in report.warnings { Console.error("  warning: \(warning)") }
                    for drop in report.dropped { Console.error("  dropped [\(drop.rule)] \(Timecode.srt(drop.start)): \(drop.text)") }
                    for violation in report.violations { Console.error("  cue \(violation.cueNumber): \(violation.message)") }
                    for gap in report.gaps { Console.error("  gap: \(gap)") }
                }
            }
        } catch let error as SubtitlerError {
            renderer.finish()
            summary.error = error.description
            if case .cancelled = error {
                summary.status = "cancelled"
            }
            Console.error(error.description)
        } catch {
            renderer.finish()
            summary.error = "\(file): \(error)"
            Console.error(summary.error ?? "")
        }
        return summary
    }
}

/// Remembers, in the resume cache, which language a run detected for an input, so a rerun without
/// `--language` knows the output names and can skip up-to-date files. Keyed by the input's path, size and
/// modification time and by the model and track.
struct LanguageMemory {
    let job: JobOptions

    private func key(for file: String) -> String? {
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int,
              let date = attributes[.modificationDate] as? Date else { return nil }
        let identity = "\(path)\n\(size)\n\(date.timeIntervalSince1970)"
        return ResponseCache.key(audio: Array(identity.utf8), parameters: [
            "record": "detected-language", "model": job.model,
            "track": job.track.map(String.init) ?? job.audioLanguage ?? "",
        ])
    }

    func language(of file: String) -> String? {
        guard let key = key(for: file) else { return nil }
        return ResponseCache().value(forKey: key, as: String.self)
    }

    func remember(_ language: String, of file: String) {
        guard let key = key(for: file) else { return }
        try? ResponseCache().store(language, forKey: key)
    }
}
