import Foundation
import NIOConcurrencyHelpers
import TestSupport
import Testing

@testable import OpenAIAudio

/// Retries, timeouts, dropped connections and error bodies, against the in-process stub server.
/// The time limit is only the hang guard: in a loaded whole-suite run a minute passed before some were scheduled.
@Suite(.timeLimit(.minutes(3)))
struct FaultInjectionTests {
    static let apiKey = "sk-test-DO-NOT-LEAK-0123456789"
    static let verbose =
        #"{"language":"english","duration":1.0,"text":"ok","segments":[{"id":0,"start":0,"end":1,"text":"ok"}]}"#

    /// Records every backoff delay and waits only a millisecond.
    final class SleepRecorder: Sendable {
        private let delays = NIOLockedValueBox<[Duration]>([])
        var recorded: [Duration] { delays.withLockedValue { $0 } }
        func sleep(_ duration: Duration) async throws {
            delays.withLockedValue { $0.append(duration) }
            await Task.yield()
        }
    }

    static func client(
        _ server: StubHTTPServer,
        maxRetries: Int = 2,
        requestTimeout: Duration = .seconds(30),
        sleeper: SleepRecorder? = nil,
        apiKey: String? = apiKey,
        retriesTimedOutRequests: Bool = false,
        clock: ManualClock? = nil
    ) -> OpenAIAudioClient {
        var configuration = OpenAIConfiguration(
            baseURL: server.baseURL,
            apiKey: apiKey,
            organization: "org-test",
            project: "proj_test",
            requestTimeout: requestTimeout,
            maxRetries: maxRetries
        )
        configuration.retriesTimedOutRequests = retriesTimedOutRequests
        if let clock { configuration.clock = clock }
        if let sleeper {
            configuration.backoff.sleep = { try await sleeper.sleep($0) }
        } else {
            configuration.backoff.initialDelay = .milliseconds(5)
        }
        return OpenAIAudioClient(configuration: configuration)
    }

    static let request = TranscriptionRequest(
        file: AudioUpload(data: Array(repeating: 1, count: 64), filename: "chunk.wav", contentType: "audio/wav"),
        model: "whisper-1",
        timestampGranularities: [.segment]
    )

    /// Runs `body` against a server and always shuts it down.
    static func withServer<T>(
        _ responses: [StubHTTPServer.Response],
        _ body: (StubHTTPServer) async throws -> T
    ) async throws -> T {
        let server = try await StubHTTPServer.start(responses)
        do {
            let result = try await body(server)
            try await server.shutdown()
            return result
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    private func expectNoKey(_ error: OpenAIAudioError) {
        #expect(!error.description.contains(Self.apiKey))
        #expect(!error.message.contains(Self.apiKey))
        #expect(!String(reflecting: error).contains(Self.apiKey))
    }

    // MARK: - Requests on the wire

    @Test func sendsHeadersAndAMultipartBody() async throws {
        try await Self.withServer([.json(200, Self.verbose, headers: [("x-request-id", "req_1")])]) { server in
            let result = try await Self.client(server).transcribeVerbose(Self.request)
            #expect(result.text == "ok")
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.uri == "/v1/audio/transcriptions")
            #expect(request.header("authorization") == "Bearer \(Self.apiKey)")
            #expect(request.header("openai-organization") == "org-test")
            #expect(request.header("openai-project") == "proj_test")
            #expect(request.header("user-agent") == "subtitler/0.1.0")
            #expect(request.header("accept") == "application/json")
            let contentType = try #require(request.header("content-type"))
            #expect(contentType.hasPrefix("multipart/form-data; boundary="))
            #expect(request.bodyText.contains("name=\"response_format\"\r\n\r\nverbose_json\r\n"))
            #expect(request.bodyText.contains("name=\"timestamp_granularities[]\"\r\n\r\nsegment\r\n"))
            var sent = Self.request
            sent.responseFormat = .verboseJSON
            #expect(request.body.count == multipartBodySize(for: sent))
        }
    }

    @Test func noKeyMeansNoAuthorizationHeader() async throws {
        try await Self.withServer([.json(200, Self.verbose)]) { server in
            _ = try await Self.client(server, apiKey: nil).transcribeVerbose(Self.request)
            #expect(server.requests.first?.header("authorization") == nil)
        }
    }

    // MARK: - Retries

    @Test func rateLimitWithRetryAfterWaitsThenSucceeds() async throws {
        let rateLimited = StubHTTPServer.Response.json(
            429,
            #"{"error":{"message":"Rate limit reached for whisper-1","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
            headers: [("retry-after", "1")]
        )
        try await Self.withServer([rateLimited, .json(200, Self.verbose)]) { server in
            let events = EventLog()
            let sleeper = SleepRecorder()
            let result = try await Self.client(server, sleeper: sleeper).transcribeVerbose(Self.request) {
                events.append($0)
            }
            #expect(result.text == "ok")
            #expect(server.requestCount == 2)
            // The server's Retry-After is waited in full (through the injected sleep), not the shorter backoff.
            #expect(sleeper.recorded == [.seconds(1)])
            #expect(events.all.map(\.delay) == [.seconds(1)])
            #expect(events.all.first?.status == 429)
            #expect(events.all.first?.attempt == 1)
            #expect(events.all.first?.reason == "HTTP 429 rate_limit_exceeded")
        }
    }

    @Test func serviceUnavailableTwiceThenSuccessUsesBackoff() async throws {
        let unavailable = StubHTTPServer.Response.json(
            503,
            #"{"error":{"message":"The engine is currently overloaded","type":"server_error","param":null,"code":null}}"#
        )
        try await Self.withServer([unavailable, unavailable, .json(200, Self.verbose)]) { server in
            let sleeper = SleepRecorder()
            let result = try await Self.client(server, sleeper: sleeper).transcribeVerbose(Self.request)
            #expect(result.segments.count == 1)
            #expect(server.requestCount == 3)
            let delays = sleeper.recorded
            #expect(delays.count == 2)
            #expect(delays[0] > .milliseconds(370) && delays[0] <= .milliseconds(500))
            #expect(delays[1] > .milliseconds(745) && delays[1] <= .seconds(1))
        }
    }

    @Test func retriesStopAfterMaxRetries() async throws {
        try await Self.withServer([.text(500, "Internal Server Error")]) { server in
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server, maxRetries: 2).transcribeVerbose(Self.request)
            }
            #expect(server.requestCount == 3)
            #expect(error.attempts == 3)
            #expect(error.kind == .http)
            #expect(error.status == 500)
            #expect(error.message == "Internal Server Error")
            #expect(error.description == "audio/transcriptions: HTTP 500: Internal Server Error (after 3 attempts)")
            expectNoKey(error)
        }
    }

    @Test func insufficientQuotaIsNotRetried() async throws {
        let quota = StubHTTPServer.Response.json(
            429,
            #"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
            headers: [("x-request-id", "req_quota")]
        )
        try await Self.withServer([quota, .json(200, Self.verbose)]) { server in
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server).transcribeVerbose(Self.request)
            }
            #expect(server.requestCount == 1)
            #expect(error.attempts == 1)
            #expect(error.status == 429)
            #expect(error.code == "insufficient_quota")
            #expect(error.isQuotaExhausted)
            #expect(error.requestID == "req_quota")
            #expect(error.description.contains("You exceeded your current quota"))
            #expect(error.description.hasSuffix("(request id req_quota)"))
            expectNoKey(error)
        }
    }

    @Test func payloadTooLargeIsNotRetried() async throws {
        let tooLarge = StubHTTPServer.Response.json(
            413,
            #"{"error":{"message":"413: Maximum content size limit (26214400) exceeded (26738688 bytes read)","type":"server_error","param":null,"code":null},"usage":{"type":"duration","seconds":0}}"#
        )
        try await Self.withServer([tooLarge, .json(200, Self.verbose)]) { server in
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server).transcribeVerbose(Self.request)
            }
            #expect(server.requestCount == 1)
            #expect(error.status == 413)
            #expect(error.kind == .http)
            #expect(error.message.contains("26214400"))
            expectNoKey(error)
        }
    }

    @Test func oversizedBodyIsRejectedBeforeSending() async throws {
        try await Self.withServer([.json(200, Self.verbose)]) { server in
            var request = Self.request
            request.responseFormat = .verboseJSON
            request.file.data = [UInt8](repeating: 0, count: maxRequestBodyBytes - 100)
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server).transcribeVerbose(request)
            }
            #expect(error.kind == .requestTooLarge)
            #expect(error.attempts == 0)
            #expect(error.message.contains("26214400-byte limit"))
            #expect(server.requestCount == 0)
            // Right at the limit is allowed.
            request.file.data = [UInt8](repeating: 0, count: maxRequestBodyBytes - multipartOverhead(for: request))
            #expect(multipartBodySize(for: request) == maxRequestBodyBytes)
            // A manual clock that never moves: the 25 MiB upload takes what it takes on a busy machine.
            _ = try await Self.client(server, clock: ManualClock()).transcribeVerbose(request)
            #expect(server.requestCount == 1)
            #expect(server.requests.first?.body.count == maxRequestBodyBytes)
        }
    }

    @Test func droppedConnectionMidResponseIsRetried() async throws {
        let dropped = StubHTTPServer.Response(
            status: 200,
            headers: [("content-type", "application/json")],
            chunks: [Array(Self.verbose.utf8)],
            behavior: .dropAfter(bytes: 10)
        )
        try await Self.withServer([dropped, .json(200, Self.verbose)]) { server in
            let events = EventLog()
            let result = try await Self.client(server).transcribeVerbose(Self.request) { events.append($0) }
            #expect(result.text == "ok")
            #expect(server.requestCount == 2)
            #expect(events.all.first?.reason.hasPrefix("network") == true)
        }
    }

    @Test func droppedConnectionEverywhereIsANetworkError() async throws {
        let dropped = StubHTTPServer.Response(
            status: 200,
            chunks: [Array(Self.verbose.utf8)],
            behavior: .dropAfter(bytes: 5)
        )
        try await Self.withServer([dropped]) { server in
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server, maxRetries: 1).transcribeVerbose(Self.request)
            }
            #expect(error.kind == .network)
            #expect(error.attempts == 2)
            #expect(server.requestCount == 2)
            expectNoKey(error)
        }
    }

    @Test func refusedConnectionIsRetriedThenANetworkError() async throws {
        // A port that is bound but never listens: every connection is refused at once.
        let refusing = try RefusingPort()
        var configuration = OpenAIConfiguration(baseURL: refusing.baseURL, apiKey: Self.apiKey, maxRetries: 2)
        let sleeper = SleepRecorder()
        configuration.backoff.sleep = { try await sleeper.sleep($0) }
        let events = EventLog()
        let error = try await #require(throws: OpenAIAudioError.self) {
            try await OpenAIAudioClient(configuration: configuration).transcribeVerbose(Self.request) { events.append($0) }
        }
        #expect(error.kind == .network)
        #expect(error.attempts == 3)
        #expect(events.all.count == 2)
        // The SDKs' backoff (0.5 s, then 1 s, less up to a quarter of jitter), waited through the injected sleep.
        let delays = sleeper.recorded
        #expect(delays.count == 2)
        #expect(delays.first.map { $0 > .milliseconds(370) && $0 <= .milliseconds(500) } == true, "\(delays)")
        #expect(delays.last.map { $0 > .milliseconds(740) && $0 <= .seconds(1) } == true, "\(delays)")
        expectNoKey(error)
    }

    @Test func closedWithoutResponseIsRetried() async throws {
        let closed = StubHTTPServer.Response(status: 200, chunks: [], behavior: .closeWithoutResponse)
        try await Self.withServer([closed, .json(200, Self.verbose)]) { server in
            let result = try await Self.client(server).transcribeVerbose(Self.request)
            #expect(result.text == "ok")
            #expect(server.requestCount == 2)
        }
    }

    /// A response the server holds until the test opens `gate` (at the end, so the server can stop).
    static func held(_ gate: Gate) -> StubHTTPServer.Response {
        var response = StubHTTPServer.Response.json(200, verbose)
        response.hold = gate
        return response
    }

    // The timeout tests run on a manual clock: each waits until the attempt's deadline is armed and the upload has
    // arrived, then moves time past the deadline. No answer is ever raced against the wall clock.

    @Test func slowResponseTimesOutAndIsNotRetriedOnTopOfABusyServer() async throws {
        // The server may still be working on the first attempt: a retry would make it do the work twice.
        let gate = Gate()
        let clock = ManualClock()
        try await Self.withServer([Self.held(gate)]) { server in
            defer { gate.open() }
            let client = Self.client(server, maxRetries: 2, requestTimeout: .seconds(1), clock: clock)
            let call = Task { try await client.transcribeVerbose(Self.request) }
            await clock.sleeps(1)
            await server.waitForRequests(1)
            clock.advance(by: .seconds(1))
            let error = try await #require(throws: OpenAIAudioError.self) { try await call.value }
            #expect(error.kind == .timeout)
            #expect(error.attempts == 1)
            #expect(server.requestCount == 1)
            expectNoKey(error)
        }
    }

    @Test func slowResponseIsRetriedWhenAskedTo() async throws {
        let gate = Gate()
        let clock = ManualClock()
        try await Self.withServer([Self.held(gate)]) { server in
            defer { gate.open() }
            let client = Self.client(server, maxRetries: 1, requestTimeout: .milliseconds(1_500),
                                     retriesTimedOutRequests: true, clock: clock)
            let call = Task { try await client.transcribeVerbose(Self.request) }
            for attempt in 1...2 {
                await clock.sleeps(attempt)
                await server.waitForRequests(attempt)
                clock.advance(by: .milliseconds(1_500))
            }
            let error = try await #require(throws: OpenAIAudioError.self) { try await call.value }
            #expect(error.kind == .timeout)
            #expect(error.attempts == 2)
            #expect(server.requestCount == 2)
        }
    }

    @Test func aSlowAnswerWithinALongerTimeoutArrivesInOneAttempt() async throws {
        let gate = Gate()
        let clock = ManualClock()
        try await Self.withServer([Self.held(gate)]) { server in
            let client = Self.client(server, maxRetries: 2, requestTimeout: .milliseconds(100), clock: clock)
                .withRequestTimeout(.seconds(20))
            let call = Task { try await client.transcribeVerbose(Self.request) }
            await clock.sleeps(1)
            await server.waitForRequests(1)
            clock.advance(by: .seconds(19))   // far past the old 100 ms, short of the new 20 s
            gate.open()
            let result = try await call.value
            #expect(result.text == "ok")
            #expect(server.requestCount == 1)
        }
    }

    @Test func slowBodyAfterTheHeadTimesOut() async throws {
        let gate = Gate()
        let clock = ManualClock()
        var trickle = StubHTTPServer.Response(
            status: 200,
            headers: [("content-type", "application/json")],
            chunks: [Array(Self.verbose.utf8.prefix(5)), Array(Self.verbose.utf8.dropFirst(5))]
        )
        trickle.holdBetweenChunks = gate
        try await Self.withServer([trickle]) { server in
            defer { gate.open() }
            let client = Self.client(server, maxRetries: 0, requestTimeout: .milliseconds(1_500), clock: clock)
            let call = Task { try await client.transcribeVerbose(Self.request) }
            await clock.sleeps(1)
            await server.waitForRequests(1)
            clock.advance(by: .milliseconds(1_500))
            let error = try await #require(throws: OpenAIAudioError.self) { try await call.value }
            #expect(error.kind == .timeout)
            #expect(server.requestCount == 1)
        }
    }

    @Test func malformedJSONIsADecodingErrorAndNotRetried() async throws {
        try await Self.withServer([.json(200, #"{"text": "unterminated"#, headers: [("x-request-id", "req_bad")])]) {
            server in
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server).transcribeVerbose(Self.request)
            }
            #expect(error.kind == .decoding)
            #expect(error.status == 200)
            #expect(error.requestID == "req_bad")
            #expect(error.message.contains("unterminated"))
            #expect(server.requestCount == 1)
        }
    }

    @Test func plainTextServerErrorIsReadable() async throws {
        try await Self.withServer([.text(500, "Internal Server Error")]) { server in
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server, maxRetries: 0).transcribeVerbose(Self.request)
            }
            #expect(error.kind == .http)
            #expect(error.status == 500)
            #expect(error.type == nil)
            #expect(error.message == "Internal Server Error")
            #expect(server.requestCount == 1)
        }
    }

    @Test func fastAPIErrorShapeFromTheLocalBackend() async throws {
        let body =
            #"{"detail":{"error":{"message":"Unsupported response_format 'text'","type":"invalid_request_error"}}}"#
        try await Self.withServer([.json(400, body)]) { server in
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server).transcribeText(Self.request)
            }
            #expect(error.message == "Unsupported response_format 'text'")
            #expect(error.type == "invalid_request_error")
            #expect(server.requestCount == 1)
        }
    }

    @Test func echoedKeyIsRedacted() async throws {
        let body =
            #"{"error":{"message":"Incorrect API key provided: \#(Self.apiKey). You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#
        try await Self.withServer([.text(401, body)]) { server in
            let error = try await #require(throws: OpenAIAudioError.self) {
                try await Self.client(server).transcribeVerbose(Self.request)
            }
            #expect(server.requestCount == 1)
            #expect(error.code == "invalid_api_key")
            #expect(error.message.contains("[redacted]"))
            expectNoKey(error)
        }
    }

    @Test func cancellationStopsAnInFlightRequest() async throws {
        // The answer is held until after the call ends, so only the cancellation can end it.
        let gate = Gate()
        try await Self.withServer([Self.held(gate)]) { server in
            defer { gate.open() }
            let client = Self.client(server, clock: ManualClock())
            let task = Task { try await client.transcribeVerbose(Self.request) }
            await server.waitForRequests(1)
            task.cancel()
            let result = await task.result
            let error = try #require(throws: OpenAIAudioError.self) { try result.get() }
            #expect(error.kind == .cancelled)
            #expect(server.requestCount == 1)
        }
    }

    @Test func cancellationDuringBackoffStops() async throws {
        let unavailable = StubHTTPServer.Response.text(503, "busy", headers: [("retry-after", "30")])
        try await Self.withServer([unavailable]) { server in
            let client = Self.client(server)
            // The retry callback runs just before the backoff wait: cancel from inside it.
            let (retrying, signal) = AsyncStream<Void>.makeStream()
            let task = Task { try await client.transcribeVerbose(Self.request) { _ in signal.yield() } }
            for await _ in retrying { break }
            task.cancel()
            let error = try await #require(throws: OpenAIAudioError.self) { try await task.value }
            #expect(error.kind == .cancelled)
            #expect(server.requestCount == 1)
        }
    }

    // MARK: - Formats

    @Test func textFormatsReturnTheBody() async throws {
        try await Self.withServer([.text(200, Fixtures.srt), .json(200, #"{"text":"plain"}"#)]) { server in
            var request = Self.request
            request.responseFormat = .srt
            let srt = try await Self.client(server).transcribeText(request)
            #expect(srt == Fixtures.srt)
            request.responseFormat = nil
            let plain = try await Self.client(server).transcribeText(request)
            #expect(plain == "plain")
            #expect(!server.requests[1].bodyText.contains("response_format"))
        }
    }

    @Test func diarizedRequestKeepsItsFormat() async throws {
        try await Self.withServer([.json(200, Fixtures.diarized)]) { server in
            var request = Self.request
            request.responseFormat = .diarizedJSON
            let result = try await Self.client(server).transcribeVerbose(request)
            #expect(result.segments.map(\.speaker) == ["agent", "B"])
            #expect(server.requests.first?.bodyText.contains("diarized_json") == true)
        }
    }

    @Test func translationGoesToTheTranslationsEndpoint() async throws {
        try await Self.withServer([.json(200, Fixtures.translationVerbose)]) { server in
            let result = try await Self.client(server).translateVerbose(TranslationRequest(file: Self.request.file))
            #expect(result.text == "Good morning, everyone.")
            #expect(server.requests.first?.uri == "/v1/audio/translations")
            #expect(server.requests.first?.bodyText.contains("verbose_json") == true)
        }
    }

    // MARK: - Streaming

    @Test func transcriptionStream() async throws {
        try await Self.withServer([.eventStream(Fixtures.transcriptionStream, chunkDelay: .milliseconds(5))]) {
            server in
            var request = Self.request
            request.model = "gpt-4o-mini-transcribe"
            var events: [TranscriptionStreamEvent] = []
            for try await event in Self.client(server).streamTranscription(request) { events.append(event) }
            #expect(events.count == 4)
            #expect(events.first == .textDelta("The", segmentID: nil))
            guard case .done(let text, let usage) = events.last else {
                Issue.record("no done event")
                return
            }
            #expect(text == "The beach was nice.")
            #expect(usage == .tokens(input: 14, output: 45, total: 59, inputAudio: 14, inputText: 0))
            let body = try #require(server.requests.first).bodyText
            #expect(body.contains("name=\"stream\"\r\n\r\ntrue\r\n"))
            #expect(server.requests.first?.header("accept") == "text/event-stream")
        }
    }

    @Test func transcriptionStreamErrorEvent() async throws {
        let events = [
            #"{"type":"transcript.text.delta","delta":"a"}"#,
            #"{"type":"error","error":{"message":"server exploded","type":"server_error","code":"boom"}}"#,
        ]
        try await Self.withServer([.eventStream(events)]) { server in
            var received: [TranscriptionStreamEvent] = []
            let error = await #expect(throws: OpenAIAudioError.self) {
                for try await event in Self.client(server).streamTranscription(Self.request) { received.append(event) }
            }
            #expect(received == [.textDelta("a", segmentID: nil)])
            #expect(error?.kind == .stream)
            #expect(error?.code == "boom")
            #expect(error?.message == "server exploded")
        }
    }

    @Test func nonStreamingAnswerToAStreamRequestBecomesDone() async throws {
        try await Self.withServer([.json(200, #"{"text":"whole"}"#)]) { server in
            var events: [TranscriptionStreamEvent] = []
            for try await event in Self.client(server).streamTranscription(Self.request) { events.append(event) }
            #expect(events == [.done(text: "whole", usage: nil)])
        }
    }

    @Test func streamRetriesBeforeTheFirstByte() async throws {
        try await Self.withServer([.text(502, "Bad Gateway"), .eventStream(Fixtures.transcriptionStream)]) { server in
            var count = 0
            for try await _ in Self.client(server).streamTranscription(Self.request) { count += 1 }
            #expect(count == 4)
            #expect(server.requestCount == 2)
        }
    }

    @Test func speechReturnsBytesAndSendsJSON() async throws {
        let audio: [UInt8] = Array(0..<200).map { UInt8($0) }
        try await Self.withServer([.bytes(200, [audio], contentType: "audio/wav")]) { server in
            let bytes = try await Self.client(server).speech(
                SpeechRequest(model: "tts-1", input: "Hello.", responseFormat: .wav)
            )
            #expect(bytes == audio)
            let request = try #require(server.requests.first)
            #expect(request.uri == "/v1/audio/speech")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("accept") == "application/octet-stream")
            #expect(request.bodyText == #"{"input":"Hello.","model":"tts-1","response_format":"wav","voice":"alloy"}"#)
        }
    }

    @Test func speechGoesToTheSpeechBaseURL() async throws {
        try await Self.withServer([.bytes(200, [[1, 2]])]) { speechServer in
            var configuration = OpenAIConfiguration(
                baseURL: "http://127.0.0.1:9/v1",
                speechBaseURL: speechServer.baseURL
            )
            configuration.maxRetries = 0
            let bytes = try await OpenAIAudioClient(configuration: configuration).speech(SpeechRequest(input: "x"))
            #expect(bytes == [1, 2])
        }
    }

    @Test func speechStreamsChunksAsTheyArrive() async throws {
        let chunks: [[UInt8]] = [[1, 2, 3], [4, 5], [6]]
        try await Self.withServer([.bytes(200, chunks, contentType: "audio/pcm", chunkDelay: .milliseconds(30))]) {
            server in
            var received: [[UInt8]] = []
            for try await chunk in Self.client(server).streamSpeech(SpeechRequest(input: "x", responseFormat: .pcm)) {
                received.append(chunk)
            }
            #expect(received.joined().map { $0 } == [1, 2, 3, 4, 5, 6])
            #expect(received.count >= 2)
        }
    }

    @Test func speechSSEIsDecodedInBothModes() async throws {
        try await Self.withServer([.eventStream(Fixtures.speechStream)]) { server in
            let request = SpeechRequest(input: "x", responseFormat: .wav, streamFormat: .sse)
            let whole = try await Self.client(server).speech(request)
            #expect(whole == Array("RIFF1234".utf8))
            var streamed: [UInt8] = []
            for try await chunk in Self.client(server).streamSpeech(request) { streamed += chunk }
            #expect(streamed == Array("RIFF1234".utf8))
            #expect(server.requests.first?.bodyText.contains(#""stream_format":"sse""#) == true)
        }
    }

    @Test func invalidSpeechIsRejectedBeforeSending() async throws {
        try await Self.withServer([.bytes(200, [[1]])]) { server in
            let client = Self.client(server)
            let tooLong = try await #require(throws: OpenAIAudioError.self) {
                try await client.speech(SpeechRequest(input: String(repeating: "a", count: 4097)))
            }
            #expect(tooLong.kind == .invalidRequest)
            #expect(tooLong.param == "input")
            let tooFast = try await #require(throws: OpenAIAudioError.self) {
                try await client.speech(SpeechRequest(input: "a", speed: 5))
            }
            #expect(tooFast.param == "speed")
            await #expect(throws: OpenAIAudioError.self) {
                for try await _ in client.streamSpeech(SpeechRequest(input: "a", speed: 0.1)) {}
            }
            #expect(server.requestCount == 0)
        }
    }
}

/// Collects retry events from the `@Sendable` callback.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[RetryEvent]>([])
    func append(_ event: RetryEvent) { events.withLockedValue { $0.append(event) } }
    var all: [RetryEvent] { events.withLockedValue { $0 } }
}
