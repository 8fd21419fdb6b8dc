import Foundation
import NIOConcurrencyHelpers
import TestSupport
import Testing

@testable import OpenAIAudio

/// `POST /chat/completions` (issue 24): the body on the wire, the remembered fallback from `json_schema` to the forms a
/// server takes, retries, finish reasons and the key, against a stub (a real server cannot be made to answer 429 or to
/// reject `json_schema` on demand; the local chat server's own rejection is checked in the translation backend tests).
@Suite(.timeLimit(.minutes(2)))
struct ChatClientTests {
    static let key = "sk-proj-ChatClient0123456789abcdefXYZ"

    static func client(_ baseURL: String, chatBaseURL: String? = nil, maxRetries: Int = 2) -> OpenAIAudioClient {
        var configuration = OpenAIConfiguration(baseURL: baseURL, chatBaseURL: chatBaseURL, apiKey: key,
                                                maxRetries: maxRetries)
        configuration.backoff.sleep = { _ in }
        return OpenAIAudioClient(configuration: configuration)
    }

    static let request = ChatRequest(
        model: "gpt-4.1-mini",
        messages: [ChatMessage(role: .system, content: "Translate."),
                   ChatMessage(role: .user, content: #"{"cues":[{"id":1,"text":"Hello."}]}"#)],
        schema: .object(["type": .string("object")]), schemaName: "subtitle_cues", maxTokens: 77)

    static func answer(_ content: String, finish: String = "stop") -> StubHTTPServer.Response {
        let escaped = String(decoding: try! JSONEncoder().encode(content), as: UTF8.self)
        return .json(200, """
            {"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":\(escaped)},\
            "finish_reason":"\(finish)"}],"usage":{"prompt_tokens":31,"completion_tokens":9,"total_tokens":40}}
            """)
    }

    /// What llama-cpp-python's server 0.3.36 answers to `response_format: {"type": "json_schema", …}`.
    static let llamaRejection = StubHTTPServer.Response.json(500, """
        {"error":{"message":"[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \
        \\"Input should be 'text' or 'json_object'\\", 'input': 'json_schema'}]","type":"internal_server_error"}}
        """)

    static func body(_ request: StubHTTPServer.RecordedRequest) throws -> [String: JSONValue] {
        guard case .object(let fields) = try JSONDecoder().decode(JSONValue.self, from: Data(request.body)) else {
            throw CocoaError(.coderReadCorrupt)
        }
        return fields
    }

    @Test func theRequestCarriesTheMessagesTheSchemaAndTheTokenBound() async throws {
        let server = try await StubHTTPServer.start([Self.answer(#"{"cues":[{"id":1,"text":"Hola."}]}"#)])
        let completion = try await Self.client(server.baseURL).completeJSON(Self.request)
        let recorded = try #require(server.requests.first)
        #expect(recorded.uri == "/v1/chat/completions")
        #expect(recorded.header("authorization") == "Bearer \(Self.key)")
        let body = try Self.body(recorded)
        #expect(body["model"] == .string("gpt-4.1-mini"))
        #expect(body["max_tokens"] == .integer(77))
        #expect(body["response_format"] == .object([
            "type": .string("json_schema"),
            "json_schema": .object(["name": .string("subtitle_cues"), "strict": .bool(true),
                                    "schema": .object(["type": .string("object")])]),
        ]))
        guard case .array(let messages)? = body["messages"] else { Issue.record("no messages"); return }
        #expect(messages.last == .object(["role": .string("user"),
                                          "content": .string(#"{"cues":[{"id":1,"text":"Hello."}]}"#)]))
        #expect(completion.content == #"{"cues":[{"id":1,"text":"Hola."}]}"#)
        #expect(completion.finishReason == .stop)
        #expect(completion.promptTokens == 31)
        #expect(completion.completionTokens == 9)
        #expect(completion.mode == .jsonSchema)
        try await server.shutdown()
    }

    @Test func aServerRejectingJSONSchemaGetsJSONObjectAtOnceAndKeepsGettingIt() async throws {
        let server = try await StubHTTPServer.start([
            Self.llamaRejection, Self.answer(#"{"cues":[]}"#), Self.answer(#"{"cues":[]}"#),
        ])
        let client = Self.client(server.baseURL)
        let first = try await client.completeJSON(Self.request)
        // The 500 that names the response format is not retried as it was: the next request is the looser form.
        #expect(server.requestCount == 2)
        #expect(first.mode == .jsonObject)
        let second = try await client.completeJSON(Self.request)
        #expect(server.requestCount == 3)
        #expect(second.mode == .jsonObject)
        let formats = try server.requests.map { try Self.body($0)["response_format"] }
        #expect(formats[0]?.jsonText.contains("json_schema") == true)
        #expect(formats[1] == .object(["type": .string("json_object"), "schema": .object(["type": .string("object")])]))
        #expect(formats[2] == formats[1])
        try await server.shutdown()
    }

    @Test func aServerRejectingBothFormsIsAskedInTheInstructionsOnly() async throws {
        let refusal = StubHTTPServer.Response.json(400, #"{"error":{"message":"response_format is not supported","type":"invalid_request_error","param":"response_format"}}"#)
        let server = try await StubHTTPServer.start([refusal, refusal, Self.answer(#"{"cues":[]}"#)])
        let completion = try await Self.client(server.baseURL).completeJSON(Self.request)
        #expect(completion.mode == .instructions)
        #expect(server.requestCount == 3)
        #expect(try Self.body(server.requests[2])["response_format"] == nil)
        try await server.shutdown()
    }

    @Test func anOrdinary500IsRetriedAndNotTakenForAFormatRejection() async throws {
        let server = try await StubHTTPServer.start([
            .json(500, #"{"error":{"message":"the model crashed","type":"server_error"}}"#),
            .json(429, #"{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}"#,
                  headers: [("retry-after-ms", "1")]),
            Self.answer(#"{"cues":[]}"#),
        ])
        let retries = NIOLockedValueBox<[Int]>([])
        let completion = try await Self.client(server.baseURL).completeJSON(Self.request) { event in
            retries.withLockedValue { $0.append(event.status ?? 0) }
        }
        #expect(retries.withLockedValue { $0 } == [500, 429])
        #expect(completion.mode == .jsonSchema)
        #expect(try server.requests.allSatisfy { try Self.body($0)["response_format"]?.jsonText.contains("json_schema") == true })
        try await server.shutdown()
    }

    @Test func aCutOffAnswerAndARefusalAreReportedAsTheServerSaidThem() async throws {
        let server = try await StubHTTPServer.start([
            Self.answer(#"{"cues":[{"id":1,"text":"Hola, hola, hola, hola"#, finish: "length"),
            .json(200, #"{"choices":[{"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#),
        ])
        let client = Self.client(server.baseURL)
        let cut = try await client.completeJSON(Self.request)
        #expect(cut.finishReason == .length)
        let refused = try await client.completeJSON(Self.request)
        #expect(refused.refusal == "I can't help with that.")
        #expect(refused.content == "")
        try await server.shutdown()
    }

    @Test func theKeyNeverShowsInAChatError() async throws {
        let server = try await StubHTTPServer.start([
            .json(401, #"{"error":{"message":"Incorrect API key provided: \#(Self.key)","type":"invalid_request_error","code":"invalid_api_key"}}"#),
        ])
        await #expect {
            try await Self.client(server.baseURL).completeJSON(Self.request)
        } throws: { error in
            guard let error = error as? OpenAIAudioError else { return false }
            return error.endpoint == "chat/completions" && error.status == 401 && error.attempts == 1
                && !error.description.contains(Self.key.dropFirst(8).prefix(10)) && error.description.contains("[redacted]")
        }
        try await server.shutdown()
    }

    @Test func aSeparateChatServerGetsTheChatRequestsAndTheEnvironmentNamesIt() async throws {
        let chatServer = try await StubHTTPServer.start([Self.answer(#"{"cues":[]}"#)])
        let audioServer = try await StubHTTPServer.start([.json(500, "{}")])
        _ = try await Self.client(audioServer.baseURL, chatBaseURL: chatServer.baseURL).completeJSON(Self.request)
        #expect(chatServer.requestCount == 1)
        #expect(audioServer.requestCount == 0)
        let configuration = OpenAIConfiguration.fromEnvironment(
            ["OPENAI_BASE_URL": "http://127.0.0.1:8765/v1", "SUBTITLER_CHAT_BASE_URL": " http://127.0.0.1:8767/v1 "])
        #expect(configuration.chatBaseURL == "http://127.0.0.1:8767/v1")
        #expect(configuration.url(for: .chatCompletions) == "http://127.0.0.1:8767/v1/chat/completions")
        #expect(configuration.url(for: .transcriptions) == "http://127.0.0.1:8765/v1/audio/transcriptions")
        var broken = configuration
        broken.chatBaseURL = "ftp://example.com"
        #expect(broken.baseURLProblem?.contains("chat base URL") == true)
        try await chatServer.shutdown()
        try await audioServer.shutdown()
    }

    @Test func theCatalogueHasTheDefaultChatModelPriced() {
        let model = ChatModel.named(ChatModel.defaultName)
        #expect(model.inputPricePerMillion == 0.40)
        #expect(model.outputPricePerMillion == 1.60)
        #expect(ChatModel.named("gpt-4.1").inputPricePerMillion == 2.00)
        #expect(ChatModel.named("gemma-local").inputPricePerMillion == model.inputPricePerMillion)
        #expect(abs(model.cost(inputTokens: 1_000_000, outputTokens: 500_000) - 1.20) < 1e-9)
    }
}
