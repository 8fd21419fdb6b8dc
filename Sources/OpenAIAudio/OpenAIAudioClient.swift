import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client for OpenAI's audio endpoints (transcriptions, translations, speech) and compatible servers.
///
/// Requests are built like the official SDKs build them, failed attempts are retried like the SDKs
/// retry them (see ``OpenAIConfiguration/maxRetries`` and ``RetryBackoff``), and every failure is an
/// ``OpenAIAudioError``. Cancelling the calling task stops the in-flight request at once.
public struct OpenAIAudioClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: OpenAIConfiguration
    let httpClient: HTTPClient
    let logger: Logger

    /// The largest successful response body the client buffers or one streamed event may hold: 64 MiB, ten times
    /// the longest speech answer (4096 characters as 24 kHz WAV) and far more than any transcription.
    static let maxResponseBytes = 64 << 20

    /// The most of an error response's body that is read: enough for any error message, never a flood.
    static let maxErrorBodyBytes = 16 << 10

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: Where to send requests and how to retry.
    ///   - httpClient: The HTTP client; the caller owns its lifecycle. The default, ``sharedHTTPClient``,
    ///     needs no shutdown. Prefer it (or ``makeHTTPClient(configuration:)``) over AsyncHTTPClient's
    ///     `HTTPClient.shared`, whose browser-like 90 s read timeout would cut off long transcriptions and
    ///     whose connection retries hide a refused connection for 90 s.
    ///   - logger: The logger; it never receives the API key or request headers.
    public init(
        configuration: OpenAIConfiguration,
        httpClient: HTTPClient = OpenAIAudioClient.sharedHTTPClient,
        logger: Logger = Logger(label: "subtitler.openai")
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// A copy of this client whose attempts may each take up to `timeout`: size it to the work (a long chunk of
    /// audio on a slow server needs longer than a short one).
    ///
    /// - Parameter timeout: The new ``OpenAIConfiguration/requestTimeout``.
    /// - Returns: A client sharing this one's HTTP client and logger.
    public func withRequestTimeout(_ timeout: Duration) -> OpenAIAudioClient {
        var configuration = configuration
        configuration.requestTimeout = timeout
        return OpenAIAudioClient(configuration: configuration, httpClient: httpClient, logger: logger)
    }

    /// A process-wide HTTP client for audio requests that is never shut down: 10 s connect timeout,
    /// no read timeout (each attempt is bounded by ``OpenAIConfiguration/requestTimeout`` instead), and
    /// failed connections reported at once so the client's own retry rules apply.
    public static let sharedHTTPClient: HTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: httpConfiguration(connectTimeout: .seconds(10))
    )

    /// Makes an HTTP client that uses the configuration's connect timeout and otherwise the settings of
    /// ``sharedHTTPClient``. Call `shutdown()` on it when done.
    ///
    /// - Parameter configuration: The configuration whose ``OpenAIConfiguration/connectTimeout`` to apply.
    /// - Returns: A new client on the shared event loop group.
    public static func makeHTTPClient(configuration: OpenAIConfiguration) -> HTTPClient {
        HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: httpConfiguration(connectTimeout: configuration.connectTimeout)
        )
    }

    private static func httpConfiguration(connectTimeout: Duration) -> HTTPClient.Configuration {
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = .init(connect: TimeAmount(connectTimeout))
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        return httpConfiguration
    }

    // MARK: - Transcriptions

    /// Transcribes audio in whatever ``TranscriptionRequest/responseFormat`` the request asks for.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - onRetry: Called before each retry.
    /// - Returns: The result in the requested format (`json` when none was given).
    /// - Throws: ``OpenAIAudioError``.
    public func transcribe(
        _ request: TranscriptionRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) async throws(OpenAIAudioError) -> TranscriptionResult {
        let form = request.multipartForm()
        let response = try await send(.transcriptions, form: form, onRetry: onRetry)
        return try decodeResult(response, format: request.responseFormat ?? .json, endpoint: .transcriptions)
    }

    /// Transcribes audio with timing: sends `verbose_json` (or `diarized_json` when the request asks for it)
    /// and decodes leniently.
    ///
    /// - Parameters:
    ///   - request: The request; its response format is replaced by `verbose_json` unless it is `diarized_json`.
    ///   - onRetry: Called before each retry.
    /// - Returns: The transcription; diarized segments carry their speaker.
    /// - Throws: ``OpenAIAudioError``.
    public func transcribeVerbose(
        _ request: TranscriptionRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        var request = request
        if request.responseFormat != .diarizedJSON { request.responseFormat = .verboseJSON }
        switch try await transcribe(request, onRetry: onRetry) {
        case .verbose(let value): return value
        case .diarized(let value): return value.verbose
        case .json(let value): return VerboseTranscription(text: value.text, usage: value.usage)
        case .text(let value): return VerboseTranscription(text: value)
        }
    }

    /// Transcribes audio to plain text.
    ///
    /// With no response format the request asks for `json` and returns its `text`, which every compatible
    /// server supports; with `text`, `srt` or `vtt` it returns the body as it came.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - onRetry: Called before each retry.
    /// - Returns: The text.
    /// - Throws: ``OpenAIAudioError``.
    public func transcribeText(
        _ request: TranscriptionRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) async throws(OpenAIAudioError) -> String {
        try await transcribe(request, onRetry: onRetry).text
    }

    /// Streams a transcription (`stream=true`; GPT-4o models, ignored by `whisper-1`).
    ///
    /// Failures before the first byte are retried; once events flow, a failure ends the stream with an
    /// ``OpenAIAudioError``. If the server does not stream (for example `whisper-1`), the whole JSON
    /// answer arrives as one `.done` event. Cancelling the consuming task stops the request.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - onRetry: Called before each retry.
    /// - Returns: The events, ending after `transcript.text.done`.
    public func streamTranscription(
        _ request: TranscriptionRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) -> AsyncThrowingStream<TranscriptionStreamEvent, any Error> {
        let form = request.multipartForm(stream: true)
        let prepared: PreparedRequest
        do {
            prepared = try prepare(.transcriptions, form: form, accept: "text/event-stream")
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        return stream(prepared, isEventStream: false, onRetry: onRetry) { chunk, state in
            guard state.isEventStream else {
                try state.appendBody(chunk, limit: Self.maxResponseBytes)
                return false
            }
            for event in state.feed(chunk) {
                if try handleTranscriptionEvent(event, yield: state.yield) { return true }
            }
            if state.pendingByteCount > Self.maxResponseBytes { throw ResponseTooLarge() }
            return false
        } finish: { state in
            guard state.isEventStream else {
                let done = try decodeJSON(
                    Transcription.self,
                    from: state.wholeBody,
                    endpoint: .transcriptions,
                    status: 200,
                    redactor: SecretRedactor(configuration.apiKey)
                )
                state.yield(.done(text: done.text, usage: done.usage))
                return
            }
            if let event = state.finishEvents() { _ = try handleTranscriptionEvent(event, yield: state.yield) }
        }
    }

    // MARK: - Translations

    /// Translates speech to English in whatever format the request asks for.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - onRetry: Called before each retry.
    /// - Returns: The result (`json` when no format was given).
    /// - Throws: ``OpenAIAudioError``.
    public func translate(
        _ request: TranslationRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) async throws(OpenAIAudioError) -> TranscriptionResult {
        let form = request.multipartForm()
        let response = try await send(.translations, form: form, onRetry: onRetry)
        let format: TranscriptionResponseFormat =
            switch request.responseFormat ?? .json {
            case .json: .json
            case .text: .text
            case .srt: .srt
            case .vtt: .vtt
            case .verboseJSON: .verboseJSON
            }
        return try decodeResult(response, format: format, endpoint: .translations)
    }

    /// Translates speech to English with segment timing (`verbose_json`, decoded leniently).
    ///
    /// - Parameters:
    ///   - request: The request; its response format is replaced by `verbose_json`.
    ///   - onRetry: Called before each retry.
    /// - Returns: The English transcription with segments (never words).
    /// - Throws: ``OpenAIAudioError``.
    public func translateVerbose(
        _ request: TranslationRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        var request = request
        request.responseFormat = .verboseJSON
        switch try await translate(request, onRetry: onRetry) {
        case .verbose(let value): return value
        case .diarized(let value): return value.verbose
        case .json(let value): return VerboseTranscription(text: value.text, usage: value.usage)
        case .text(let value): return VerboseTranscription(text: value)
        }
    }

    /// Translates speech to English with segment timing, from a transcription request's shared fields.
    ///
    /// - Parameters:
    ///   - request: A transcription request; see ``TranslationRequest/init(_:)`` for what carries over.
    ///   - onRetry: Called before each retry.
    /// - Returns: The English transcription with segments.
    /// - Throws: ``OpenAIAudioError``.
    public func translateVerbose(
        _ request: TranscriptionRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) async throws(OpenAIAudioError) -> VerboseTranscription {
        try await translateVerbose(TranslationRequest(request), onRetry: onRetry)
    }

    // MARK: - Speech

    /// Synthesises speech and returns the whole audio file.
    ///
    /// With `stream_format=sse` the base64 deltas are decoded and joined.
    ///
    /// - Parameters:
    ///   - request: The request; input length and speed are checked before sending.
    ///   - onRetry: Called before each retry.
    /// - Returns: The audio bytes in ``SpeechRequest/responseFormat``.
    /// - Throws: ``OpenAIAudioError``.
    public func speech(
        _ request: SpeechRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) async throws(OpenAIAudioError) -> [UInt8] {
        let prepared = try prepareSpeech(request)
        let response = try await perform(prepared, onRetry: onRetry)
        // The response decides: a server that ignores stream_format=sse answers with plain audio.
        let contentType = response.headers.first(name: "content-type") ?? ""
        let isEventStream = contentType.isEmpty ? request.streamFormat == .sse : contentType.contains("event-stream")
        guard isEventStream else { return response.body }
        var parser = ServerSentEventParser()
        var audio: [UInt8] = []
        var events = parser.feed(response.body)
        if let last = parser.finish() { events.append(last) }
        for event in events {
            switch try decodeSpeechEvent(event, endpoint: .speech, requestID: response.requestID) {
            case .audio(let bytes): audio += bytes
            case .done: return audio
            case .other: continue
            }
        }
        return audio
    }

    /// Synthesises speech and streams the audio to the caller as bytes arrive.
    ///
    /// With `stream_format=sse` the base64 deltas are decoded, so the elements are always audio bytes.
    /// Failures before the first byte are retried. Cancelling the consuming task stops the request.
    ///
    /// - Parameters:
    ///   - request: The request; input length and speed are checked before sending.
    ///   - onRetry: Called before each retry.
    /// - Returns: Chunks of audio in ``SpeechRequest/responseFormat``.
    public func streamSpeech(
        _ request: SpeechRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) -> AsyncThrowingStream<[UInt8], any Error> {
        let prepared: PreparedRequest
        do {
            prepared = try prepareSpeech(request)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        return stream(prepared, isEventStream: request.streamFormat == .sse, onRetry: onRetry) { chunk, state in
            guard state.isEventStream else {
                state.yield(chunk)
                return false
            }
            for event in state.feed(chunk) {
                switch try decodeSpeechEvent(event, endpoint: .speech, requestID: state.requestID) {
                case .audio(let bytes): state.yield(bytes)
                case .done: return true
                case .other: continue
                }
            }
            if state.pendingByteCount > Self.maxResponseBytes { throw ResponseTooLarge() }
            return false
        } finish: { state in
            if state.isEventStream, let event = state.finishEvents(),
                case .audio(let bytes) = try decodeSpeechEvent(event, endpoint: .speech, requestID: state.requestID)
            {
                state.yield(bytes)
            }
        }
    }
}

extension OpenAIAudioClient: CustomStringConvertible, CustomReflectable {
    /// The client's configuration, with the API key redacted.
    public var description: String { "OpenAIAudioClient(\(configuration))" }

    /// A mirror that shows only the (redacted) configuration, for `dump` and debuggers.
    public var customMirror: Mirror { Mirror(self, children: ["configuration": configuration], displayStyle: .struct) }
}
