import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import Testing
import TestSupport
import NIOHTTP1
import SubtitlerService

/// Several `subtitler serve` processes (the built binary) sharing one PostgreSQL database (a fresh one on the
/// tests' private cluster) against the in-process stub API, which counts every chunk request and can hold an
/// answer while a node is killed. Each node has a file cache of its own, so whatever a node that took a job over
/// does not pay for came from the store's shared cache. The tests wait on the service's own state (jobs through the
/// HTTP API, the stub's counters), never on fixed sleeps.
@Suite(.enabled(if: PostgresCluster.isConfigured), .serialized)
struct ClusterTests {
    /// What the stub was asked for: every chunk request's audio (hashed), and which ones it left unanswered.
    final class Ledger: Sendable {
        private struct State {
            var answered: [Data] = []
            var held = 0
            var holding = true
        }
        private let state = NIOLockedValueBox(State())

        /// Holds every request from the `after`-th on while ``stopHolding()`` has not been called.
        func response(index: Int, request: StubHTTPServer.RecordedRequest, holdingFrom after: Int, gate: Gate)
            -> StubHTTPServer.Response
        {
            let hold = state.withLockedValue { state -> Bool in
                if state.holding && index >= after {
                    state.held += 1
                    return true
                }
                state.answered.append(Self.audio(in: request.body))
                return false
            }
            let answer = StubHTTPServer.Response.json(200, ServiceRestartTests.verbose)
            return hold ? answer.held(by: gate) : answer
        }

        func stopHolding() { state.withLockedValue { $0.holding = false } }
        /// The audio of the chunk uploads answered, one per answer.
        var answered: [Data] { state.withLockedValue { $0.answered } }

        /// The uploaded file's bytes in a multipart body (its boundary differs from request to request).
        static func audio(in body: [UInt8]) -> Data {
            let data = Data(body)
            guard let field = data.range(of: Data(#"name="file""#.utf8)),
                  let start = data.range(of: Data("\r\n\r\n".utf8), in: field.upperBound..<data.endIndex),
                  let end = data.range(of: Data("\r\n--".utf8), in: start.upperBound..<data.endIndex) else { return data }
            return data.subdata(in: start.upperBound..<end.lowerBound)
        }
        var held: Int { state.withLockedValue { $0.held } }
    }

    /// A node's process over `store`, with a cache folder of its own.
    /// Started on a thread of its own (the start waits for the process to say where it listens).
    static func node(_ id: String, store: String, media: URL, stub: StubHTTPServer, scratch: TemporaryDirectory,
                     jobs: Int = 1, lease: Int = 3, requests: Int = 1, extra: [String] = []) async throws -> ServiceProcess {
        var environment = ServiceProcess.environment(["OPENAI_BASE_URL": stub.baseURL], scratch: scratch)
        environment["XDG_CACHE_HOME"] = scratch.url.appendingPathComponent("cache-\(id)").path
        environment["XDG_STATE_HOME"] = scratch.url.appendingPathComponent("state-\(id)").path
        let arguments = [
            "--root", media.path, "--store", store, "--node-id", id, "--lease", "\(lease)", "--jobs", "\(jobs)",
            "--requests", "\(requests)", "--chunk-seconds", "10", "--language-codes", "639-1",
        ] + extra
        let settings = environment
        return try await OwnThread.run { try ServiceProcess.start(arguments, environment: settings) }
    }

    /// Stops the nodes (SIGTERM, then waits for each) on a thread of their own; the tests' `defer`s only catch
    /// what a failed expectation left running.
    static func stop(_ nodes: [ServiceProcess]) async throws {
        _ = try await OwnThread.run { for node in nodes { node.stop() } }
    }

    /// A fresh database on the private cluster (or `cluster`), as a `--store` URL.
    static func storeURL(on cluster: PostgresCluster? = nil) async throws -> String {
        let database = try await PostgresTestDatabase.make(on: cluster)
        let location = database.location
        return "postgres://\(location.user)@\(location.host):\(location.port)/\(location.database)?sslmode=disable"
    }

    /// Polls a node's job list until no job is queued or running.
    static func waitUntilAllEnded(_ client: ServiceClient, count: Int, timeout: Duration) async throws -> [[String: Any]] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let (_, body, _) = try await client.send(.GET, "/v1/jobs?limit=\(min(count + 10, 1000))")
            let jobs = (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? []
            if jobs.count == count, jobs.allSatisfy({ ["done", "failed", "cancelled"].contains($0["state"] as? String ?? "") }) {
                return jobs
            }
            // A listing of a thousand jobs is work for the nodes too: look again each second.
            try await clock.sleep(for: count > 100 ? .seconds(1) : .milliseconds(200))
        }
        throw ServiceTestError("the jobs did not all end within \(timeout)")
    }

    /// `count` WAV files `j0.wav`… of `seconds` of speech, no two chunks alike: one file from FFmpeg, copied with
    /// 10 ms of each 10 s stretch overwritten by a pattern of the copy's own (a distinct upload per chunk, so the
    /// shared cache never answers one job's chunk with another's).
    static func distinctCopies(_ count: Int, of seconds: Int, in media: URL) throws {
        let source = media.appendingPathComponent("source.wav")
        try ServiceRestartTests.toneTalk(source.path, frequency: 440, seconds: seconds)
        let wav = try Data(contentsOf: source)
        try FileManager.default.removeItem(at: source)
        guard let data = wav.range(of: Data("data".utf8)) else { throw ServiceTestError("no data chunk in \(source.path)") }
        let samples = data.upperBound + 4   // 16-bit mono at 16 kHz after the chunk's size
        for index in 0..<count {
            var copy = wav
            for stretch in stride(from: 1, to: seconds, by: 10) {
                let start = samples + (stretch * 16_000 + 400 * (index % 20)) * 2
                for sample in 0..<160 {
                    let value = Int16(truncatingIfNeeded: (index &* 7_919 &+ sample &* 31) % 4_000 - 2_000)
                    copy[start + sample * 2] = UInt8(truncatingIfNeeded: value)
                    copy[start + sample * 2 + 1] = UInt8(truncatingIfNeeded: value >> 8)
                }
            }
            try copy.write(to: media.appendingPathComponent("j\(index).wav"))
        }
    }

    @Test(.timeLimit(.minutes(4))) func aJobWhoseNodeIsKilledFinishesOnTheOtherPayingNoChunkTwice() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try await OwnThread.run { try ServiceRestartTests.toneTalk(media.appendingPathComponent("t.wav").path, frequency: 440) }
        let store = try await Self.storeURL()
        // Two chunks are answered; the third is held (and never answered) while node a is killed.
        let ledger = Ledger()
        let gate = Gate()
        defer { gate.open() }
        let stub = try await StubHTTPServer.start { index, request in
            ledger.response(index: index, request: request, holdingFrom: 2, gate: gate)
        }
        defer { Task { try? await stub.shutdown() } }

        var a: ServiceProcess? = try await Self.node("a", store: store, media: media, stub: stub, scratch: scratch)
        let (status, created) = try await ServiceClient(baseURL: a!.baseURL).json(
            .POST, "/v1/jobs", body: #"{"path": "\#(media.path)/t.wav", "language": "en"}"#)
        #expect(status == 201, "\(created)")
        let id = try #require(created["id"] as? String)
        await stub.waitForRequests(3)
        let b = try await Self.node("b", store: store, media: media, stub: stub, scratch: scratch)
        defer { b.stop() }
        let client = ServiceClient(baseURL: b.baseURL)
        let (_, running) = try await client.json(.GET, "/v1/jobs/\(id)")
        #expect(running["state"] as? String == "running" && running["node"] as? String == "a", "\(running)")

        let killed = a
        _ = try await OwnThread.run { killed?.stop(signal: SIGKILL) }
        a = nil
        ledger.stopHolding()
        let job = try await client.waitForJob(id, timeout: .seconds(90))
        #expect(job["state"] as? String == "done", "\(job)")
        #expect(job["node"] as? String == "b" && job["takeovers"] as? Int == 1, "\(job)")
        let report = try #require(job["report"] as? [String: Any])
        let chunks = try #require(report["chunks"] as? Int)
        #expect(chunks >= 5)
        // The two chunks a was answered for come from the shared cache; every chunk was answered exactly once.
        #expect(report["cachedChunks"] as? Int == 2, "\(report)")
        #expect(report["requests"] as? Int == chunks - 2, "\(report)")
        #expect(ledger.held == 1)
        #expect(ledger.answered.count == chunks)
        #expect(Set(ledger.answered).count == chunks)
        #expect(FileManager.default.fileExists(atPath: media.appendingPathComponent("t.en.srt").path))
        #expect(b.log.contains("job taken over: its node's lease expired"), "\(b.log)")
        try await Self.stop([b])
    }

    @Test(.timeLimit(.minutes(4))) func aPostgreSQLRestartMidJobIsSurvivedWithTheLeaseHeld() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try await OwnThread.run {
            try ServiceRestartTests.toneTalk(media.appendingPathComponent("r.wav").path, frequency: 520)
            try ServiceRestartTests.toneTalk(media.appendingPathComponent("after.wav").path, frequency: 610, seconds: 12)
        }
        // A cluster of this test's own: its server is stopped and started again while a job runs.
        let cluster = try await PostgresCluster.startSeparate()
        let store = try await Self.storeURL(on: cluster)
        let ledger = Ledger()
        let gate = Gate()
        defer { gate.open() }
        let stub = try await StubHTTPServer.start { index, request in
            ledger.response(index: index, request: request, holdingFrom: 2, gate: gate)
        }
        defer { Task { try? await stub.shutdown() } }
        // A lease (10 s) longer than the server is away, so the node keeps its job.
        let a = try await Self.node("a", store: store, media: media, stub: stub, scratch: scratch, lease: 10)
        defer { a.stop() }
        let b = try await Self.node("b", store: store, media: media, stub: stub, scratch: scratch, lease: 10)
        defer { b.stop() }
        let client = ServiceClient(baseURL: a.baseURL)
        let (status, created) = try await client.json(
            .POST, "/v1/jobs", body: #"{"path": "\#(media.path)/r.wav", "language": "en"}"#)
        #expect(status == 201, "\(created)")
        let id = try #require(created["id"] as? String)
        await stub.waitForRequests(3)
        // PostgreSQL goes away (its connections cut) and comes back while the job's third chunk is on the wire.
        try await OwnThread.run { try cluster.stop() }
        try await OwnThread.run { try cluster.restart() }
        ledger.stopHolding()
        gate.open()
        let job = try await client.waitForJob(id, timeout: .seconds(90))
        #expect(job["state"] as? String == "done", "\(job)")
        #expect(job["takeovers"] as? Int == 0 && job["retries"] as? Int == 0, "\(job)")
        let report = try #require(job["report"] as? [String: Any])
        let chunks = try #require(report["chunks"] as? Int)
        #expect(ledger.answered.count + ledger.held == chunks && ledger.held == 1, "\(report)")
        // Both nodes still take work: a job queued after the restart is done, by whichever node claims it.
        let (_, next) = try await ServiceClient(baseURL: b.baseURL).json(
            .POST, "/v1/jobs", body: #"{"path": "\#(media.path)/after.wav", "language": "en"}"#)
        let after = try await client.waitForJob(try #require(next["id"] as? String), timeout: .seconds(60))
        #expect(after["state"] as? String == "done", "\(after)")
        #expect(FileManager.default.fileExists(atPath: media.appendingPathComponent("after.en.srt").path))
        try await Self.stop([a, b])
    }

    @Test(.timeLimit(.minutes(4))) func manyQueuedJobsDrainOverTwoNodesNoneDoneTwiceNorLost() async throws {
        let count = 1_000
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try await OwnThread.run { try Self.distinctCopies(count, of: 12, in: media) }
        let store = try await Self.storeURL()
        let ledger = Ledger()
        ledger.stopHolding()
        let stub = try await StubHTTPServer.start { index, request in
            ledger.response(index: index, request: request, holdingFrom: .max, gate: Gate())
        }
        defer { Task { try? await stub.shutdown() } }
        let nodes = [
            try await Self.node("a", store: store, media: media, stub: stub, scratch: scratch, jobs: 2, lease: 5),
            try await Self.node("b", store: store, media: media, stub: stub, scratch: scratch, jobs: 2, lease: 5),
        ]
        defer { for node in nodes { node.stop() } }
        let clients = nodes.map { ServiceClient(baseURL: $0.baseURL) }
        var ids: Set<String> = []
        let started = ContinuousClock.now
        for index in 0..<count {
            let (status, created) = try await clients[index % 2].json(
                .POST, "/v1/jobs", body: #"{"path": "\#(media.path)/j\#(index).wav", "language": "en"}"#)
            #expect(status == 201, "\(created)")
            ids.insert(try #require(created["id"] as? String))
        }
        #expect(ids.count == count)
        let jobs = try await Self.waitUntilAllEnded(clients[0], count: count, timeout: .seconds(210))
        let drained = ContinuousClock.now - started
        #expect(Set(jobs.compactMap { $0["id"] as? String }) == ids)
        #expect(jobs.allSatisfy { $0["state"] as? String == "done" }, "\(jobs.map { $0["error"] ?? "" })")
        #expect(jobs.allSatisfy { $0["takeovers"] as? Int == 0 && $0["retries"] as? Int == 0 })
        let byNode = Dictionary(grouping: jobs, by: { $0["node"] as? String ?? "" }).mapValues(\.count)
        #expect(Set(byNode.keys) == ["a", "b"], "\(byNode)")
        // Each job's chunks were sent once, by one node: the stub answered each upload once, as many as the
        // reports count, and each job's end was recorded by exactly one node.
        let requests = jobs.compactMap { ($0["report"] as? [String: Any])?["requests"] as? Int }.reduce(0, +)
        #expect(requests >= count)
        #expect(ledger.answered.count == requests)
        #expect(Set(ledger.answered).count == requests)
        let finished = nodes.flatMap { node in
            node.log.split(separator: "\n").filter { $0.contains("job finished") }.compactMap { line in
                ids.first { line.contains($0) }
            }
        }
        #expect(finished.count == count && Set(finished) == ids)
        let (_, listed, _) = try await clients[0].send(.GET, "/v1/nodes")
        let live = (try? JSONSerialization.jsonObject(with: listed)) as? [[String: Any]] ?? []
        #expect(live.map { "\($0["id"] ?? "")/\($0["slots"] ?? "")" } == ["a/2", "b/2"], "\(live)")
        print("cluster drain: \(count) jobs over 2 nodes (2 slots each) in \(drained) from the first submission; by node \(byNode)")
        try await Self.stop(nodes)
    }
}
