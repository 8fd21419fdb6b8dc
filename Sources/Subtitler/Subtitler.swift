import Foundation
import Logging
import MediaAudio
import OpenAIAudio
import Subtitles

/// Makes subtitles for media files: decode, cut in pauses, upload concurrently, merge, shape, write.
///
/// ```swift
/// let subtitler = Subtitler(client: OpenAIAudioClient(configuration: .fromEnvironment()))
/// let result = try await subtitler.makeSubtitles(for: "talk.mp4")
/// try Subtitler.write(result.cues, as: .srt, to: URL(fileURLWithPath: "talk.en.srt"))
/// ```
public struct Subtitler: Sendable {
    /// The API client requests go through.
    public let client: OpenAIAudioClient
    /// The resume cache, or nil to bypass it.
    public let cache: ResponseCache?
    let logger: Logger

    /// Creates a subtitler.
    /// - Parameters:
    ///   - client: the API client (OpenAI or any compatible server).
    ///   - cache: the resume cache; nil bypasses it.
    ///   - logger: where debug detail goes.
    public init(client: OpenAIAudioClient, cache: ResponseCache? = ResponseCache(), logger: Logger = Logger(label: "subtitler")) {
        self.client = client
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
        let minutes = Double(duration) / 60_000
        return PlanSummary(
            input: path, chunks: chunks, audioDuration: duration,
            estimatedCost: minutes * AudioModel.named(options.model).pricePerMinute,
            warnings: producer.warnings + producer.reader.warnings
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
        let clock = ContinuousClock()
        let began = clock.now
        // Decoding and encoding block: they run on the blocking-work pool, one step at a time, from this task only.
        let box: TaskConfined<ChunkProducer>
        do {
            box = try await BlockingWork.run("open") { TaskConfined(try self.makeProducer(path: path, options: options)) }
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
        var outcomes: [Int: ChunkTranscript] = [:]
        var failures: [ChunkFailure] = []
        var language = options.language.flatMap(WhisperLanguages.code(for:)) ?? options.language
        let waitsForLanguage = language == nil && options.task == .transcribe && options.strategy == .timestamped

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
                        if language == nil, outcome.index == 0, let detected = transcript.language {
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
                        summaries.append(encoded.summary)
                        progress(.chunkPlanned(index: encoded.summary.index, start: encoded.summary.start,
                                               duration: encoded.summary.duration, bytes: encoded.summary.bytes))
                        while inFlight >= max(1, options.concurrency) { try await collect() }
                        // Without a language, the first chunk's detected language steers the rest.
                        if waitsForLanguage && encoded.summary.index == 1 {
                            while outcomes[0] == nil && inFlight > 0 { try await collect() }
                        }
                        let requestLanguage = language
                        inFlight += 1
                        group.addTask {
                            await self.send(encoded, language: requestLanguage, options: options,
                                            counters: counters, progress: progress)
                        }
                        nextIndex += 1
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
        if !failures.isEmpty && (!options.allowsGaps || outcomes.isEmpty) {
            throw .chunksFailed(path: path, failures)
        }

        // Merge and shape.
        let sampleRate = Int64(reader.sampleRate)
        let frameDuration = Int64(producer.meter.frameLength) * 1000 / sampleRate
        let speech = EnergySpeechDetector.speechFrames(from: producer.energies)
        let onsets = EnergySpeechDetector.speechFrames(from: producer.energies, hangoverFrames: 0)
        let activity = SpeechActivity(frameDuration: frameDuration, isSpeech: speech)
        var chunks: [TranscriptChunk] = []
        var hasWords = false
        for summary in summaries {
            guard let transcript = outcomes[summary.index]?.sanitized(audioDuration: summary.duration) else { continue }
            hasWords = hasWords || transcript.segments.contains { !$0.words.isEmpty }
            var segments = transcript.segments
            if options.strategy == .textOnly {
                segments = regionSegments(text: transcript.text, chunk: summary, speech: speech, frameDuration: frameDuration)
            }
            segments = segments.map {
                Self.tightened(Self.clamped($0, toDuration: summary.duration), chunkOffset: summary.start,
                               speech: onsets, frameDuration: frameDuration)
            }
            chunks.append(TranscriptChunk(offset: summary.start, duration: summary.duration, segments: segments))
        }
        var style = options.style
        if style.frameRate == nil, let rate = reader.info.videoFrameRate, rate > 0 { style.frameRate = rate }
        let outputLanguage = options.task == .translate ? "en" : language
        let builder = SubtitleBuilder(style: style, hallucinationGuard: options.hallucinationGuard, language: outputLanguage)
        let built = builder.build(from: chunks, speechActivity: activity)

        let duration = Int64(producer.energies.count) * frameDuration
        let sentAudio = summaries.filter { !$0.cached }.reduce(Int64(0)) { $0 + $1.duration }
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
        let report = SubtitleReport(
            input: path, language: outputLanguage, task: options.task, model: options.model, timing: timing,
            audioDuration: duration, chunks: summaries, requests: counters.requests, cachedChunks: summaries.filter(\.cached).count,
            retries: counters.retries, bytesSent: counters.bytesSent, dropped: built.dropped, violations: built.violations,
            gaps: failures, warnings: warnings,
            wallTime: Self.milliseconds(clock.now - began),
            estimatedCost: Double(sentAudio) / 60_000 * AudioModel.named(options.model).pricePerMinute
        )
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
        let reader: AudioReader
        do {
            reader = try AudioReader(source: .file(path, rawPCM: options.rawPCMInput), track: options.track,
                                     sampleRate: options.sampleRate, blockSize: options.sampleRate)
        } catch {
            throw .media(error)
        }
        return ChunkProducer(reader: reader, targetDuration: options.effectiveTargetChunkDuration,
                             maxDuration: options.effectiveMaxChunkDuration)
    }

    /// Encodes a chunk; while its request body is over the limit, splits it in its quietest middle stretch.
    func encodeToFit(_ raw: RawChunk, producer: ChunkProducer, options: SubtitleOptions, firstIndex: Int) throws -> [EncodedChunk] {
        let rate = Int64(producer.reader.sampleRate)
        let encoded = try AudioEncoder.encode(raw.samples, sampleRate: Int(rate), as: options.uploadEncoding)
        let index = firstIndex
        // Later requests may carry the detected language: measure with one so the size is an upper bound.
        let request = makeRequest(audio: encoded.data, index: index, language: options.language ?? "xx", options: options)
        let requestBytes = multipartBodySize(for: request)
        let frameLength = producer.meter.frameLength
        if requestBytes <= options.maxRequestBytes || raw.samples.count < 2 * frameLength * 50 {
            if requestBytes > options.maxRequestBytes {
                throw SubtitlerError.chunkTooLarge(path: producer.reader.info.path, bytes: requestBytes, limit: options.maxRequestBytes)
            }
            let summary = ChunkSummary(
                index: index, start: raw.startSample * 1000 / rate, duration: Int64(raw.samples.count) * 1000 / rate,
                bytes: encoded.data.count, requestBytes: requestBytes, endsInSilence: raw.endsInSilence, cached: false)
            return [EncodedChunk(summary: summary, audio: encoded.data)]
        }
        // Split in the quietest stretch of the middle third, on a frame boundary.
        let firstFrame = Int(raw.startSample / Int64(frameLength))
        let frameCount = raw.samples.count / frameLength
        let planner = ChunkBoundaryPlanner(targetFrames: max(1, frameCount / 2), searchFrames: max(1, frameCount / 6))
        let cut = planner.quietestCut(in: producer.energies, between: firstFrame + frameCount / 3,
                                      and: firstFrame + 2 * frameCount / 3, chunkStart: firstFrame)
        let split = (cut.frame - firstFrame) * frameLength
        let left = RawChunk(startSample: raw.startSample, samples: Array(raw.samples[..<split]), endsInSilence: cut.isInSilence)
        let right = RawChunk(startSample: raw.startSample + Int64(split), samples: Array(raw.samples[split...]), endsInSilence: raw.endsInSilence)
        let leftChunks = try encodeToFit(left, producer: producer, options: options, firstIndex: firstIndex)
        return leftChunks + (try encodeToFit(right, producer: producer, options: options, firstIndex: firstIndex + leftChunks.count))
    }

    func makeRequest(audio: [UInt8], index: Int, language: String?, options: SubtitleOptions) -> TranscriptionRequest {
        let encoding = options.uploadEncoding
        let file = AudioUpload(data: audio, filename: String(format: "chunk-%04d.", index + 1) + encoding.fileExtension,
                               contentType: encoding.contentType)
        var request = TranscriptionRequest(file: file, model: options.model)
        request.prompt = options.prompt
        request.temperature = options.temperature
        switch options.strategy {
        case .timestamped:
            request.responseFormat = .verboseJSON
            request.timestampGranularities = options.task == .translate ? [] : [.segment, .word]
            request.language = options.task == .translate ? nil : language
        case .textOnly:
            request.responseFormat = .json
            request.language = language
        case .diarized:
            request.responseFormat = .diarizedJSON
            request.chunkingStrategy = .auto
            request.language = language
            request.prompt = nil   // not supported by the diarize model
        }
        return request
    }

    /// Sends one chunk (or answers it from the cache). Never throws: failures come back in the outcome.
    private func send(_ chunk: EncodedChunk, language: String?, options: SubtitleOptions,
                      counters: RequestCounters, progress: @escaping @Sendable (ProgressEvent) -> Void) async -> ChunkOutcome {
        let index = chunk.summary.index
        if Task.isCancelled {
            return ChunkOutcome(index: index, cached: false, result: .failure(
                OpenAIAudioError(endpoint: "audio/transcriptions", message: "the request was cancelled", kind: .cancelled)))
        }
        let request = makeRequest(audio: chunk.audio, index: index, language: language, options: options)
        let parameters = cacheParameters(request, options: options)
        var keys: [String] = []
        var candidates = [parameters]
        if options.language == nil && language != nil {
            // An earlier run may have sent this chunk before the language was known (its first chunk failed).
            var undetected = request
            undetected.language = nil
            candidates.append(cacheParameters(undetected, options: options))
        }
        let cache = options.usesCache ? self.cache : nil
        let keyParameters = candidates
        let lookup = try? await BlockingWork.run("hash") { () -> ([String], ChunkTranscript?) in
            let keys = keyParameters.map { ResponseCache.key(audio: chunk.audio, parameters: $0) }
            for candidate in keys {
                if let stored: ChunkTranscript = cache?.value(forKey: candidate) { return (keys, stored) }
            }
            return (keys, nil)
        }
        if let lookup {
            keys = lookup.0
            if let stored = lookup.1 { return ChunkOutcome(index: index, cached: true, result: .success(stored)) }
        }
        let key = keys.first ?? ResponseCache.key(audio: chunk.audio, parameters: parameters)
        let client = self.client.withRequestTimeout(options.requestTimeout.timeout(forAudio: chunk.summary.duration))
        progress(.chunkSent(index: index))
        counters.addRequest(bytes: chunk.summary.requestBytes)
        let onRetry: @Sendable (RetryEvent) -> Void = { event in
            counters.addRetry(bytes: chunk.summary.requestBytes)
            progress(.chunkRetried(index: index, attempt: event.attempt, delay: event.delay, reason: event.reason))
        }
        do {
            let transcript: ChunkTranscript
            switch (options.task, options.strategy) {
            case (.translate, _):
                let translation = TranslationRequest(file: request.file, model: options.model, prompt: options.prompt,
                                                     responseFormat: .verboseJSON, temperature: options.temperature)
                transcript = ChunkTranscript(try await client.translateVerbose(translation, onRetry: onRetry))
            case (.transcribe, .textOnly):
                let text = try await client.transcribeText(request, onRetry: onRetry)
                transcript = ChunkTranscript(language: language, text: text, segments: [])
            case (.transcribe, _):
                transcript = ChunkTranscript(try await client.transcribeVerbose(request, onRetry: onRetry))
            }
            if let cache {
                do {
                    try await BlockingWork.run("cache") { try cache.store(transcript, forKey: key) }
                } catch {
                    logger.warning("cannot write the resume cache: \(error)")
                }
            }
            return ChunkOutcome(index: index, cached: false, result: .success(transcript))
        } catch {
            return ChunkOutcome(index: index, cached: false, result: .failure(error))
        }
    }

    private func cacheParameters(_ request: TranscriptionRequest, options: SubtitleOptions) -> [String: String] {
        [
            "server": client.configuration.baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")).lowercased(),
            "endpoint": options.task == .translate ? "translations" : "transcriptions",
            "model": options.model,
            "language": request.language ?? "",
            "prompt": options.prompt ?? "",
            "format": request.responseFormat?.rawValue ?? "",
            "granularities": request.timestampGranularities.map(\.rawValue).joined(separator: ","),
            "temperature": options.temperature.map { String($0) } ?? "",
            "encoding": options.uploadEncoding.rawValue,
        ]
    }

    /// One segment per text-only chunk, timed from the first to the last speech frame inside it.
    private func regionSegments(text: String, chunk: ChunkSummary, speech: [Bool], frameDuration: Milliseconds) -> [TranscriptSegment] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        let firstFrame = Int(chunk.start / frameDuration)
        let lastFrame = min(speech.count, Int((chunk.start + chunk.duration) / frameDuration))
        var start: Int64 = 0
        var end = chunk.duration
        if firstFrame < lastFrame, let first = speech[firstFrame..<lastFrame].firstIndex(of: true),
           let last = speech[firstFrame..<lastFrame].lastIndex(of: true) {
            start = Int64(first - firstFrame) * frameDuration
            end = min(chunk.duration, Int64(last - firstFrame + 1) * frameDuration)
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

    /// Whisper's segment times (when there are no word times) often begin in the pause before the words and
    /// end in the pause after them. Moves the start to the first speech frame inside the segment, less a
    /// 100 ms lead, and the end to 200 ms after the last speech frame. Times only shrink, never grow; a
    /// segment with no speech at all is left for the hallucination guard.
    static func tightened(_ segment: TranscriptSegment, chunkOffset: Milliseconds, speech: [Bool],
                          frameDuration: Milliseconds) -> TranscriptSegment {
        guard segment.words.isEmpty, frameDuration > 0 else { return segment }
        let firstFrame = max(0, Int((chunkOffset + segment.start) / frameDuration))
        let endFrame = min(speech.count, Int((chunkOffset + segment.end + frameDuration - 1) / frameDuration))
        guard firstFrame < endFrame,
              let first = speech[firstFrame..<endFrame].firstIndex(of: true),
              let last = speech[firstFrame..<endFrame].lastIndex(of: true) else { return segment }
        var result = segment
        result.start = max(segment.start, Int64(first) * frameDuration - chunkOffset - 100)
        result.end = min(segment.end, Int64(last + 1) * frameDuration - chunkOffset + 200)
        if result.end <= result.start { return segment }
        return result
    }

    static func milliseconds(_ duration: Duration) -> Milliseconds {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}

/// What the planner reports for a dry run.
public struct PlanSummary: Sendable, Codable {
    /// The input file.
    public var input: String
    /// The planned chunks.
    public var chunks: [ChunkSummary]
    /// Length of the audio timeline, milliseconds.
    public var audioDuration: Milliseconds
    /// Estimated price in US dollars of sending every chunk.
    public var estimatedCost: Double
    /// Warnings (cuts without a pause, damaged packets).
    public var warnings: [String]
    /// Total request-body bytes.
    public var totalRequestBytes: Int { chunks.reduce(0) { $0 + $1.requestBytes } }
}

struct EncodedChunk: Sendable {
    var summary: ChunkSummary
    var audio: [UInt8]
}

struct ChunkOutcome: Sendable {
    var index: Int
    var cached: Bool
    var result: Result<ChunkTranscript, OpenAIAudioError>
}

/// A chunk's answer in the form the resume cache stores: times relative to the chunk, in milliseconds.
struct ChunkTranscript: Sendable, Codable {
    var language: String?
    var text: String
    var segments: [TranscriptSegment]

    init(language: String?, text: String, segments: [TranscriptSegment]) {
        self.language = language
        self.text = text
        self.segments = segments
    }

    /// Converts a verbose response; words are attached to the segment they fall in.
    init(_ response: VerboseTranscription) {
        language = response.language
        text = response.text
        let words = response.words.map {
            TranscriptWord(text: $0.word, start: Timecode.milliseconds(fromSeconds: $0.start),
                           end: Timecode.milliseconds(fromSeconds: $0.end))
        }
        var segments = response.segments.map {
            TranscriptSegment(
                start: Timecode.milliseconds(fromSeconds: $0.start), end: Timecode.milliseconds(fromSeconds: $0.end),
                text: $0.text.trimmingCharacters(in: .whitespacesAndNewlines),
                averageLogProbability: $0.avgLogprob, compressionRatio: $0.compressionRatio,
                noSpeechProbability: $0.noSpeechProb, speaker: $0.speaker)
        }
        if segments.isEmpty, !words.isEmpty {
            segments = [TranscriptSegment(start: words.first!.start, end: words.last!.end,
                                          text: response.text.trimmingCharacters(in: .whitespacesAndNewlines), words: words)]
        } else if !words.isEmpty {
            var next = 0
            for i in segments.indices {
                let isLast = i == segments.count - 1
                while next < words.count && (isLast || words[next].start < segments[i].end) {
                    segments[i].words.append(words[next])
                    next += 1
                }
            }
        }
        self.segments = segments
    }
}

/// Requests, retries and bytes sent by a job's concurrent chunk tasks. Pass one to
/// ``Subtitler/makeSubtitles(for:options:counters:progress:)`` to read the figures even when the job fails.
public final class RequestCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var _requests = 0
    private var _retries = 0
    private var _bytes = 0

    /// Creates counters at zero.
    public init() {}

    func addRequest(bytes: Int) { lock.withLock { _requests += 1; _bytes += bytes } }
    func addRetry(bytes: Int) { lock.withLock { _retries += 1; _bytes += bytes } }
    /// Requests sent (not counting retries or cached chunks).
    public var requests: Int { lock.withLock { _requests } }
    /// Retries after transient failures.
    public var retries: Int { lock.withLock { _retries } }
    /// Request-body bytes sent, retries included.
    public var bytesSent: Int { lock.withLock { _bytes } }
}
