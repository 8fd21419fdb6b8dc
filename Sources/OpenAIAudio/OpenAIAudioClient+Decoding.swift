import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension OpenAIAudioClient {
    // MARK: - Errors and decoding

    func httpError(
        _ endpoint: Endpoint,
        _ status: Int,
        _ headers: HTTPHeaders,
        _ body: [UInt8],
        _ attempt: Int
    ) -> OpenAIAudioError {
        // Redact before the body is parsed and cut to length: a key split by a cut would survive in part.
        let redactor = SecretRedactor(configuration.apiKey)
        let parsed = ErrorBody.parse(redactor.redact(body), status: status)
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
        ).redacting(redactor)
    }

    func cancelledError(_ endpoint: Endpoint, attempts: Int) -> OpenAIAudioError {
        OpenAIAudioError(
            endpoint: endpoint.rawValue,
            message: "the request was cancelled",
            kind: .cancelled,
            attempts: attempts
        )
    }

    /// Maps an error thrown while sending or reading to an ``OpenAIAudioError``.
    func transportError(_ error: any Error, _ endpoint: Endpoint) -> OpenAIAudioError {
        if let error = error as? OpenAIAudioError { return error.redacting(configuration.apiKey) }
        if Task.isCancelled && !(error is AttemptTimedOut) {
            return cancelledError(endpoint, attempts: 1)
        }
        if (error as? HTTPClientError) == .connectTimeout {
            // Nothing reached the server: safe to retry like any other connection failure.
            return OpenAIAudioError(
                endpoint: endpoint.rawValue,
                message: "could not connect within \(configuration.connectTimeout)",
                kind: .network
            )
        }
        let timeoutErrors: [HTTPClientError] = [.deadlineExceeded, .readTimeout, .writeTimeout]
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
        if let httpError = error as? HTTPClientError {
            // Problems of the request itself (a bad URL, a header the HTTP library refuses): not network errors, so
            // not retried. The header case never quotes the values, which hold the key.
            let text = String(describing: httpError)
            let invalid: String? =
                if [.invalidURL, .emptyHost, .emptyScheme].contains(httpError) || text.contains("unsupportedScheme") {
                    "invalid base URL '\(configuration.url(for: endpoint))' (\(text))"
                } else if text.contains("invalidHeaderField") {
                    "the HTTP library refused a header (the API key, organization or project ID has characters a "
                        + "header cannot carry)"
                } else { nil }
            if let invalid {
                return OpenAIAudioError(
                    endpoint: endpoint.rawValue, code: OpenAIAudioError.invalidConfigurationCode, message: invalid,
                    kind: .invalidRequest)
            }
        }
        return OpenAIAudioError(
            endpoint: endpoint.rawValue,
            message: redact(String(describing: error), configuration.apiKey),
            kind: .network
        )
    }

    func decodeResult(
        _ response: BufferedResponse,
        format: TranscriptionResponseFormat,
        endpoint: Endpoint
    ) throws(OpenAIAudioError) -> TranscriptionResult {
        let redactor = SecretRedactor(configuration.apiKey)
        do {
            switch format {
            case .text, .srt, .vtt:
                return .text(String(decoding: response.body, as: UTF8.self))
            case .json:
                return .json(
                    try decodeJSON(
                        Transcription.self, from: response.body, endpoint: endpoint, status: response.status,
                        redactor: redactor)
                )
            case .verboseJSON:
                return .verbose(
                    try decodeJSON(
                        VerboseTranscription.self,
                        from: response.body,
                        endpoint: endpoint,
                        status: response.status,
                        redactor: redactor
                    )
                )
            case .diarizedJSON:
                return .diarized(
                    try decodeJSON(
                        DiarizedTranscription.self,
                        from: response.body,
                        endpoint: endpoint,
                        status: response.status,
                        redactor: redactor
                    )
                )
            }
        } catch {
            var error = error
            error.requestID = response.requestID
            throw error.redacting(redactor)
        }
    }

    func handleTranscriptionEvent(
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
                    "could not decode a stream event: \(describeDecodingError(error)); event: "
                    + preview(Array(data.utf8), redactor: SecretRedactor(configuration.apiKey)),
                kind: .decoding
            ).redacting(configuration.apiKey)
        }
        yield(decoded)
        if case .done = decoded { return true }
        return false
    }

    func decodeSpeechEvent(_ event: ServerSentEvent, endpoint: Endpoint, requestID: String?)
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
    func throwIfStreamError(_ data: String, endpoint: Endpoint) throws(OpenAIAudioError) {
        guard data.contains("error") else { return }
        let envelope = try? JSONDecoder().decode(StreamEnvelope.self, from: Data(data.utf8))
        guard envelope?.error != nil || envelope?.type == "error" else { return }
        let parsed = ErrorBody.parse(SecretRedactor(configuration.apiKey).redact(Array(data.utf8)), status: 200)
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
func decodeJSON<T: Decodable>(
    _ type: T.Type, from body: [UInt8], endpoint: Endpoint, status: Int, redactor: SecretRedactor = SecretRedactor(nil)
)
    throws(OpenAIAudioError)
    -> T
{
    do {
        return try JSONDecoder().decode(T.self, from: Data(body))
    } catch {
        throw OpenAIAudioError(
            endpoint: endpoint.rawValue,
            status: status,
            message: "could not decode \(T.self): \(describeDecodingError(error)); body: "
                + preview(body, redactor: redactor),
            kind: .decoding
        )
    }
}

func describeDecodingError(_ error: any Error) -> String {
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

func path(_ context: DecodingError.Context) -> String {
    let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    return path.isEmpty ? "the top level" : path
}

/// The start of a body for a message: at most 200 characters on one line, redacted before it is cut (a key that
/// straddles the cut is replaced whole).
func preview(_ body: [UInt8], redactor: SecretRedactor = SecretRedactor(nil)) -> String {
    let window = String(decoding: body.prefix(1000), as: UTF8.self)
    let redacted = redactor.redact(window)
    let text = String(redacted.prefix(200))
    let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return body.count > 200 || redacted.count > 200 ? oneLine + "…" : (oneLine.isEmpty ? "(empty)" : oneLine)
}
