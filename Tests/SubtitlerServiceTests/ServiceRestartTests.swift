import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
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

    /// A minute of speech (the English sample, looped) that sounds 8 s of every 10, over a quiet tone at
    /// `frequency` (different files, different audio). Speech, so the speech detector finds it and it is sent.
    static func toneTalk(_ path: String, frequency: Int, seconds: Int = 60) throws {
        _ = try FFmpegCLI.run([
            "-y", "-stream_loop", "-1", "-i", Samples.url("talk-en.mp4").path,
            "-f", "lavfi", "-i", "sine=frequency=\(frequency):sample_rate=16000:duration=\(seconds)",
            "-filter_complex",
            "[0:a]aresample=16000,aformat=channel_layouts=mono[s];[1:a]volume=0.02[t];"
                + "[s][t]amix=inputs=2:duration=shortest:normalize=0,volume='if(lt(mod(t,10),8),1,0)':eval=frame",
            "-t", "\(seconds)", "-ac", "1", path,
        ])
    }

    final class Mode: Sendable {
        private let holding = NIOLockedValueBox(true)
        var isHolding: Bool {
            get { holding.withLockedValue { $0 } }
            set { holding.withLockedValue { $0 = newValue } }
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
        let unanswered = Gate()
        defer { unanswered.open() }
        let server = try await StubHTTPServer.start { index, _ in
            index >= 2 && mode.isHolding ? .json(200, Self.verbose).held(by: unanswered) : .json(200, Self.verbose)
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
}

/// Watch folders, the custom-script hook, graceful stops, notifications and de-duplication, behind the real binary
/// with a counting stub.
@Suite(.serialized)
struct ServiceOperationsTests {
    final class Recorder: Sendable {
        private let bodies = NIOLockedValueBox<[String: [String]]>([:])
        func record(_ path: String, _ body: String) { bodies.withLockedValue { $0[path, default: []].append(body) } }
        func bodies(for path: String) -> [String] { bodies.withLockedValue { $0[path] ?? [] } }
    }

    @Test(.timeLimit(.minutes(3))) func watchedFoldersAndTheHookQueueFilesAndTheNotifierIsCalled() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let recorder = Recorder()
        let server = try await StubHTTPServer.start { _, request in
            recorder.record(request.uri, request.bodyText)
            return .json(200, ServiceRestartTests.verbose)
        }
        defer { Task { try? await server.shutdown() } }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media.appendingPathComponent("done"), withIntermediateDirectories: true)
        try ServiceRestartTests.toneTalk(media.appendingPathComponent("before.wav").path, frequency: 300, seconds: 12)
        try ServiceRestartTests.toneTalk(media.appendingPathComponent("done/skip.wav").path, frequency: 310, seconds: 12)
        _ = FileManager.default.createFile(atPath: media.appendingPathComponent("done/.subtitler-skip").path, contents: Data())
        let environment = ServiceProcess.environment(
            ["OPENAI_BASE_URL": server.baseURL, "SUBTITLER_JELLYFIN_URL": server.baseURL.replacingOccurrences(of: "/v1", with: "/jf"),
             "SUBTITLER_JELLYFIN_TOKEN": "jellyfin-secret"], scratch: scratch)
        let service = try ServiceProcess.start(
            ["--root", media.path, "--watch", media.path, "--notify", server.baseURL.replacingOccurrences(of: "/v1", with: "/hook"),
             "--refresh", "jellyfin", "--language-codes", "639-1"], environment: environment)
        defer { service.stop() }
        // The start-up scan takes the existing file once it has settled (10 s by default is too slow for a test:
        // the watch command takes --settle; serve uses the defaults, so wait for the service's own log line).
        #expect(service.waitForLog("job finished", timeout: 90), "\(service.log)")
        #expect(FileManager.default.fileExists(atPath: media.appendingPathComponent("before.en.srt").path))
        #expect(!FileManager.default.fileExists(atPath: media.appendingPathComponent("done/skip.en.srt").path))
        // The completion webhook (subgen's shape) and the Jellyfin refresh are called after the job's end: one
        // chunk request, then those two.
        await server.waitForRequests(3)
        let event = try #require(recorder.bodies(for: "/hook").first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
        #expect(json["event"] as? String == "transcribed")
        #expect(json["file"] as? String == media.appendingPathComponent("before.wav").path)
        #expect(json["subtitle"] as? String == media.appendingPathComponent("before.en.srt").path)
        #expect(recorder.bodies(for: "/jf/Library/Media/Updated").first?.contains("before.wav") == true)

        // Sonarr's Custom Script: Test exits 0; Download queues the file in the running service.
        let subtitler = try ServiceProcess.binary("subtitler").path
        var hookEnvironment = environment
        hookEnvironment["sonarr_eventtype"] = "Test"
        let test = try await Program.run(subtitler, ["hook", "--server", service.baseURL], environment: hookEnvironment)
        #expect(test.status == 0, "\(test.stderr)")
        try ServiceRestartTests.toneTalk(scratch.path("incoming.wav"), frequency: 320, seconds: 12)
        try FileManager.default.moveItem(atPath: scratch.path("incoming.wav"), toPath: media.appendingPathComponent("episode.wav").path)
        hookEnvironment["sonarr_eventtype"] = "Download"
        hookEnvironment["sonarr_episodefile_path"] = "/downloads/episode.wav"
        let queued = try await Program.run(subtitler, ["hook", "--server", service.baseURL, "--path-map", "/downloads=\(media.path)"],
                                           environment: hookEnvironment)
        #expect(queued.status == 0, "\(queued.stderr)")
        #expect(queued.stderr.contains("queued"), "\(queued.stderr)")
        // The Custom Script's job says where it came from: origin hook, not api.
        let (_, jobs, _) = try await ServiceClient(baseURL: service.baseURL).send(.GET, "/v1/jobs")
        let list = try #require(try JSONSerialization.jsonObject(with: jobs) as? [[String: Any]])
        #expect(list.contains { ($0["request"] as? [String: Any])?["path"] as? String == media.appendingPathComponent("episode.wav").path && $0["origin"] as? String == "hook" })
        #expect(!service.log.contains("jellyfin-secret"))
    }

    @Test(.timeLimit(.minutes(3))) func sigtermStopsGracefullyAndTheJobResumes() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let mode = ServiceRestartTests.Mode()
        let unanswered = Gate()
        defer { unanswered.open() }
        let server = try await StubHTTPServer.start { index, _ in
            index >= 1 && mode.isHolding
                ? .json(200, ServiceRestartTests.verbose).held(by: unanswered) : .json(200, ServiceRestartTests.verbose)
        }
        defer { Task { try? await server.shutdown() } }
        try ServiceRestartTests.toneTalk(scratch.path("a.wav"), frequency: 400, seconds: 40)
        let environment = ServiceProcess.environment(["OPENAI_BASE_URL": server.baseURL], scratch: scratch)
        let arguments = ["--root", scratch.url.path, "--requests", "1", "--chunk-seconds", "10"]
        let service = try ServiceProcess.start(arguments, environment: environment)
        let (_, job) = try await ServiceClient(baseURL: service.baseURL).json(.POST, "/v1/jobs", body: #"{"path": "\#(scratch.path("a.wav"))", "language": "en"}"#)
        let id = try #require(job["id"] as? String)
        await server.waitForRequests(2)
        #expect(service.stop(signal: SIGTERM) == 0, "\(service.log)")
        #expect(service.log.contains("queued for the next start"), "\(service.log)")
        mode.isHolding = false
        let restarted = try ServiceProcess.start(arguments, environment: environment)
        defer { restarted.stop() }
        let finished = try await ServiceClient(baseURL: restarted.baseURL).waitForJob(id)
        #expect(finished["state"] as? String == "done", "\(finished)")
        #expect((finished["report"] as? [String: Any])?["cachedChunks"] as? Int == 1)
    }

    @Test(.timeLimit(.minutes(3))) func identicalBazarrRequestsAreComputedOnce() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        // The answer is held until the test has sent all three requests and the first has reached the server.
        let answer = Gate()
        defer { answer.open() }
        let server = try await StubHTTPServer.start { _, _ in
            var response = StubHTTPServer.Response.json(200, ServiceRestartTests.verbose)
            response.hold = answer
            return response
        }
        defer { Task { try? await server.shutdown() } }
        let service = try ServiceProcess.start(["--root", scratch.url.path, "--jobs", "2"],
                                               environment: ServiceProcess.environment(["OPENAI_BASE_URL": server.baseURL], scratch: scratch))
        defer { service.stop() }
        try ServiceRestartTests.toneTalk(scratch.path("same.wav"), frequency: 500, seconds: 12)
        let pcm = try FFmpegCLI.run(["-i", scratch.path("same.wav"), "-f", "s16le", "-ac", "1", "-ar", "16000", "-"])
        let boundary = "same"
        var payload = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"audio_file\"; filename=\"audio_file\"\r\n\r\n".utf8)
        payload += pcm + Array("\r\n--\(boundary)--\r\n".utf8)
        let body = payload
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    var request = HTTPClientRequest(url: service.baseURL + "/asr?task=transcribe&language=en&output=srt&encode=false")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
                    request.body = .bytes(ByteBuffer(bytes: body))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                    return String(buffer: try await response.body.collect(upTo: 1 << 20))
                }
            }
            await server.waitForRequests(1)
            answer.open()
            var all: [String] = []
            for try await text in group { all.append(text) }
            return all
        }
        #expect(Set(answers).count == 1)
        #expect(answers.first?.hasPrefix("1\n") == true)
        #expect(server.requestCount == 1)   // one 12-second chunk, asked once for three callers
        // Nothing is left in the uploads folder.
        let uploads = scratch.cache.appendingPathComponent("state/subtitler/uploads").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).isEmpty)
    }
}
