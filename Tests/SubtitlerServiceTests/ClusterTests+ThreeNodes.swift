import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOHTTP1
import PostgresNIO
import Testing
import TestSupport
@testable import SubtitlerService

/// Three `serve` processes over one database (issue 25, item 7): a node killed mid-job among three, and the one
/// queue's priorities and ageing seen in the order the stub is asked.
extension ClusterTests {
    @Test(.timeLimit(.minutes(3))) func aJobWhoseNodeIsKilledAmongThreeFinishesElsewherePayingNoChunkTwice() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try await OwnThread.run { try ServiceRestartTests.toneTalk(media.appendingPathComponent("t.wav").path, frequency: 470) }
        let store = try await Self.storeURL()
        // Two chunks are answered; the third is held (and never answered) while its node is killed.
        let ledger = Ledger()
        let gate = Gate()
        defer { gate.open() }
        let stub = try await StubHTTPServer.start { index, request in
            ledger.response(index: index, request: request, holdingFrom: 2, gate: gate)
        }
        defer { Task { try? await stub.shutdown() } }
        var nodes: [String: ServiceProcess] = [:]
        for id in ["a", "b", "c"] {
            nodes[id] = try await Self.node(id, store: store, media: media, stub: stub, scratch: scratch)
        }
        defer { for node in nodes.values { node.stop() } }
        let (status, created) = try await ServiceClient(baseURL: nodes["b"]!.baseURL).json(
            .POST, "/v1/jobs", body: #"{"path": "\#(media.path)/t.wav", "language": "en"}"#)
        #expect(status == 201, "\(created)")
        let id = try #require(created["id"] as? String)
        await stub.waitForRequests(3)
        let (_, running) = try await ServiceClient(baseURL: nodes["a"]!.baseURL).json(.GET, "/v1/jobs/\(id)")
        let holder = try #require(running["node"] as? String)
        #expect(running["state"] as? String == "running", "\(running)")

        let removed = nodes.removeValue(forKey: holder)
        let killed = try #require(removed)
        _ = try await OwnThread.run { killed.stop(signal: SIGKILL) }
        ledger.stopHolding()
        let survivors = nodes.keys.sorted()
        let client = ServiceClient(baseURL: nodes[survivors[0]]!.baseURL)
        let job = try await client.waitForJob(id, timeout: .seconds(60))
        #expect(job["state"] as? String == "done", "\(job)")
        let finisher = try #require(job["node"] as? String)
        #expect(survivors.contains(finisher) && job["takeovers"] as? Int == 1, "\(job)")
        let report = try #require(job["report"] as? [String: Any])
        let chunks = try #require(report["chunks"] as? Int)
        #expect(chunks >= 5)
        // The two chunks the killed node was answered for come from the shared cache; every chunk was answered
        // exactly once, and the one held on the wire died with its node.
        #expect(report["cachedChunks"] as? Int == 2 && report["requests"] as? Int == chunks - 2, "\(report)")
        #expect(ledger.held == 1)
        #expect(ledger.answered.count == chunks && Set(ledger.answered).count == chunks)
        #expect(nodes[finisher]!.log.contains("job taken over: its node's lease expired"))
        try await Self.stop(Array(nodes.values))
    }

    @Test(.timeLimit(.minutes(3))) func prioritiesAndAgeingOrderTheWorkOfThreeNodes() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        // One chunk each: j0…j2 keep the three nodes busy while the others are queued behind them.
        try await OwnThread.run { try Self.distinctCopies(9, of: 8, in: media) }
        let database = try await PostgresTestDatabase.make()
        let location = database.location
        let store = "postgres://\(location.user)@\(location.host):\(location.port)/\(location.database)?sslmode=disable"
        // Every answer waits for its own gate, opened by the test one at a time.
        let gates = (0..<9).map { _ in Gate() }
        defer { for gate in gates { gate.open() } }
        let stub = try await StubHTTPServer.start { index, _ in
            StubHTTPServer.Response.json(200, ServiceRestartTests.verbose).held(by: gates[min(index, gates.count - 1)])
        }
        defer { Task { try? await stub.shutdown() } }
        var nodes: [ServiceProcess] = []
        for id in ["a", "b", "c"] {
            nodes.append(try await Self.node(id, store: store, media: media, stub: stub, scratch: scratch, lease: 5))
        }
        defer { for node in nodes { node.stop() } }
        let clients = nodes.map { ServiceClient(baseURL: $0.baseURL) }
        for index in 0..<3 {
            let (status, _) = try await clients[index].json(
                .POST, "/v1/jobs", body: #"{"path": "\#(media.path)/j\#(index).wav", "language": "en"}"#)
            #expect(status == 201)
        }
        await stub.waitForRequests(3)
        // Queued behind them, each job told apart by its language: backfill that has waited 70 minutes (priority 0,
        // seven steps of ageing), a person's job, an urgent one, another person's, fresh backfill, and a 6.
        let queued: [(language: String, priority: Int)] = [("pt", 0), ("de", 5), ("fr", 9), ("es", 5), ("it", 0), ("nl", 6)]
        var ids: [String: String] = [:]
        for (offset, job) in queued.enumerated() {
            let (status, created) = try await clients[offset % 3].json(.POST, "/v1/jobs", body: """
                {"path": "\(media.path)/j\(offset + 3).wav", "language": "\(job.language)", "priority": \(job.priority)}
                """)
            #expect(status == 201, "\(created)")
            ids[job.language] = try #require(created["id"] as? String)
        }
        let aged = try #require(ids["pt"])
        _ = try await PostgresTestDatabase.withClient(location) { client in
            try await client.query("UPDATE job SET created_at = created_at - interval '70 minutes' WHERE id = \(aged)")
        }
        // One answer at a time: the node it frees claims the best-ranked job, whose request arrives before the next
        // answer is let go, so the stub sees the claims in the queue's order.
        for (offset, gate) in gates.enumerated() {
            gate.open()
            if offset < queued.count { await stub.waitForRequests(4 + offset) }
        }
        let seen = stub.requests.dropFirst(3).map { request -> String in
            let text = request.bodyText
            guard let field = text.range(of: #"name="language""#),
                  let start = text.range(of: "\r\n\r\n", range: field.upperBound..<text.endIndex),
                  let end = text.range(of: "\r\n", range: start.upperBound..<text.endIndex) else { return "?" }
            return String(text[start.upperBound..<end.lowerBound])
        }
        #expect(seen == ["fr", "pt", "nl", "de", "es", "it"])
        let jobs = try await Self.waitUntilAllEnded(clients[0], count: 9, timeout: .seconds(60))
        #expect(jobs.allSatisfy { $0["state"] as? String == "done" }, "\(jobs.map { $0["error"] ?? "" })")
        let byNode = Set(jobs.filter { ids.values.contains($0["id"] as? String ?? "") }.compactMap { $0["node"] as? String })
        #expect(byNode == ["a", "b", "c"], "\(byNode)")
        try await Self.stop(nodes)
    }
}
