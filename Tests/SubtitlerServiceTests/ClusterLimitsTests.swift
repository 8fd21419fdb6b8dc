import Foundation
import NIOConcurrencyHelpers
import Testing
import TestSupport
import SubtitlerService
import NIOHTTP1

/// The cluster's limits held by three `subtitler serve` processes sharing one PostgreSQL database (a fresh one on
/// the tests' private cluster), against the in-process stub API, which records every request and the most it held
/// at once. The tests wait on the service's own state (jobs through the HTTP API, the stub's counters), never on
/// fixed sleeps.
@Suite(.enabled(if: PostgresCluster.isConfigured), .serialized)
struct ClusterLimitsTests {
    /// The jobs as a node lists them.
    static func jobs(_ client: ServiceClient) async throws -> [[String: Any]] {
        let (_, body, _) = try await client.send(.GET, "/v1/jobs?limit=1000")
        return (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? []
    }

    /// Polls a node's job list until each of the `count` jobs is in one of `states`.
    static func waitUntil(_ client: ServiceClient, count: Int, allIn states: Set<String>, timeout: Duration) async throws
        -> [[String: Any]]
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var jobs: [[String: Any]] = []
        while clock.now < deadline {
            jobs = try await Self.jobs(client)
            if jobs.count == count, jobs.allSatisfy({ states.contains($0["state"] as? String ?? "") }) { return jobs }
            try await clock.sleep(for: .milliseconds(200))
        }
        throw ServiceTestError("the jobs did not all reach \(states) within \(timeout): \(jobs.map { $0["state"] ?? "" })")
    }

    /// A gauge's value in a Prometheus exposition.
    static func gauge(_ line: String, in exposition: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(line + " ") }
            .flatMap { Double($0.dropFirst(line.count + 1).trimmingCharacters(in: .whitespaces)) }
    }

    /// `count` jobs over `files` (`j0.wav`…), submitted to the nodes in turn; their ids.
    static func submit(_ count: Int, media: URL, to clients: [ServiceClient]) async throws -> Set<String> {
        var ids: Set<String> = []
        for index in 0..<count {
            let (status, created) = try await clients[index % clients.count].json(
                .POST, "/v1/jobs", body: #"{"path": "\#(media.path)/j\#(index).wav", "language": "en"}"#)
            #expect(status == 201, "\(created)")
            ids.insert(try #require(created["id"] as? String))
        }
        return ids
    }

    @Test(.timeLimit(.minutes(3))) func theClusterInFlightLimitIsHeldExactlyAcrossThreeNodes() async throws {
        let count = 12
        let limit = 3
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try await OwnThread.run { try ClusterTests.distinctCopies(count, of: 22, in: media) }
        let store = try await ClusterTests.storeURL()
        // Each answer takes 200 ms, so requests overlap whenever the nodes are let send them.
        var answer = StubHTTPServer.Response.json(200, ServiceRestartTests.verbose)
        answer.delay = .milliseconds(200)
        let stub = try await StubHTTPServer.start([answer])
        defer { Task { try? await stub.shutdown() } }
        // Three nodes, each running two jobs of two requests at once: twelve requests would go out unlimited.
        var nodes: [ServiceProcess] = []
        for id in ["a", "b", "c"] {
            nodes.append(try await ClusterTests.node(id, store: store, media: media, stub: stub, scratch: scratch, jobs: 2,
                                                     lease: 5, requests: 2, extra: ["--cluster-in-flight", "\(limit)"]))
        }
        defer { for node in nodes { node.stop() } }
        let clients = nodes.map { ServiceClient(baseURL: $0.baseURL) }
        let ids = try await Self.submit(count, media: media, to: clients)
        let jobs = try await Self.waitUntil(clients[0], count: count, allIn: ["done", "failed", "cancelled"],
                                            timeout: .seconds(90))
        #expect(Set(jobs.compactMap { $0["id"] as? String }) == ids)
        #expect(jobs.allSatisfy { $0["state"] as? String == "done" }, "\(jobs.map { $0["error"] ?? "" })")
        let requests = jobs.compactMap { ($0["report"] as? [String: Any])?["requests"] as? Int }.reduce(0, +)
        #expect(requests >= 2 * count && stub.requestCount == requests)
        // The queue was deep all along: the cluster sent as many at once as its limit, and never more.
        #expect(stub.peakInFlight == limit)
        let byNode = Set(jobs.compactMap { $0["node"] as? String })
        #expect(byNode == ["a", "b", "c"], "\(byNode)")
        let (_, metrics, _) = try await clients[1].send(.GET, "/metrics")
        let exposition = String(decoding: metrics, as: UTF8.self)
        #expect(Self.gauge("subtitler_cluster_requests_in_flight_limit", in: exposition) == Double(limit), "\(exposition)")
        #expect(Self.gauge("subtitler_cluster_requests_in_flight", in: exposition) == 0)
        print("cluster in-flight limit: \(count) jobs, \(requests) requests over 3 nodes, peak \(stub.peakInFlight) of \(limit)")
        try await ClusterTests.stop(nodes)
    }

    @Test(.timeLimit(.minutes(3))) func theBudgetStopsSpendingAndJobsWaitUntilItIsRaised() async throws {
        let count = 8
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        // One chunk each (8 s of speech, 10 s chunks), all of one length: each request costs the same.
        try await OwnThread.run { try ClusterTests.distinctCopies(count, of: 8, in: media) }
        let store = try await ClusterTests.storeURL()
        let stub = try await StubHTTPServer.start([StubHTTPServer.Response.json(200, ServiceRestartTests.verbose)])
        defer { Task { try? await stub.shutdown() } }
        let budget = 0.002   // US dollars a day: two 8 s chunks of whisper-1 at $0.006 a minute ($0.0008 each), not three
        var nodes: [ServiceProcess] = []
        for id in ["a", "b", "c"] {
            nodes.append(try await ClusterTests.node(id, store: store, media: media, stub: stub, scratch: scratch,
                                                     lease: 3, extra: ["--budget", "\(budget)/day"]))
        }
        defer { for node in nodes { node.stop() } }
        let clients = nodes.map { ServiceClient(baseURL: $0.baseURL) }
        let ids = try await Self.submit(count, media: media, to: clients)
        let jobs = try await Self.waitUntil(clients[0], count: count, allIn: ["done", "waiting"], timeout: .seconds(60))
        #expect(Set(jobs.compactMap { $0["id"] as? String }) == ids)
        let done = jobs.filter { $0["state"] as? String == "done" }
        let waiting = jobs.filter { $0["state"] as? String == "waiting" }
        // What the budget prices: a chunk's audio seconds at the list price, rounded up to a millionth.
        let sent = Set(done.compactMap { ($0["report"] as? [String: Any])?["audioSentMs"] as? Int })
        #expect(sent.count == 1, "\(sent)")
        let price = Int64((Double(sent.first ?? 1) / 60_000 * 0.006 * 1_000_000).rounded(.up))
        let affordable = Int(Int64(budget * 1_000_000) / price)
        #expect(affordable >= 1 && affordable < count)
        #expect(done.count == affordable, "\(jobs.map { $0["state"] ?? "" })")
        #expect(stub.requestCount == affordable)
        #expect(waiting.count == count - affordable)
        #expect(waiting.allSatisfy { $0["waitReason"] as? String == "budget" && $0["error"] == nil }, "\(waiting)")
        let (_, metrics, _) = try await clients[2].send(.GET, "/metrics")
        let exposition = String(decoding: metrics, as: UTF8.self)
        #expect(Self.gauge("subtitler_budget_exhausted", in: exposition) == 1, "\(exposition)")
        #expect(Self.gauge(#"subtitler_jobs{state="waiting"}"#, in: exposition) == Double(count - affordable))
        #expect(Self.gauge("subtitler_budget_spent_dollars", in: exposition).map { ($0 * 1_000_000).rounded() }
                == Double(Int64(affordable) * price))

        print("cluster budget: $\(budget)/day at \(price) µ$ a chunk paid \(affordable) of \(count) chunks; \(waiting.count) jobs wait")

        // A node with a higher budget (the others stopped) queues the waiting jobs again and finishes them, paying
        // only for the chunks no one paid for.
        try await ClusterTests.stop(nodes)
        let raised = try await ClusterTests.node("d", store: store, media: media, stub: stub, scratch: scratch, lease: 3,
                                                 extra: ["--budget", "1/day"])
        defer { raised.stop() }
        let client = ServiceClient(baseURL: raised.baseURL)
        let finished = try await Self.waitUntil(client, count: count, allIn: ["done"], timeout: .seconds(60))
        #expect(finished.allSatisfy { $0["waitReason"] == nil })
        #expect(stub.requestCount == count)
        #expect(raised.log.contains("the spending budget allows work again"), "\(raised.log)")
        try await ClusterTests.stop([raised])
    }
}
