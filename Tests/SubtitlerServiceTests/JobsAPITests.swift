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
        // Not yet ended when the answer comes (queued, or already taken); an equal request meanwhile answers with the
        // same job, which ServiceRouterTests checks with the job held at a gate.
        let state = try #require(created["state"] as? String)
        #expect(!["done", "failed", "cancelled"].contains(state), "\(created)")
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
    }

    /// The access policy's client address is the connection's: loopback through 127.0.0.1, "the network" through
    /// this machine's other address. (The token, Basic credentials and --allow are checked in process, in
    /// ServiceRouterTests; this needs real connections.)
    @Test func theConnectionsAddressDecidesWhoIsLoopback() async throws {
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
        #expect(try await local.json(.GET, "/status").0 == 200)          // Bazarr from loopback: no token needed
        // The same machine through a non-loopback address is "the network".
        if let address = Self.nonLoopbackAddress() {
            let lan = ServiceClient(baseURL: "http://\(address):\(port)")
            #expect(try await lan.json(.GET, "/status").0 == 403)
            #expect(try await ServiceClient(baseURL: lan.baseURL, token: token).json(.GET, "/v1/jobs").0 == 200)
        }
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
