import Foundation
import NIOConcurrencyHelpers
import TestSupport
import Testing

@testable import OpenAIAudio

/// The API key and hostile servers (issue 12): the key never shows, bad configuration fails before sending and
/// without retries, and no response body is read without a limit.
@Suite(.timeLimit(.minutes(5)))   // a guard against hangs: the 66 MB body takes over a minute on a busy machine
struct AdversarialClientTests {
    static let key = "sk-proj-Adversarial0123456789abcdefXYZ"

    static func client(_ baseURL: String, apiKey: String? = key, organization: String? = nil,
                       maxRetries: Int = 2) -> OpenAIAudioClient {
        var configuration = OpenAIConfiguration(baseURL: baseURL, apiKey: apiKey, organization: organization,
                                                maxRetries: maxRetries)
        configuration.backoff.initialDelay = .milliseconds(1)
        return OpenAIAudioClient(configuration: configuration)
    }

    static let request = TranscriptionRequest(
        file: AudioUpload(data: Array(repeating: 1, count: 64), filename: "chunk.wav", contentType: "audio/wav"),
        model: "whisper-1")

    /// No part of the key longer than its well-known `sk-proj-` prefix plus one character, in any case.
    static func expectNoKey(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lower = text.lowercased()
        let secret = key.lowercased()
        for length in 10...secret.count {
            if lower.contains(secret.prefix(length)) {
                Issue.record("\(length) characters of the key appear in: \(text)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    // MARK: Redaction

    @Test func theKeyIsRedactedInAnyCaseAndAsALongPrefix() {
        let redactor = SecretRedactor(Self.key)
        let echoes = [
            "Incorrect API key provided: \(Self.key).",
            "KEY=\(Self.key.uppercased())",
            "all but the last: \(Self.key.dropLast())",
            "a long prefix: \(Self.key.prefix(14))…",
            "\(Self.key)\(Self.key)",
        ]
        for echo in echoes {
            let redacted = redactor.redact(echo)
            Self.expectNoKey(redacted)
            #expect(redacted.contains("[redacted]"), "\(redacted)")
        }
        // Ordinary text, and the public prefix alone, are left alone.
        #expect(redactor.redact("sk-proj- keys start like this") == "sk-proj- keys start like this")
        #expect(redactor.redact("nothing secret here") == "nothing secret here")
        // A short key must match whole.
        #expect(SecretRedactor("abc").redact("ab abc ABC") == "ab [redacted] [redacted]")
    }

    @Test func aKeyCutByTruncationDoesNotSurviveInPart() {
        // Plain-text error bodies are cut at 1000 characters and body previews at 200: the key sits across the cut.
        let redactor = SecretRedactor(Self.key)
        for cut in [1000, 200] {
            let padding = String(repeating: "x", count: cut - Self.key.count + 3)
            let body = Array((padding + Self.key + " tail").utf8)
            let parsed = ErrorBody.parse(redactor.redact(body), status: 500)
            Self.expectNoKey(parsed.message)
            Self.expectNoKey(preview(body, redactor: redactor))
        }
        // Redacting after the cut, as before, would have shown all but the key's last characters.
        let naive = String(String(repeating: "x", count: 1000 - Self.key.count + 1) + Self.key).prefix(1000)
        #expect(naive.contains(Self.key.dropLast()))
    }

    @Test func anEchoingServerShowsNoPartOfTheKey() async throws {
        let upper = Self.key.uppercased()
        let server = try await StubHTTPServer.start([
            .json(401, #"{"error":{"message":"bad key \#(upper) / \#(Self.key.dropLast(2))","type":"\#(Self.key)","code":"invalid_api_key","param":"\#(Self.key.prefix(20))"}}"#,
                  headers: [("x-request-id", "req-\(Self.key)")]),
        ])
        defer { Task { try? await server.shutdown() } }
        let error = try await #require(throws: OpenAIAudioError.self) {
            try await Self.client(server.baseURL).transcribeVerbose(Self.request)
        }
        Self.expectNoKey(error.description)
        Self.expectNoKey(String(reflecting: error))
        #expect(error.status == 401)
    }

    // MARK: Configuration that cannot work

    @Test(arguments: ["sk-abc\ndef-secret-value", "sk-abc\rdef", "sk-\u{0}nul", "sk-tab\there", "sk-\u{1B}[31m", "sk-\u{2028}x"])
    func aKeyWithAControlCharacterIsRefusedBeforeSending(key: String) async throws {
        let server = try await StubHTTPServer.start([.json(200, #"{"text":"ok"}"#)])
        defer { Task { try? await server.shutdown() } }
        let error = try await #require(throws: OpenAIAudioError.self) {
            try await Self.client(server.baseURL, apiKey: key).transcribeVerbose(Self.request)
        }
        #expect(error.kind == .invalidRequest)
        #expect(error.attempts == 0)
        #expect(error.isConfigurationProblem)
        #expect(error.description.contains("control character"))
        for part in key.split(whereSeparator: { $0.unicodeScalars.first!.properties.generalCategory == .control })
        where part.count > 3 {
            #expect(!error.description.contains(part), "\(error)")
        }
        #expect(server.requestCount == 0)
        // The configuration says so up front, without the key.
        let problem = try #require(OpenAIConfiguration(apiKey: key).credentialProblem)
        #expect(problem.contains("API key") && !problem.contains("secret"))
    }

    @Test func organizationAndProjectIDsWithControlCharactersAreRefusedToo() async throws {
        let server = try await StubHTTPServer.start([.json(200, #"{"text":"ok"}"#)])
        defer { Task { try? await server.shutdown() } }
        let error = try await #require(throws: OpenAIAudioError.self) {
            try await Self.client(server.baseURL, organization: "org-1\r\nX-Injected: yes").transcribeVerbose(Self.request)
        }
        #expect(error.isConfigurationProblem)
        #expect(error.description.contains("organization"))
        #expect(server.requestCount == 0)
    }

    @Test(arguments: ["127.0.0.1:8000/v1", "htp://example.com/v1", "http://", "http://exa mple.com/v1", "ftp://host/v1",
                      "", "/v1", "http://[::1/v1"])
    func anInvalidBaseURLFailsAtOnceWithoutRetries(baseURL: String) async throws {
        let sleeps = RetryCounter()
        var configuration = OpenAIConfiguration(baseURL: baseURL, apiKey: Self.key, maxRetries: 3)
        configuration.backoff.sleep = { _ in sleeps.increment() }
        let client = OpenAIAudioClient(configuration: configuration)
        #expect(configuration.baseURLProblem != nil)
        let error = try await #require(throws: OpenAIAudioError.self) { try await client.transcribeVerbose(Self.request) }
        #expect(error.kind == .invalidRequest, "\(error)")
        #expect(error.isConfigurationProblem)
        #expect(error.attempts == 0)
        #expect(sleeps.count == 0)
        #expect(error.description.contains("base URL"))
        Self.expectNoKey(error.description)
        // Speech checks its own base URL.
        let speech = try await #require(throws: OpenAIAudioError.self) {
            try await client.speech(SpeechRequest(model: "tts-1", input: "hi", voice: "alloy"))
        }
        #expect(speech.isConfigurationProblem)
    }

    @Test func validBaseURLsPass() {
        for url in ["http://127.0.0.1:8765/v1", "https://api.openai.com/v1", "http://[::1]:9/v1", "HTTP://Host/v1/"] {
            #expect(OpenAIConfiguration(baseURL: url).baseURLProblem == nil, "\(url)")
        }
    }

    // MARK: Bodies

    @Test func anEndlessErrorBodyIsCutAndNotReadToTheEnd() async throws {
        // 500 with a 64 KB first chunk, then more held until the test ends: a client that read the body to its end
        // would wait for ever (the suite's time limit fails it).
        let first = Array(("{\"error\":{\"message\":\"" + String(repeating: "e", count: 64 * 1024)).utf8)
        let rest = Array(repeating: Array(repeating: UInt8(ascii: "e"), count: 1024), count: 200)
        let held = Gate()
        var response = StubHTTPServer.Response(
            status: 500, headers: [("content-type", "application/json")], chunks: [first] + rest)
        response.holdBetweenChunks = held
        let server = try await StubHTTPServer.start([response])
        defer {
            held.open()
            Task { try? await server.shutdown() }
        }
        let error = try await #require(throws: OpenAIAudioError.self) {
            try await Self.client(server.baseURL, maxRetries: 0).transcribeVerbose(Self.request)
        }
        #expect(error.status == 500)
        #expect(error.message.count <= 1_001 + 1)
    }

    @Test func aSuccessBodyOverTheLimitFailsCleanly() async throws {
        let chunk = Array(repeating: UInt8(ascii: " "), count: 1 << 20)
        let response = StubHTTPServer.Response(
            status: 200, headers: [("content-type", "application/json")],
            chunks: Array(repeating: chunk, count: OpenAIAudioClient.maxResponseBytes >> 20 + 2))
        let server = try await StubHTTPServer.start([response])
        defer { Task { try? await server.shutdown() } }
        let error = try await #require(throws: OpenAIAudioError.self) {
            try await Self.client(server.baseURL, maxRetries: 0).transcribeVerbose(Self.request)
        }
        #expect(error.kind == .decoding)
        #expect(error.message.contains("larger than"))
    }

    @Test func anEndlessStreamedEventIsBounded() {
        var parser = ServerSentEventParser()
        _ = parser.feed(Array("data: ".utf8))
        for _ in 0..<64 { _ = parser.feed(Array(repeating: UInt8(ascii: "a"), count: 1024)) }
        #expect(parser.pendingByteCount >= 64 * 1024)
        _ = parser.feed(Array("\n".utf8))
        #expect(parser.pendingByteCount >= 64 * 1024)   // the data line is held until the event ends
        #expect(parser.feed(Array("\n".utf8)).count == 1)
        #expect(parser.pendingByteCount == 0)
    }

    // MARK: Control characters

    @Test func controlCharactersFromTheServerNeverReachAnErrorLine() async throws {
        let server = try await StubHTTPServer.start([
            .json(400, #"{"error":{"message":"bad \u001b[2J\u001b]0;owned\u0007 input\u0000 here","type":"x\u001by","code":"c\u0008d"}}"#),
        ])
        defer { Task { try? await server.shutdown() } }
        let error = try await #require(throws: OpenAIAudioError.self) {
            try await Self.client(server.baseURL, maxRetries: 0).transcribeVerbose(Self.request)
        }
        let line = error.description
        #expect(!line.unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(line.debugDescription)")
        #expect(line.contains("bad") && line.contains("input"))
    }
}

/// Counts calls from any task.
final class RetryCounter: Sendable {
    private let value = NIOLockedValueBox(0)
    func increment() { value.withLockedValue { $0 += 1 } }
    var count: Int { value.withLockedValue { $0 } }
}
