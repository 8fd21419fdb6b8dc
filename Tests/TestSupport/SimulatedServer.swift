import Foundation
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitler

/// A Whisper-like server in virtual time, as a ``FakeTranscriptionBackend``: `workers` requests are worked on at once
/// and the rest wait in a first-come queue; each takes `secondsPerAudioSecond` times its audio (16 kHz 16-bit WAV
/// uploads: 32,000 bytes a second). Time is a ``ManualClock`` that moves only through the server's work: ``drive()``
/// waits until the pipeline has sent every request it will send now (it follows the run's progress events: the
/// requests in flight allowed, the plan, each answer taken in), then jumps to the earliest finish and answers that
/// request. No sleep, no wall clock: the same run gives the same times every time.
public final class SimulatedServer: Sendable {
    /// One request as the server saw it arrive.
    public struct Arrival: Sendable {
        /// The upload's file name (`chunk-0001.wav`…).
        public var filename: String
        /// Requests already held (worked on or queued) when it arrived.
        public var ahead: Int
        /// The virtual time it arrived at.
        public var at: Duration
    }

    private typealias Answer = CheckedContinuation<Result<VerboseTranscription, OpenAIAudioError>, Never>

    private struct Job {
        var call: FakeTranscriptionBackend.Call
        var service: Duration
        var finish: Duration?
        var continuation: Answer?
    }

    private struct State {
        var jobs: [Int: Job] = [:]
        var queue: [Int] = []
        var cancelled: Set<Int> = []
        var arrivals: [Arrival] = []
        var finishes: [String: Duration] = [:]
        var answered = 0
        var limit: Int
        var planned: Int?
        var taken = 0
        var waiters: [(ready: @Sendable (State) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
        var working: Int { jobs.values.filter { $0.finish != nil }.count }
    }

    private let state: NIOLockedValueBox<State>
    private let workers: Int
    private let pace: Double
    private let answersAtMost: Int?
    private let text: @Sendable (FakeTranscriptionBackend.Call) -> VerboseTranscription
    /// The clock the server's work moves.
    public let clock: ManualClock

    /// Creates a server.
    /// - Parameters:
    ///   - workers: requests worked on at once.
    ///   - secondsPerAudioSecond: seconds of work per second of audio (above 1: slower than real time).
    ///   - concurrency: the run's ``SubtitleOptions/concurrency`` (the requests in flight before any answer).
    ///   - answersAtMost: after this many answers the server answers nothing more (nil: it answers everything).
    ///   - text: the answer to each request.
    public init(
        workers: Int, secondsPerAudioSecond: Double, concurrency: Int, answersAtMost: Int? = nil,
        text: @escaping @Sendable (FakeTranscriptionBackend.Call) -> VerboseTranscription
    ) {
        self.workers = workers
        pace = secondsPerAudioSecond
        self.answersAtMost = answersAtMost
        self.text = text
        clock = ManualClock()
        state = NIOLockedValueBox(State(limit: concurrency))
    }

    /// The backend the pipeline sends to; `serverCheck` answers the pipeline's check of a silent server.
    public func backend(serverCheck: (@Sendable () async -> Bool?)? = nil) -> FakeTranscriptionBackend {
        FakeTranscriptionBackend(clock: clock, serverCheck: serverCheck) { call throws(OpenAIAudioError) in
            try await self.serve(call)
        }
    }

    /// The progress closure to give the run: the server follows it to know when the pipeline has done its part.
    public var progress: @Sendable (ProgressEvent) -> Void {
        { event in self.update { state in
            switch event {
            case .requestsInFlight(let limit): state.limit = limit
            case .planned(let chunks): state.planned = chunks
            case .chunkDone, .chunkFailed: state.taken += 1
            default: break
            }
        } }
    }

    /// Every request in arrival order.
    public var arrivals: [Arrival] { state.withLockedValue { $0.arrivals } }
    /// When each request was answered, by file name.
    public var finishes: [String: Duration] { state.withLockedValue { $0.finishes } }
    /// Requests answered so far.
    public var answered: Int { state.withLockedValue { $0.answered } }
    /// Requests held now (worked on or queued).
    public var held: Int { state.withLockedValue { $0.jobs.count } }

    /// Answers requests as they come, moving time, until every planned request is answered or the server has given
    /// its last answer (``answersAtMost``) and holds the requests the pipeline sends after it.
    public func drive() async {
        while true {
            let stop = state.withLockedValue { state in
                state.answered == answersAtMost || (state.planned != nil && state.answered == state.planned)
            }
            if stop { break }
            // Every request the pipeline will send now has arrived: as many as it may have in flight, or all left.
            await wait { state in
                let left = state.planned.map { $0 - state.answered } ?? Int.max
                return state.jobs.count >= min(state.limit, left)
            }
            guard finishNext() else { break }
            let answered = self.answered
            await wait { $0.taken >= answered }
        }
        if answersAtMost != nil {
            await wait { state in
                let left = state.planned.map { $0 - state.answered } ?? Int.max
                return state.jobs.count >= min(state.limit, left)
            }
        }
    }

    /// Moves the clock to the earliest finish and answers that request; false when nothing is being worked on.
    @discardableResult
    public func finishNext() -> Bool {
        let done = state.withLockedValue { state -> (Job, Duration)? in
            guard let (id, job) = state.jobs.filter({ $0.value.finish != nil })
                .min(by: { ($0.value.finish!, $0.key) < ($1.value.finish!, $1.key) }) else { return nil }
            state.jobs[id] = nil
            state.answered += 1
            let finish = job.finish!
            state.finishes[job.call.filename] = finish
            while state.working < workers, !state.queue.isEmpty {
                let next = state.queue.removeFirst()
                let service = state.jobs[next]?.service ?? .zero
                state.jobs[next]?.finish = finish + service
            }
            return (job, finish)
        }
        guard let (job, finish) = done else { return false }
        let now = clock.now.offset
        if finish > now { clock.advance(by: finish - now) }
        job.continuation?.resume(returning: .success(text(job.call)))
        update { _ in }
        return true
    }

    private func serve(_ call: FakeTranscriptionBackend.Call) async throws(OpenAIAudioError) -> VerboseTranscription {
        let id = call.order
        let service = Duration.milliseconds(Int64((pace * Double(call.bytes) / 32).rounded()))
        let result: Result<VerboseTranscription, OpenAIAudioError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Answer) in
                let now = clock.now.offset
                update { state in
                    if state.cancelled.contains(id) {
                        continuation.resume(returning: .failure(Self.cancelled))
                        return
                    }
                    state.arrivals.append(Arrival(filename: call.filename, ahead: state.jobs.count, at: now))
                    var job = Job(call: call, service: service, continuation: continuation)
                    let answering = answersAtMost.map { state.answered < $0 } ?? true
                    if answering && state.working < workers { job.finish = now + service } else { state.queue.append(id) }
                    state.jobs[id] = job
                }
            }
        } onCancel: {
            let job = state.withLockedValue { state -> Job? in
                state.cancelled.insert(id)
                state.queue.removeAll { $0 == id }
                return state.jobs.removeValue(forKey: id)
            }
            job?.continuation?.resume(returning: .failure(Self.cancelled))
            update { _ in }
        }
        return try result.get()
    }

    private static let cancelled = OpenAIAudioError(endpoint: "transcriptions", message: "the request was cancelled",
                                                    kind: .cancelled)

    private func update(_ change: (inout State) -> Void) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            change(&state)
            let snapshot = state
            let (due, waiting) = (snapshot.waiters.filter { $0.ready(snapshot) },
                                  snapshot.waiters.filter { !$0.ready(snapshot) })
            state.waiters = waiting
            return due.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    private func wait(until ready: @escaping @Sendable (State) -> Bool) async {
        await withCheckedContinuation { continuation in
            let now = state.withLockedValue { state -> Bool in
                if ready(state) { return true }
                state.waiters.append((ready, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}
