import MediaAudio
import OpenAIAudio
import Subtitles
import SubtitlerSupport

/// Every chunk the scheduler saw: its plan, its upload map and its answer, the chunks that failed, and the
/// language the answers settled on.
struct ScheduledChunks {
    /// The chunks in plan order.
    var summaries: [ChunkSummary] = []
    /// Where each chunk's upload times lie on the media timeline, by chunk index.
    var uploadMaps: [Int: UploadMap] = [:]
    /// The answers, by chunk index (chunks without speech have an empty one).
    var outcomes: [Int: ChunkTranscript] = [:]
    /// The chunks that failed after retries, in index order.
    var failures: [ChunkFailure] = []
    /// The subtitles' language: the one asked for, else the one the first chunk with speech detected.
    var language: String?

    /// Audio of the chunks answered so far, milliseconds.
    var audioDone: Milliseconds { outcomes.keys.reduce(0) { $0 + summaries[$1].duration } }
}

/// Cuts and encodes chunks on the blocking-work pool one at a time and sends them, at most
/// ``SubtitleOptions/concurrency`` at once, in one structured task group.
///
/// Without a language, the first chunk sent (the first that holds speech) detects it, and the chunks after it wait
/// for that answer so they all ask in the same language. An error that would fail every chunk (a bad key, an unknown
/// model) stops the run at once; others are collected as failures.
struct ChunkScheduler {
    let subtitler: Subtitler
    let path: String
    let options: SubtitleOptions
    let counters: RequestCounters
    let progress: @Sendable (ProgressEvent) -> Void

    /// The run's mutable state, confined to the task that runs the group.
    private struct State {
        var result = ScheduledChunks()
        var inFlight = 0
        var nextIndex = 0
        var languageSource: Int?
    }

    /// Runs every chunk of `box`'s producer.
    /// - Throws: ``SubtitlerError`` (`api` for an error fatal to every chunk, `cancelled`, `media`).
    func run(_ box: TaskConfined<ChunkProducer>) async throws(SubtitlerError) -> ScheduledChunks {
        var state = State()
        state.result.language = options.language.flatMap(WhisperLanguages.code(for:)) ?? options.language
        let waitsForLanguage = state.result.language == nil && options.task == .transcribe
            && options.strategy == .segmentsAndWords
        let (options, subtitler, counters, progress) = (self.options, self.subtitler, self.counters, self.progress)
        do {
            try await withThrowingTaskGroup(of: ChunkOutcome.self) { group in
                while true {
                    try Task.checkCancellation()
                    let firstIndex = state.nextIndex
                    let decoded: [EncodedChunk]? = try await BlockingWork.run(on: subtitler.mediaPool, "decode") {
                        guard let raw = try box.value.next() else { return nil }
                        return try subtitler.encodeToFit(raw, producer: box.value, options: options, firstIndex: firstIndex)
                    }
                    guard let encodedChunks = decoded else { break }
                    for encoded in encodedChunks {
                        guard plan(encoded, into: &state) else { continue }
                        while state.inFlight >= max(1, options.concurrency) { try await collect(&group, into: &state) }
                        if waitsForLanguage, let source = state.languageSource {
                            while state.result.language == nil, state.result.outcomes[source] == nil, state.inFlight > 0 {
                                try await collect(&group, into: &state)
                            }
                        }
                        if state.languageSource == nil { state.languageSource = encoded.summary.index }
                        let requestLanguage = state.result.language
                        state.inFlight += 1
                        group.addTask {
                            await subtitler.send(encoded, language: requestLanguage, options: options,
                                                 counters: counters, progress: progress)
                        }
                    }
                }
                progress(.planned(chunks: state.result.summaries.count))
                while state.inFlight > 0 { try await collect(&group, into: &state) }
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
        state.result.failures.sort { $0.index < $1.index }
        return state.result
    }

    /// Records a planned chunk; false when it holds no speech and so has nothing to send (it counts as answered).
    private func plan(_ encoded: EncodedChunk, into state: inout State) -> Bool {
        let index = encoded.summary.index
        state.result.summaries.append(encoded.summary)
        state.result.uploadMaps[index] = encoded.map
        state.nextIndex += 1
        progress(.chunkPlanned(index: index, start: encoded.summary.start,
                               duration: encoded.summary.duration, bytes: encoded.summary.bytes))
        guard encoded.audio.isEmpty else { return true }
        state.result.outcomes[index] = ChunkTranscript(language: nil, text: "", segments: [])
        progress(.chunkDone(index: index, cached: false, audioDone: state.result.audioDone))
        return false
    }

    /// Waits for the next answer and records it.
    private func collect(
        _ group: inout ThrowingTaskGroup<ChunkOutcome, any Error>, into state: inout State
    ) async throws {
        try Task.checkCancellation()
        guard let outcome = try await group.next() else { return }
        state.inFlight -= 1
        switch outcome.result {
        case .success(let transcript):
            state.result.outcomes[outcome.index] = transcript
            if outcome.cached { state.result.summaries[outcome.index].cached = true }
            progress(.chunkDone(index: outcome.index, cached: outcome.cached, audioDone: state.result.audioDone))
            if state.result.language == nil, outcome.index == state.languageSource, let detected = transcript.language {
                state.result.language = WhisperLanguages.code(for: detected)
            }
        case .failure(let error):
            if error.kind == .cancelled || Task.isCancelled { throw CancellationError() }
            let summary = state.result.summaries[outcome.index]
            let failure = ChunkFailure(index: outcome.index, start: summary.start,
                                       end: summary.start + summary.duration, message: error.description)
            progress(.chunkFailed(index: outcome.index, message: error.description))
            if error.isFatalForAllChunks { throw SubtitlerError.api(path: path, error) }
            state.result.failures.append(failure)
        }
    }
}
