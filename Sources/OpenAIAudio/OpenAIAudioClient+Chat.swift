import Foundation
import NIOConcurrencyHelpers
import Logging

extension OpenAIAudioClient {
    // MARK: - Chat completions

    /// Asks a chat model for a JSON answer (`POST /chat/completions`), with the configuration, retries, errors and
    /// key redaction of the audio endpoints.
    ///
    /// The first request asks in the strictest form the server is known to take (``ChatJSONMode/jsonSchema`` for a
    /// server not seen before). When the server rejects that form (HTTP 400, 422 or 500 naming `response_format`,
    /// `json_schema` or `json_object`), the same request is sent at once in the next looser form, and the form that
    /// worked is remembered for the chat server's base URL for the rest of the process.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - onRetry: Called before each retry.
    /// - Returns: The first choice's content, finish reason and token counts; the content is not checked here.
    /// - Throws: ``OpenAIAudioError``.
    public func completeJSON(
        _ request: ChatRequest,
        onRetry: (@Sendable (RetryEvent) -> Void)? = nil
    ) async throws(OpenAIAudioError) -> ChatCompletion {
        let server = configuration.url(for: .chatCompletions).lowercased()
        var mode = ChatModeMemory.shared.mode(for: server)
        while true {
            let prepared = try prepareChat(request, mode: mode)
            do {
                let response = try await perform(prepared, onRetry: onRetry)
                let body = try decodeJSON(
                    ChatCompletionBody.self, from: response.body, endpoint: .chatCompletions, status: response.status,
                    redactor: SecretRedactor(configuration.apiKey))
                ChatModeMemory.shared.remember(mode, for: server)
                return body.completion(mode: mode)
            } catch let error where error.rejectsResponseFormat {
                guard let looser = mode.fallback else { throw error }
                logger.notice(
                    "chat server rejected the response format; asking again in a looser form",
                    metadata: ["from": "\(mode.rawValue)", "to": "\(looser.rawValue)"])
                mode = looser
            }
        }
    }

    func prepareChat(_ request: ChatRequest, mode: ChatJSONMode) throws(OpenAIAudioError) -> PreparedRequest {
        try checkConfiguration(for: .chatCompletions)
        guard request.maxTokens > 0, !request.messages.isEmpty else {
            throw OpenAIAudioError(
                endpoint: Endpoint.chatCompletions.rawValue, param: request.messages.isEmpty ? "messages" : "max_tokens",
                message: request.messages.isEmpty ? "a chat request needs at least one message"
                    : "max_tokens must be positive, not \(request.maxTokens)",
                kind: .invalidRequest, attempts: 0)
        }
        let body = Array(request.body(mode: mode).jsonText.utf8)
        guard body.count <= maxRequestBodyBytes else {
            throw OpenAIAudioError(
                endpoint: Endpoint.chatCompletions.rawValue, param: "messages",
                message: "the chat request would be \(body.count) bytes, over the \(maxRequestBodyBytes)-byte limit",
                kind: .requestTooLarge, attempts: 0)
        }
        return PreparedRequest(
            endpoint: .chatCompletions,
            url: configuration.url(for: .chatCompletions),
            headers: makeHeaders(contentType: "application/json", accept: "application/json"),
            body: body
        )
    }
}

extension OpenAIAudioError {
    /// Whether a chat server refused the request's `response_format` (so a looser form may work): HTTP 400, 422 or
    /// 500 whose message names `response_format`, `json_schema` or `json_object`. llama-cpp-python's server answers
    /// `json_schema` with 500 "Input should be 'text' or 'json_object'".
    public var rejectsResponseFormat: Bool {
        guard endpoint == Endpoint.chatCompletions.rawValue, kind == .http, let status,
              [400, 422, 500].contains(status) else { return false }
        let text = [message, param ?? "", code ?? ""].joined(separator: " ").lowercased()
        return ["response_format", "json_schema", "json_object"].contains { text.contains($0) }
    }
}

/// The JSON form each chat server was last seen to take, so a server that rejects `json_schema` is asked in the
/// form it takes from then on. Process-wide; keyed by the chat endpoint's URL.
final class ChatModeMemory: Sendable {
    static let shared = ChatModeMemory()

    private let modes = NIOLockedValueBox<[String: ChatJSONMode]>([:])

    /// The form to try first for `server`: the remembered one, else ``ChatJSONMode/jsonSchema``.
    func mode(for server: String) -> ChatJSONMode {
        modes.withLockedValue { $0[server] } ?? .jsonSchema
    }

    /// Remembers that `server` took `mode`.
    func remember(_ mode: ChatJSONMode, for server: String) {
        modes.withLockedValue { $0[server] = mode }
    }
}
