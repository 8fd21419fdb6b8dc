import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Subtitler
import SubtitlerSupport

/// Does subtitle jobs: checks inputs and outputs before anything is paid for, skips what needs no work, runs the
/// pipeline, and writes every output of a job or none. The command line, the service, watch folders and hooks all
/// go through it.
///
/// ```swift
/// let runner = JobRunner(subtitler: Subtitler(client: OpenAIAudioClient(configuration: .fromEnvironment())))
/// let outcome = await runner.run(SubtitleJob(input: "talk.mp4"))
/// print(outcome.report.status, outcome.report.outputs)
/// ```
public struct JobRunner: Sendable {
    /// The pipeline (API client and resume cache).
    public let subtitler: Subtitler
    /// Where detected languages are remembered.
    public let languageMemory: LanguageMemory

    /// Creates a runner.
    /// - Parameters:
    ///   - subtitler: the pipeline.
    ///   - languageMemory: where detected languages are remembered (the state directory by default).
    public init(subtitler: Subtitler, languageMemory: LanguageMemory = LanguageMemory()) {
        self.subtitler = subtitler
        self.languageMemory = languageMemory
    }

    /// This runner with its pipeline's answers shared through `cache` as well (``Subtitler/sharedCache``): the
    /// service's nodes over one store.
    package func sharingAnswers(through cache: any SharedAnswerCache) -> JobRunner {
        var subtitler = self.subtitler
        subtitler.sharedCache = cache
        return JobRunner(subtitler: subtitler, languageMemory: languageMemory)
    }

    /// This runner with its pipeline's requests sent through the backend `wrap` makes of the current one (the
    /// service's cluster-wide limits).
    package func sending(through wrap: (any TranscriptionBackend) -> any TranscriptionBackend) -> JobRunner {
        JobRunner(subtitler: subtitler.sending(through: wrap(subtitler.backend)), languageMemory: languageMemory)
    }

    // MARK: - Batches

    /// Runs a job for every media file `inputs` name, one after another, with `template`'s settings. Inputs whose
    /// outputs would collide (same stem, same folder) fail before anything is sent. A cancelled batch stops at the
    /// current input.
    /// - Parameters:
    ///   - inputs: files and directories.
    ///   - recursive: look into subdirectories.
    ///   - template: the job settings; its `input` is ignored.
    ///   - events: progress, from any task.
    ///   - deliver: called with each finished job's outcome (cues, text for standard output), in input order.
    public func runBatch(
        _ inputs: [String], recursive: Bool, template: SubtitleJob,
        events: @escaping @Sendable (JobEvent) -> Void = { _ in },
        deliver: (JobOutcome) -> Void = { _ in }
    ) async -> BatchReport {
        let clock = ContinuousClock()
        let began = clock.now
        let discovery = (try? await BlockingWork.run("discover") { InputDiscovery.discover(inputs, recursive: recursive) })
            ?? InputDiscovery.Result(files: [], reports: [])
        var reports = discovery.reports
        for report in discovery.reports { events(.finished(report)) }
        let clashes = Self.collisions(among: discovery.files, template: template)
        for file in discovery.files {
            if Task.isCancelled {
                var report = JobReport(input: file, status: .cancelled)
                report.failure = .at(file, .cancelled, "cancelled before it started")
                reports.append(report)
                break
            }
            var job = template
            job.input = file
            if let first = clashes[file] {
                events(.started(input: file))
                var report = JobReport(input: file, status: .failed)
                report.failure = JobFailure(
                    .outputCollision, path: file,
                    message: "\(file): would write the same subtitle files as \(first) (same name, same folder)",
                    otherInput: first)
                events(.finished(report))
                reports.append(report)
                continue
            }
            let outcome = await run(job, events: events)
            deliver(outcome)
            reports.append(outcome.report)
            if outcome.report.status == .cancelled { break }
        }
        return BatchReport(command: template.options.task.rawValue, inputs: reports,
                           wallTimeMs: Subtitler.milliseconds(clock.now - began))
    }

    // MARK: - One job

    /// Runs one job: preflight checks, skip rules, the pipeline, and an all-or-nothing write of its outputs.
    /// Never throws: every failure is in the report, as one line naming the input.
    public func run(_ job: SubtitleJob, events: @escaping @Sendable (JobEvent) -> Void = { _ in }) async -> JobOutcome {
        let clock = ContinuousClock()
        let began = clock.now
        events(.started(input: job.input))
        var outcome = await perform(job, events: events)
        if outcome.report.wallTimeMs == nil, outcome.report.status == .done || outcome.report.status == .failed {
            outcome.report.wallTimeMs = Subtitler.milliseconds(clock.now - began)
        }
        events(.finished(outcome.report))
        return outcome
    }

    private func perform(_ job: SubtitleJob, events: @escaping @Sendable (JobEvent) -> Void) async -> JobOutcome {
        let input = job.input
        var report = JobReport(input: input, status: .failed)
        func failed(_ failure: JobFailure) -> JobOutcome {
            report.status = .failed
            report.failure = failure
            return JobOutcome(report: report)
        }
        func cancelled() -> JobOutcome {
            report.status = .cancelled
            report.failure = JobFailure(.cancelled, path: input, message: SubtitlerError.cancelled(path: input).description)
            return JobOutcome(report: report)
        }
        func skipped(_ reason: SkipReason, outputs: [String] = []) -> JobOutcome {
            report.status = .skipped
            report.skipReason = reason
            report.outputs = outputs
            report.failure = nil
            return JobOutcome(report: report)
        }

        // 1. Checks that cost nothing, before anything is decoded or sent.
        let preflight: Preflight
        do {
            preflight = try await BlockingWork.run("preflight") { try Self.preflight(job, memory: languageMemory) }
        } catch let error as JobPreflightError {
            switch error {
            case .failed(let failure): return failed(failure)
            case .skipped(let reason, let outputs): return skipped(reason, outputs: outputs)
            }
        } catch {
            if error is CancellationError || Task.isCancelled { return cancelled() }
            return failed(.at(input, .unknown, "\(error)"))
        }
        report.language = preflight.outputLanguage
        report.task = job.options.task
        report.model = job.options.model

        // 2. A dry run plans and prices, and sends nothing.
        if job.isDryRun {
            do {
                let plan = try await subtitler.planAsync(for: input, options: job.options)
                report.status = .planned
                report.dryRun = plan
                return JobOutcome(report: report)
            } catch {
                return failed(JobFailure(.pipeline, path: input, message: error.description))
            }
        }

        // 3. The pipeline. The input's version now is compared with its version before the write: subtitles of a
        // file that was rewritten or replaced meanwhile would be of the old content.
        let versionRead = FileVersion(path: input)
        let counters = RequestCounters()
        let result: SubtitleResult
        do {
            result = try await subtitler.makeSubtitles(for: input, options: job.options, counters: counters) { event in
                events(.progress(input: input, event))
            }
        } catch {
            report.sent = RequestsSent(requests: counters.requests, retries: counters.retries,
                                       bytesSent: counters.bytesSent)
            if error.kind == .cancelled {
                report.status = .cancelled
                report.failure = JobFailure(.cancelled, path: input, message: error.description)
                return JobOutcome(report: report)
            }
            return failed(JobFailure(.pipeline, path: input, message: error.description))
        }
        let subtitleReport = result.report
        report.fill(from: subtitleReport, cueCount: result.cues.count)

        // 4. Outputs, all or none.
        if Task.isCancelled { return cancelled() }
        if FileVersion(path: input) != versionRead {
            var outcome = failed(.at(input, .inputChanged,
                                     "the file changed while it was being transcribed; nothing was written"))
            outcome.report.fill(from: subtitleReport, cueCount: result.cues.count)
            return outcome
        }
        if job.destination == .standardOutput {
            report.status = .done
            let text = Subtitler.render(result.cues, as: job.formats[0], language: subtitleReport.language)
            return JobOutcome(report: report, cues: result.cues, standardOutput: text)
        }
        let targets = Self.outputURLs(for: job, language: subtitleReport.language)
        if job.overwrite == .keepNewer, preflight.outputLanguage == nil,
           let newer = SkipRules.newerOutput(among: targets.filter { OutputTargetKind(path: $0.path) != .stream },
                                             comparedWith: input) {
            // The name was known only now: a newer file there was made by someone else. Keep it; the answer stays
            // in the resume cache, so --force costs nothing more.
            var outcome = skipped(SkipReason(
                kind: .newerOutputExists,
                message: "\(newer.path) is newer than the input and was kept",
                path: newer.path))
            outcome.report.fill(from: subtitleReport, cueCount: result.cues.count)
            outcome.cues = result.cues
            return outcome
        }
        let rendered = job.formats.map { Subtitler.render(result.cues, as: $0, language: subtitleReport.language) }
        // An ASS output muxed into Matroska is an ASS track (styles and karaoke kept); otherwise a text track.
        let styled = job.formats.contains(.ass) && SubtitleEmbedding.takesStyledTracks(input)
        let embedded = !job.embedsSubtitles ? nil
            : styled ? SubtitleEmbedding.styledTrack(cues: result.cues, language: subtitleReport.language, naming: job.naming)
            : SubtitleEmbedding.track(for: result.cues, language: subtitleReport.language, naming: job.naming)
        do {
            let confinement = job.outputRoots.map(OutputConfinement.init(roots:))
            try await BlockingWork.run("write") {
                var transaction = OutputTransaction(confinement: confinement)
                do {
                    for (url, text) in zip(targets, rendered) { try transaction.stage(Data(text.utf8), for: url) }
                    if let embedded {
                        // The muxed copy replaces the input together with the sidecars, or not at all.
                        let real = PathResolution.realPath(input) ?? input
                        if let confinement, !confinement.contains(real) { throw OutputError.outsideRoots(input) }
                        let copy = try SubtitleEmbedding.muxedCopy(of: real, adding: [embedded], confinement: confinement)
                        do {
                            try transaction.stage(writtenFile: copy, for: URL(fileURLWithPath: real))
                        } catch {
                            unlink(copy.path)
                            throw error
                        }
                    }
                    try transaction.commit()
                } catch {
                    transaction.abort()
                    throw error
                }
            }
        } catch let error as OutputError {
            return failed(.at(input, error.isOutsideRoots ? .outsideRoots : .writeFailed, error.description))
        } catch let error as MediaError {
            return failed(JobFailure(.writeFailed, path: input, message: error.description))
        } catch {
            if error is CancellationError || Task.isCancelled { return cancelled() }
            return failed(.at(input, .writeFailed, "\(error)"))
        }
        report.status = .done
        report.outputs = targets.map(\.path) + (job.embedsSubtitles ? [input] : [])
        if job.remembersLanguage, job.options.language == nil, job.options.task == .transcribe,
           let language = subtitleReport.language {
            try? languageMemory.remember(language, of: input, options: job.options)
        }
        return JobOutcome(report: report, cues: result.cues)
    }

    /// Why `job` needs no work (up to date, already subtitled, excluded by a marker), decided before anything is
    /// decoded or sent; nil when it does need work (or would fail: running it reports why).
    public func skipReason(for job: SubtitleJob) async -> SkipReason? {
        let memory = languageMemory
        do {
            _ = try await BlockingWork.run("preflight") { try Self.preflight(job, memory: memory) }
            return nil
        } catch JobPreflightError.skipped(let reason, _) {
            return reason
        } catch {
            return nil
        }
    }

}

extension JobReport {
    /// Takes the pipeline's report as the job's figures.
    mutating func fill(from report: SubtitleReport, cueCount: Int) {
        language = report.language
        task = report.task
        model = report.model
        cues = cueCount
        wallTimeMs = report.wallTime
        run = report
    }
}
