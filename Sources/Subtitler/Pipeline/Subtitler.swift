import Foundation
import Logging
import MediaAudio
import OpenAIAudio
import Subtitles
import SubtitlerSupport

/// Makes subtitles for media files: decode and map the speech (Silero VAD), cut where no one speaks, upload only
/// the speech concurrently, put every time back on the media timeline, merge, align cues to the speech, guard,
/// shape, write.
///
/// ```swift
/// let subtitler = Subtitler(client: OpenAIAudioClient(configuration: .fromEnvironment()))
/// let result = try await subtitler.makeSubtitles(for: "talk.mp4")
/// try Subtitler.write(result.cues, as: .srt, to: URL(fileURLWithPath: "talk.en.srt"))
/// ```
public struct Subtitler: Sendable {
    /// Where audio is sent to be transcribed or translated.
    public let backend: any TranscriptionBackend
    /// Where text is spoken (the dub, `subtitler speak`).
    public let synthesizer: any SpeechSynthesizer
    /// The resume cache, or nil to bypass it.
    public let cache: ResponseCache?
    /// A resume cache other processes share (the service's nodes over one PostgreSQL store), consulted after
    /// ``cache`` and written with it; nil (the default) for none. Bypassed, as ``cache`` is, when the options turn
    /// the cache off.
    public var sharedCache: (any SharedAnswerCache)? = nil
    let logger: Logger
    /// Where decoding, encoding and speech detection run: ``BlockingPool/media``, or a test's own pool.
    package var mediaPool: BlockingPool = .media

    /// Creates a subtitler.
    /// - Parameters:
    ///   - client: the API client (OpenAI or any compatible server).
    ///   - cache: the resume cache; nil bypasses it.
    ///   - logger: where debug detail goes.
    public init(client: OpenAIAudioClient, cache: ResponseCache? = ResponseCache(), logger: Logger = Logger(label: "subtitler")) {
        self.init(backend: client, synthesizer: client, cache: cache, logger: logger)
    }

    /// Creates a subtitler over any backend: the stage seam tests and other programs fill with their own.
    /// - Parameters:
    ///   - backend: where audio is transcribed or translated.
    ///   - synthesizer: where text is spoken.
    ///   - cache: the resume cache; nil bypasses it.
    ///   - logger: where debug detail goes.
    public init(
        backend: any TranscriptionBackend, synthesizer: any SpeechSynthesizer, cache: ResponseCache? = ResponseCache(),
        logger: Logger = Logger(label: "subtitler")
    ) {
        self.backend = backend
        self.synthesizer = synthesizer
        self.cache = cache
        self.logger = logger
    }

    /// This subtitler with its requests sent through `backend` instead (a wrapper that limits or counts them, keeping
    /// the wrapped backend's ``TranscriptionBackend/cacheIdentity``); caches, logger and pools are kept.
    public func sending(through backend: any TranscriptionBackend) -> Subtitler {
        var copy = Subtitler(backend: backend, synthesizer: synthesizer, cache: cache, logger: logger)
        copy.sharedCache = sharedCache
        copy.mediaPool = mediaPool
        return copy
    }

    // MARK: - Planning

    /// Decodes and plans a file without sending anything, on the blocking-work pool: the chunks, their sizes and
    /// the estimated cost.
    /// - Throws: ``SubtitlerError`` for unreadable media.
    public func planAsync(for path: String, options: SubtitleOptions = SubtitleOptions()) async throws(SubtitlerError) -> PlanSummary {
        do {
            return try await BlockingWork.run(on: mediaPool, "plan") { try self.plan(for: path, options: options) }
        } catch let error as SubtitlerError {
            throw error
        } catch {
            throw .cancelled(path: path)
        }
    }

    /// Decodes and plans a file without sending anything: the chunks, their sizes and the estimated cost. Blocks
    /// the calling thread while it decodes; from async code use ``planAsync(for:options:)``.
    /// - Throws: ``SubtitlerError`` for unreadable media.
    public func plan(for path: String, options: SubtitleOptions = SubtitleOptions()) throws(SubtitlerError) -> PlanSummary {
        let producer = try makeProducer(path: path, options: options)
        var chunks: [ChunkSummary] = []
        do {
            while let raw = try producer.next() {
                for encoded in try encodeToFit(raw, producer: producer, options: options, firstIndex: chunks.count) {
                    chunks.append(encoded.summary)
                }
            }
        } catch let error as SubtitlerError {
            throw error
        } catch let error as MediaError {
            throw .media(error)
        } catch {
            throw .media(MediaError(.encodeFailed, path: path, operation: "encode", message: "\(error)"))
        }
        let duration = Int64(producer.energies.count) * Int64(producer.meter.frameLength) * 1000 / Int64(producer.reader.sampleRate)
        let sent = chunks.reduce(Int64(0)) { $0 + $1.audioSent }
        let activity = producer.speech.activity(energies: producer.energies, energyFrameLength: producer.meter.frameLength)
        return PlanSummary(
            input: path, chunks: chunks, audioDuration: duration,
            estimatedCost: Double(sent) / 60_000 * AudioModel.named(options.model).pricePerMinute,
            warnings: producer.warnings + producer.reader.warnings, audioSent: sent,
            speechDuration: activity.speechDuration, speechDetector: producer.speech.detection
        )
    }

    // MARK: - Running

    /// Makes subtitles for one media file.
    /// - Parameters:
    ///   - path: the media file.
    ///   - options: model, language, style and the rest.
    ///   - counters: where requests, retries and bytes are counted (they stay readable when the job fails).
    ///   - progress: called with progress events from any task.
    /// - Returns: shaped cues on the media timeline and the report.
    /// - Throws: ``SubtitlerError``: unreadable media, an API error that makes every chunk fail, or failed chunks.
    public func makeSubtitles(
        for path: String,
        options: SubtitleOptions = SubtitleOptions(),
        counters: RequestCounters = RequestCounters(),
        progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }
    ) async throws(SubtitlerError) -> SubtitleResult {
        try await makeSubtitles(named: path, options: options, counters: counters, progress: progress) {
            () throws(SubtitlerError) in try self.makeProducer(path: path, options: options)
        }
    }

    /// Makes subtitles for audio from any source: samples a program already holds, or a test's.
    /// - Parameters:
    ///   - source: opens the audio (on the blocking-work pool); its blocks are read there too.
    ///   - name: names the media in messages and the report.
    ///   - options: model, language, style and the rest (``SubtitleOptions/sampleRate`` and the track are the
    ///     source's business).
    ///   - counters: where requests, retries and bytes are counted.
    ///   - progress: called with progress events from any task.
    /// - Returns: shaped cues on the source's timeline and the report.
    /// - Throws: ``SubtitlerError``.
    public func makeSubtitles(
        from source: @escaping @Sendable () throws(MediaError) -> any AudioSource,
        named name: String,
        options: SubtitleOptions = SubtitleOptions(),
        counters: RequestCounters = RequestCounters(),
        progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }
    ) async throws(SubtitlerError) -> SubtitleResult {
        try await makeSubtitles(named: name, options: options, counters: counters, progress: progress) {
            () throws(SubtitlerError) in try self.makeProducer(name: name, options: options, open: source)
        }
    }

    private func makeSubtitles(
        named path: String,
        options: SubtitleOptions,
        counters: RequestCounters,
        progress: @escaping @Sendable (ProgressEvent) -> Void,
        open: @escaping @Sendable () throws(SubtitlerError) -> ChunkProducer
    ) async throws(SubtitlerError) -> SubtitleResult {
        let clock = ContinuousClock()
        let began = clock.now
        // Decoding and encoding block: they run on the blocking-work pool, one step at a time, from this task only.
        let box: TaskConfined<ChunkProducer>
        do {
            box = try await BlockingWork.run(on: mediaPool, "open") { TaskConfined(try open()) }
        } catch let error as SubtitlerError {
            throw error
        } catch {
            throw .cancelled(path: path)
        }
        let producer = box.value
        let reader = producer.reader
        let estimated = reader.expectedSampleCount.map { Int64($0) * 1000 / Int64(reader.sampleRate) }
        progress(.started(path: path, audioDuration: estimated,
                          estimatedChunks: estimated.map { max(1, Int(($0 + options.effectiveTargetChunkDuration - 1) / options.effectiveTargetChunkDuration)) } ?? 1))

        let scheduler = ChunkScheduler(subtitler: self, path: path, options: options, counters: counters, progress: progress)
        let scheduled = try await scheduler.run(box)
        if Task.isCancelled { throw .cancelled(path: path) }

        // Gaps are accepted only around audio that did come back: a file with no transcribed chunk fails.
        let answered = scheduled.summaries.filter { $0.audioSent > 0 && scheduled.outcomes[$0.index] != nil }
        if !scheduled.failures.isEmpty && (!options.allowsGaps || answered.isEmpty) {
            throw .chunksFailed(path: path, scheduled.failures)
        }

        // Put the answers on the media timeline, then merge, align to speech, guard and shape.
        let speechMaps: (SpeechActivity, SubtitleReport.ActivityMap)
        do {
            speechMaps = try await BlockingWork.run(on: mediaPool, "speech map") {
                let producer = box.value
                let activity = producer.speech.activity(energies: producer.energies,
                                                        energyFrameLength: producer.meter.frameLength)
                return (activity, Self.activityMap(producer: producer, activity: activity))
            }
        } catch {
            throw .cancelled(path: path)
        }
        let activity = speechMaps.0
        let placed = SegmentPlacement.place(scheduled, strategy: options.strategy, activity: activity)
        var style = options.style
        if style.frameRate == nil, let rate = reader.videoFrameRate, rate > 0 { style.frameRate = rate }
        let outputLanguage = options.task == .translate ? "en" : scheduled.language
        var builder = SubtitleBuilder(style: style, hallucinationGuard: options.hallucinationGuard, language: outputLanguage)
        builder.keepsWordTimes = options.keepsWordTimes
        let built = builder.build(from: placed.chunks, speechActivity: activity)

        let frameDuration = Int64(producer.meter.frameLength) * 1000 / Int64(reader.sampleRate)
        let duration = Int64(producer.energies.count) * frameDuration
        var report = SubtitleReport(
            assembling: scheduled, placed: placed, built: built, producer: producer, path: path,
            language: outputLanguage, options: options, counters: counters, duration: duration, activity: activity,
            activityMap: speechMaps.1, wallTime: Self.milliseconds(clock.now - began))
        if options.keepsWordTimes { report.wordTiming = WordTiming(of: built.cues) }
        return SubtitleResult(cues: built.cues.clamped(toTimeline: duration), report: report)
    }

    // MARK: - Writing

    /// Renders cues and writes them atomically (temporary file, then rename): readers never see a partial file.
    /// - Parameters:
    ///   - cues: the cues to write.
    ///   - format: SRT or WebVTT.
    ///   - url: the destination.
    ///   - language: written into the WebVTT header when given.
    public static func write(_ cues: [Cue], as format: SubtitleFormat, to url: URL, language: String? = nil) throws(OutputError) {
        try AtomicFile.write(render(cues, as: format, language: language), to: url)
    }

    /// Renders cues in any written format (SRT, WebVTT, IMSC, EBU-TT-D, TTML, ASS).
    public static func render(_ cues: [Cue], as format: SubtitleFormat, language: String? = nil) -> String {
        switch format {
        case .vtt: WebVTTWriter(kind: "subtitles", language: language).render(cues)
        default: format.render(cues, language: language)
        }
    }

    // MARK: - Internals

    /// A producer over the media file at `path`; its options are checked before the file is opened (an invalid
    /// decoding rate is one of their problems).
    func makeProducer(path: String, options: SubtitleOptions) throws(SubtitlerError) -> ChunkProducer {
        return try makeProducer(name: path, options: options) { () throws(MediaError) in
            try AudioReader(source: .file(path, rawPCM: options.rawPCMInput), track: options.track,
                            sampleRate: options.sampleRate, blockSize: options.sampleRate)
        }
    }

    /// A producer over the audio `open` returns; `name` names the media in messages and the report.
    func makeProducer(
        name: String, options: SubtitleOptions, open: () throws(MediaError) -> any AudioSource
    ) throws(SubtitlerError) -> ChunkProducer {
        if let problem = options.problem { throw .invalidOptions(path: name, problem) }
        let reader: any AudioSource
        do {
            reader = try open()
        } catch {
            throw .media(error)
        }
        guard reader.sampleRate >= 8_000, reader.sampleRate % 50 == 0 else {
            throw .media(MediaError(.invalidArgument, path: name, operation: "plan",
                                    message: "sample rate \(reader.sampleRate) Hz: use a multiple of 50 Hz (20 ms frames), at least 8000"))
        }
        return ChunkProducer(reader: reader, name: name, options: options)
    }

    /// The report's coarse activity map: loudness from the energy map, speech probability from the detector (or
    /// the energy map's speech frames).
    static func activityMap(producer: ChunkProducer, activity: SpeechActivity) -> SubtitleReport.ActivityMap {
        let energyFrame = Milliseconds(producer.meter.frameLength) * 1000 / Milliseconds(producer.reader.sampleRate)
        let speech = activity.probabilities.map { levels in levels.map { Float($0) / 255 } }
            ?? activity.isSpeech.map { $0 ? Float(1) : 0 }
        return SubtitleReport.ActivityMap(energy: producer.energies, energyFrameDuration: energyFrame,
                                          speechProbabilities: speech, speechFrameDuration: activity.frameDuration)
    }

    package static func milliseconds(_ duration: Duration) -> Milliseconds {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
