import Foundation

/// One message of a chat conversation.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// Who speaks a message.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        /// The instructions.
        case system
        /// The caller.
        case user
        /// The model.
        case assistant
    }

    /// Who speaks.
    public var role: Role
    /// The text.
    public var content: String

    /// Creates a message.
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// How a chat request asks for a JSON answer, from the strictest form to the loosest.
///
/// OpenAI takes all three. A server that rejects ``jsonSchema`` (llama-cpp-python's server answers 500 "Input should
/// be 'text' or 'json_object'") gets ``jsonObject`` with the schema inside, and one that rejects that gets
/// ``instructions``: the schema is then only asked for in the system message.
public enum ChatJSONMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// `response_format: {"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}}`.
    case jsonSchema = "json_schema"
    /// `response_format: {"type": "json_object", "schema": …}` (llama-cpp-python's grammar-constrained form).
    case jsonObject = "json_object"
    /// No `response_format`: the JSON is asked for in the instructions only.
    case instructions

    /// The next looser form, or nil after ``instructions``.
    public var fallback: ChatJSONMode? {
        switch self {
        case .jsonSchema: .jsonObject
        case .jsonObject: .instructions
        case .instructions: nil
        }
    }
}

/// A `POST /chat/completions` request whose answer must be a JSON object matching ``schema``.
public struct ChatRequest: Sendable, Hashable {
    /// The model, e.g. `gpt-4.1-mini` (a compatible server may ignore it).
    public var model: String
    /// The conversation; the last message is the one answered.
    public var messages: [ChatMessage]
    /// The JSON schema the answer's content must match.
    public var schema: JSONValue
    /// The schema's name in `json_schema` mode (letters, digits, `_` and `-`).
    public var schemaName: String
    /// The most tokens the answer may hold (`max_tokens`); a small model held to a grammar can otherwise loop until
    /// its context is full.
    public var maxTokens: Int
    /// The sampling temperature; nil leaves the server's default.
    public var temperature: Double?

    /// Creates a request.
    public init(
        model: String, messages: [ChatMessage], schema: JSONValue, schemaName: String = "answer", maxTokens: Int,
        temperature: Double? = nil
    ) {
        self.model = model
        self.messages = messages
        self.schema = schema
        self.schemaName = schemaName
        self.maxTokens = maxTokens
        self.temperature = temperature
    }

    /// The JSON body in `mode`.
    func body(mode: ChatJSONMode) -> JSONValue {
        var fields: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(messages.map {
                .object(["role": .string($0.role.rawValue), "content": .string($0.content)])
            }),
            "max_tokens": .integer(maxTokens),
        ]
        if let temperature { fields["temperature"] = .number(temperature) }
        switch mode {
        case .jsonSchema:
            fields["response_format"] = .object([
                "type": .string("json_schema"),
                "json_schema": .object(["name": .string(schemaName), "strict": .bool(true), "schema": schema]),
            ])
        case .jsonObject:
            fields["response_format"] = .object(["type": .string("json_object"), "schema": schema])
        case .instructions:
            break
        }
        return .object(fields)
    }
}

/// The answer to a ``ChatRequest``.
public struct ChatCompletion: Sendable, Hashable, Codable {
    /// Why the model stopped.
    public enum FinishReason: String, Sendable, Hashable, Codable, CaseIterable {
        /// It finished its answer.
        case stop
        /// It ran out of `max_tokens` (or its context): the answer is cut short.
        case length
        /// The provider's filter withheld the answer.
        case contentFilter = "content_filter"
        /// Anything else a server reports (`tool_calls`, a server's own value).
        case other
    }

    /// The first choice's message content (empty when the server sent none).
    public var content: String
    /// Why the model stopped, when the server said.
    public var finishReason: FinishReason?
    /// The model's refusal text, when it refused (OpenAI's `message.refusal`).
    public var refusal: String?
    /// Tokens read.
    public var promptTokens: Int
    /// Tokens written.
    public var completionTokens: Int
    /// How the JSON was asked for in the request that got this answer.
    public var mode: ChatJSONMode

    /// Creates a completion.
    public init(
        content: String, finishReason: FinishReason? = .stop, refusal: String? = nil, promptTokens: Int = 0,
        completionTokens: Int = 0, mode: ChatJSONMode = .jsonSchema
    ) {
        self.content = content
        self.finishReason = finishReason
        self.refusal = refusal
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.mode = mode
    }
}

/// The wire shape of a chat completion answer, decoded leniently.
struct ChatCompletionBody: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable {
            var content: String?
            var refusal: String?
        }
        var message: Message?
        var finish_reason: String?
    }
    struct Usage: Decodable {
        var prompt_tokens: Int?
        var completion_tokens: Int?
    }
    var choices: [Choice]?
    var usage: Usage?

    func completion(mode: ChatJSONMode) -> ChatCompletion {
        let choice = choices?.first
        let reason = choice?.finish_reason.map { ChatCompletion.FinishReason(rawValue: $0) ?? .other }
        return ChatCompletion(
            content: choice?.message?.content ?? "", finishReason: reason, refusal: choice?.message?.refusal,
            promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0, mode: mode)
    }
}

/// What the client knows about a chat model: its list price.
///
/// Names the catalogue does not know (a compatible server's own models) are priced as the default model, so an
/// estimate never comes out lower than OpenAI would charge for it.
public struct ChatModel: Sendable, Hashable {
    /// The model name as sent to the API.
    public var name: String
    /// OpenAI's list price in US dollars per million input tokens.
    public var inputPricePerMillion: Double
    /// OpenAI's list price in US dollars per million output tokens.
    public var outputPricePerMillion: Double

    /// The default model for translation: small, current, and able to follow a JSON schema.
    public static let defaultName = "gpt-4.1-mini"

    /// The models the catalogue prices, for help texts.
    public static let knownNames = ["gpt-4.1-mini", "gpt-4.1-nano", "gpt-4.1", "gpt-4o-mini", "gpt-5-mini", "gpt-5-nano"]

    /// The catalogue entry for `name`; unknown names get the default model's price.
    public static func named(_ name: String) -> ChatModel {
        let prices: [(prefix: String, input: Double, output: Double)] = [
            ("gpt-4.1-nano", 0.10, 0.40), ("gpt-4.1-mini", 0.40, 1.60), ("gpt-4.1", 2.00, 8.00),
            ("gpt-4o-mini", 0.15, 0.60), ("gpt-5-nano", 0.05, 0.40), ("gpt-5-mini", 0.25, 2.00),
        ]
        let entry = prices.first { name.hasPrefix($0.prefix) } ?? prices[1]
        return ChatModel(name: name, inputPricePerMillion: entry.input, outputPricePerMillion: entry.output)
    }

    /// The price in US dollars of a request that read `inputTokens` and wrote `outputTokens`.
    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        (Double(inputTokens) * inputPricePerMillion + Double(outputTokens) * outputPricePerMillion) / 1_000_000
    }
}
