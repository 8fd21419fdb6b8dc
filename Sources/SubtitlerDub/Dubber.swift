import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Subtitler
import SubtitlerSupport

/// Makes an English dub track and muxes it into the media file: English cues (the translation of the chosen track,
/// or given) → `/audio/speech` for each cue, concurrently, cached → each utterance trimmed and fitted to its cue
/// (the API's `speed` first, then a pitch-keeping tempo change within limits; what still does not fit is reported
/// and runs into the pause after it, never cut off and never over the next utterance) → placed on the media
/// timeline in one continuous track the media's length, optionally over the original lowered by some dB → encoded
/// (Opus for Matroska and WebM, AAC for the MP4 family) → muxed as an extra audio track (`eng`, "English (dub)",
/// `dub` disposition), every original stream kept.
///
/// Memory stays bounded whatever the film's length: speech is requested a few cues ahead of the track being
/// written, and the track streams into the encoder. Blocking media and file work runs on the blocking-work pool.
/// Nothing is written unless the whole dub succeeds.
///
/// ```swift
/// let dubber = Dubber(subtitler: Subtitler(client: OpenAIAudioClient(configuration: .fromEnvironment())))
/// let result = try await dubber.dub(DubJob(input: "film.mkv"))
/// print(result.report.output ?? "", result.report.notFitted)
/// ```
public struct Dubber: Sendable {
    /// The pipeline: its API client speaks and translates, its resume cache keeps the answers.
    public let subtitler: Subtitler

    /// Creates a dubber.
    public init(subtitler: Subtitler) {
        self.subtitler = subtitler
    }

    /// Dubs one media file.
    /// - Parameters:
    ///   - job: the input, the cues, the destination and the settings.
    ///   - progress: called with progress events, from any task.
    /// - Returns: the report, the cues spoken and the written file as probed.
    /// - Throws: ``DubError`` naming the file and the cause; nothing is written then.
    public func dub(
        _ job: DubJob, progress: @escaping @Sendable (DubEvent) -> Void = { _ in }
    ) async throws(DubError) -> DubResult {
        let clock = ContinuousClock()
        let began = clock.now
        let path = job.input
        if let problem = job.options.problem { throw .invalidJob(path: path, reason: problem.message) }
        let setup = try await Self.blocking(path, "preflight", on: .io) { () throws(DubError) in try DubSetup(job: job) }
        progress(.started(input: path, duration: setup.mediaDuration))

        // 1. The cues.
        var translation: SubtitleReport?
        let cues: [Cue]
        switch job.cues {
        case .cues(let given):
            cues = given
        case .file(let file):
            cues = try await Self.blocking(path, "read cues", on: .io) { () throws(DubError) in
                do {
                    return try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: file))
                } catch {
                    throw .cueFile(path: file, reason: "\(error)")
                }
            }
        case .translation:
            var options = job.options.translation
            options.task = .translate
            guard let original = setup.original else { throw .invalidJob(path: path, reason: "no audio track to translate") }
            options.track = .index(original.index)
            options.usesCache = options.usesCache && job.options.usesCache
            do {
                let result = try await subtitler.makeSubtitles(for: path, options: options) { progress(.translation($0)) }
                cues = result.cues
                translation = result.report
            } catch {
                if error.kind == .cancelled { throw .cancelled(path: path) }
                throw .translation(error)
            }
        }
        let planned = PlannedCue.plan(cues, mediaDuration: setup.mediaDuration, fitTarget: job.options.fitTarget)
        guard planned.contains(where: \.isSpoken) else { throw .noCues(path: path) }
        progress(.cuesReady(count: planned.count))

        // 2. Speech, fitting and the track, streamed in time order.
        let counters = DubSpeechCounters()
        let source = DubSpeechSource(
            client: subtitler.synthesizer, cache: job.options.usesCache ? subtitler.cache : nil,
            model: job.options.speechModel, voice: job.options.voice, instructions: job.options.instructions,
            counters: counters)
        // Leftovers of killed runs in the output's folder (speech tracks, muxed copies) go before a new one is made.
        let outputURL = URL(fileURLWithPath: setup.outputPath)
        TemporaryFile.removeLeftovers(in: outputURL.deletingLastPathComponent())
        let temporary = TemporaryFile.url(for: outputURL, extraExtension: setup.encoding.fileExtension)
        // With roots, the speech track is written through the output's folder opened and checked now.
        let anchor: AnchoredFolder?
        if let roots = job.outputRoots {
            do throws(OutputError) {
                anchor = try AnchoredFolder(of: outputURL, within: OutputConfinement(roots: roots))
            } catch {
                throw .invalidJob(path: path, reason: error.reason)
            }
        } else {
            anchor = nil
        }
        let trackPath = anchor?.path(of: temporary.lastPathComponent) ?? temporary.path
        defer { withExtendedLifetime(anchor) { _ = unlink(trackPath) } }
        let session = DubSession(job: job, setup: setup, source: source, temporaryPath: trackPath, progress: progress)
        let placed = try await session.run(planned)

        // 3. Mux.
        progress(.muxing(output: setup.outputPath))
        var additions: [TrackAddition] = [.audio(
            file: trackPath, language: "eng", title: "English (dub)",
            dispositions: job.options.isDefault ? [.dub, .default] : [.dub])]
        if job.options.embedsSubtitles {
            let texts = cues.sorted { $0.start < $1.start }
                .map(TimedText.init)
            additions.append(.subtitles(texts, language: "eng", title: "English"))
        }
        let destination: MuxDestination = job.destination == .replacingInput ? .replacingSource : .file(setup.outputPath)
        let tracks = additions
        let roots = job.outputRoots
        let muxed = try await Self.blocking(path, "mux") { () throws(DubError) in
            guard let roots else {
                do throws(MediaError) {
                    return try MediaMuxer.mux(path, adding: tracks, to: destination)
                } catch {
                    throw .media(error)
                }
            }
            return try Self.confinedMux(path, adding: tracks, to: destination, within: OutputConfinement(roots: roots))
        }

        var warnings = setup.warnings + placed.warnings
        if let translation { warnings = translation.warnings + warnings }
        let report = DubReport(
            input: path, output: muxed.path, cueSource: job.cues.label, mediaDuration: setup.mediaDuration,
            trackSampleCount: placed.sampleCount, sampleRate: job.options.sampleRate, encoding: setup.encoding,
            duckDecibels: job.options.duckDecibels, originalTrack: setup.original?.index,
            dubTrack: muxed.addedStreams.first, subtitleTrack: job.options.embedsSubtitles ? muxed.addedStreams.last : nil,
            cues: placed.cues, notFitted: placed.cues.filter { $0.status == .overran }.map(\.number),
            speech: counters.snapshot, translation: translation, warnings: warnings,
            wallTime: Subtitler.milliseconds(clock.now - began))
        return DubResult(report: report, cues: cues, media: muxed.media)
    }

    /// Runs `body` on a blocking-work pool (``BlockingPool/media`` unless told otherwise), keeping its ``DubError``
    /// and turning everything else into one.
    static func blocking<T: Sendable>(
        _ path: String, _ label: StaticString, on pool: BlockingPool = .media,
        _ body: @escaping @Sendable () throws(DubError) -> T
    ) async throws(DubError) -> T {
        if Task.isCancelled { throw .cancelled(path: path) }
        do {
            return try await BlockingWork.run(on: pool, label) { try body() }
        } catch let error as DubError {
            throw error
        } catch let error as MediaError {
            throw .media(error)
        } catch {
            throw .cancelled(path: path)
        }
    }
}

extension Dubber {
    /// Muxes through the input's and the output's folders, each opened and checked against `confinement` first (the
    /// in-place case replaces the real file a link points to, as the unconfined mux does, once that file is inside).
    static func confinedMux(
        _ path: String, adding tracks: [TrackAddition], to destination: MuxDestination, within confinement: OutputConfinement
    ) throws(DubError) -> MuxResult {
        let real = PathResolution.realPath(path) ?? path
        guard confinement.contains(real) else {
            throw .invalidJob(path: path, reason: OutputError.outsideRoots(path).reason)
        }
        let input = URL(fileURLWithPath: real)
        let output: URL
        switch destination {
        case .replacingSource: output = input
        case .file(let file): output = URL(fileURLWithPath: file)
        }
        let inputFolder: AnchoredFolder
        let outputFolder: AnchoredFolder
        do throws(OutputError) {
            inputFolder = try AnchoredFolder(of: input, within: confinement)
            outputFolder = output == input ? inputFolder : try AnchoredFolder(of: output, within: confinement)
            try confinement.checkEntry(named: output.lastPathComponent, in: outputFolder.descriptor, for: output)
        } catch {
            throw .invalidJob(path: path, reason: error.reason)
        }
        do throws(MediaError) {
            var result = try MediaMuxer.mux(
                inputFolder.path(of: input.lastPathComponent), adding: tracks,
                to: .file(outputFolder.path(of: output.lastPathComponent)))
            result.path = destination == .replacingSource ? path : output.path
            result.media.path = result.path
            return result
        } catch {
            var readable = error
            readable.path = outputFolder.readable(inputFolder.readable(error.path))
            throw .media(readable)
        }
    }
}

extension DubCueSource {
    /// `translation`, the file's path, or `cues`.
    var label: String {
        switch self {
        case .translation: "translation"
        case .file(let path): path
        case .cues: "cues"
        }
    }
}

/// What is known before anything is sent: the media, its length, the original track and the output.
struct DubSetup: Sendable {
    var info: MediaInfo
    /// The audio track translated and ducked; nil for a file without audio dubbed from given cues.
    var original: StreamInfo?
    var mediaDuration: Milliseconds
    var outputPath: String
    var encoding: AudioEncoding
    var warnings: [String] = []

    /// Checks the input, the output and the track; measures the media.
    init(job: DubJob) throws(DubError) {
        let path = job.input
        if let problem = FileKind.localPathProblem(path) { throw .invalidJob(path: path, reason: problem) }
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw .invalidJob(path: path, reason: String(cString: strerror(errno)).lowercased())
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .invalidJob(path: path, reason: "not a regular file (\(FileKind.name(of: status.st_mode)))")
        }
        guard access(path, R_OK) == 0 else { throw .invalidJob(path: path, reason: String(cString: strerror(errno))) }
        outputPath = job.outputPath
        let container: MuxContainer
        do {
            container = try MuxContainer.required(for: outputPath)
            info = try MediaProbe.probe(path)
            // Cues given and nothing to duck: a file without audio (a silent video) can be dubbed too.
            let needsAudio = job.cues == .translation || job.options.duckDecibels != nil
            if needsAudio || job.options.track != .automatic || !info.audioStreams.isEmpty {
                original = try job.options.track.resolve(in: info)
            } else {
                original = nil
            }
        } catch {
            throw .media(error)
        }
        encoding = container.dubEncoding
        if job.destination != .replacingInput {
            if OutputGuard.overwrittenInput(by: outputPath, inputs: [path]) != nil {
                throw .outputIsInput(path: path, output: outputPath)
            }
            let directory = URL(fileURLWithPath: outputPath).deletingLastPathComponent().path
            guard access(directory, W_OK | X_OK) == 0 else {
                throw .invalidJob(path: path, reason: "cannot write in \(directory): \(String(cString: strerror(errno)))")
            }
        } else {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard access(path, W_OK) == 0, access(directory, W_OK | X_OK) == 0 else {
                throw .invalidJob(path: path, reason: "cannot replace the file in place: \(String(cString: strerror(errno)))")
            }
        }
        if let duration = info.duration ?? original?.duration ?? info.videoStream?.duration, duration > 0 {
            mediaDuration = duration
        } else if let original {
            mediaDuration = try Self.decodedDuration(of: path, track: original)
            warnings.append("the container records no duration; the dub is as long as the decoded original track")
        } else {
            throw .invalidJob(path: path, reason: "the file records no duration and has no audio to measure it by")
        }
    }

    /// The length of the original track, by decoding it (for files that do not record their duration).
    static func decodedDuration(of path: String, track: StreamInfo) throws(DubError) -> Milliseconds {
        do {
            let reader = try AudioReader(path: path, track: .index(track.index), sampleRate: 8_000, blockSize: 80_000)
            while try reader.nextBlock() != nil {}
            return reader.position * 1000 / 8_000
        } catch {
            throw .media(error)
        }
    }
}
