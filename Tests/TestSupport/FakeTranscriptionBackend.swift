import Foundation
import MediaAudio
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitler

/// An in-memory ``TranscriptionBackend``: answers each request through a closure the test gives, records every
/// request, and counts how many are in flight at once. No socket, no sleep: a test that needs a request to wait
/// makes its answer wait on a ``Gate``.
public final class FakeTranscriptionBackend: TranscriptionBackend {
    /// One request as the pipeline sent it.
    public struct Call: Sendable {
        /// Which endpoint: `transcriptions` or `translations`.
        public var endpoint: String
        /// The order the request arrived in, from 0.
        public var order: Int
        /// The upload's file name (`chunk-1.flac`…).
        public var filename: String
        /// The uploaded bytes.
        public var bytes: Int
        /// The language asked for.
        public var language: String?
        /// The timeout the pipeline gave the attempt.
        public var timeout: Duration
    }

    /// What the fake answers for one request.
    public typealias Answer = @Sendable (Call) async throws(OpenAIAudioError) -> VerboseTranscription

    private struct State {
        var calls: [Call] = []
        var inFlight = 0
        var maxInFlight = 0
    }

    private let state = NIOLockedValueBox(State())
    private let answer: Answer
    public let cacheIdentity: String
    /// The clock the pipeline times this server on (a test's ``ManualClock``, or the continuous clock).
    public let clock: any Clock<Duration>

    /// What the server answers when the pipeline checks whether it is up (nil: cannot tell, the default).
    private let serverCheck: (@Sendable () async -> Bool?)?

    /// Creates a fake answering every request with `answer`, timed on `clock`; `serverCheck` answers the pipeline's
    /// check of a silent server.
    public init(cacheIdentity: String = "fake://backend", clock: any Clock<Duration> = ContinuousClock(),
                serverCheck: (@Sendable () async -> Bool?)? = nil, answer: @escaping Answer) {
        self.cacheIdentity = cacheIdentity
        self.clock = clock
        self.serverCheck = serverCheck
        self.answer = answer
    }

    public func serverAnswers(within timeout: Duration) async -> Bool? {
        await serverCheck?()
    }

    /// A fake that answers every request with the same transcription.
    public convenience init(always transcription: VerboseTranscription) {
        self.init { _ in transcription }
    }

    /// The requests so far, in arrival order.
    public var calls: [Call] { state.withLockedValue { $0.calls } }
    /// The most requests that were in flight at once.
    public var maxInFlight: Int { state.withLockedValue { $0.maxInFlight } }

    private func handle(
        endpoint: String, file: AudioUpload, language: String?, timeout: Duration
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        let call = state.withLockedValue { state -> Call in
            let call = Call(endpoint: endpoint, order: state.calls.count, filename: file.filename,
                            bytes: file.data.count, language: language, timeout: timeout)
            state.calls.append(call)
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            return call
        }
        defer { state.withLockedValue { $0.inFlight -= 1 } }
        return try await answer(call)
    }

    public func transcribeVerbose(
        _ request: TranscriptionRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        try await handle(endpoint: "transcriptions", file: request.file, language: request.language, timeout: timeout)
    }

    public func transcribeText(
        _ request: TranscriptionRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> String {
        try await handle(endpoint: "transcriptions", file: request.file, language: request.language, timeout: timeout)
            .text
    }

    public func translateVerbose(
        _ request: TranslationRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        try await handle(endpoint: "translations", file: request.file, language: nil, timeout: timeout)
    }

    /// A server error as the client reports it after its retries.
    public static func serverError(_ status: Int, message: String = "the fake server failed") -> OpenAIAudioError {
        OpenAIAudioError(endpoint: "transcriptions", status: status, message: message, kind: .http)
    }
}

/// A one-shot barrier for tests: tasks ``wait()`` until someone calls ``open()``; waiting after it opened returns
/// at once. Also counts the waiters, so a test can wait until a known number of tasks are held.
public final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var arrivals = 0
        var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Creates a closed gate.
    public init() {}

    /// Waits until the gate opens.
    public func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                state.arrivals += 1
                var ready: [CheckedContinuation<Void, Never>] = []
                state.watchers.removeAll { watcher in
                    guard state.arrivals >= watcher.count else { return false }
                    ready.append(watcher.continuation)
                    return true
                }
                if state.isOpen { ready.append(continuation) } else { state.waiters.append(continuation) }
                return ready
            }
            for continuation in ready { continuation.resume() }
        }
    }

    /// Returns once `count` tasks have called ``wait()`` (in all, open or not).
    public func arrivals(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let now = state.withLockedValue { state -> Bool in
                if state.arrivals >= count { return true }
                state.watchers.append((count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// How many tasks have called ``wait()``.
    public var arrivalCount: Int { state.withLockedValue { $0.arrivals } }

    /// Opens the gate: every waiter goes on, and later waits return at once.
    public func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Mono PCM held in memory as an ``AudioSource``: the pipeline reads it without FFmpeg or a file.
public final class SamplesAudioSource: AudioSource {
    public let sampleRate: Int
    public let videoFrameRate: Double?
    public var expectedSampleCount: Int64? { Int64(samples.count) }
    public var warnings: [String] { [] }
    private let samples: [Int16]
    private let blockSize: Int
    private var position = 0

    /// Creates a source over `samples` at `sampleRate`, delivered in blocks of `blockSize`.
    public init(samples: [Int16], sampleRate: Int = 16_000, blockSize: Int = 16_000, videoFrameRate: Double? = nil) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.blockSize = blockSize
        self.videoFrameRate = videoFrameRate
    }

    public func nextBlock() throws(MediaError) -> PCMBlock? {
        guard position < samples.count else { return nil }
        let end = min(samples.count, position + blockSize)
        defer { position = end }
        return PCMBlock(startSample: Int64(position), samples: Array(samples[position..<end]))
    }

    /// A tone at `hertz` that sounds for `on` seconds and pauses for `off`, repeated for `seconds`: speech with
    /// pauses to the energy map.
    public static func toneTalk(
        seconds: Int, on: Int = 8, off: Int = 2, hertz: Double = 330, sampleRate: Int = 16_000
    ) -> [Int16] {
        let period = on + off
        return (0..<(seconds * sampleRate)).map { index in
            let second = index / sampleRate
            guard second % period < on else { return 0 }
            let phase = 2 * Double.pi * hertz * Double(index) / Double(sampleRate)
            return Int16(sin(phase) * 16_000)
        }
    }
}
