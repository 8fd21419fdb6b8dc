import Foundation
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitler

/// An in-memory ``ChatBackend``: answers each request through a closure the test gives and records every request.
/// No socket, no sleep. ``batch(of:)`` reads the cues a request carries in its last user message, so an answer can
/// translate them, drop one, merge two or break the JSON on demand.
public final class FakeChatBackend: ChatBackend {
    /// What the fake answers for one request (the request and its 0-based arrival order).
    public typealias Answer = @Sendable (ChatRequest, Int) async throws(OpenAIAudioError) -> ChatCompletion

    private let recorded = NIOLockedValueBox<[ChatRequest]>([])
    private let answer: Answer
    public let chatCacheIdentity: String

    /// Creates a fake answering every request with `answer`.
    public init(cacheIdentity: String = "fake://chat", answer: @escaping Answer) {
        self.chatCacheIdentity = cacheIdentity
        self.answer = answer
    }

    /// The requests so far, in arrival order.
    public var requests: [ChatRequest] { recorded.withLockedValue { $0 } }

    public func completeJSON(_ request: ChatRequest, onRetry: (@Sendable (RetryEvent) -> Void)?)
        async throws(OpenAIAudioError) -> ChatCompletion
    {
        let order = recorded.withLockedValue { list -> Int in
            list.append(request)
            return list.count - 1
        }
        return try await answer(request, order)
    }

    /// The cues of a request's last user message (the batch, by the wire contract).
    public static func batch(of request: ChatRequest) -> [WireCue] {
        guard let last = request.messages.last(where: { $0.role == .user }) else { return [] }
        return TranslationContract.cues(inAnswer: last.content) ?? []
    }

    /// The answer content `{"cues": […]}` for `cues`.
    public static func content(_ cues: [WireCue]) -> String { TranslationContract.json(cues) }

    /// A completion whose content is `cues` (finish reason `stop`, ten tokens each way).
    public static func answer(_ cues: [WireCue]) -> ChatCompletion {
        ChatCompletion(content: content(cues), finishReason: .stop, promptTokens: 10, completionTokens: 10)
    }

    /// A stand-in translation of one cue's text: each line tagged `[tag] ` and its words looked up in a small
    /// English-to-Spanish word list (words not in it stay), so the offline language check no longer reads it as
    /// English; speaker dashes and markup stay where they were.
    public static func pseudoTranslation(_ text: String, tag: String = "es") -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var rest = Substring(line)
            var dash = ""
            if rest.hasPrefix("- ") {
                dash = "- "
                rest = rest.dropFirst(2)
            }
            let words = rest.split(separator: " ").map { word -> String in
                var lead = String(word.prefix { !$0.isLetter })
                if word.hasPrefix("<"), let close = word.firstIndex(of: ">") {
                    lead = String(word[...close]) + String(word[word.index(after: close)...].prefix { !$0.isLetter })
                }
                let core = word.dropFirst(lead.count).prefix { $0.isLetter || $0 == "'" }
                let tail = word.dropFirst(lead.count + core.count)
                guard let spanish = spanishWords[core.lowercased()] else { return String(word) }
                let cased = core.first?.isUppercase == true ? spanish.prefix(1).uppercased() + spanish.dropFirst() : spanish
                return lead + cased + tail
            }
            return dash + "[\(tag)] " + words.joined(separator: " ")
        }.joined(separator: "\n")
    }

    /// The word list of ``pseudoTranslation(_:tag:)``.
    static let spanishWords: [String: String] = [
        "this": "esta", "is": "es", "the": "la", "line": "línea", "number": "número", "of": "de", "show": "función",
        "good": "buenas", "evening": "noches", "and": "y", "welcome": "bienvenidos", "to": "a", "tonight": "esta noche",
        "we": "nosotros", "talk": "hablamos", "about": "sobre", "weather": "tiempo", "are": "estamos", "you": "tú",
        "ready": "listo", "for": "para", "it": "ello", "i": "yo", "am": "estoy", "on": "en", "air": "aire",
        "now": "ahora", "yes": "sí", "all": "todo", "day": "día", "long": "largo", "going": "va", "rain": "llover",
    ]
}
