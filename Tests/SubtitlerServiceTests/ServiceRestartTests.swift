import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import Subtitler
import Testing
import TestSupport

/// What a real server cannot do on demand: hold a chunk's answer while the service is killed, and count every
/// request; the in-process stub does, behind the real service binary.
@Suite(.serialized)
struct ServiceRestartTests {
    static let verbose = #"{"task":"transcribe","language":"english","duration":9.0,"text":"Tone.","segments":[{"id":0,"seek":0,"start":0.5,"end":2.5,"text":" Tone.","avg_logprob":-0.2,"compression_ratio":1.1,"no_speech_prob":0.01}]}"#

    /// A minute of a tone that sounds 8 s of every 10, at `frequency` (different files, different audio).
    static func toneTalk(_ path: String, frequency: Int, seconds: Int = 60) throws {
        _ = try FFmpegCLI.run([
            "-y", "-f", "lavfi", "-i", "sine=frequency=\(frequency):sample_rate=16000:duration=\(seconds)",
            "-af", "volume='if(lt(mod(t,10),8),0.5,0)':eval=frame", "-ac", "1", path,
        ])
    }

    final class Mode: @unchecked Sendable {
        private let lock = NSLock()
        private var holding = true
        var isHolding: Bool {
            get { lock.withLock { holding } }
            set { lock.withLock { holding = newValue } }
        }
    }

    @Test(.timeLimit(.minutes(5))) func killNineThenRestartFinishesEveryJobPayingOnlyForMissingChunks() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        for (index, frequency) in [330, 440, 550].enumerated() {
            try Self.toneTalk(media.appendingPathComponent("t\(index).wav").path, frequency: frequency)
        }
        // The first two requests are answered; from the third on, the stub holds its answer until the mode changes.
        let mode = Mode()
        let server = try await StubHTTPServer.start { index, _ in
            index >= 2 && mode.isHolding ? .json(200, Self.verbose, delay: .seconds(60)) : .json(200, Self.verbose)
        }
        defer { Task { try? await server.shutdown() } }
        let environment = ServiceProcess.environment(["OPENAI_BASE_URL": server.baseURL], scratch: scratch)
        let arguments = ["--root", media.path, "--jobs", "1", "--requests", "1", "--chunk-seconds", "10", "--language-codes", "639-1"]
        var service: ServiceProcess? = try ServiceProcess.start(arguments, environment: environment)
        let client = ServiceClient(baseURL: service!.baseURL)
        var ids: [String] = []
        for index in 0..<3 {
            let (status, job) = try await client.json(.POST, "/v1/jobs", body: #"{"path": "\#(media.path)/t\#(index).wav", "language": "en"}"#)
            #expect(status == 201, "\(job)")
            ids.append(try #require(job["id"] as? String))
        }
        // The first job has two chunks answered (and cached) and a third on the wire: kill the service now.
        await server.waitForRequests(3)
        let (_, running) = try await client.json(.GET, "/v1/jobs/\(ids[0])")
        #expect(running["state"] as? String == "running")
        service?.stop(signal: SIGKILL)
        service = nil

        mode.isHolding = false
        let before = server.requestCount
        let restarted = try ServiceProcess.start(arguments, environment: environment)
        defer { restarted.stop() }
        let again = ServiceClient(baseURL: restarted.baseURL)
        var sent = 0
        for (index, id) in ids.enumerated() {
            let job = try await again.waitForJob(id)
            #expect(job["state"] as? String == "done", "\(job)")
            let report = try #require(job["report"] as? [String: Any])
            let chunks = try #require(report["chunks"] as? Int)
            let requests = try #require(report["requests"] as? Int)
            #expect(chunks >= 5)
            if index == 0 {
                // Only the chunks that were not answered before the kill are paid for again.
                #expect(report["cachedChunks"] as? Int == 2, "\(report)")
                #expect(requests == chunks - 2)
            } else {
                #expect(requests == chunks)
            }
            sent += requests
            #expect(FileManager.default.fileExists(atPath: media.appendingPathComponent("t\(index).en.srt").path))
        }
        #expect(server.requestCount - before == sent)
    }

    @Test(.timeLimit(.minutes(5))) func tenConcurrentBazarrRequestsWithTwoSlotsAreAllAcceptedAndAnswered() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let arrivals = ArrivalCounter()
        let server = try await StubHTTPServer.start { _, _ in
            arrivals.arrived()
            return .json(200, Self.verbose, delay: .milliseconds(300))
        }
        defer { Task { try? await server.shutdown() } }
        let service = try ServiceProcess.start(
            ["--root", scratch.url.path, "--jobs", "2", "--requests", "1"],
            environment: ServiceProcess.environment(["OPENAI_BASE_URL": server.baseURL], scratch: scratch))
        defer { service.stop() }
        // Ten different 12-second uploads of headerless 16 kHz PCM, as Bazarr sends them.
        var bodies: [[UInt8]] = []
        for index in 0..<10 {
            let wav = scratch.path("u\(index).wav")
            try Self.toneTalk(wav, frequency: 300 + 37 * index, seconds: 12)
            let pcm = try FFmpegCLI.run(["-i", wav, "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", "16000", "-"])
            bodies.append(pcm)
        }
        let boundary = "bazarrboundary"
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for body in bodies {
                group.addTask {
                    var request = HTTPClientRequest(url: service.baseURL + "/asr?task=transcribe&language=en&output=srt&encode=false")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
                    var payload = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"audio_file\"; filename=\"audio_file\"\r\n\r\n".utf8)
                    payload += body
                    payload += Array("\r\n--\(boundary)--\r\n".utf8)
                    request.body = .bytes(ByteBuffer(bytes: payload))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                    let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    return (Int(response.status.code), text)
                }
            }
            var all: [(Int, String)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 10)
        for (status, text) in results {
            #expect(status == 200, "\(text)")
            #expect(text.hasPrefix("1\n00:00:"), "\(text)")
        }
        // Two files at a time, one request each: never more than two answers pending at the stub.
        #expect(arrivals.maximumInFlight(window: .milliseconds(300)) <= 2)
        #expect(server.requestCount >= 10)
    }
}

/// Arrival times at the stub, to find the most requests in flight at once (each is answered after `window`).
final class ArrivalCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [ContinuousClock.Instant] = []

    func arrived() { lock.withLock { times.append(.now) } }

    func maximumInFlight(window: Duration) -> Int {
        let sorted = lock.withLock { times.sorted() }
        var best = 0
        for (i, start) in sorted.enumerated() {
            // Requests that arrived before this one was answered; a little slack for the stub's own timing.
            let overlapping = sorted[i...].prefix { $0 < start + window - .milliseconds(50) }.count
            best = max(best, overlapping)
        }
        return best
    }
}
