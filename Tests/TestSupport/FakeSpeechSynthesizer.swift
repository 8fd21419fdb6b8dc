import Foundation
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitler

/// An in-memory ``SpeechSynthesizer``: answers each speech request through a closure the test gives and records
/// every request. No socket: the dub and `speak` run against it as against a speech server.
public final class FakeSpeechSynthesizer: SpeechSynthesizer {
    /// What the fake answers for one request: the audio file's bytes, or an error as the client would throw it.
    public typealias Answer = @Sendable (SpeechRequest) async throws(OpenAIAudioError) -> [UInt8]

    private let recorded = NIOLockedValueBox<[SpeechRequest]>([])
    private let answer: Answer
    public let speechCacheIdentity: String

    /// Creates a fake answering every request with `answer`.
    public init(cacheIdentity: String = "fake://speech", answer: @escaping Answer) {
        self.speechCacheIdentity = cacheIdentity
        self.answer = answer
    }

    /// The requests so far, in arrival order.
    public var requests: [SpeechRequest] { recorded.withLockedValue { $0 } }

    public func speech(
        _ request: SpeechRequest, onRetry: (@Sendable (RetryEvent) -> Void)?
    ) async throws(OpenAIAudioError) -> [UInt8] {
        recorded.withLockedValue { $0.append(request) }
        return try await answer(request)
    }

    /// An error as the client reports a rejected speech request.
    public static func rejected(_ status: Int, message: String) -> OpenAIAudioError {
        OpenAIAudioError(endpoint: "audio/speech", status: status, message: message, kind: .http)
    }
}
