import Foundation
import OpenAIAudio

/// The speech-to-text service the pipeline sends audio to: what ``OpenAIAudioClient`` does for it.
///
/// The client is the default (OpenAI or any compatible server); tests give an in-memory fake that answers,
/// fails or waits on demand, with no socket.
public protocol TranscriptionBackend: Sendable {
    /// Names the server in resume-cache keys, so answers from one server are never reused for another.
    var cacheIdentity: String { get }

    /// The clock that times requests to this server: the pipeline's watch on a slow or stopped server sleeps on it
    /// (``OpenAIConfiguration/clock`` for the client; the continuous clock unless a backend says otherwise).
    var clock: any Clock<Duration> { get }

    /// Transcribes with timing (`verbose_json`, or `diarized_json` when the request asks for it).
    /// - Parameters:
    ///   - request: the request.
    ///   - timeout: how long one attempt may take.
    ///   - onRetry: called before each retry.
    /// - Throws: ``OpenAIAudioError``.
    func transcribeVerbose(
        _ request: TranscriptionRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> VerboseTranscription

    /// Transcribes to plain text (models without timestamps).
    /// - Throws: ``OpenAIAudioError``.
    func transcribeText(
        _ request: TranscriptionRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> String

    /// Translates speech to English with segment timing.
    /// - Throws: ``OpenAIAudioError``.
    func translateVerbose(
        _ request: TranslationRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> VerboseTranscription

    /// Whether the server answers at all within `timeout`, asked when it has answered none of the pipeline's requests
    /// for their allowance: true keeps them waiting (a server shared with other clients works through their requests
    /// first), up to ``ServerWatch/sharedServerLimit``; false or nil (the default: cannot tell) gives it up.
    func serverAnswers(within timeout: Duration) async -> Bool?
}

/// Text to speech: what the dub and `subtitler speak` ask of ``OpenAIAudioClient``.
public protocol SpeechSynthesizer: Sendable {
    /// Names the speech server in cache keys.
    var speechCacheIdentity: String { get }

    /// Synthesises speech and returns the whole audio file in the request's format.
    /// - Throws: ``OpenAIAudioError``.
    func speech(_ request: SpeechRequest, onRetry: (@Sendable (RetryEvent) -> Void)?) async throws(OpenAIAudioError)
        -> [UInt8]
}

extension TranscriptionBackend {
    /// The continuous clock.
    public var clock: any Clock<Duration> { ContinuousClock() }

    /// Cannot tell: a silent server is given up when its requests' allowance runs out.
    public func serverAnswers(within timeout: Duration) async -> Bool? { nil }
}

extension OpenAIAudioClient: TranscriptionBackend {
    /// The configuration's clock, the one each attempt's timeout runs on.
    public var clock: any Clock<Duration> { configuration.clock }

    /// The base URL, lower-cased and without trailing slashes.
    public var cacheIdentity: String {
        configuration.baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")).lowercased()
    }

    /// Asks `GET /models` (``OpenAIAudioClient/probe(timeout:)``).
    public func serverAnswers(within timeout: Duration) async -> Bool? {
        await probe(timeout: timeout)
    }

    public func transcribeVerbose(
        _ request: TranscriptionRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        try await withRequestTimeout(timeout).transcribeVerbose(request, onRetry: onRetry)
    }

    public func transcribeText(
        _ request: TranscriptionRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> String {
        try await withRequestTimeout(timeout).transcribeText(request, onRetry: onRetry)
    }

    public func translateVerbose(
        _ request: TranslationRequest, timeout: Duration, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        try await withRequestTimeout(timeout).translateVerbose(request, onRetry: onRetry)
    }
}

extension OpenAIAudioClient: SpeechSynthesizer {
    /// The speech base URL (else the base URL), as the dub's cache has always keyed it.
    public var speechCacheIdentity: String { configuration.speechBaseURL ?? configuration.baseURL }
}
