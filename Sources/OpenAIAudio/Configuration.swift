import Foundation

/// The version of subtitler, sent in the `User-Agent` header as `subtitler/<version>`.
public let subtitlerVersion = "0.1.0"

/// The largest request body, in bytes, that the OpenAI audio endpoints accept (25 MiB).
///
/// The server answers a larger body with HTTP 413 `Maximum content size limit (26214400) exceeded`.
/// The limit applies to the whole multipart body, not only to the file part.
public let maxRequestBodyBytes = 26_214_400

/// Where and how ``OpenAIAudioClient`` talks to an OpenAI-compatible server.
///
/// The defaults match the official OpenAI SDKs (base URL `https://api.openai.com/v1`, two retries, three attempts in
/// all, and a 600 s request timeout), except that an attempt that timed out while the server was still working is
/// not retried (``retriesTimedOutRequests``).
public struct OpenAIConfiguration: Sendable {
    /// The base URL of the transcription and translation endpoints, for example `https://api.openai.com/v1`.
    public var baseURL: String
    /// The base URL of the speech endpoint when speech lives on another server; `nil` uses ``baseURL``.
    public var speechBaseURL: String?
    /// The base URL of the chat endpoint (`chat/completions`, for translation into any language) when it lives on
    /// another server; `nil` uses ``baseURL``.
    public var chatBaseURL: String?
    /// The API key sent as `Authorization: Bearer <key>`; `nil` or empty sends no `Authorization` header.
    public var apiKey: String?
    /// The organization ID sent as `OpenAI-Organization`, when set.
    public var organization: String?
    /// The project ID sent as `OpenAI-Project`, when set.
    public var project: String?
    /// How long to wait for a TCP connection.
    ///
    /// Applies to HTTP clients made with ``OpenAIAudioClient/makeHTTPClient(configuration:)``;
    /// ``OpenAIAudioClient/sharedHTTPClient`` always uses 10 s.
    public var connectTimeout: Duration
    /// How long one attempt may take, from sending the request to the last byte of the response.
    public var requestTimeout: Duration
    /// How many times a failed request is retried (network errors, timeouts, 408, 409, 429, 5xx).
    public var maxRetries: Int
    /// Delays between retries; change it in tests to avoid real waits.
    public var backoff: RetryBackoff
    /// Whether an attempt that ran out of ``requestTimeout`` while the server was still working (connection up, no
    /// complete answer yet) is retried. Off by default, unlike the official SDKs: a self-hosted server that works one
    /// request at a time does not notice a dropped client, so a retry would make it do the same work again behind
    /// the first. Size ``requestTimeout`` to the work instead (``OpenAIAudioClient/withRequestTimeout(_:)``).
    /// Connection failures, including connect timeouts, are always retried.
    public var retriesTimedOutRequests: Bool
    /// The clock that times each attempt's ``requestTimeout`` (the continuous clock; a test gives one it advances by
    /// hand). With any other clock the HTTP client's own deadline is off, so the clock alone decides.
    public var clock: any Clock<Duration> = ContinuousClock()

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - baseURL: The base URL of the transcription and translation endpoints.
    ///   - speechBaseURL: The base URL of the speech endpoint, if it differs from `baseURL`.
    ///   - chatBaseURL: The base URL of the chat endpoint, if it differs from `baseURL`.
    ///   - apiKey: The API key; `nil` for a server that needs none.
    ///   - organization: The OpenAI organization ID.
    ///   - project: The OpenAI project ID.
    ///   - connectTimeout: The TCP connect timeout (default 10 s).
    ///   - requestTimeout: The timeout of one attempt (default 600 s).
    ///   - maxRetries: How many times to retry a failed request (default 2).
    public init(
        baseURL: String = "https://api.openai.com/v1",
        speechBaseURL: String? = nil,
        chatBaseURL: String? = nil,
        apiKey: String? = nil,
        organization: String? = nil,
        project: String? = nil,
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(600),
        maxRetries: Int = 2
    ) {
        self.baseURL = baseURL
        self.speechBaseURL = speechBaseURL
        self.chatBaseURL = chatBaseURL
        self.apiKey = apiKey
        self.organization = organization
        self.project = project
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxRetries = max(0, maxRetries)
        self.backoff = RetryBackoff()
        self.retriesTimedOutRequests = false
    }

    /// Reads a configuration from the environment variables the official SDKs read.
    ///
    /// `OPENAI_BASE_URL`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`, the API key variable, and
    /// `SUBTITLER_SPEECH_BASE_URL` for a separate speech server, `SUBTITLER_CHAT_BASE_URL` for a separate chat server.
    /// Empty values count as unset.
    ///
    /// - Parameters:
    ///   - env: The environment to read; defaults to the process environment.
    ///   - apiKeyVariable: The variable that holds the API key (default `OPENAI_API_KEY`).
    /// - Returns: A configuration with every other setting at its default.
    public static func fromEnvironment(
        _ env: [String: String] = ProcessInfo.processInfo.environment,
        apiKeyVariable: String = "OPENAI_API_KEY"
    ) -> OpenAIConfiguration {
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
                return nil
            }
            return raw
        }
        return OpenAIConfiguration(
            baseURL: value("OPENAI_BASE_URL") ?? "https://api.openai.com/v1",
            speechBaseURL: value("SUBTITLER_SPEECH_BASE_URL"),
            chatBaseURL: value("SUBTITLER_CHAT_BASE_URL"),
            apiKey: value(apiKeyVariable),
            organization: value("OPENAI_ORG_ID"),
            project: value("OPENAI_PROJECT_ID")
        )
    }

    /// The full URL of an endpoint path such as `audio/transcriptions`.
    func url(for endpoint: Endpoint) -> String {
        var trimmed = Substring(base(for: endpoint))
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return "\(trimmed)/\(endpoint.rawValue)"
    }

    /// The base URL an endpoint is sent to: the speech or chat server's when set, else ``baseURL``.
    func base(for endpoint: Endpoint) -> String {
        switch endpoint {
        case .speech: speechBaseURL ?? baseURL
        case .chatCompletions: chatBaseURL ?? baseURL
        case .transcriptions, .translations: baseURL
        }
    }
}

/// The endpoints the client calls, named by their path below the base URL.
enum Endpoint: String, Sendable {
    case transcriptions = "audio/transcriptions"
    case translations = "audio/translations"
    case speech = "audio/speech"
    case chatCompletions = "chat/completions"
}

/// How long to wait before each retry when the server gives no `retry-after` hint.
///
/// The delay before retry *n* (0-based) is `min(initialDelay · 2ⁿ, maxDelay)`, reduced by a random
/// fraction up to ``jitter`` (the official SDKs use 0.5 s, 8 s and 0.25).
public struct RetryBackoff: Sendable {
    /// The delay before the first retry, before jitter (default 0.5 s).
    public var initialDelay: Duration
    /// The largest delay, before jitter (default 8 s).
    public var maxDelay: Duration
    /// The largest fraction removed at random from each delay, 0...1 (default 0.25).
    public var jitter: Double
    /// The longest `retry-after` the client honours; a longer one ends the retries (default 120 s).
    public var maxRetryAfter: Duration
    /// Waits for the given duration; throws when the task is cancelled. Replace it in tests.
    public var sleep: @Sendable (Duration) async throws -> Void

    /// Creates a backoff policy.
    ///
    /// - Parameters:
    ///   - initialDelay: The delay before the first retry (default 0.5 s).
    ///   - maxDelay: The cap on computed delays (default 8 s).
    ///   - jitter: The largest random fraction removed from a delay (default 0.25).
    ///   - maxRetryAfter: The longest server-requested delay that is honoured (default 120 s).
    ///   - sleep: The function that waits (default `Task.sleep(for:)`).
    public init(
        initialDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(8),
        jitter: Double = 0.25,
        maxRetryAfter: Duration = .seconds(120),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
        self.maxRetryAfter = maxRetryAfter
        self.sleep = sleep
    }

    /// The computed delay before retry number `retry` (0-based), with `random` in 0..<1 picking the jitter.
    func delay(beforeRetry retry: Int, random: Double) -> Duration {
        let exponent = min(max(retry, 0), 30)
        let base = min(initialDelay * (1 << exponent), maxDelay)
        return base * (1 - jitter * random)
    }
}

extension OpenAIConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The settings with the API key redacted, so printing or logging a configuration never shows the key.
    public var description: String {
        var parts = ["baseURL: \(baseURL)"]
        if let speechBaseURL { parts.append("speechBaseURL: \(speechBaseURL)") }
        if let chatBaseURL { parts.append("chatBaseURL: \(chatBaseURL)") }
        parts.append("apiKey: \(apiKey == nil ? "none" : "[redacted]")")
        if let organization { parts.append("organization: \(organization)") }
        if let project { parts.append("project: \(project)") }
        parts.append("connectTimeout: \(connectTimeout)")
        parts.append("requestTimeout: \(requestTimeout)")
        parts.append("maxRetries: \(maxRetries)")
        return "OpenAIConfiguration(" + parts.joined(separator: ", ") + ")"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// A mirror without the API key, for `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "baseURL": baseURL, "speechBaseURL": speechBaseURL as Any, "chatBaseURL": chatBaseURL as Any,
            "apiKey": apiKey == nil ? "none" : "[redacted]",
            "organization": organization as Any, "project": project as Any,
            "connectTimeout": connectTimeout, "requestTimeout": requestTimeout, "maxRetries": maxRetries,
        ], displayStyle: .struct)
    }
}
