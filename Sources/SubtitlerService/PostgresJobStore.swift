import Foundation
import Logging
import PostgresNIO
import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// The service's jobs in PostgreSQL (through postgres-nio's pooled ``PostgresClient``), shared by several nodes.
///
/// Jobs are leased: ``claimNext()`` takes a queued job (`FOR UPDATE SKIP LOCKED`, claims serialised cluster-wide by
/// an advisory lock so two nodes never take jobs that write the same outputs) and leases it to this node until
/// `now + leaseDuration`; the scheduler's heartbeat renews the lease while the job runs. A running job whose lease
/// expired (its node died or stalled) is taken over by the next node that claims (its `takeovers` count goes up), and
/// a node that lost a job's lease can no longer record its progress or its end.
///
/// Times come from the `now` given at creation (the wall clock by default; tests pass their own), so the nodes'
/// clocks must agree to well within a lease. The same JSON text as the SQLite store's is kept for requests,
/// progress and reports, so a queue copies from one store to the other as it is. The client must be running
/// (``PostgresClient/run()``) for any call to return; ``migrate()`` brings the schema up to date.
///
/// It is also the resume cache the nodes share (``SharedAnswerCache``, table `chunk_answer`): a job one node
/// started and another took over pays only for the chunks no node was answered for.
package final class PostgresJobStore: JobStoring, SharedAnswerCache {
    let client: PostgresClient
    package let node: String
    /// How long a claimed job stays leased without a heartbeat.
    package let leaseDuration: Duration
    /// How long a chunk answer stays in the shared resume cache (30 days by default): older ones are no longer
    /// used, and each heartbeat deletes them, so the table stays bounded.
    package let answerAge: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    /// A store over `client` for the node `node`.
    package init(client: PostgresClient, node: String, leaseDuration: Duration = .seconds(30),
                 answerAge: Duration = .seconds(30 * 86_400),
                 now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "subtitler.store")) {
        self.client = client
        self.node = node
        self.leaseDuration = leaseDuration
        self.answerAge = answerAge
        self.now = now
        self.logger = logger
    }

    /// A pooled client for `location` (not running yet: run it in the service's lifecycle).
    package static func makeClient(_ location: PostgresLocation, maximumConnections: Int = 4,
                                   logger: Logger) -> PostgresClient {
        let tls: PostgresClient.Configuration.TLS = switch location.tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 1
        configuration.options.connectTimeout = .seconds(5)
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs `client` in a task of its own and returns once the task has entered ``PostgresClient/run()``, so the
    /// first query never finds the client not running (postgres-nio warns "run() hasn't been called yet" then).
    package static func run(_ client: PostgresClient) async -> Task<Void, Never> {
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let running = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        // The task goes on into run() without suspending; give it the turn it needs to get there.
        await Task.yield()
        return running
    }

    var leaseEnd: Date { now().addingTimeInterval(leaseDuration.timeInterval) }

    // MARK: - Queue

    package func enqueue(_ request: JobRequest, resolvedPath: String, origin: ServiceJob.Origin) async throws
        -> (job: ServiceJob, created: Bool)
    {
        let logger = self.logger
        let moment = now()
        let requestText = try Self.json(request, column: "request")
        let (result, unreadable) = try await transaction { connection
            -> ((job: ServiceJob, created: Bool), [JobStore.Unreadable]) in
            // Two nodes enqueueing the same file at once see each other's row.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockSpace), hashtext(\(resolvedPath)))", logger: logger)
            let active = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM job WHERE path = \(resolvedPath) AND state IN ('queued', 'running', 'waiting')
                ORDER BY sequence
                """, logger: logger).collect()
            var unreadable: [JobStore.Unreadable] = []
            for row in active {
                switch try Self.read(row) {
                case .job(let job) where job.request.asksForTheSame(as: request): return ((job, false), unreadable)
                case .job: continue
                case .unreadable(let bad):
                    try await Self.markFailed(bad, moment, connection, logger)
                    unreadable.append(bad)
                }
            }
            let id = UUID().uuidString.lowercased()
            let claim = JobStore.outputClaim(of: resolvedPath)
            let rows = try await connection.query("""
                INSERT INTO job (id, state, origin, path, claim, request, created_at, updated_at, outputs, priority)
                VALUES (\(id), 'queued', \(origin.rawValue), \(resolvedPath), \(claim), \(requestText), \(moment), \(moment), '[]',
                        \(Int32(JobPriority.of(request, origin: origin))))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger).collect()
            guard let row = rows.first, case .job(let job) = try Self.read(row) else {
                throw JobStoreError.unknownState(id: id, value: "not inserted")
            }
            return ((job, true), unreadable)
        }
        log(unreadable)
        return result
    }

    package func claimNext() async throws -> ServiceJob? {
        let logger = self.logger
        let node = self.node
        let moment = now()
        let until = leaseEnd
        let (job, unreadable, takenFrom) = try await transaction { connection
            -> (ServiceJob?, [JobStore.Unreadable], String?) in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockSpace), 0)", logger: logger)
            var unreadable: [JobStore.Unreadable] = []
            while true {
                // Queued jobs, and running ones whose lease expired; none whose outputs another running job holds. The
                // highest rank first (priority, and a step per ageingStep waited), in creation order within a rank.
                let candidates = try await connection.query("""
                    SELECT \(unescaped: Self.columns) FROM job j
                    WHERE (j.state = 'queued' OR (j.state = 'running' AND j.lease_until < \(moment)))
                      AND NOT EXISTS (SELECT 1 FROM job r WHERE r.state = 'running' AND r.claim = j.claim AND r.id <> j.id)
                    ORDER BY j.priority + floor(extract(epoch FROM (\(moment)::timestamptz - j.created_at)) / \(JobPriority.ageingStep)) DESC,
                        j.sequence
                    LIMIT 16 FOR UPDATE OF j SKIP LOCKED
                    """, logger: logger).collect()
                if candidates.isEmpty { return (nil, unreadable, nil) }
                for row in candidates {
                    switch try Self.read(row) {
                    case .job(let job):
                        let takeover = job.state == .running
                        let rows = try await connection.query("""
                            UPDATE job SET state = 'running', node = \(node), lease_until = \(until), updated_at = \(moment),
                                takeovers = takeovers + \(takeover ? 1 : 0)
                            WHERE id = \(job.id) RETURNING \(unescaped: Self.columns)
                            """, logger: logger).collect()
                        guard let row = rows.first, case .job(let claimed) = try Self.read(row) else { continue }
                        return (claimed, unreadable, takeover ? job.node ?? "" : nil)
                    case .unreadable(let bad):
                        try await Self.markFailed(bad, moment, connection, logger)
                        unreadable.append(bad)
                    }
                }
            }
        }
        log(unreadable)
        if let job, let takenFrom {
            logger.notice("job taken over: its node's lease expired", metadata: [
                "job": "\(job.id)", "node": "\(node)", "from": "\(takenFrom)", "takeovers": "\(job.takeovers ?? 0)",
            ])
        }
        return job
    }

    @discardableResult
    package func requeueInterrupted() async throws -> Int {
        let rows = try await client.query("""
            UPDATE job SET state = 'queued', node = NULL, lease_until = NULL, retries = retries + 1, updated_at = \(now())
            WHERE state = 'running' AND node = \(node) RETURNING id
            """, logger: logger).collect()
        return rows.count
    }

    package func renewLeases(of ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let held = try await client.query("""
            UPDATE job SET lease_until = \(leaseEnd)
            WHERE id = ANY(\(ids)) AND state = 'running' AND node = \(node) RETURNING id
            """, logger: logger)
        var result: Set<String> = []
        for try await id in held.decode(String.self) { result.insert(id) }
        return result
    }

    package func update(id: String, progress: JobProgress) async throws {
        let text = try Self.json(progress, column: "progress")
        try await client.query("""
            UPDATE job SET progress = \(text), updated_at = \(now())
            WHERE id = \(id) AND state = 'running' AND node = \(node)
            """, logger: logger)
    }

    @discardableResult
    package func finish(id: String, state: ServiceJob.State, report: JobReport?, error: String?) async throws -> Bool {
        let outputs = try Self.json(report?.status == .done ? report?.outputs ?? [] : [], column: "outputs")
        let skip = try report?.skipReason.map { try Self.json($0, column: "skipReason") }
        let reportText = try report.map { try Self.json($0, column: "report") }
        let (client, logger, node, moment) = (self.client, self.logger, self.node, now())
        let requeued = state == .queued
        return try await JobStore.evenIfCancelled {
            // Only the lease holder records a running job's end; a queued job (refused at start) by anyone.
            let rows = try await client.query("""
                UPDATE job SET state = \(state.rawValue), updated_at = \(moment), report = \(reportText), outputs = \(outputs),
                    skip_reason = \(skip), error = \(error), lease_until = NULL, wait_reason = NULL,
                    node = CASE WHEN \(requeued) THEN NULL ELSE node END, retries = retries + \(requeued ? 1 : 0)
                WHERE id = \(id) AND ((state = 'running' AND node = \(node)) OR state = 'queued')
                RETURNING id
                """, logger: logger).collect()
            if rows.isEmpty {
                logger.warning("a job's end was not recorded: this node no longer holds its lease",
                               metadata: ["job": "\(id)", "node": "\(node)", "state": "\(state.rawValue)"])
            }
            return !rows.isEmpty
        }
    }

    package func cancelIfQueued(id: String) async throws -> ServiceJob? {
        let logger = self.logger
        let moment = now()
        let (stored, unreadable) = try await transaction { connection
            -> (JobStore.Stored?, JobStore.Unreadable?) in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM job WHERE id = \(id) FOR UPDATE", logger: logger).collect()
            guard let row = rows.first else { return (nil, nil) }
            switch try Self.read(row) {
            case .job(var job):
                if job.state == .queued || job.state == .waiting {
                    job.state = .cancelled
                    job.updatedAt = moment
                    job.error = "cancelled before it started"
                    job.waitReason = nil
                    try await connection.query("""
                        UPDATE job SET state = 'cancelled', updated_at = \(moment), error = \(job.error), wait_reason = NULL
                        WHERE id = \(id)
                        """, logger: logger)
                }
                return (.job(job), nil)
            case .unreadable(let bad):
                try await Self.markFailed(bad, moment, connection, logger)
                return (.unreadable(bad), bad)
            }
        }
        if let unreadable { log([unreadable]) }
        return stored?.job
    }

    // MARK: - Reading

    package func job(id: String) async throws -> ServiceJob? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM job WHERE id = \(id)", logger: logger).collect()
        guard let row = rows.first else { return nil }
        let stored: JobStore.Stored
        do {
            stored = try Self.read(row)
        } catch {
            logger.error("a stored job cannot be read", metadata: ["error": "\(error)"])
            throw error
        }
        await repair([stored])
        return stored.job
    }

    package func listJobs(state: ServiceJob.State?, limit: Int, newestFirst: Bool, before: String?) async throws
        -> [ServiceJob]
    {
        let order = newestFirst ? "DESC" : "ASC"
        let rows = try await client.query("""
            SELECT \(unescaped: Self.columns) FROM job
            WHERE (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
              AND (\(before)::text IS NULL OR sequence < (SELECT sequence FROM job WHERE id = \(before)))
            ORDER BY sequence \(unescaped: order) LIMIT \(Int64(clamping: limit))
            """, logger: logger).collect()
        var stored: [JobStore.Stored] = []
        for row in rows {
            do {
                stored.append(try Self.read(row))
            } catch {
                logger.error("a stored job is left out of the list", metadata: ["error": "\(error)"])
            }
        }
        await repair(stored)
        return stored.map(\.job)
    }

    package func counts() async throws -> [ServiceJob.State: Int] {
        let rows = try await client.query("SELECT state, COUNT(*) FROM job GROUP BY state", logger: logger)
        var counts: [ServiceJob.State: Int] = [:]
        for try await (text, count) in rows.decode((String, Int64).self) {
            if let state = ServiceJob.State(rawValue: text) {
                counts[state] = Int(count)
            } else {
                logger.error("stored jobs have an unknown state", metadata: ["state": "\(text)", "count": "\(count)"])
            }
        }
        return counts
    }

    // MARK: - Review documents

    package func storeReview(id: String, document: Data) async throws {
        let (client, logger) = (self.client, self.logger)
        try await JobStore.evenIfCancelled {
            try await client.query("""
                INSERT INTO review (id, document) VALUES (\(id), \(document))
                ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document
                """, logger: logger)
        }
    }

    package func review(id: String) async throws -> Data? {
        let rows = try await client.query("SELECT document FROM review WHERE id = \(id)", logger: logger)
        for try await document in rows.decode(Data.self) { return document }
        return nil
    }

    // MARK: - Nodes

    package func recordHeartbeat(slots: Int, running: Int) async throws {
        let moment = now()
        try await client.query("""
            INSERT INTO node (id, slots, running, started_at, last_seen)
            VALUES (\(node), \(Int32(clamping: slots)), \(Int32(clamping: running)), \(moment), \(moment))
            ON CONFLICT (id) DO UPDATE SET slots = EXCLUDED.slots, running = EXCLUDED.running, last_seen = EXCLUDED.last_seen
            """, logger: logger)
        // The request slots this node holds live as long as its heartbeat; minutes long past are swept.
        try await client.query(
            "UPDATE request_slot SET held_until = \(leaseEnd) WHERE node = \(node)", logger: logger)
        try await client.query(
            "DELETE FROM request_minute WHERE minute < \(moment.addingTimeInterval(-3_600))", logger: logger)
        try await client.query(
            "DELETE FROM chunk_answer WHERE stored_at < \(answersSince)", logger: logger)
    }

    /// The oldest chunk answer still used.
    private var answersSince: Date { now().addingTimeInterval(-answerAge.timeInterval) }

    package func liveNodes() async throws -> [ServiceNode] {
        let since = now().addingTimeInterval(-leaseDuration.timeInterval)
        let rows = try await client.query("""
            SELECT id, slots, running, started_at, last_seen FROM node WHERE last_seen >= \(since) ORDER BY id
            """, logger: logger)
        var nodes: [ServiceNode] = []
        for try await (id, slots, running, started, seen) in rows.decode((String, Int32, Int32, Date, Date).self) {
            nodes.append(ServiceNode(id: id, slots: Int(slots), running: Int(running), startedAt: started, lastSeenAt: seen))
        }
        return nodes
    }

    // MARK: - Shared resume cache

    package func answer(forKey key: String) async throws -> Data? {
        let rows = try await client.query(
            "SELECT answer FROM chunk_answer WHERE key = \(key) AND stored_at >= \(answersSince)", logger: logger)
        for try await answer in rows.decode(Data.self) { return answer }
        return nil
    }

    package func store(answer: Data, forKey key: String) async throws {
        let (client, logger, moment, since) = (self.client, self.logger, now(), answersSince)
        // Kept even when the job is being cancelled: the chunk was paid for; an expired answer is replaced.
        try await JobStore.evenIfCancelled {
            try await client.query("""
                INSERT INTO chunk_answer (key, answer, stored_at) VALUES (\(key), \(answer), \(moment))
                ON CONFLICT (key) DO UPDATE SET answer = EXCLUDED.answer, stored_at = EXCLUDED.stored_at
                WHERE chunk_answer.stored_at < \(since)
                """, logger: logger)
        }
    }

    // MARK: - Unreadable rows

    /// Marks the unreadable rows a read found failed, with a log line each.
    private func repair(_ stored: [JobStore.Stored]) async {
        let unreadable = stored.compactMap { if case .unreadable(let bad) = $0, !bad.state.isFinal { bad } else { nil } }
        guard !unreadable.isEmpty else { return }
        let (logger, moment) = (self.logger, now())
        do {
            try await client.withConnection { connection in
                for bad in unreadable { try await Self.markFailed(bad, moment, connection, logger) }
            }
        } catch {
            logger.error("unreadable jobs could not be marked failed", metadata: ["error": "\(error)"])
        }
        log(unreadable)
    }

    private func log(_ unreadable: [JobStore.Unreadable]) {
        for bad in unreadable {
            logger.error("a stored job cannot be read; marked failed", metadata: [
                "job": "\(bad.id)", "state": "\(bad.state.rawValue)", "reason": "\(bad.reason)",
            ])
        }
    }

    /// Marks an unreadable row failed, unless it has already ended.
    static func markFailed(_ bad: JobStore.Unreadable, _ moment: Date, _ connection: PostgresConnection,
                           _ logger: Logger) async throws {
        guard !bad.state.isFinal else { return }
        try await connection.query("""
            UPDATE job SET state = 'failed', updated_at = \(moment), error = \(bad.message), lease_until = NULL
            WHERE id = \(bad.id) AND state = \(bad.state.rawValue)
            """, logger: logger)
    }
}

extension Duration {
    /// The duration in seconds, as Foundation's `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
