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

/// A small JSON client for the service.
struct ServiceClient {
    let baseURL: String
    var token: String?

    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, headers: [(String, String)] = []) async throws
        -> (status: Int, body: Data, headers: HTTPHeaders)
    {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Data(body.readableBytesView), response.headers)
    }

    func json(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> (Int, [String: Any]) {
        let (status, data, _) = try await send(method, path, json: body)
        return (status, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    /// Polls a job until it is in a final state (the service's own progress, not a fixed wait).
    func waitForJob(_ id: String, timeout: Duration = .seconds(300)) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let (_, job) = try await json(.GET, "/v1/jobs/\(id)")
            if let state = job["state"] as? String, ["done", "failed", "cancelled"].contains(state) { return job }
            try await clock.sleep(for: .milliseconds(200))
        }
        throw ServiceTestError("job \(id) did not finish within \(timeout)")
    }
}

@Suite(.enabled(if: LocalBackend.isWhisperConfigured, "set SUBTITLER_TEST_WHISPER_URL or run scripts/test"), .serialized, .backendTurn)
struct JobsAPITests {
    @Test func createPollAndGetTheSameFilesAsTheCLI() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let whisper = try #require(LocalBackend.whisperURL)
        try FileManager.default.createDirectory(atPath: scratch.path("media"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.path("cli"), withIntermediateDirectories: true)
        for folder in ["media", "cli"] {
            try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: scratch.path("\(folder)/clip.mkv"))
        }
        let environment = ServiceProcess.environment(["OPENAI_BASE_URL": whisper], scratch: scratch)
        let service = try ServiceProcess.start(["--root", scratch.path("media"), "--format", "both"], environment: environment)
        defer { service.stop() }
        let client = ServiceClient(baseURL: service.baseURL)

        let (status, created) = try await client.json(.POST, "/v1/jobs", body: #"{"path": "\#(scratch.path("media/clip.mkv"))", "language": "de"}"#)
        #expect(status == 201, "\(created)")
        let id = try #require(created["id"] as? String)
        #expect(created["state"] as? String == "queued" || created["state"] as? String == "running")
        let (again, duplicate) = try await client.json(.POST, "/v1/jobs", body: #"{"path": "\#(scratch.path("media/clip.mkv"))", "language": "de"}"#)
        #expect(again == 200 || again == 201)
        if again == 200 { #expect(duplicate["id"] as? String == id) }
        let job = try await client.waitForJob(id)
        #expect(job["state"] as? String == "done", "\(job)")
        #expect(job["outputs"] as? [String] == [scratch.path("media/clip.de.srt"), scratch.path("media/clip.de.vtt")])

        // The CLI, same input, same options: byte-identical files (the resume cache answers the same chunks).
        let cli = try await Program.run(try ServiceProcess.binary("subtitler").path,
                                        ["transcribe", scratch.path("cli/clip.mkv"), "--language", "de", "--format", "both"],
                                        environment: environment)
        #expect(cli.status == 0, "\(cli.stderr)")
        for ext in ["srt", "vtt"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("media/clip.de.\(ext)")))
                    == Data(contentsOf: URL(fileURLWithPath: scratch.path("cli/clip.de.\(ext)"))))
        }

        // The job list filters by state; the review page and its media are served.
        let (_, listed, _) = try await client.send(.GET, "/v1/jobs?state=done")
        #expect((try JSONSerialization.jsonObject(with: listed) as? [[String: Any]])?.contains { $0["id"] as? String == id } == true)
        let (pageStatus, page, _) = try await client.send(.GET, "/v1/jobs/\(id)/review")
        #expect(pageStatus == 200)
        #expect(String(decoding: page, as: UTF8.self).contains("/v1/jobs/\(id)/media"))
        let (rangeStatus, range, headers) = try await client.send(.GET, "/v1/jobs/\(id)/media", headers: [("Range", "bytes=0-99")])
        #expect(rangeStatus == 206 && range.count == 100)
        #expect(headers.first(name: "content-range")?.hasPrefix("bytes 0-99/") == true)
        let (missing, _) = try await client.json(.GET, "/v1/jobs/nope")
        #expect(missing == 404)
        let (ended, _) = try await client.json(.DELETE, "/v1/jobs/\(id)")
        #expect(ended == 409)
    }

    @Test func pathsOutsideTheRootsAreRefusedAndHooksQueueTheRightFile() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let whisper = try #require(LocalBackend.whisperURL)
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch.path("tv/Show/Season 01"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch.path("movies/Film (2020)"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch.path("elsewhere"), withIntermediateDirectories: true)
        for path in ["tv/Show/Season 01/Show - S01E01.mkv", "movies/Film (2020)/Film (2020).mkv", "elsewhere/x.mkv"] {
            try fm.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: scratch.path(path))
        }
        // Sonarr and Radarr see the library under /data (a container's view).
        let service = try ServiceProcess.start(
            ["--root", scratch.path("tv"), "--root", scratch.path("movies"), "--path-map", "/data/tv=\(scratch.path("tv"))",
             "--path-map", "/data/movies=\(scratch.path("movies"))"],
            environment: ServiceProcess.environment(["OPENAI_BASE_URL": whisper], scratch: scratch))
        defer { service.stop() }
        let client = ServiceClient(baseURL: service.baseURL)

        let (outside, error) = try await client.json(.POST, "/v1/jobs", body: #"{"path": "\#(scratch.path("elsewhere/x.mkv"))"}"#)
        #expect(outside == 403, "\(error)")
        let (dotdot, _) = try await client.json(.POST, "/v1/jobs", body: #"{"path": "\#(scratch.path("tv"))/../elsewhere/x.mkv"}"#)
        #expect(dotdot == 400)
        let (url, _) = try await client.json(.POST, "/v1/jobs", body: #"{"path": "http://127.0.0.1/x.mkv"}"#)
        #expect(url == 400)
        let (garbage, _) = try await client.json(.POST, "/v1/jobs", body: "not json")
        #expect(garbage == 400)

        let (test, _) = try await client.json(.POST, "/v1/hooks/sonarr", body: #"{"eventType":"Test"}"#)
        #expect(test == 200)
        let sonarr = #"{"eventType":"Download","series":{"path":"/data/tv/Show"},"episodeFile":{"relativePath":"Season 01/Show - S01E01.mkv","path":"/data/tv/Show/Season 01/Show - S01E01.mkv"}}"#
        let (queued, episode) = try await client.json(.POST, "/v1/hooks/sonarr", body: sonarr)
        #expect(queued == 201, "\(episode)")
        #expect((episode["request"] as? [String: Any])?["path"] as? String == "/data/tv/Show/Season 01/Show - S01E01.mkv")
        #expect(episode["origin"] as? String == "sonarr")
        let radarr = #"{"eventType":"Download","movie":{"folderPath":"/data/movies/Film (2020)"},"movieFile":{"relativePath":"Film (2020).mkv"}}"#
        let (queuedMovie, movie) = try await client.json(.POST, "/v1/hooks/radarr", body: radarr)
        #expect(queuedMovie == 201, "\(movie)")
        let escaping = #"{"eventType":"Download","movieFile":{"path":"\#(scratch.path("elsewhere/x.mkv"))"}}"#
        let (refused, _) = try await client.json(.POST, "/v1/hooks/radarr", body: escaping)
        #expect(refused == 403)

        // Cancel the movie while it waits behind the episode (one job at a time).
        let movieID = try #require(movie["id"] as? String)
        let (cancelled, cancelledJob) = try await client.json(.DELETE, "/v1/jobs/\(movieID)")
        #expect(cancelled == 200)
        let episodeJob = try await client.waitForJob(try #require(episode["id"] as? String))
        #expect(episodeJob["state"] as? String == "done", "\(episodeJob)")
        #expect(fm.fileExists(atPath: scratch.path("tv/Show/Season 01/Show - S01E01.de.srt")))
        let movieJob = try await client.waitForJob(movieID)
        #expect(movieJob["state"] as? String == "cancelled", "\(movieJob) \(cancelledJob)")
        #expect(!fm.fileExists(atPath: scratch.path("movies/Film (2020)/Film (2020).de.srt")))

        // Metrics and health.
        let (_, metrics, _) = try await client.send(.GET, "/metrics")
        let exposition = String(decoding: metrics, as: UTF8.self)
        #expect(exposition.contains(#"subtitler_jobs{state="done"} 1"#), "\(exposition)")
        #expect(exposition.contains("subtitler_api_requests_total"))
        let (health, _) = try await client.json(.GET, "/healthz")
        #expect(health == 200)
    }

    @Test func theTokenGuardsTheJobsAPIAndBazarrIsServedOnlyToLoopbackAndAllow() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let whisper = try #require(LocalBackend.whisperURL)
        let token = "test-token-0123456789abcdef"
        let service = try ServiceProcess.start(
            ["--host", "0.0.0.0", "--root", scratch.url.path],
            environment: ServiceProcess.environment(["OPENAI_BASE_URL": whisper, "SUBTITLER_TOKEN": token], scratch: scratch))
        defer { service.stop() }
        let port = try #require(URL(string: service.baseURL)?.port)
        let local = ServiceClient(baseURL: "http://127.0.0.1:\(port)")
        #expect(try await local.json(.GET, "/v1/jobs").0 == 401)
        #expect(try await ServiceClient(baseURL: local.baseURL, token: "wrong-token-0123456789").json(.GET, "/v1/jobs").0 == 401)
        #expect(try await ServiceClient(baseURL: local.baseURL, token: token).json(.GET, "/v1/jobs").0 == 200)
        // Sonarr's and Radarr's Webhook connections send a username and a password: the token is the password.
        let basic = "Basic " + Data("sonarr:\(token)".utf8).base64EncodedString()
        let wrongBasic = "Basic " + Data("sonarr:nope".utf8).base64EncodedString()
        #expect(try await local.send(.POST, "/v1/hooks/sonarr", json: #"{"eventType":"Test"}"#, headers: [("Authorization", basic)]).status == 200)
        #expect(try await local.send(.POST, "/v1/hooks/sonarr", json: #"{"eventType":"Test"}"#, headers: [("Authorization", wrongBasic)]).status == 401)
        #expect(try await local.json(.GET, "/status").0 == 200)          // Bazarr from loopback: no token needed
        #expect(try await local.json(.GET, "/healthz").0 == 200)
        // The same machine through a non-loopback address is "the network".
        if let address = Self.nonLoopbackAddress() {
            let lan = ServiceClient(baseURL: "http://\(address):\(port)")
            #expect(try await lan.json(.GET, "/status").0 == 403)
            #expect(try await ServiceClient(baseURL: lan.baseURL, token: token).json(.GET, "/v1/jobs").0 == 200)
        }
        // Nothing the service logged holds the token.
        #expect(!service.log.contains(token))
    }

    /// An IPv4 address of this machine that is not loopback, if it has one.
    static func nonLoopbackAddress() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == UInt16(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST)
            let text = host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if !text.hasPrefix("127.") { return text }
        }
        return nil
    }

    @Test func theOpenAPIDocumentMatchesTheRunningServer() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let whisper = try #require(LocalBackend.whisperURL)
        let python = try #require(Program.testPython, "the test clients' venv is missing: run scripts/setup")
        let token = "schema-token-0123456789abcdef"
        let service = try ServiceProcess.start(
            ["--root", scratch.url.path],
            environment: ServiceProcess.environment(["OPENAI_BASE_URL": whisper, "SUBTITLER_TOKEN": token], scratch: scratch))
        defer { service.stop() }
        let schemathesis = (python as NSString).deletingLastPathComponent + "/schemathesis"
        // The jobs API, hooks and operations; Bazarr's endpoints have their own tests with Bazarr's real calls.
        let outcome = try await Program.run(schemathesis, [
            "run", service.baseURL + "/openapi.json", "--url", service.baseURL,
            "--include-path-regex", "^/(v1|healthz|metrics)", "--header", "Authorization: Bearer \(token)",
            "--checks", "all", "--exclude-checks", "positive_data_acceptance,missing_required_header,unsupported_method",
            "--max-examples", "25", "--seed", "1", "--phases", "examples,coverage,fuzzing",
        ], environment: ["PATH": "/usr/bin:/bin", "HOME": scratch.url.path, "SCHEMATHESIS_HOOKS": ""])
        #expect(outcome.status == 0, "\(String(decoding: outcome.stdout, as: UTF8.self).suffix(6000))\n\(outcome.stderr.suffix(2000))")
    }
}
