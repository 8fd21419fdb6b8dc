import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

extension OpenAIAudioClient {
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
    func retryOrThrow(
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
        if retriesTaken >= configuration.maxRetries || error.rejectsResponseFormat {
            // A refused response_format is answered in a looser form at once, not sent again as it was.
            delay = nil
        } else if let headers, let status = error.status {
            delay = RetryPolicy.delay(
                status: status,
                header: { headers.first(name: $0) },
                error: error,
                retriesTaken: retriesTaken,
                backoff: configuration.backoff
            )
        } else if error.kind == .network || (error.kind == .timeout && configuration.retriesTimedOutRequests) {
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

    func retryReason(_ error: OpenAIAudioError) -> String {
        switch error.kind {
        case .http:
            var text = "HTTP \(error.status ?? 0)"
            if let code = error.code ?? error.type { text += " \(code)" }
            return text
        default:
            return "\(error.kind.rawValue): \(error.message)"
        }
    }

    func metadata(_ prepared: PreparedRequest, attempt: Int, status: Int?, requestID: String?)
        -> Logger.Metadata
    {
        var metadata: Logger.Metadata = ["endpoint": "\(prepared.endpoint.rawValue)", "attempt": "\(attempt)"]
        if let status { metadata["status"] = "\(status)" }
        if let requestID { metadata["request_id"] = "\(requestID)" }
        return metadata
    }

    /// One attempt: sends the request and reads the whole response within the request timeout.
    func attemptBuffered(_ prepared: PreparedRequest) async -> Result<BufferedResponse, OpenAIAudioError> {
        let deadline = AttemptDeadline(after: configuration.requestTimeout, on: configuration.clock)
        let request = makeHTTPRequest(prepared)
        let httpClient = self.httpClient
        let nioDeadline = backstopDeadline()
        do {
            let response = try await withDeadline(deadline) {
                let response = try await httpClient.execute(request, deadline: nioDeadline)
                let status = Int(response.status.code)
                let body = try await Self.readBody(response.body, isSuccess: (200..<300).contains(status))
                return BufferedResponse(status: status, headers: response.headers, body: body)
            }
            return .success(response)
        } catch {
            return .failure(transportError(error, prepared.endpoint))
        }
    }

    /// Reads a response body within the limits: a successful body over ``maxResponseBytes`` fails the attempt; an
    /// error body is cut at ``maxErrorBodyBytes`` (its message is all that matters) and the rest is not read.
    static func readBody(_ body: HTTPClientResponse.Body, isSuccess: Bool) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in body {
            if isSuccess {
                guard bytes.count + buffer.readableBytes <= maxResponseBytes else { throw ResponseTooLarge() }
                bytes += buffer.readableBytesView
            } else {
                bytes += buffer.readableBytesView.prefix(maxErrorBodyBytes - bytes.count)
                if bytes.count >= maxErrorBodyBytes { break }
            }
        }
        return bytes
    }

    func makeHTTPRequest(_ prepared: PreparedRequest) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: prepared.url)
        request.method = .POST
        request.headers = prepared.headers
        request.body = .bytes(prepared.body)
        return request
    }

    /// Opens a streamed response (retrying failures before a 2xx head) and hands each body chunk to `onChunk`
    /// until it returns `true` or the body ends. The request timeout bounds the wait for the head and,
    /// separately, the reading of the body.
    func streamBody(
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
            let deadline = AttemptDeadline(after: configuration.requestTimeout, on: configuration.clock)
            let nioDeadline = backstopDeadline()
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
                        try await Self.readBody(response.body, isSuccess: false)
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
            let bodyDeadline = AttemptDeadline(after: configuration.requestTimeout, on: configuration.clock)
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
    func stream<Event: Sendable>(
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
}

struct AttemptTimedOut: Error {}
struct ResponseTooLarge: Error {}

/// The mutable state of one streamed response.
///
/// It is touched by one task at a time (the streaming task sets it up, the body-reading child task updates it,
/// then the streaming task reads it again), but through `@Sendable` closures, so it is locked all the same.
final class StreamState<Event: Sendable>: Sendable {
    private struct Fields {
        var parser = ServerSentEventParser()
        var isEventStream: Bool
        var wholeBody: [UInt8] = []
        var requestID: String?
    }

    private let fields: NIOLockedValueBox<Fields>
    let yield: @Sendable (Event) -> Void

    init(isEventStream: Bool, yield: @escaping @Sendable (Event) -> Void) {
        fields = NIOLockedValueBox(Fields(isEventStream: isEventStream))
        self.yield = yield
    }

    /// Whether the body is a stream of server-sent events (the response's content type decides).
    var isEventStream: Bool {
        get { fields.withLockedValue { $0.isEventStream } }
        set { fields.withLockedValue { $0.isEventStream = newValue } }
    }

    /// The response's request id, if it had one.
    var requestID: String? {
        get { fields.withLockedValue { $0.requestID } }
        set { fields.withLockedValue { $0.requestID = newValue } }
    }

    /// The body so far, for a response that is not an event stream.
    var wholeBody: [UInt8] { fields.withLockedValue { $0.wholeBody } }

    /// Adds `chunk` to the whole body.
    /// - Throws: ``ResponseTooLarge`` when the body would grow past `limit` bytes.
    func appendBody(_ chunk: [UInt8], limit: Int) throws {
        try fields.withLockedValue { fields in
            guard fields.wholeBody.count + chunk.count <= limit else { throw ResponseTooLarge() }
            fields.wholeBody += chunk
        }
    }

    /// Feeds `chunk` to the event parser and returns the events it completes.
    func feed(_ chunk: [UInt8]) -> [ServerSentEvent] { fields.withLockedValue { $0.parser.feed(chunk) } }

    /// The bytes the event parser holds for an event not yet complete.
    var pendingByteCount: Int { fields.withLockedValue { $0.parser.pendingByteCount } }

    /// Ends the event stream: the last event, if the body ended without its blank line.
    func finishEvents() -> ServerSentEvent? { fields.withLockedValue { $0.parser.finish() } }
}

/// The end of an attempt on the configuration's clock.
struct AttemptDeadline: Sendable {
    /// Sleeps on the clock until the deadline.
    let sleep: @Sendable () async throws -> Void

    init<C: Clock>(after timeout: Duration, on clock: C) where C.Duration == Duration {
        let end = clock.now.advanced(by: timeout)
        sleep = { try await clock.sleep(until: end, tolerance: nil) }
    }
}

extension OpenAIAudioClient {
    /// The HTTP client's deadline: the request timeout on the continuous clock, a backstop behind the attempt's own
    /// deadline; off under any other clock (a test's), which then decides alone.
    func backstopDeadline() -> NIODeadline {
        configuration.clock is ContinuousClock
            ? NIODeadline.now() + TimeAmount(configuration.requestTimeout) : .distantFuture
    }
}

/// Runs `operation` and throws ``AttemptTimedOut`` if it has not finished by `deadline`; the operation is
/// cancelled either way once the first result is in.
func withDeadline<T: Sendable>(
    _ deadline: AttemptDeadline,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask(operation: operation)
        group.addTask {
            try await deadline.sleep()
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
