import Foundation
import MediaAudio
import Subtitles
import Subtitler
import SubtitlerSupport

/// The POSIX checks made before anything is decoded or sent: the input is a readable regular file, the outputs can
/// be written and are not the input, and no skip rule applies.
extension JobRunner {
    struct Preflight: Sendable {
        /// The output language when known before sending (requested, English for translations, or remembered).
        var outputLanguage: String?
    }

    enum JobPreflightError: Error {
        case failed(JobFailure)
        case skipped(SkipReason, [String])
    }

    /// Everything that can be checked before paying: the input is a local regular file, the outputs can be written
    /// and are not the input, and no skip rule applies.
    static func preflight(_ job: SubtitleJob, memory: LanguageMemory) throws(JobPreflightError) -> Preflight {
        let input = job.input
        if let problem = InputDiscovery.problem(withPath: input) { throw .failed(.at(input, .invalidPath, problem)) }
        if let problem = job.options.problem { throw .failed(.at(input, .invalidOptions, "invalid options: \(problem)")) }
        var info = stat()
        guard stat(input, &info) == 0 else {
            throw .failed(.at(input, .unreadableInput, String(cString: strerror(errno)).lowercased()))
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .failed(.at(input, .notAFile, "not a regular file (\(InputDiscovery.kindName(info.st_mode)))"))
        }
        if let roots = job.outputRoots {
            let confinement = OutputConfinement(roots: roots)
            guard let real = PathResolution.realPath(input), confinement.contains(real) else {
                throw .failed(.at(input, .outsideRoots, "outside the folders this service may use"))
            }
        }
        if let marker = InputDiscovery.skipMarker(above: input) {
            throw .skipped(SkipReason(kind: .excludedByMarker, message: "excluded by \(marker)", path: marker), [])
        }
        guard access(input, R_OK) == 0 else {
            throw .failed(.at(input, .unreadableInput, String(cString: strerror(errno))))
        }
        if !job.isDryRun { try checkOutputs(of: job) }
        if job.embedsSubtitles {
            do {
                _ = try MuxContainer.required(for: input)
            } catch {
                throw .failed(.cannotEmbed(input, error.ffmpegMessage ?? "this kind of file cannot hold subtitle tracks"))
            }
            let folder = URL(fileURLWithPath: PathResolution.realPath(input) ?? input).deletingLastPathComponent().path
            guard access(folder, W_OK | X_OK) == 0 else {
                throw .failed(.cannotEmbed(input, "cannot write in \(folder): \(String(cString: strerror(errno)))"))
            }
        }

        var language = job.knownOutputLanguage
        if language == nil, job.remembersLanguage, job.options.task == .transcribe {
            language = memory.language(of: input, options: job.options)
        }
        if !job.isDryRun, language != nil, job.destination == .besideInput || job.isDirectoryDestination {
            // The names are known: a target that is a directory (or the input) fails now, not after paying.
            try checkTargets(outputURLs(for: job, language: language), of: job)
        }
        if job.overwrite == .keepNewer, job.destination != .standardOutput, !job.isDryRun {
            let fixedName: Bool = if case .file = job.destination { true } else { false }
            if fixedName || language != nil {
                let targets = outputURLs(for: job, language: language)
                let writable = targets.allSatisfy { OutputTargetKind(path: $0.path) != .stream }
                if writable, SkipRules.areUpToDate(targets, comparedWith: input) {
                    throw .skipped(SkipReason(
                        kind: .upToDate, message: "up to date, skipped", path: targets.first?.path),
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
    static func checkTargets(_ targets: [URL], of job: SubtitleJob) throws(JobPreflightError) {
        for target in targets {
            if OutputGuard.overwrittenInput(by: target.path, inputs: [job.input]) != nil {
                throw .failed(.at(job.input, .outputIsInput, "the output \(target.path) is the input file itself; choose another name"))
            }
            if case .unusable(let why) = OutputTargetKind(path: target.path) {
                throw .failed(.at(job.input, .outputNotWritable, "cannot write \(target.path): \(why)"))
            }
            if let roots = job.outputRoots {
                do {
                    try OutputConfinement(roots: roots).check(target)
                } catch {
                    throw .failed(.at(job.input, error.isOutsideRoots ? .outsideRoots : .outputNotWritable, error.description))
                }
            }
        }
    }

    /// The outputs can be written and are not the input (checked before anything is sent).
    static func checkOutputs(of job: SubtitleJob) throws(JobPreflightError) {
        let path = job.input
        func writableDirectory(_ directory: URL, what: String) throws(JobPreflightError) {
            var info = stat()
            guard stat(directory.path, &info) == 0 else {
                throw .failed(.at(path, .outputNotWritable, "\(what) \(directory.path) does not exist"))
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .failed(.at(path, .outputNotWritable, "\(what) \(directory.path) is not a directory"))
            }
            guard access(directory.path, W_OK | X_OK) == 0 else {
                throw .failed(.at(path, .outputNotWritable, "cannot write in \(directory.path): \(String(cString: strerror(errno)))"))
            }
        }
        switch job.destination {
        case .standardOutput:
            return
        case .file:
            for target in outputURLs(for: job, language: nil) {
                if OutputGuard.overwrittenInput(by: target.path, inputs: [path]) != nil {
                    throw .failed(.at(path, .outputIsInput, "the output \(target.path) is the input file itself; choose another name"))
                }
                switch OutputTargetKind(path: target.path) {
                case .unusable(let why): throw .failed(.at(path, .outputNotWritable, "cannot write \(target.path): \(why)"))
                case .stream: continue
                case .missing, .regularFile:
                    try writableDirectory(target.deletingLastPathComponent(), what: "the output file's folder")
                }
            }
        case .directory(let directory):
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .failed(.at(path, .outputNotWritable, "cannot create the output folder \(directory): \(error.localizedDescription)"))
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
}
