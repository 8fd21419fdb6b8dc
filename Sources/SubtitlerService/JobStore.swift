import Foundation
import NIOConcurrencyHelpers
import GRDB
import Logging
import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// The service's jobs in SQLite (through GRDB), so the queue survives a restart or a `kill -9`.
///
/// The store works over any GRDB writer: the service opens a file in its state directory
/// (`$XDG_STATE_HOME/subtitler/service.sqlite`, folder mode 0700, WAL mode); tests give it an in-memory
/// `DatabaseQueue()`. It holds what was asked, states, progress and reports; never an API key or any other
/// credential. Every state change is committed before the call returns; the calls are GRDB's async accesses.
///
/// A row that cannot be read is never shown as something it is not: an unknown `state` or `origin` is a
/// ``JobStoreError`` with a log line; a row whose request (or report) cannot be decoded is marked failed with a log
/// line, skipped by the queue, and listed as failed.
///
/// It is the store of one node: its leases never expire, and ``requeueInterrupted()`` at start puts back every job
/// that was running.
package final class JobStore: JobStoring {
    let database: any DatabaseWriter
    private let logger: Logger
    /// The one node of a SQLite store.
    package let node = "local"
    /// The database file, for a store opened in a directory.
    package let url: URL?
    /// The one node's last heartbeat (kept in memory: a single node has no one to share it with).
    private let heartbeat = NIOLockedValueBox<ServiceNode?>(nil)
    /// The one node's request slots and requests per minute (in memory: nothing outlives the process that sent
    /// them); spending is kept in the database, so a restart does not forget it.
    let requestFigures = NIOLockedValueBox(RequestFigures())
    /// The clock of the limits' minutes and budget periods (the wall clock unless a test gives its own).
    let now: @Sendable () -> Date

    /// A store over `database` (migrated here), its limits timed by `now`.
    /// - Throws: GRDB's error when the migrations cannot run.
    package init(database: any DatabaseWriter, logger: Logger = Logger(label: "subtitler.store"),
                 now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.database = database
        self.logger = logger
        self.now = now
        url = nil
        try Self.migrator.migrate(database)
    }

    /// Opens (or creates) the store's file in `directory`.
    /// - Throws: GRDB's error, or a file-system error, when the database cannot be opened.
    package convenience init(directory: URL, logger: Logger = Logger(label: "subtitler.store")) throws {
        try AppDirectories.makePrivateDirectory(directory)
        try self.init(file: directory.appendingPathComponent("service.sqlite"), logger: logger)
    }

    /// Opens (or creates) the store's file at `url` (migrated here).
    /// - Throws: GRDB's error when the database cannot be opened.
    package init(file url: URL, logger: Logger = Logger(label: "subtitler.store")) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: url.path, configuration: configuration)
        for suffix in ["", "-wal", "-shm"] { chmod(url.path + suffix, 0o600) }
        try Self.migrator.migrate(pool)
        database = pool
        self.logger = logger
        self.url = url
        now = { Date() }
    }

    /// The schema. `state` and `origin` are text columns holding the enums' raw values, so a database written before
    /// they were typed reads the same.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "job") { table in
                table.autoIncrementedPrimaryKey("sequence")
                table.column("id", .text).notNull().unique()
                table.column("state", .text).notNull().indexed()
                table.column("origin", .text).notNull()
                table.column("path", .text).notNull().indexed()
                table.column("request", .text).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("updatedAt", .datetime).notNull()
                table.column("progress", .text)
                table.column("outputs", .text).notNull()
                table.column("skipReason", .text)
                table.column("error", .text)
                table.column("report", .text)
            }
            try db.create(table: "review") { table in
                table.column("id", .text).primaryKey()
                table.column("document", .blob).notNull()
            }
        }
        // The cluster's limits on one node (ClusterLimits): why a job waits; spending per budget period.
        migrator.registerMigration("v2") { db in
            try db.alter(table: "job") { table in table.add(column: "waitReason", .text) }
            try db.create(table: "spending") { table in
                table.column("period", .text).primaryKey()
                table.column("spent", .integer).notNull()
                table.column("refusedAt", .integer)
            }
        }
        return migrator
    }

    // MARK: - Queue

    /// Adds a queued job, unless an equal request for the same file is already queued or running: then that job.
    /// `resolvedPath` is the file's canonical path (the caller resolves it); requests that differ only in how they
    /// spell the path are equal.
    /// - Returns: the job, and whether it was created now.
    package func enqueue(_ request: JobRequest, resolvedPath: String, origin: ServiceJob.Origin) async throws
        -> (job: ServiceJob, created: Bool)
    {
        let (result, unreadable) = try await database.write { db -> ((job: ServiceJob, created: Bool), [Unreadable]) in
            let active = try Row.fetchAll(
                db, JobRow.filter(Column("path") == resolvedPath)
                    .filter([ServiceJob.State.queued, .running, .waiting].contains(Column("state"))))
            var unreadable: [Unreadable] = []
            for row in active {
                switch try Self.read(row) {
                case .job(let job) where job.request.asksForTheSame(as: request): return ((job, false), unreadable)
                case .job: continue
                case .unreadable(let bad):
                    try Self.markFailed(bad, db)
                    unreadable.append(bad)
                }
            }
            let now = Date()
            var row = JobRow(
                sequence: nil, id: UUID().uuidString.lowercased(), state: .queued, origin: origin, path: resolvedPath,
                request: request, createdAt: now, updatedAt: now, progress: nil, outputs: [], skipReason: nil,
                error: nil, report: nil)
            try row.insert(db)
            return ((row.job, true), unreadable)
        }
        log(unreadable)
        return result
    }

    /// Takes the oldest queued job whose outputs no running job holds and marks it running, or returns nil. A queued
    /// row that cannot be read is marked failed (with a log line) and the next one is taken.
    ///
    /// A running job holds its file's outputs: every sidecar named after the file's stem in its folder, and the file
    /// itself (embed, dub). A queued job whose outputs are held waits until that job ends, so two jobs never write the
    /// same file at once (two requests for one file, or `film.mkv` and `film.mp4` side by side).
    package func claimNext() async throws -> ServiceJob? {
        let (job, unreadable) = try await database.write { db -> (ServiceJob?, [Unreadable]) in
            var unreadable: [Unreadable] = []
            let held = Set(try String.fetchAll(
                db, JobRow.select(Column("path")).filter(Column("state") == ServiceJob.State.running)
            ).map(Self.outputClaim(of:)))
            let queued = try Row.fetchAll(
                db, JobRow.filter(Column("state") == ServiceJob.State.queued).order(Column("sequence")))
            var candidates: [ServiceJob] = []
            for row in queued {
                let path: String? = row["path"]
                if let path, held.contains(Self.outputClaim(of: path)) { continue }
                switch try Self.read(row) {
                case .job(let job): candidates.append(job)
                case .unreadable(let bad):
                    try Self.markFailed(bad, db)
                    unreadable.append(bad)
                }
            }
            // The highest rank first (priority and ageing); in creation order within a rank (a stable sort).
            let moment = Date()
            func rank(_ job: ServiceJob) -> Int {
                JobPriority.rank(priority: job.priority, waited: moment.timeIntervalSince(job.createdAt))
            }
            let ranked = candidates.map { (rank($0), $0) }
            guard let best = ranked.map(\.0).max(), var job = ranked.first(where: { $0.0 == best })?.1 else {
                return (nil, unreadable)
            }
            job.state = .running
            job.updatedAt = moment
            try JobRow.filter(Column("id") == job.id).updateAll(
                db, Column("state").set(to: ServiceJob.State.running), Column("updatedAt").set(to: job.updatedAt))
            return (job, unreadable)
        }
        log(unreadable)
        return job
    }

    /// What a job for the file at `path` (canonical) writes: the folder and the stem its outputs are named after.
    static func outputClaim(of path: String) -> String {
        (path as NSString).deletingPathExtension
    }

    /// Puts jobs that were running (the service stopped or was killed) back in the queue; returns how many.
    @discardableResult
    package func requeueInterrupted() async throws -> Int {
        try await database.write { db in
            try JobRow.filter(Column("state") == ServiceJob.State.running)
                .updateAll(db, Column("state").set(to: ServiceJob.State.queued), Column("updatedAt").set(to: Date()))
        }
    }

    /// This process, the one node, as of its last heartbeat.
    package func recordHeartbeat(slots: Int, running: Int) async throws {
        let moment = Date()
        self.heartbeat.withLockedValue { heartbeat in
            heartbeat = ServiceNode(id: node, slots: slots, running: running,
                                    startedAt: heartbeat?.startedAt ?? moment, lastSeenAt: moment)
        }
    }

    /// This process, once its scheduler has started.
    package func liveNodes() async throws -> [ServiceNode] {
        heartbeat.withLockedValue { $0.map { [$0] } ?? [] }
    }

    /// The running jobs among `ids`: one node holds every lease, and they never expire.
    package func renewLeases(of ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await database.read { db in
            Set(try String.fetchAll(db, JobRow.select(Column("id")).filter(ids.contains(Column("id")))
                .filter(Column("state") == ServiceJob.State.running)))
        }
    }

    /// Records a running job's progress.
    package func update(id: String, progress: JobProgress) async throws {
        try await database.write { db in
            _ = try JobRow.filter(Column("id") == id).filter(Column("state") == ServiceJob.State.running)
                .updateAll(db, Column("progress").set(to: progress.databaseJSON), Column("updatedAt").set(to: Date()))
        }
    }

    /// Records how a job ended. The write is made even when the calling task is cancelled (a job stopped by a
    /// shutdown records itself as queued again).
    /// - Returns: whether the job exists (the one node always holds its leases).
    @discardableResult
    package func finish(id: String, state: ServiceJob.State, report: JobReport?, error: String?) async throws -> Bool {
        let database = self.database
        return try await Self.evenIfCancelled {
            try await database.write { db in
                guard var row = try JobRow.filter(Column("id") == id).fetchOne(db) else { return false }
                row.state = state
                row.updatedAt = Date()
                row.report = report
                row.outputs = report?.status == .done ? report?.outputs ?? [] : []
                row.skipReason = report?.skipReason
                row.error = error
                row.waitReason = nil
                try row.update(db)
                return true
            }
        }
    }

    /// Cancels a queued job at once; a running one is only marked by its runner. Returns the job as it is now.
    /// - Throws: ``JobStoreError`` for a row with an unknown state or origin.
    package func cancelIfQueued(id: String) async throws -> ServiceJob? {
        let (stored, unreadable) = try await database.write { db -> (Stored?, Unreadable?) in
            guard let row = try Row.fetchOne(db, JobRow.filter(Column("id") == id)) else { return (nil, nil) }
            switch try Self.read(row) {
            case .job(var job):
                if job.state == .queued || job.state == .waiting {
                    job.state = .cancelled
                    job.updatedAt = Date()
                    job.error = "cancelled before it started"
                    job.waitReason = nil
                    try JobRow.filter(Column("id") == id).updateAll(db, [
                        Column("state").set(to: job.state), Column("updatedAt").set(to: job.updatedAt),
                        Column("error").set(to: job.error), Column("waitReason").set(to: nil as String?),
                    ])
                }
                return (.job(job), nil)
            case .unreadable(let bad):
                try Self.markFailed(bad, db)
                return (.unreadable(bad), bad)
            }
        }
        if let unreadable { log([unreadable]) }
        return stored.map(\.job)
    }

    // MARK: - Reading

    /// The job with this id.
    /// - Throws: ``JobStoreError`` for a row with an unknown state or origin (logged).
    package func job(id: String) async throws -> ServiceJob? {
        let stored = try await read { db in try Row.fetchOne(db, JobRow.filter(Column("id") == id)).map(Self.read) }
        guard let stored else { return nil }
        await repair([stored])
        return stored.job
    }

    /// Jobs in creation order (or newest first), optionally only those in `state` and only those created before the
    /// job `before`; at most `limit`. Rows that cannot be read are listed as failed; a row with an unknown state or
    /// origin is left out with an error log line (one bad row never makes the list fail).
    package func listJobs(state: ServiceJob.State?, limit: Int, newestFirst: Bool, before: String?) async throws
        -> [ServiceJob]
    {
        let logger = self.logger
        let stored = try await database.read { db -> [Stored] in
            var query = JobRow.order(newestFirst ? Column("sequence").desc : Column("sequence"))
            if let state { query = query.filter(Column("state") == state) }
            if let before {
                query = query.filter(sql: "sequence < (SELECT sequence FROM job WHERE id = ?)", arguments: [before])
            }
            var result: [Stored] = []
            for row in try Row.fetchAll(db, query.limit(limit)) {
                do {
                    result.append(try Self.read(row))
                } catch {
                    logger.error("a stored job is left out of the list", metadata: ["error": "\(error)"])
                }
            }
            return result
        }
        await repair(stored)
        return stored.map(\.job)
    }

    /// How many jobs are in each state (rows with an unknown state are logged and not counted).
    package func counts() async throws -> [ServiceJob.State: Int] {
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state")
        }
        var counts: [ServiceJob.State: Int] = [:]
        for row in rows {
            let text: String? = row["state"]
            if let state = text.flatMap(ServiceJob.State.init(rawValue:)) {
                counts[state] = row["n"]
            } else {
                logger.error("stored jobs have an unknown state", metadata: ["state": "\(text ?? "NULL")", "count": "\(row["n"] as Int? ?? 0)"])
            }
        }
        return counts
    }

    // MARK: - Review documents

    /// Keeps the review document of a finished job (JSON), even when the calling task is cancelled.
    package func storeReview(id: String, document: Data) async throws {
        let database = self.database
        try await Self.evenIfCancelled {
            try await database.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO review (id, document) VALUES (?, ?)", arguments: [id, document])
            }
        }
    }

    /// The review document of a finished job, if it has one.
    package func review(id: String) async throws -> Data? {
        try await database.read { db in
            try Data.fetchOne(db, sql: "SELECT document FROM review WHERE id = ?", arguments: [id])
        }
    }

    /// Marks the unreadable rows a read found failed, with a log line each.
    private func repair(_ stored: [Stored]) async {
        let unreadable = stored.compactMap { if case .unreadable(let bad) = $0, !bad.state.isFinal { bad } else { nil } }
        guard !unreadable.isEmpty else { return }
        do {
            try await database.write { db in for bad in unreadable { try Self.markFailed(bad, db) } }
        } catch {
            logger.error("unreadable jobs could not be marked failed", metadata: ["error": "\(error)"])
        }
        log(unreadable)
    }

    private func log(_ unreadable: [Unreadable]) {
        for bad in unreadable {
            logger.error("a stored job cannot be read; marked failed", metadata: [
                "job": "\(bad.id)", "state": "\(bad.state.rawValue)", "reason": "\(bad.reason)",
            ])
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch let error as JobStoreError {
            logger.error("a stored job cannot be read", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Runs `body` in a task of its own, so the caller's cancellation does not interrupt the write.
    static func evenIfCancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }
}
