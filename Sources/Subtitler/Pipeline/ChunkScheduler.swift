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
    /// How the requests in flight followed the server's pace.
    var concurrency = AdaptiveConcurrency(maximum: 1)

    /// Audio of the chunks answered so far, milliseconds.
    var audioDone: Milliseconds { outcomes.keys.reduce(0) { $0 + summaries[$1].duration } }
}

/// Cuts and encodes chunks on the blocking-work pool one at a time and sends them in one structured task group: at
/// first ``SubtitleOptions/concurrency`` at once, then as many as the server is seen to work on at once
/// (``AdaptiveConcurrency``), never more.
///
/// Waiting in the server's queue is not a failure: with a scaled timeout, a request is never given up while the
/// server answers others; only a server that answers nothing for a request's allowance is taken as stopped
/// (``ServerWatch``), and then the requests waiting fail as timeouts and nothing more is sent.
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

    /// A request in flight.
    private struct Pending {
        var audio: Milliseconds
        /// Requests in flight when it was sent, itself included.
        var inFlight: Int
    }

    /// The run's mutable state, confined to the task that runs the group.
    private struct State {
        var result = ScheduledChunks()
        var pending: [Int: Pending] = [:]
        var nextIndex = 0
        var languageSource: Int?
        var watch: ServerWatch
        var watchArmed = false
        var inFlight: Int { pending.count }
    }

    /// What a child task of the group brings back.
    private enum Event: Sendable {
        case chunk(ChunkOutcome)
        /// The watch's sleep ended (or was cancelled): time to look at the server's silence again.
        case watch
    }

    /// Runs every chunk of `box`'s producer.
    /// - Throws: ``SubtitlerError`` (`api` for an error fatal to every chunk, `chunksFailed` when the server stopped
    ///   answering, `cancelled`, `media`).
    func run(_ box: TaskConfined<ChunkProducer>) async throws(SubtitlerError) -> ScheduledChunks {
        var state = State(watch: ServerWatch(policy: options.requestTimeout))
        state.result.concurrency = AdaptiveConcurrency(maximum: options.concurrency)
        state.result.language = options.language.flatMap(WhisperLanguages.code(for:)) ?? options.language
        let waitsForLanguage = state.result.language == nil && options.task == .transcribe
            && options.strategy == .segmentsAndWords
        let (options, subtitler, counters, progress) = (self.options, self.subtitler, self.counters, self.progress)
        let clock = RunClock(subtitler.backend.clock)
        let attemptTimeout = state.watch.attemptTimeout
        do {
            try await withThrowingTaskGroup(of: Event.self) { group in
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
                        while state.inFlight >= state.result.concurrency.limit {
                            try await collect(&group, into: &state, clock: clock)
                        }
                        if waitsForLanguage, let source = state.languageSource {
                            while state.result.language == nil, state.result.outcomes[source] == nil, state.inFlight > 0 {
                                try await collect(&group, into: &state, clock: clock)
                            }
                        }
                        if state.languageSource == nil { state.languageSource = encoded.summary.index }
                        let requestLanguage = state.result.language
                        state.watch.sent(at: clock.elapsed(), waiting: state.inFlight)
                        state.pending[encoded.summary.index] = Pending(audio: encoded.summary.audioSent,
                                                                       inFlight: state.inFlight + 1)
                        group.addTask {
                            .chunk(await subtitler.send(encoded, language: requestLanguage, options: options,
                                                        attemptTimeout: attemptTimeout, clock: clock,
                                                        counters: counters, progress: progress))
                        }
                        arm(&group, &state, clock: clock)
                    }
                }
                progress(.planned(chunks: state.result.summaries.count))
                while state.inFlight > 0 { try await collect(&group, into: &state, clock: clock) }
                group.cancelAll()   // the watch's sleep
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

    /// Starts the watch's sleep until the server's deadline, unless one is running or nothing waits.
    private func arm(_ group: inout ThrowingTaskGroup<Event, any Error>, _ state: inout State, clock: RunClock) {
        guard !state.watchArmed, let deadline = state.watch.deadline(waiting: state.pending.values.map(\.audio)) else {
            return
        }
        state.watchArmed = true
        group.addTask {
            try? await clock.sleep(deadline)
            return .watch
        }
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

    /// Waits for the next answer and records it, or, when the watch wakes, gives up a server that has been silent
    /// past its deadline.
    private func collect(
        _ group: inout ThrowingTaskGroup<Event, any Error>, into state: inout State, clock: RunClock
    ) async throws {
        try Task.checkCancellation()
        guard let event = try await group.next() else { return }
        switch event {
        case .watch:
            state.watchArmed = false
            let waiting = state.pending.values.map(\.audio)
            if let deadline = state.watch.deadline(waiting: waiting), clock.elapsed() >= deadline {
                // Before giving a silent server up: is it up at all? One that answers is busy with other clients.
                if await subtitler.backend.serverAnswers(within: ServerWatch.checkTimeout) == true {
                    state.watch.seenUp(at: clock.elapsed())
                }
                if let extended = state.watch.deadline(waiting: waiting), clock.elapsed() >= extended {
                    try await giveUp(&group, into: &state, silence: clock.elapsed() - (state.watch.silentSince ?? .zero))
                }
            }
            arm(&group, &state, clock: clock)
        case .chunk(let outcome):
            try record(outcome, into: &state)
            arm(&group, &state, clock: clock)
        }
    }

    /// Records one chunk's outcome: its answer, what it says of the server's pace, or its failure.
    private func record(_ outcome: ChunkOutcome, into state: inout State) throws {
        let pending = state.pending.removeValue(forKey: outcome.index)
        if let answer = outcome.answer, let pending {
            state.watch.heard(at: answer.answered, sent: answer.sent, audio: pending.audio)
            if case .success = outcome.result {
                let before = state.result.concurrency.limit
                state.result.concurrency.record(latency: answer.answered - answer.sent, audio: pending.audio,
                                                inFlight: pending.inFlight)
                let after = state.result.concurrency.limit
                if after != before { progress(.requestsInFlight(limit: after)) }
            }
        }
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
            fail(outcome.index, message: error.description, into: &state)
            if error.isFatalForAllChunks { throw SubtitlerError.api(path: path, error) }
        }
    }

    private func fail(_ index: Int, message: String, into state: inout State) {
        let summary = state.result.summaries[index]
        progress(.chunkFailed(index: index, message: message))
        state.result.failures.append(ChunkFailure(index: index, start: summary.start,
                                                  end: summary.start + summary.duration, message: message))
    }

    /// The server answered nothing for `silence`, longer than the allowance of the longest request waiting: every
    /// request waiting fails as a timeout (an answer that slips in meanwhile is kept), nothing more is sent, and the
    /// run fails with its failed chunks.
    private func giveUp(
        _ group: inout ThrowingTaskGroup<Event, any Error>, into state: inout State, silence: Duration
    ) async throws -> Never {
        group.cancelAll()
        let waiting = state.pending.count
        let message = state.watch.isSeenUpSinceSilent
            ? "the server answered none of our requests for \(Self.describe(silence)) while \(waiting) "
                + "request\(waiting == 1 ? "" : "s") waited, though it answered checks (other clients' work is ahead of "
                + "ours in its queue): they were given up and nothing more was sent"
            : "the server answered nothing for \(Self.describe(silence)) while \(waiting) "
                + "request\(waiting == 1 ? "" : "s") waited: it is taken as stopped and nothing more was sent"
        while !state.pending.isEmpty, let event = try await group.next() {
            guard case .chunk(let outcome) = event, state.pending[outcome.index] != nil else { continue }
            if case .success = outcome.result {
                try record(outcome, into: &state)
            } else {
                state.pending[outcome.index] = nil
                fail(outcome.index, message: message, into: &state)
            }
        }
        throw SubtitlerError.chunksFailed(path: path, state.result.failures.sorted { $0.index < $1.index })
    }

    /// `1 h 2 min 3 s`, `16 min`, `45 s`.
    static func describe(_ duration: Duration) -> String {
        let total = max(0, Int64(duration.asSeconds.rounded()))
        let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60)
        var parts: [String] = []
        if hours > 0 { parts.append("\(hours) h") }
        if minutes > 0 { parts.append("\(minutes) min") }
        if seconds > 0 || parts.isEmpty { parts.append("\(seconds) s") }
        return parts.joined(separator: " ")
    }
}
