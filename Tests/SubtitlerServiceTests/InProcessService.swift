import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import NIOCore
import OpenAIAudio
import Subtitler
import SubtitlerJobs
import Subtitles
import Testing
import TestSupport
@testable import SubtitlerService

/// The service's routes and scheduler in this process: an in-memory job store, the pipeline over a
/// ``FakeTranscriptionBackend``, and Hummingbird's router test mode (no socket, no child process). Media are WAV files
/// of tones written here (read by the real decoder; the energy map hears the tones as speech with pauses).
struct InProcessService {
    let scratch: TemporaryDirectory
    let backend: FakeTranscriptionBackend
    let environment: ServiceEnvironment
    let logs = LogCapture()
    /// The SQLite store the environment runs over (in memory), for tests that observe its database.
    let store: JobStore

    /// The request header the in-process access policy reads the client's address from (the router mode has no
    /// connection). Only this test-built router reads it.
    static let peerHeader = HTTPField.Name("X-Test-Peer")!

    /// A service whose only root is `scratch`'s `media` folder unless `configure` says otherwise.
    init(scratch: TemporaryDirectory, backend: FakeTranscriptionBackend = InProcessService.toneBackend(),
         configure: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        self.scratch = scratch
        self.backend = backend
        try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("media"), withIntermediateDirectories: true)
        var configuration = ServiceConfiguration()
        configuration.roots = [scratch.path("media")]
        configuration.stateDirectory = scratch.cache.appendingPathComponent("state")
        configuration.defaults.options = PipelineFixtures.toneOptions()
        configuration.defaults.naming.codeStyle = .iso639_1
        configure(&configuration)
        let logger = logs.logger
        let store = try JobStore(database: DatabaseQueue(), logger: logger)
        self.store = store
        let subtitler = Subtitler(backend: backend, synthesizer: OpenAIAudioClient(configuration: OpenAIConfiguration()),
                                  cache: nil, logger: logger)
        let runner = JobRunner(subtitler: subtitler,
                               languageMemory: LanguageMemory(directory: scratch.cache.appendingPathComponent("languages")))
        let paths = try PathPolicy(roots: configuration.roots, mappings: configuration.pathMappings)
        environment = SubtitleService.makeEnvironment(configuration: configuration, runner: runner, store: store,
                                                      paths: paths, logger: logger)
    }

    /// A backend that answers every chunk with one cue.
    static func toneBackend() -> FakeTranscriptionBackend {
        FakeTranscriptionBackend { _ in VerboseTranscription(language: "english", text: "Tone.", segments: [
            .init(start: 0.5, end: 2.5, text: " Tone.", avgLogprob: -0.2, compressionRatio: 1.1, noSpeechProb: 0.01),
        ]) }
    }

    /// A backend whose every answer (one empty English transcription) waits until `gate` opens: jobs stay running
    /// while a test looks at them.
    static func heldBackend(until gate: Gate) -> FakeTranscriptionBackend {
        FakeTranscriptionBackend { _ in
            await gate.wait()
            return VerboseTranscription(language: "english", text: "Tone.", segments: [])
        }
    }

    /// Runs `body` against the routes, with the scheduler running; `peer` is the client's address unless a request
    /// names one in ``peerHeader``.
    func test<Value: Sendable>(
        peer: String = "127.0.0.1", _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let router = SubtitleService.makeRouter(environment: environment) { request, _ in
            request.headers[Self.peerHeader] ?? peer
        }
        let app = Application(router: router, services: [environment.scheduler], logger: logs.logger)
        return try await app.test(.router, body)
    }

    /// Writes `seconds` of tone at `hertz` as a 16 kHz mono WAV under `media/`; returns its path.
    @discardableResult
    func media(_ name: String, seconds: Int = 12, hertz: Double = 330) throws -> String {
        let path = scratch.path("media/\(name)")
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Self.wav(SamplesAudioSource.toneTalk(seconds: seconds, hertz: hertz)).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// 16-bit mono PCM at 16 kHz as a WAV file.
    static func wav(_ samples: [Int16]) -> Data {
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let bytes = UInt32(samples.count * 2)
        data.append(contentsOf: Array("RIFF".utf8)); append(36 + bytes); data.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16)); append(UInt16(1)); append(UInt16(1)); append(UInt32(16_000)); append(UInt32(32_000))
        append(UInt16(2)); append(UInt16(16)); data.append(contentsOf: Array("data".utf8)); append(bytes)
        for sample in samples { append(sample) }
        return data
    }

    /// Headerless 16 kHz s16le PCM, as Bazarr uploads it with `encode=false`.
    static func pcm(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { sample in withUnsafeBytes(of: sample.littleEndian) { Array($0) } }
    }

    /// Waits until the stored job satisfies `condition`, by observing the store (no polling, no clock).
    func job(_ id: String, until condition: @escaping @Sendable (ServiceJob) -> Bool = { $0.state.isFinal }) async throws -> ServiceJob {
        let observation = ValueObservation.tracking { db in
            try Row.fetchOne(db, JobRow.filter(Column("id") == id)).map(JobStore.read)?.job
        }
        for try await job in observation.values(in: store.database) {
            if let job, condition(job) { return job }
        }
        throw ServiceTestError("the observation of job \(id) ended")
    }
}

extension TestClientProtocol {
    /// Sends a request; the body as text, with a JSON content type when there is one.
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var fields = headers
        if json != nil { fields[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
    }

    /// Sends a request and parses a JSON object answer.
    func json(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, headers: HTTPFields = [:]) async throws
        -> (HTTPResponse.Status, [String: Any])
    {
        let response = try await send(method, uri, json: body, headers: headers)
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]) ?? [:])
    }

    /// The status of a GET from the client at `peer`, with the token when one is given.
    func status(_ uri: String, from peer: String, token: String? = nil) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [InProcessService.peerHeader: peer]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await send(.get, uri, headers: headers).status
    }

    /// A multipart upload of `bytes` as `audio_file`, as Bazarr sends it.
    func upload(_ uri: String, _ bytes: [UInt8], boundary: String = "bazarrboundary") async throws -> TestResponse {
        var payload = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"audio_file\"; filename=\"audio_file\"\r\n\r\n".utf8)
        payload += bytes + Array("\r\n--\(boundary)--\r\n".utf8)
        return try await execute(uri: uri, method: .post, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                 body: ByteBuffer(bytes: payload))
    }
}
