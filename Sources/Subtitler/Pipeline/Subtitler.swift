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
    let logger: Logger

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

    // MARK: - Planning

    /// Decodes and plans a file without sending anything, on the blocking-work pool: the chunks, their sizes and
    /// the estimated cost.
    /// - Throws: ``SubtitlerError`` for unreadable media.
    public func planAsync(for path: String, options: SubtitleOptions = SubtitleOptions()) async throws(SubtitlerError) -> PlanSummary {
        do {
            return try await BlockingWork.run("plan") { try self.plan(for: path, options: options) }
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
            box = try await BlockingWork.run("open") { TaskConfined(try open()) }
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

        var summaries: [ChunkSummary] = []
        var uploadMaps: [Int: UploadMap] = [:]
        var outcomes: [Int: ChunkTranscript] = [:]
        var failures: [ChunkFailure] = []
        var language = options.language.flatMap(WhisperLanguages.code(for:)) ?? options.language
        let waitsForLanguage = language == nil && options.task == .transcribe && options.strategy == .timestamped
        // Without a language, the first chunk sent (the first that holds speech) detects it for the rest.
        var languageSource: Int?

        do {
            try await withThrowingTaskGroup(of: ChunkOutcome.self) { group in
                var inFlight = 0
                var nextIndex = 0

                func collect() async throws {
                    try Task.checkCancellation()
                    guard let outcome = try await group.next() else { return }
                    inFlight -= 1
                    switch outcome.result {
                    case .success(let transcript):
                        outcomes[outcome.index] = transcript
                        if outcome.cached { summaries[outcome.index].cached = true }
                        let done = outcomes.keys.reduce(Int64(0)) { $0 + summaries[$1].duration }
                        progress(.chunkDone(index: outcome.index, cached: outcome.cached, audioDone: done))
                        if language == nil, outcome.index == languageSource, let detected = transcript.language {
                            language = WhisperLanguages.code(for: detected)
                        }
                    case .failure(let error):
                        if error.kind == .cancelled || Task.isCancelled { throw CancellationError() }
                        let summary = summaries[outcome.index]
                        let failure = ChunkFailure(index: outcome.index, start: summary.start,
                                                   end: summary.start + summary.duration, message: error.description)
                        progress(.chunkFailed(index: outcome.index, message: error.description))
                        if error.isFatalForAllChunks {
                            throw SubtitlerError.api(path: path, error)
                        }
                        failures.append(failure)
                    }
                }

                while true {
                    try Task.checkCancellation()
                    let firstIndex = nextIndex
                    let decoded: [EncodedChunk]? = try await BlockingWork.run("decode") {
                        guard let raw = try box.value.next() else { return nil }
                        return try self.encodeToFit(raw, producer: box.value, options: options, firstIndex: firstIndex)
                    }
                    guard let encodedChunks = decoded else { break }
                    for encoded in encodedChunks {
                        let index = encoded.summary.index
                        summaries.append(encoded.summary)
                        uploadMaps[index] = encoded.map
                        nextIndex += 1
                        progress(.chunkPlanned(index: index, start: encoded.summary.start,
                                               duration: encoded.summary.duration, bytes: encoded.summary.bytes))
                        if encoded.audio.isEmpty {
                            // No speech in the chunk: nothing to send.
                            outcomes[index] = ChunkTranscript(language: nil, text: "", segments: [])
                            let done = outcomes.keys.reduce(Int64(0)) { $0 + summaries[$1].duration }
                            progress(.chunkDone(index: index, cached: false, audioDone: done))
                            continue
                        }
                        while inFlight >= max(1, options.concurrency) { try await collect() }
                        if waitsForLanguage, let source = languageSource {
                            while language == nil, outcomes[source] == nil, inFlight > 0 { try await collect() }
                        }
                        if languageSource == nil { languageSource = index }
                        let requestLanguage = language
                        inFlight += 1
                        group.addTask {
                            await self.send(encoded, language: requestLanguage, options: options,
                                            counters: counters, progress: progress)
                        }
                    }
                }
                progress(.planned(chunks: summaries.count))
                while inFlight > 0 { try await collect() }
            }
        } catch let error as SubtitlerError {
            throw error
        } catch let error as MediaError {
            throw .media(error)
        } catch is CancellationError {
            throw .cancelled(path: path)
        } catch {
            throw .media(MediaError(.encodeFailed, path: path, operation: "encode", message: "\(error)"))
        }
        if Task.isCancelled { throw .cancelled(path: path) }

        failures.sort { $0.index < $1.index }
        // Gaps are accepted only around audio that did come back: a file with no transcribed chunk fails.
        let answered = summaries.filter { $0.audioSent > 0 && outcomes[$0.index] != nil }
        if !failures.isEmpty && (!options.allowsGaps || answered.isEmpty) {
            throw .chunksFailed(path: path, failures)
        }

        // Put the answers on the media timeline, then merge, align to speech, guard and shape.
        let speechMaps: (SpeechActivity, SubtitleReport.ActivityMap)
        do {
            speechMaps = try await BlockingWork.run("speech map") {
                let producer = box.value
                let activity = producer.speech.activity(energies: producer.energies,
                                                        energyFrameLength: producer.meter.frameLength)
                return (activity, Self.activityMap(producer: producer, activity: activity))
            }
        } catch {
            throw .cancelled(path: path)
        }
        let activity = speechMaps.0
        var chunks: [TranscriptChunk] = []
        var hasWords = false
        var rejected: [DroppedSegment] = []
        var rerequested: Milliseconds = 0
        var uncachedRerequests: Milliseconds = 0
        for summary in summaries {
            guard let map = uploadMaps[summary.index],
                  let transcript = outcomes[summary.index]?.sanitized(audioDuration: map.uploadDuration) else { continue }
            hasWords = hasWords || transcript.segments.contains { !$0.words.isEmpty }
            rerequested += transcript.rerequestedAudio ?? 0
            if !summary.cached { uncachedRerequests += transcript.rerequestedAudio ?? 0 }
            var segments: [TranscriptSegment]
            if options.strategy == .textOnly {
                segments = Self.regionSegments(text: transcript.text, chunk: summary, activity: activity)
            } else {
                segments = transcript.segments.map {
                    Self.mapped(Self.clamped($0, toDuration: map.uploadDuration), through: map,
                                chunkStart: summary.start)
                }
            }
            for segment in transcript.rejected ?? [] {
                let placed = Self.mapped(Self.clamped(segment, toDuration: map.uploadDuration), through: map,
                                         chunkStart: summary.start)
                rejected.append(DroppedSegment(start: summary.start + placed.start, end: summary.start + placed.end,
                                               text: segment.text, rule: DroppedSegment.Rule.notEnglish))
            }
            chunks.append(TranscriptChunk(offset: summary.start, duration: summary.duration, segments: segments))
        }
        var style = options.style
        if style.frameRate == nil, let rate = reader.videoFrameRate, rate > 0 { style.frameRate = rate }
        let outputLanguage = options.task == .translate ? "en" : language
        let builder = SubtitleBuilder(style: style, hallucinationGuard: options.hallucinationGuard, language: outputLanguage)
        let built = builder.build(from: chunks, speechActivity: activity)

        let frameDuration = Int64(producer.meter.frameLength) * 1000 / Int64(reader.sampleRate)
        let duration = Int64(producer.energies.count) * frameDuration
        let audioSent = summaries.reduce(Int64(0)) { $0 + $1.audioSent } + rerequested
        let billed = summaries.filter { !$0.cached }.reduce(Int64(0)) { $0 + $1.audioSent } + uncachedRerequests
        let timing: String = switch options.strategy {
        case .textOnly: "region"
        case .diarized: "segment"
        case .timestamped: hasWords ? "word" : "segment"
        }
        var warnings = producer.warnings + reader.warnings + ChunkTranscript.timingWarnings(outcomes, strategy: options.strategy)
        if options.strategy == .diarized && summaries.count > 1 {
            warnings.append("speaker labels come from each chunk's own diarization: the same label in different chunks may be different people")
        }
        if options.strategy == .textOnly {
            warnings.append("\(options.model) returns no timestamps: cue timing is region-level (each pause-bounded region of up to 30 s)")
        }
        if options.sendsOnlySpeech && !summaries.isEmpty && audioSent == 0 {
            warnings.append("no speech was detected (\(producer.speech.detection.rawValue)): nothing was sent; "
                + "send the whole audio to transcribe it anyway")
        }
        if !rejected.isEmpty {
            let one = rejected.count == 1
            warnings.append("\(rejected.count) translated segment\(one ? "" : "s") stayed in another language than "
                + "English after a re-request in a shorter window and \(one ? "was" : "were") left out")
        }
        var dropped = built.dropped + rejected
        dropped.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        var report = SubtitleReport(
            input: path, language: outputLanguage, task: options.task, model: options.model, timing: timing,
            audioDuration: duration, chunks: summaries, requests: counters.requests, cachedChunks: summaries.filter(\.cached).count,
            retries: counters.retries, bytesSent: counters.bytesSent, dropped: dropped, violations: built.violations,
            gaps: failures, warnings: warnings,
            wallTime: Self.milliseconds(clock.now - began),
            estimatedCost: Double(billed) / 60_000 * AudioModel.named(options.model).pricePerMinute
        )
        report.audioSent = audioSent
        report.speechDuration = activity.speechDuration
        report.speechDetector = producer.speech.detection
        report.speechRegions = activity.regions
        report.activity = speechMaps.1
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

    /// Renders cues as SRT or WebVTT text.
    public static func render(_ cues: [Cue], as format: SubtitleFormat, language: String? = nil) -> String {
        switch format {
        case .srt: SRTWriter().render(cues)
        case .vtt: WebVTTWriter(kind: "subtitles", language: language).render(cues)
        }
    }

    // MARK: - Internals

    func makeProducer(path: String, options: SubtitleOptions) throws(SubtitlerError) -> ChunkProducer {
        if let problem = options.problem { throw .invalidOptions(path: path, problem) }
        guard options.sampleRate >= 8_000, options.sampleRate % 50 == 0 else {
            throw .media(MediaError(.invalidArgument, path: path, operation: "plan",
                                    message: "sample rate \(options.sampleRate) Hz: use a multiple of 50 Hz (20 ms frames), at least 8000"))
        }
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

    /// Encodes a chunk's upload (its speech, when long stretches without it are left out); while its request body
    /// is over the limit, splits it where no one speaks in its middle third (or in its quietest stretch there).
    func encodeToFit(_ raw: RawChunk, producer: ChunkProducer, options: SubtitleOptions, firstIndex: Int) throws -> [EncodedChunk] {
        let rate = Int64(producer.reader.sampleRate)
        let map = UploadMap(kept: raw.kept, sampleRate: Int(rate))
        let index = firstIndex
        var summary = ChunkSummary(
            index: index, start: raw.startSample * 1000 / rate, duration: Int64(raw.samples.count) * 1000 / rate,
            bytes: 0, requestBytes: 0, endsInSilence: raw.endsInSilence, cached: false)
        guard map.uploadLength > 0 else {
            return [EncodedChunk(summary: summary, audio: [], map: map, samples: nil)]
        }
        let upload = map.isContiguous && map.uploadLength == Int64(raw.samples.count)
            ? raw.samples : map.uploadSamples(from: raw.samples, startingAt: raw.startSample)
        let encoded = try AudioEncoder.encode(upload, sampleRate: Int(rate), as: options.uploadEncoding)
        // Later requests may carry the detected language: measure with one so the size is an upper bound.
        let request = makeRequest(audio: encoded.data, index: index, language: options.language ?? "xx", options: options)
        let requestBytes = multipartBodySize(for: request)
        let frameLength = producer.meter.frameLength
        if requestBytes <= options.maxRequestBytes || raw.samples.count < 2 * frameLength * 50 {
            if requestBytes > options.maxRequestBytes {
                throw SubtitlerError.chunkTooLarge(path: producer.name, bytes: requestBytes, limit: options.maxRequestBytes)
            }
            summary.bytes = encoded.data.count
            summary.requestBytes = requestBytes
            summary.audioSent = map.uploadDuration
            return [EncodedChunk(summary: summary, audio: encoded.data, map: map,
                                 samples: options.task == .translate ? upload : nil)]
        }
        // Split where no one speaks in the middle third, or in its quietest stretch, on a frame boundary.
        let firstFrame = Int(raw.startSample / Int64(frameLength))
        let frameCount = raw.samples.count / frameLength
        let split: Int64
        let inSilence: Bool
        if let cut = producer.speechCut(lowFrame: firstFrame + frameCount / 3, highFrame: firstFrame + 2 * frameCount / 3,
                                        targetFrame: firstFrame + frameCount / 2) {
            split = cut
            inSilence = true
        } else {
            let planner = ChunkBoundaryPlanner(targetFrames: max(1, frameCount / 2), searchFrames: max(1, frameCount / 6))
            let cut = planner.quietestCut(in: producer.energies, between: firstFrame + frameCount / 3,
                                          and: firstFrame + 2 * frameCount / 3, chunkStart: firstFrame)
            split = Int64(cut.frame) * Int64(frameLength)
            inSilence = cut.isInSilence
        }
        let left = raw.slice(raw.startSample..<split, endsInSilence: inSilence)
        let right = raw.slice(split..<raw.range.upperBound, endsInSilence: raw.endsInSilence)
        let leftChunks = try encodeToFit(left, producer: producer, options: options, firstIndex: firstIndex)
        let rightChunks = try encodeToFit(right, producer: producer, options: options,
                                          firstIndex: firstIndex + leftChunks.count)
        return leftChunks + rightChunks
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

    /// One segment per text-only chunk, from the first to the last detected speech inside it (times relative to
    /// the chunk); the builder shares its words out over the speech regions between.
    static func regionSegments(text: String, chunk: ChunkSummary, activity: SpeechActivity) -> [TranscriptSegment] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        let regions = activity.regions(overlapping: chunk.start, chunk.start + chunk.duration)
        var start: Int64 = 0
        var end = chunk.duration
        if let first = regions.first, let last = regions.last {
            start = max(0, first.start - chunk.start)
            end = min(chunk.duration, last.end - chunk.start)
        }
        return [TranscriptSegment(start: start, end: max(end, start + 1), text: trimmed)]
    }

    /// A segment with its times (and its words' times) inside its chunk: servers can send times past the audio,
    /// negative or absurd values, which must not shift cues off the timeline or overflow later arithmetic.
    static func clamped(_ segment: TranscriptSegment, toDuration duration: Milliseconds) -> TranscriptSegment {
        func clamp(_ value: Milliseconds) -> Milliseconds { min(max(value, 0), duration) }
        var result = segment
        result.start = clamp(segment.start)
        result.end = max(result.start, clamp(segment.end))
        result.words = segment.words.map {
            TranscriptWord(text: $0.text, start: clamp($0.start), end: max(clamp($0.start), clamp($0.end)))
        }
        return result
    }

    /// A segment with times in the upload moved to times relative to its chunk on the media timeline, through the
    /// upload's exact map (stretches left out of the upload are put back).
    static func mapped(
        _ segment: TranscriptSegment, through map: UploadMap, chunkStart: Milliseconds
    ) -> TranscriptSegment {
        guard !map.isContiguous || map.pieces.first?.mediaStart != chunkStart * Int64(map.sampleRate) / 1000 else {
            return segment
        }
        func place(_ value: Milliseconds, _ edge: UploadMap.Edge) -> Milliseconds {
            map.mediaMilliseconds(forUpload: value, edge: edge) - chunkStart
        }
        var result = segment
        result.start = place(segment.start, .start)
        result.end = max(result.start, place(segment.end, .end))
        result.words = segment.words.map {
            let start = place($0.start, .start)
            return TranscriptWord(text: $0.text, start: start, end: max(start, place($0.end, .end)))
        }
        return result
    }

    package static func milliseconds(_ duration: Duration) -> Milliseconds {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
