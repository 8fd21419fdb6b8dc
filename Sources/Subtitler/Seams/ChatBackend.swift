import Foundation
import OpenAIAudio

/// The chat model that translates cues: what ``OpenAIAudioClient/completeJSON(_:onRetry:)`` does for the
/// translator.
///
/// The client is the default (OpenAI or any compatible server, `SUBTITLER_CHAT_BASE_URL` for a separate one); tests
/// give an in-memory fake that answers, breaks its answers or fails on demand, with no socket.
public protocol ChatBackend: Sendable {
    /// Names the chat server in cache keys, so answers from one server are never reused for another.
    var chatCacheIdentity: String { get }

    /// Asks for a JSON answer to `request`.
    /// - Parameters:
    ///   - request: the request.
    ///   - onRetry: called before each retry.
    /// - Returns: the answer, unchecked.
    /// - Throws: ``OpenAIAudioError``.
    func completeJSON(_ request: ChatRequest, onRetry: (@Sendable (RetryEvent) -> Void)?)
        async throws(OpenAIAudioError) -> ChatCompletion
}

extension OpenAIAudioClient: ChatBackend {
    /// The chat base URL (else the base URL), lower-cased and without trailing slashes.
    public var chatCacheIdentity: String {
        (configuration.chatBaseURL ?? configuration.baseURL)
            .trimmingCharacters(in: CharacterSet(charactersIn: "/")).lowercased()
    }
}
