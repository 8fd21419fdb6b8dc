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
                report.error = "\(file): cancelled before it started"
                reports.append(report)
                break
            }
            var job = template
            job.input = file
            if let first = clashes[file] {
                events(.started(input: file))
                var report = JobReport(input: file, status: .failed)
                report.error = "\(file): would write the same subtitle files as \(first) (same name, same folder); "
                    + "use --output to keep them apart, or subtitle one of them at a time"
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

    /// For each file whose outputs would have the same names as an earlier file's, that earlier file.
    package static func collisions(among files: [String], template: SubtitleJob) -> [String: String] {
        guard template.destination != .standardOutput else { return [:] }
        var owners: [String: String] = [:]
        var clashes: [String: String] = [:]
        for file in files {
            var job = template
            job.input = file
            let key: String
            if case .file(let path) = job.destination {
                key = URL(fileURLWithPath: path).standardizedFileURL.path
            } else {
                key = outputDirectory(for: job).standardizedFileURL.appendingPathComponent(stem(of: file)).path
            }
            if let owner = owners[key] { clashes[file] = owner } else { owners[key] = file }
        }
        return clashes
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
        func failed(_ message: String) -> JobOutcome {
            report.status = .failed
            report.error = message
            return JobOutcome(report: report)
        }
        func cancelled() -> JobOutcome {
            report.status = .cancelled
            report.error = SubtitlerError.cancelled(path: input).description
            return JobOutcome(report: report)
        }
        func skipped(_ reason: SkipReason, outputs: [String] = []) -> JobOutcome {
            report.status = .skipped
            report.skipReason = reason
            report.outputs = outputs
            report.error = nil
            return JobOutcome(report: report)
        }

        // 1. Checks that cost nothing, before anything is decoded or sent.
        let preflight: Preflight
        do {
            preflight = try await BlockingWork.run("preflight") { try Self.preflight(job, memory: languageMemory) }
        } catch let error as JobPreflightError {
            switch error {
            case .failed(let message): return failed(message)
            case .skipped(let reason, let outputs): return skipped(reason, outputs: outputs)
            }
        } catch {
            if error is CancellationError || Task.isCancelled { return cancelled() }
            return failed("\(input): \(error)")
        }
        report.language = preflight.outputLanguage
        report.task = job.options.task
        report.model = job.options.model

        // 2. A dry run plans and prices, and sends nothing.
        if job.isDryRun {
            do {
                let plan = try await subtitler.planAsync(for: input, options: job.options)
                report.status = .planned
                report.plan = plan.chunks
                report.chunks = plan.chunks.count
                report.requests = plan.chunks.count
                report.bytesSent = plan.totalRequestBytes
                report.audioDurationMs = plan.audioDuration
                report.estimatedCost = plan.estimatedCost
                report.warnings = plan.warnings
                report.audioSentMs = plan.audioSent
                report.speechMs = plan.speechDuration
                report.speechShare = plan.audioDuration > 0 ? Double(plan.speechDuration) / Double(plan.audioDuration) : 0
                report.speechDetector = plan.speechDetector
                return JobOutcome(report: report)
            } catch {
                return failed(error.description)
            }
        }

        // 3. The pipeline.
        let counters = RequestCounters()
        let result: SubtitleResult
        do {
            result = try await subtitler.makeSubtitles(for: input, options: job.options, counters: counters) { event in
                events(.progress(input: input, event))
            }
        } catch {
            report.requests = counters.requests
            report.retries = counters.retries
            report.bytesSent = counters.bytesSent
            if case .cancelled = error {
                report.status = .cancelled
                report.error = error.description
                return JobOutcome(report: report)
            }
            return failed(error.description)
        }
        let subtitleReport = result.report
        report.fill(from: subtitleReport, cueCount: result.cues.count)

        // 4. Outputs, all or none.
        if Task.isCancelled { return cancelled() }
        if job.destination == .standardOutput {
            report.status = .done
            let text = Subtitler.render(result.cues, as: job.formats[0], language: subtitleReport.language)
            return JobOutcome(report: report, cues: result.cues, standardOutput: text, subtitleReport: subtitleReport)
        }
        let targets = Self.outputURLs(for: job, language: subtitleReport.language)
        if job.overwrite == .keepNewer, preflight.outputLanguage == nil,
           let newer = SkipRules.newerOutput(among: targets.filter { OutputTargetKind(path: $0.path) != .stream },
                                             comparedWith: input) {
            // The name was known only now: a newer file there was made by someone else. Keep it; the answer stays
            // in the resume cache, so --force costs nothing more.
            var outcome = skipped(SkipReason(
                kind: .newerOutputExists,
                message: "\(newer.path) is newer than the input and was kept; use --force to replace it",
                path: newer.path))
            outcome.report.fill(from: subtitleReport, cueCount: result.cues.count)
            outcome.cues = result.cues
            outcome.subtitleReport = subtitleReport
            return outcome
        }
        let rendered = job.formats.map { Subtitler.render(result.cues, as: $0, language: subtitleReport.language) }
        let embedded = job.embedsSubtitles
            ? SubtitleEmbedding.track(for: result.cues, language: subtitleReport.language, naming: job.naming) : nil
        do {
            try await BlockingWork.run("write") {
                var transaction = OutputTransaction()
                do {
                    for (url, text) in zip(targets, rendered) { try transaction.stage(Data(text.utf8), for: url) }
                    if let embedded {
                        // The muxed copy replaces the input together with the sidecars, or not at all.
                        let real = PathResolution.realPath(input) ?? input
                        let copy = try SubtitleEmbedding.muxedCopy(of: real, adding: [embedded])
                        transaction.stage(writtenFile: copy, for: URL(fileURLWithPath: real))
                    }
                    try transaction.commit()
                } catch {
                    transaction.abort()
                    throw error
                }
            }
        } catch let error as OutputError {
            return failed("\(input): \(error.description)")
        } catch let error as MediaError {
            return failed(error.description)
        } catch {
            if error is CancellationError || Task.isCancelled { return cancelled() }
            return failed("\(input): \(error)")
        }
        report.status = .done
        report.outputs = targets.map(\.path) + (job.embedsSubtitles ? [input] : [])
        if job.remembersLanguage, job.options.language == nil, job.options.task == .transcribe,
           let language = subtitleReport.language {
            try? languageMemory.remember(language, of: input, options: job.options)
        }
        return JobOutcome(report: report, cues: result.cues, subtitleReport: subtitleReport)
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

    // MARK: - Preflight

    struct Preflight: Sendable {
        /// The output language when known before sending (requested, English for translations, or remembered).
        var outputLanguage: String?
    }

    enum JobPreflightError: Error {
        case failed(String)
        case skipped(SkipReason, [String])
    }

    /// Everything that can be checked before paying: the input is a local regular file, the outputs can be written
    /// and are not the input, and no skip rule applies.
    static func preflight(_ job: SubtitleJob, memory: LanguageMemory) throws(JobPreflightError) -> Preflight {
        let input = job.input
        if let problem = InputDiscovery.problem(withPath: input) { throw .failed("\(input): \(problem)") }
        if let problem = job.options.problem { throw .failed("\(input): invalid options: \(problem)") }
        var info = stat()
        guard stat(input, &info) == 0 else {
            throw .failed("\(input): \(String(cString: strerror(errno)).lowercased())")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .failed("\(input): not a regular file (\(InputDiscovery.kindName(info.st_mode)))")
        }
        if let marker = InputDiscovery.skipMarker(above: input) {
            throw .skipped(SkipReason(kind: .excludedByMarker, message: "excluded by \(marker)", path: marker), [])
        }
        guard access(input, R_OK) == 0 else {
            throw .failed("\(input): \(String(cString: strerror(errno)))")
        }
        if !job.isDryRun { try checkOutputs(of: job, input: info) }
        if job.embedsSubtitles {
            do {
                _ = try MuxContainer.required(for: input)
            } catch {
                throw .failed("\(input): --embed: \(error.ffmpegMessage ?? "this kind of file cannot hold subtitle tracks")")
            }
            let folder = URL(fileURLWithPath: PathResolution.realPath(input) ?? input).deletingLastPathComponent().path
            guard access(folder, W_OK | X_OK) == 0 else {
                throw .failed("\(input): --embed: cannot write in \(folder): \(String(cString: strerror(errno)))")
            }
        }

        var language = job.knownOutputLanguage
        if language == nil, job.remembersLanguage, job.options.task == .transcribe {
            language = memory.language(of: input, options: job.options)
        }
        if !job.isDryRun, language != nil, job.destination == .besideInput || job.isDirectoryDestination {
            // The names are known: a target that is a directory (or the input) fails now, not after paying.
            try checkTargets(outputURLs(for: job, language: language), of: job, input: info)
        }
        if job.overwrite == .keepNewer, job.destination != .standardOutput, !job.isDryRun {
            let fixedName: Bool = if case .file = job.destination { true } else { false }
            if fixedName || language != nil {
                let targets = outputURLs(for: job, language: language)
                let writable = targets.allSatisfy { OutputTargetKind(path: $0.path) != .stream }
                if writable, SkipRules.areUpToDate(targets, comparedWith: input) {
                    throw .skipped(SkipReason(
                        kind: .upToDate, message: "up to date, skipped (use --force to redo)", path: targets.first?.path),
                        targets.map(\.path))
                }
            }
        }
        if job.skipsIfSubtitled {
            try checkExistingSubtitles(job, knownLanguage: language)
        }
        return Preflight(outputLanguage: language)
    }

    /// Each target can be replaced or written through, and none is the input.
    static func checkTargets(_ targets: [URL], of job: SubtitleJob, input: stat) throws(JobPreflightError) {
        for target in targets {
            var other = stat()
            if stat(target.path, &other) == 0, other.st_dev == input.st_dev, other.st_ino == input.st_ino {
                throw .failed("\(job.input): the output \(target.path) is the input file itself; choose another name")
            }
            if case .unusable(let why) = OutputTargetKind(path: target.path) {
                throw .failed("\(job.input): cannot write \(target.path): \(why)")
            }
        }
    }

    /// The outputs can be written and are not the input (checked before anything is sent).
    static func checkOutputs(of job: SubtitleJob, input: stat) throws(JobPreflightError) {
        let path = job.input
        func isInput(_ target: String) -> Bool {
            var other = stat()
            return stat(target, &other) == 0 && other.st_dev == input.st_dev && other.st_ino == input.st_ino
        }
        func writableDirectory(_ directory: URL, what: String) throws(JobPreflightError) {
            var info = stat()
            guard stat(directory.path, &info) == 0 else {
                throw .failed("\(path): \(what) \(directory.path) does not exist")
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .failed("\(path): \(what) \(directory.path) is not a directory")
            }
            guard access(directory.path, W_OK | X_OK) == 0 else {
                throw .failed("\(path): cannot write in \(directory.path): \(String(cString: strerror(errno)))")
            }
        }
        switch job.destination {
        case .standardOutput:
            return
        case .file(let file):
            for target in outputURLs(for: job, language: nil) {
                if isInput(target.path) {
                    throw .failed("\(path): the output \(target.path) is the input file itself; choose another name")
                }
                switch OutputTargetKind(path: target.path) {
                case .unusable(let why): throw .failed("\(path): cannot write \(target.path): \(why)")
                case .stream: continue
                case .missing, .regularFile:
                    try writableDirectory(target.deletingLastPathComponent(), what: "the folder of -o \(file),")
                }
            }
        case .directory(let directory):
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .failed("\(path): cannot create the output folder \(directory): \(error.localizedDescription)")
            }
            try writableDirectory(URL(fileURLWithPath: directory), what: "the output folder")
        case .besideInput:
            try writableDirectory(URL(fileURLWithPath: path).deletingLastPathComponent(), what: "the input's folder")
        }
    }

    /// Skips the job when subtitles in its language already exist: a sidecar in any spelling, or a text subtitle
    /// stream in the container. Forced tracks never count.
    static func checkExistingSubtitles(_ job: SubtitleJob, knownLanguage: String?) throws(JobPreflightError) {
        var language = knownLanguage
        let info = try? MediaProbe.probe(job.input)
        if language == nil, let info, let stream = try? job.options.track.resolve(in: info) {
            language = stream.language
        }
        guard let language else { return }
        let stem = stem(of: job.input)
        let directories = [URL(fileURLWithPath: job.input).deletingLastPathComponent(), outputDirectory(for: job)]
        if let sidecar = SkipRules.coveringSidecar(stem: stem, language: language, in: directories) {
            throw .skipped(SkipReason(kind: .alreadySubtitled, message: "already has \(language) subtitles: \(sidecar)",
                                      path: sidecar), [])
        }
        if let info, let stream = SkipRules.coveringStream(in: info, language: language) {
            throw .skipped(SkipReason(
                kind: .alreadySubtitled,
                message: "already has \(language) subtitles: stream #\(stream.index) (\(stream.codec ?? "text"))"), [])
        }
    }

    // MARK: - Names

    /// The video's file name without its extension.
    static func stem(of input: String) -> String {
        URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
    }

    /// The folder outputs go to (for ``OutputDestination/file(_:)``, that file's folder).
    static func outputDirectory(for job: SubtitleJob) -> URL {
        switch job.destination {
        case .directory(let directory): URL(fileURLWithPath: directory)
        case .file(let file): URL(fileURLWithPath: file).deletingLastPathComponent()
        case .besideInput, .standardOutput: URL(fileURLWithPath: job.input).deletingLastPathComponent()
        }
    }

    /// Where a job's outputs go for `language`, one per format.
    public static func outputURLs(for job: SubtitleJob, language: String?) -> [URL] {
        switch job.destination {
        case .standardOutput:
            return []
        case .file(let file):
            let url = URL(fileURLWithPath: file)
            guard job.formats.count > 1 else { return [url] }
            let base = url.deletingPathExtension()
            return job.formats.map { base.appendingPathExtension($0.fileExtension) }
        case .besideInput, .directory:
            let directory = outputDirectory(for: job)
            let stem = stem(of: job.input)
            return job.formats.map {
                directory.appendingPathComponent(job.naming.fileName(stem: stem, language: language, format: $0))
            }
        }
    }
}

extension JobReport {
    /// Copies the pipeline's figures into the report.
    mutating func fill(from report: SubtitleReport, cueCount: Int) {
        language = report.language
        task = report.task
        model = report.model
        plan = report.chunks
        cues = cueCount
        chunks = report.chunks.count
        requests = report.requests
        cachedChunks = report.cachedChunks
        bytesSent = report.bytesSent
        retries = report.retries
        droppedSegments = report.dropped
        gaps = report.gaps
        styleViolations = report.violations
        audioDurationMs = report.audioDuration
        wallTimeMs = report.wallTime
        estimatedCost = report.estimatedCost
        timing = report.timing
        warnings = report.warnings
        audioSentMs = report.audioSent
        speechMs = report.speechDuration
        speechShare = report.speechShare
        speechDetector = report.speechDetector
    }
}
