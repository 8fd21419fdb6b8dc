import Foundation
import Testing

@testable import OpenAIAudio

@Suite struct ErrorBodyTests {
    private func parse(_ body: String, status: Int = 400) -> ErrorBody {
        ErrorBody.parse(Array(body.utf8), status: status)
    }

    @Test func openAIShape() {
        let body = parse(
            #"{"error":{"message":"response_format 'verbose_json' is not compatible with model 'gpt-4o-transcribe'.","type":"invalid_request_error","param":"response_format","code":"unsupported_value"}}"#
        )
        #expect(body.type == "invalid_request_error")
        #expect(body.code == "unsupported_value")
        #expect(body.param == "response_format")
        #expect(body.message.hasPrefix("response_format 'verbose_json'"))
    }

    @Test func numericCodeAndNulls() {
        let body = parse(#"{"error":{"message":"x","type":null,"param":null,"code":429}}"#)
        #expect(body.code == "429")
        #expect(body.type == nil)
    }

    @Test func fastAPIWrappedError() {
        let body = parse(
            #"{"detail":{"error":{"message":"Unsupported response_format","type":"invalid_request_error"}}}"#
        )
        #expect(body.message == "Unsupported response_format")
        #expect(body.type == "invalid_request_error")
    }

    @Test func fastAPIStringDetail() {
        #expect(parse(#"{"detail":"Not Found"}"#, status: 404).message == "Not Found")
    }

    @Test func fastAPIValidationList() {
        let body = parse(
            #"{"detail":[{"loc":["body","file"],"msg":"field required","type":"value_error.missing"},{"loc":["body","temperature"],"msg":"value is not a valid float","type":"type_error.float"}]}"#,
            status: 422
        )
        #expect(body.message == "file: field required; temperature: value is not a valid float")
        #expect(body.param == "file")
        #expect(body.type == "value_error.missing")
    }

    @Test func plainTextAndEmptyBodies() {
        #expect(parse("Internal Server Error", status: 500).message == "Internal Server Error")
        #expect(parse("", status: 503).message == "Service Unavailable")
        #expect(parse("{not json", status: 502).message == "{not json")
    }

    @Test func jsonInTextPlainIsStillParsed() {
        // A 401 seen with Content-Type text/plain but a JSON body: the parser ignores the header.
        #expect(
            parse(
                #"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#
            ).code == "invalid_api_key"
        )
    }

    @Test func descriptionIsOneLineWithRequestID() {
        let error = OpenAIAudioError(
            endpoint: "audio/transcriptions",
            status: 429,
            type: "insufficient_quota",
            code: "insufficient_quota",
            message: "You exceeded your current quota.\nCheck your plan.",
            requestID: "req_123",
            kind: .http,
            attempts: 1
        )
        #expect(
            error.description
                == "audio/transcriptions: HTTP 429 insufficient_quota: You exceeded your current quota. Check your plan. (request id req_123)"
        )
        #expect(error.isQuotaExhausted)
    }

    @Test func redactionRemovesTheKeyEverywhere() {
        let key = "sk-test-SECRET-1234567890"
        let error = OpenAIAudioError(
            endpoint: "audio/speech",
            status: 401,
            type: "invalid_request_error",
            code: "invalid_api_key",
            param: key,
            message: "Incorrect API key provided: \(key).",
            kind: .http
        ).redacting(key)
        #expect(!error.description.contains(key))
        #expect(!"\(error)".contains(key))
        #expect(error.message == "Incorrect API key provided: [redacted].")
    }
}

@Suite struct RetryPolicyTests {
    private let backoff = RetryBackoff()
    private let now = Date(timeIntervalSince1970: 1_700_000_000)

    private func error(_ status: Int, code: String? = nil, type: String? = nil) -> OpenAIAudioError {
        OpenAIAudioError(
            endpoint: "audio/transcriptions",
            status: status,
            type: type,
            code: code,
            message: "",
            kind: .http
        )
    }

    private func delay(
        _ status: Int,
        _ headers: [String: String] = [:],
        code: String? = nil,
        type: String? = nil,
        retries: Int = 0
    )
        -> Duration?
    {
        RetryPolicy.delay(
            status: status,
            header: { headers[$0.lowercased()] },
            error: error(status, code: code, type: type),
            retriesTaken: retries,
            backoff: backoff,
            now: now,
            random: 0
        )
    }

    @Test(arguments: ["99999999999999999999", "1e16", "-1e300"])
    func absurdRetryAfterValuesDoNotCrash(value: String) {
        // Over the 120 s cap means "do not retry"; negative means "no hint", so the backoff applies.
        let seconds = delay(429, ["retry-after": value])
        let milliseconds = delay(429, ["retry-after-ms": value])
        if value.hasPrefix("-") {
            #expect(seconds == .milliseconds(500) && milliseconds == .milliseconds(500))
        } else {
            #expect(seconds == nil && milliseconds == nil)
        }
    }

    @Test(arguments: [408, 409, 429, 500, 502, 503, 504])
    func retriedStatuses(status: Int) {
        #expect(delay(status) == .milliseconds(500))
    }

    @Test(arguments: [400, 401, 403, 404, 413, 422])
    func neverRetriedStatusesEvenWithShouldRetryTrue(status: Int) {
        #expect(delay(status) == nil)
        #expect(delay(status, ["x-should-retry": "true"]) == nil)
    }

    @Test func quotaErrorsAreNotRetried() {
        #expect(delay(429, code: "insufficient_quota") == nil)
        #expect(delay(429, type: "insufficient_quota") == nil)
        #expect(delay(429, code: "rate_limit_exceeded") == .milliseconds(500))
    }

    @Test func shouldRetryHeaderOverridesTheStatusRule() {
        #expect(delay(503, ["x-should-retry": "false"]) == nil)
        #expect(delay(418, ["x-should-retry": "true"]) == .milliseconds(500))
        #expect(delay(418) == nil)
    }

    @Test func retryAfterForms() {
        #expect(delay(429, ["retry-after": "1"]) == .seconds(1))
        #expect(delay(429, ["retry-after": "2.5"]) == .milliseconds(2500))
        #expect(delay(429, ["retry-after-ms": "250", "retry-after": "9"]) == .milliseconds(250))
        #expect(delay(429, ["retry-after": "Tue, 14 Nov 2023 22:13:40 GMT"]) == .seconds(20))
        // Longer than 120 s: the SDK gives up rather than wait.
        #expect(delay(429, ["retry-after": "121"]) == nil)
        #expect(delay(429, ["retry-after": "120"]) == .seconds(120))
        // Zero, negative, past dates and garbage fall back to backoff.
        #expect(delay(429, ["retry-after": "0"]) == .milliseconds(500))
        #expect(delay(429, ["retry-after": "Tue, 14 Nov 2023 22:00:00 GMT"]) == .milliseconds(500))
        #expect(delay(429, ["retry-after": "soon"]) == .milliseconds(500))
    }

    @Test func exponentialBackoffCappedWithJitter() {
        #expect(backoff.delay(beforeRetry: 0, random: 0) == .milliseconds(500))
        #expect(backoff.delay(beforeRetry: 1, random: 0) == .seconds(1))
        #expect(backoff.delay(beforeRetry: 3, random: 0) == .seconds(4))
        #expect(backoff.delay(beforeRetry: 4, random: 0) == .seconds(8))
        #expect(backoff.delay(beforeRetry: 10, random: 0) == .seconds(8))
        #expect(backoff.delay(beforeRetry: 0, random: 1) == .milliseconds(375))
        #expect(backoff.delay(beforeRetry: 10, random: 0.5) == .seconds(7))
        for _ in 0..<100 {
            let value = backoff.delay(beforeRetry: 2, random: Double.random(in: 0..<1))
            #expect(value > .milliseconds(1500) && value <= .seconds(2))
        }
    }
}

@Suite struct ConfigurationTests {
    @Test func fromEnvironmentReadsTheSDKVariables() {
        let configuration = OpenAIConfiguration.fromEnvironment([
            "OPENAI_API_KEY": "sk-1",
            "OPENAI_BASE_URL": "http://127.0.0.1:8765/v1/",
            "OPENAI_ORG_ID": "org-1",
            "OPENAI_PROJECT_ID": "proj_1",
            "SUBTITLER_SPEECH_BASE_URL": "http://127.0.0.1:7878/v1",
        ])
        #expect(configuration.apiKey == "sk-1")
        #expect(configuration.organization == "org-1")
        #expect(configuration.project == "proj_1")
        #expect(configuration.maxRetries == 2)
        #expect(configuration.url(for: .transcriptions) == "http://127.0.0.1:8765/v1/audio/transcriptions")
        #expect(configuration.url(for: .translations) == "http://127.0.0.1:8765/v1/audio/translations")
        #expect(configuration.url(for: .speech) == "http://127.0.0.1:7878/v1/audio/speech")
    }

    @Test func defaultsAndCustomKeyVariable() {
        let configuration = OpenAIConfiguration.fromEnvironment(
            ["MY_KEY": "k", "OPENAI_API_KEY": "", "OPENAI_BASE_URL": " "],
            apiKeyVariable: "MY_KEY"
        )
        #expect(configuration.apiKey == "k")
        #expect(configuration.baseURL == "https://api.openai.com/v1")
        #expect(configuration.url(for: .speech) == "https://api.openai.com/v1/audio/speech")
        #expect(OpenAIConfiguration.fromEnvironment([:]).apiKey == nil)
        #expect(configuration.requestTimeout == .seconds(600))
        #expect(configuration.connectTimeout == .seconds(10))
    }

    @Test func speechValidation() {
        #expect(SpeechRequest(input: String(repeating: "é", count: 4096)).validationFailure() == nil)
        #expect(SpeechRequest(input: String(repeating: "a", count: 4097)).validationFailure()?.param == "input")
        #expect(SpeechRequest(input: "").validationFailure()?.param == "input")
        #expect(SpeechRequest(input: "a", speed: 0.2).validationFailure()?.param == "speed")
        #expect(SpeechRequest(input: "a", speed: 4.0).validationFailure() == nil)
        #expect(
            SpeechRequest(input: "a", instructions: String(repeating: "b", count: 4097)).validationFailure()?.param
                == "instructions"
        )
        #expect(SpeechRequest.builtInVoices.count == 13)
    }
}

@Suite struct RedactionTests {
    @Test func printingOrDumpingAConfigurationOrClientNeverShowsTheKey() {
        let key = "sk-print-me-not-0123456789"
        let configuration = OpenAIConfiguration(baseURL: "http://127.0.0.1:1/v1", apiKey: key)
        let client = OpenAIAudioClient(configuration: configuration)
        var dumped = ""
        dump(client, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), "\(client)", dumped] {
            #expect(!text.contains(key), "\(text)")
            #expect(text.contains("[redacted]"))
        }
    }
}
