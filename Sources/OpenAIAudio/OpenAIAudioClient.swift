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
    private let httpClient: HTTPClient
    private let logger: Logger

    /// The largest response body the client buffers (speech audio can be large).
    static let maxResponseBytes = 1 << 30

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
                state.wholeBody += chunk
                return false
            }
            for event in state.parser.feed(chunk) {
                if try handleTranscriptionEvent(event, yield: state.yield) { return true }
            }
            return false
        } finish: { state in
            guard state.isEventStream else {
                let done = try decodeJSON(
                    Transcription.self,
                    from: state.wholeBody,
                    endpoint: .transcriptions,
                    status: 200
                )
                state.yield(.done(text: done.text, usage: done.usage))
                return
            }
            if let event = state.parser.finish() { _ = try handleTranscriptionEvent(event, yield: state.yield) }
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
            for event in state.parser.feed(chunk) {
                switch try decodeSpeechEvent(event, endpoint: .speech, requestID: state.requestID) {
                case .audio(let bytes): state.yield(bytes)
                case .done: return true
                case .other: continue
                }
            }
            return false
        } finish: { state in
            if state.isEventStream, let event = state.parser.finish(),
                case .audio(let bytes) = try decodeSpeechEvent(event, endpoint: .speech, requestID: state.requestID)
            {
                state.yield(bytes)
            }
        }
    }

    // MARK: - Request building

    struct PreparedRequest: Sendable {
        var endpoint: Endpoint
        var url: String
        var headers: HTTPHeaders
        var body: [UInt8]

        /// The first value of a request header, case-insensitively.
        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    struct BufferedResponse: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var requestID: String? { headers.first(name: "x-request-id") }
    }

    /// The headers every request carries: auth, organization, project, user agent, accept, content type.
    func makeHeaders(contentType: String, accept: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let key = configuration.apiKey, !key.isEmpty {
            headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        if let organization = configuration.organization, !organization.isEmpty {
            headers.add(name: "OpenAI-Organization", value: organization)
        }
        if let project = configuration.project, !project.isEmpty {
            headers.add(name: "OpenAI-Project", value: project)
        }
        headers.add(name: "User-Agent", value: "subtitler/\(subtitlerVersion)")
        headers.add(name: "Accept", value: accept)
        headers.add(name: "Content-Type", value: contentType)
        return headers
    }

    func prepare(_ endpoint: Endpoint, form: MultipartForm, accept: String = "application/json")
        throws(OpenAIAudioError)
        -> PreparedRequest
    {
        let size = form.byteCount
        guard size <= maxRequestBodyBytes else {
            throw OpenAIAudioError(
                endpoint: endpoint.rawValue,
                param: "file",
                message:
                    "the request body would be \(size) bytes (file '\(form.file.filename)' is \(form.file.data.count) bytes), "
                    + "over the \(maxRequestBodyBytes)-byte limit of the OpenAI audio API; split or re-encode the audio",
                kind: .requestTooLarge,
                attempts: 0
            )
        }
        return PreparedRequest(
            endpoint: endpoint,
            url: configuration.url(for: endpoint),
            headers: makeHeaders(contentType: form.contentType, accept: accept),
            body: form.encoded()
        )
    }

    func prepareSpeech(_ request: SpeechRequest) throws(OpenAIAudioError) -> PreparedRequest {
        if let failure = request.validationFailure() {
            throw OpenAIAudioError(
                endpoint: Endpoint.speech.rawValue,
                param: failure.param,
                message: failure.message,
                kind: .invalidRequest,
                attempts: 0
            )
        }
        let body = SpeechBody(request)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(body)
        } catch {
            throw OpenAIAudioError(
                endpoint: Endpoint.speech.rawValue,
                message: "could not encode the speech request: \(error)",
                kind: .invalidRequest,
                attempts: 0
            )
        }
        let accept = request.streamFormat == .sse ? "text/event-stream" : "application/octet-stream"
        return PreparedRequest(
            endpoint: .speech,
            url: configuration.url(for: .speech),
            headers: makeHeaders(contentType: "application/json", accept: accept),
            body: [UInt8](data)
        )
    }

    // MARK: - Sending and retrying

    func send(_ endpoint: Endpoint, form: MultipartForm, onRetry: (@Sendable (RetryEvent) -> Void)?)
        async throws(OpenAIAudioError) -> BufferedResponse
    {
        try await perform(try prepare(endpoint, form: form), onRetry: onRetry)
    }

    /// Sends a request with retries and returns the first successful (2xx) response, fully read.
    func perform(_ prepared: PreparedRequest, onRetry: (@Sendable (RetryEvent) -> Void)?)
        async throws(OpenAIAudioError) -> BufferedResponse
    {
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await attemptBuffered(prepared)
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                logger.debug(
                    "request succeeded",
                    metadata: metadata(
                        prepared,
                        attempt: attempt,
                        status: response.status,
                        requestID: response.requestID
                    )
                )
                return response
            case .success(let response):
                let error = httpError(prepared.endpoint, response.status, response.headers, response.body, attempt)
                try await retryOrThrow(prepared, error, attempt: attempt, headers: response.headers, onRetry: onRetry)
            case .failure(let error):
                var error = error
                error.attempts = attempt
                try await retryOrThrow(prepared, error, attempt: attempt, headers: nil, onRetry: onRetry)
            }
        }
    }

    /// Decides whether to retry after a failed attempt; sleeps and returns to retry, or throws.
    private func retryOrThrow(
        _ prepared: PreparedRequest,
        _ error: OpenAIAudioError,
        attempt: Int,
        headers: HTTPHeaders?,
        onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) {
        // A task cancelled while its response was arriving reports cancellation, not the response's error.
        if Task.isCancelled { throw cancelledError(prepared.endpoint, attempts: attempt) }
        let retriesTaken = attempt - 1
        let delay: Duration?
        if retriesTaken >= configuration.maxRetries {
            delay = nil
        } else if let headers, let status = error.status {
            delay = RetryPolicy.delay(
                status: status,
                header: { headers.first(name: $0) },
                error: error,
                retriesTaken: retriesTaken,
                backoff: configuration.backoff
            )
        } else if error.kind == .network || error.kind == .timeout {
            delay = configuration.backoff.delay(beforeRetry: retriesTaken, random: Double.random(in: 0..<1))
        } else {
            delay = nil
        }
        guard let delay else {
            logger.notice(
                "request failed",
                metadata: metadata(prepared, attempt: attempt, status: error.status, requestID: error.requestID)
                    .merging(["error": "\(error.description)"]) { $1 }
            )
            throw error
        }
        let reason = retryReason(error)
        logger.notice(
            "retrying request",
            metadata: metadata(prepared, attempt: attempt, status: error.status, requestID: error.requestID)
                .merging(["reason": "\(reason)", "delay": "\(delay)"]) { $1 }
        )
        onRetry?(
            RetryEvent(
                endpoint: prepared.endpoint.rawValue,
                attempt: attempt,
                delay: delay,
                reason: reason,
                status: error.status
            )
        )
        do {
            try await configuration.backoff.sleep(delay)
        } catch {
            throw cancelledError(prepared.endpoint, attempts: attempt)
        }
        if Task.isCancelled { throw cancelledError(prepared.endpoint, attempts: attempt) }
    }

    private func retryReason(_ error: OpenAIAudioError) -> String {
        switch error.kind {
        case .http:
            var text = "HTTP \(error.status ?? 0)"
            if let code = error.code ?? error.type { text += " \(code)" }
            return text
        default:
            return "\(error.kind.rawValue): \(error.message)"
        }
    }

    private func metadata(_ prepared: PreparedRequest, attempt: Int, status: Int?, requestID: String?)
        -> Logger.Metadata
    {
        var metadata: Logger.Metadata = ["endpoint": "\(prepared.endpoint.rawValue)", "attempt": "\(attempt)"]
        if let status { metadata["status"] = "\(status)" }
        if let requestID { metadata["request_id"] = "\(requestID)" }
        return metadata
    }

    /// One attempt: sends the request and reads the whole response within the request timeout.
    private func attemptBuffered(_ prepared: PreparedRequest) async -> Result<BufferedResponse, OpenAIAudioError> {
        let deadline = ContinuousClock.now + configuration.requestTimeout
        let request = makeHTTPRequest(prepared)
        let httpClient = self.httpClient
        let nioDeadline = NIODeadline.now() + TimeAmount(configuration.requestTimeout)
        do {
            let response = try await withDeadline(deadline) {
                let response = try await httpClient.execute(request, deadline: nioDeadline)
                var body: [UInt8] = []
                for try await buffer in response.body {
                    body += buffer.readableBytesView
                    if body.count > Self.maxResponseBytes { throw ResponseTooLarge() }
                }
                return BufferedResponse(status: Int(response.status.code), headers: response.headers, body: body)
            }
            return .success(response)
        } catch {
            return .failure(transportError(error, prepared.endpoint))
        }
    }

    private func makeHTTPRequest(_ prepared: PreparedRequest) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: prepared.url)
        request.method = .POST
        request.headers = prepared.headers
        request.body = .bytes(prepared.body)
        return request
    }

    /// Opens a streamed response (retrying failures before a 2xx head) and hands each body chunk to `onChunk`
    /// until it returns `true` or the body ends. The request timeout bounds the wait for the head and,
    /// separately, the reading of the body.
    private func streamBody(
        _ prepared: PreparedRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)?,
        onHead: (BufferedResponse) -> Void,
        onChunk: @escaping @Sendable ([UInt8]) throws -> Bool
    ) async throws(OpenAIAudioError) {
        let httpClient = self.httpClient
        var attempt = 0
        while true {
            attempt += 1
            let request = makeHTTPRequest(prepared)
            let deadline = ContinuousClock.now + configuration.requestTimeout
            let nioDeadline = NIODeadline.now() + TimeAmount(configuration.requestTimeout)
            let response: HTTPClientResponse
            do {
                response = try await withDeadline(deadline) {
                    try await httpClient.execute(request, deadline: nioDeadline)
                }
            } catch {
                var failure = transportError(error, prepared.endpoint)
                failure.attempts = attempt
                try await retryOrThrow(prepared, failure, attempt: attempt, headers: nil, onRetry: onRetry)
                continue
            }
            let status = Int(response.status.code)
            let requestID = response.headers.first(name: "x-request-id")
            guard (200..<300).contains(status) else {
                let body: [UInt8]
                do {
                    body = try await withDeadline(deadline) {
                        Array(try await response.body.collect(upTo: 1 << 20).readableBytesView)
                    }
                } catch {
                    body = []
                }
                let error = httpError(prepared.endpoint, status, response.headers, body, attempt)
                try await retryOrThrow(prepared, error, attempt: attempt, headers: response.headers, onRetry: onRetry)
                continue
            }
            logger.debug(
                "streaming response",
                metadata: metadata(prepared, attempt: attempt, status: status, requestID: requestID)
            )
            onHead(BufferedResponse(status: status, headers: response.headers, body: []))
            let bodyDeadline = ContinuousClock.now + configuration.requestTimeout
            do {
                try await withDeadline(bodyDeadline) {
                    for try await buffer in response.body {
                        if try onChunk(Array(buffer.readableBytesView)) { break }
                    }
                }
                return
            } catch {
                var failure = transportError(error, prepared.endpoint)
                failure.attempts = attempt
                failure.requestID = failure.requestID ?? requestID
                if failure.kind != .cancelled { failure.status = failure.status ?? status }
                throw failure
            }
        }
    }

    /// Wraps ``streamBody(_:onRetry:onHead:onChunk:)`` into an `AsyncThrowingStream` of decoded events.
    private func stream<Event: Sendable>(
        _ prepared: PreparedRequest,
        isEventStream: Bool,
        onRetry: (@Sendable (RetryEvent) -> Void)?,
        handle: @escaping @Sendable (_ chunk: [UInt8], _ state: StreamState<Event>) throws -> Bool,
        finish: @escaping @Sendable (_ state: StreamState<Event>) throws -> Void
    ) -> AsyncThrowingStream<Event, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                let state = StreamState<Event>(isEventStream: isEventStream) { continuation.yield($0) }
                do {
                    try await self.streamBody(prepared, onRetry: onRetry) { head in
                        state.requestID = head.requestID
                        // The response decides: a server that ignores stream_format=sse answers with plain audio.
                        if let contentType = head.headers.first(name: "content-type"), !contentType.isEmpty {
                            state.isEventStream = contentType.contains("event-stream")
                        }
                    } onChunk: { chunk in
                        try handle(chunk, state)
                    }
                    try finish(state)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: - Errors and decoding

    private func httpError(
        _ endpoint: Endpoint,
        _ status: Int,
        _ headers: HTTPHeaders,
        _ body: [UInt8],
        _ attempt: Int
    ) -> OpenAIAudioError {
        let parsed = ErrorBody.parse(body, status: status)
        return OpenAIAudioError(
            endpoint: endpoint.rawValue,
            status: status,
            type: parsed.type,
            code: parsed.code,
            param: parsed.param,
            message: parsed.message,
            requestID: headers.first(name: "x-request-id"),
            kind: .http,
            attempts: attempt
        ).redacting(configuration.apiKey)
    }

    private func cancelledError(_ endpoint: Endpoint, attempts: Int) -> OpenAIAudioError {
        OpenAIAudioError(
            endpoint: endpoint.rawValue,
            message: "the request was cancelled",
            kind: .cancelled,
            attempts: attempts
        )
    }

    /// Maps an error thrown while sending or reading to an ``OpenAIAudioError``.
    private func transportError(_ error: any Error, _ endpoint: Endpoint) -> OpenAIAudioError {
        if let error = error as? OpenAIAudioError { return error.redacting(configuration.apiKey) }
        if Task.isCancelled && !(error is AttemptTimedOut) {
            return cancelledError(endpoint, attempts: 1)
        }
        let timeoutErrors: [HTTPClientError] = [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout]
        if error is AttemptTimedOut || (error as? HTTPClientError).map(timeoutErrors.contains) == true {
            return OpenAIAudioError(
                endpoint: endpoint.rawValue,
                message: "no complete response within \(configuration.requestTimeout)",
                kind: .timeout
            )
        }
        if error is ResponseTooLarge {
            return OpenAIAudioError(
                endpoint: endpoint.rawValue,
                message: "the response is larger than \(Self.maxResponseBytes) bytes",
                kind: .decoding
            )
        }
        if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            return cancelledError(endpoint, attempts: 1)
        }
        return OpenAIAudioError(
            endpoint: endpoint.rawValue,
            message: redact(String(describing: error), configuration.apiKey),
            kind: .network
        )
    }

    private func decodeResult(
        _ response: BufferedResponse,
        format: TranscriptionResponseFormat,
        endpoint: Endpoint
    ) throws(OpenAIAudioError) -> TranscriptionResult {
        do {
            switch format {
            case .text, .srt, .vtt:
                return .text(String(decoding: response.body, as: UTF8.self))
            case .json:
                return .json(
                    try decodeJSON(Transcription.self, from: response.body, endpoint: endpoint, status: response.status)
                )
            case .verboseJSON:
                return .verbose(
                    try decodeJSON(
                        VerboseTranscription.self,
                        from: response.body,
                        endpoint: endpoint,
                        status: response.status
                    )
                )
            case .diarizedJSON:
                return .diarized(
                    try decodeJSON(
                        DiarizedTranscription.self,
                        from: response.body,
                        endpoint: endpoint,
                        status: response.status
                    )
                )
            }
        } catch {
            var error = error
            error.requestID = response.requestID
            throw error.redacting(configuration.apiKey)
        }
    }

    private func handleTranscriptionEvent(
        _ event: ServerSentEvent,
        yield: (TranscriptionStreamEvent) -> Void
    ) throws(OpenAIAudioError) -> Bool {
        let data = event.data.trimmingCharacters(in: .whitespacesAndNewlines)
        if data == "[DONE]" { return true }
        if data.isEmpty { return false }
        try throwIfStreamError(data, endpoint: .transcriptions)
        let decoded: TranscriptionStreamEvent
        do {
            decoded = try TranscriptionStreamEvent.decode(data)
        } catch {
            throw OpenAIAudioError(
                endpoint: Endpoint.transcriptions.rawValue,
                status: 200,
                message:
                    "could not decode a stream event: \(describeDecodingError(error)); event: \(preview(Array(data.utf8)))",
                kind: .decoding
            ).redacting(configuration.apiKey)
        }
        yield(decoded)
        if case .done = decoded { return true }
        return false
    }

    private func decodeSpeechEvent(_ event: ServerSentEvent, endpoint: Endpoint, requestID: String?)
        throws(OpenAIAudioError)
        -> SpeechStreamEvent
    {
        let data = event.data.trimmingCharacters(in: .whitespacesAndNewlines)
        if data == "[DONE]" { return .done }
        if data.isEmpty { return .other }
        try throwIfStreamError(data, endpoint: endpoint)
        do {
            return try SpeechStreamEvent.decode(data)
        } catch {
            throw OpenAIAudioError(
                endpoint: endpoint.rawValue,
                status: 200,
                message: "could not decode a speech stream event: \(describeDecodingError(error))",
                requestID: requestID,
                kind: .decoding
            )
        }
    }

    /// Throws when an SSE payload is an error object (`{"error": {…}}` or `{"type": "error", …}`).
    private func throwIfStreamError(_ data: String, endpoint: Endpoint) throws(OpenAIAudioError) {
        guard data.contains("error") else { return }
        let envelope = try? JSONDecoder().decode(StreamEnvelope.self, from: Data(data.utf8))
        guard envelope?.error != nil || envelope?.type == "error" else { return }
        let parsed = ErrorBody.parse(Array(data.utf8), status: 200)
        throw OpenAIAudioError(
            endpoint: endpoint.rawValue,
            status: 200,
            type: parsed.type,
            code: parsed.code,
            param: parsed.param,
            message: parsed.message,
            kind: .stream
        ).redacting(configuration.apiKey)
    }
}

/// Decodes JSON into a response type, mapping failures to a `.decoding` error with a body preview.
func decodeJSON<T: Decodable>(_ type: T.Type, from body: [UInt8], endpoint: Endpoint, status: Int)
    throws(OpenAIAudioError)
    -> T
{
    do {
        return try JSONDecoder().decode(T.self, from: Data(body))
    } catch {
        throw OpenAIAudioError(
            endpoint: endpoint.rawValue,
            status: status,
            message: "could not decode \(T.self): \(describeDecodingError(error)); body: \(preview(body))",
            kind: .decoding
        )
    }
}

private func describeDecodingError(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
        return "missing key '\(key.stringValue)' at \(path(context))"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
        return "\(context.debugDescription) at \(path(context))"
    case DecodingError.dataCorrupted(let context):
        let underlying = (context.underlyingError as? NSError)?.localizedDescription
        return underlying.map { "invalid JSON (\($0))" } ?? "invalid data (\(context.debugDescription))"
    default:
        return String(describing: error)
    }
}

private func path(_ context: DecodingError.Context) -> String {
    let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    return path.isEmpty ? "the top level" : path
}

private func preview(_ body: [UInt8]) -> String {
    let text = String(decoding: body.prefix(200), as: UTF8.self)
    let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return body.count > 200 ? oneLine + "…" : (oneLine.isEmpty ? "(empty)" : oneLine)
}

/// The JSON body of a speech request; nil members are left out.
private struct SpeechBody: Encodable {
    var model: String
    var input: String
    var voice: String
    var instructions: String?
    var response_format: String
    var speed: Double?
    var stream_format: String?

    init(_ request: SpeechRequest) {
        model = request.model
        input = request.input
        voice = request.voice
        instructions = request.instructions
        response_format = request.responseFormat.rawValue
        speed = request.speed
        stream_format = request.streamFormat?.rawValue
    }
}

struct AttemptTimedOut: Error {}
private struct ResponseTooLarge: Error {}

/// The mutable state of one streamed response.
///
/// It is touched by one task at a time: the streaming task sets it up, the body-reading child task
/// (awaited by the streaming task) updates it, then the streaming task reads it again.
final class StreamState<Event: Sendable>: @unchecked Sendable {
    var parser = ServerSentEventParser()
    var isEventStream: Bool
    var wholeBody: [UInt8] = []
    var requestID: String?
    let yield: @Sendable (Event) -> Void

    init(isEventStream: Bool, yield: @escaping @Sendable (Event) -> Void) {
        self.isEventStream = isEventStream
        self.yield = yield
    }
}

/// Runs `operation` and throws ``AttemptTimedOut`` if it has not finished by `deadline`; the operation is
/// cancelled either way once the first result is in.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask(operation: operation)
        group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw AttemptTimedOut()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}

extension TimeAmount {
    /// Converts a `Duration` to NIO's nanosecond `TimeAmount`, saturating at the extremes.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let limit = Int64.max / 1_000_000_000 - 1
        if seconds >= limit {
            self = .nanoseconds(Int64.max)
        } else {
            self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
    }
}

extension OpenAIAudioClient: CustomStringConvertible, CustomReflectable {
    /// The client's configuration, with the API key redacted.
    public var description: String { "OpenAIAudioClient(\(configuration))" }

    /// A mirror that shows only the (redacted) configuration, for `dump` and debuggers.
    public var customMirror: Mirror { Mirror(self, children: ["configuration": configuration], displayStyle: .struct) }
}
