import Foundation
import GRDB
import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// The service's jobs in SQLite (through GRDB, WAL mode), so the queue survives a restart or a `kill -9`.
///
/// The database lives in the state directory (`$XDG_STATE_HOME/subtitler/service.sqlite`, folder mode 0700). It
/// holds what was asked, states, progress and reports; never an API key or any other credential. Every state change
/// is committed before the call returns. All calls block: use them from the blocking-work pool.
public final class JobStore: Sendable {
    private let database: DatabasePool
    /// The database file.
    public let url: URL

    /// Opens (or creates) the store in `directory`.
    /// - Throws: GRDB's error, or a file-system error, when the database cannot be opened.
    public init(directory: URL) throws {
        try AppDirectories.makePrivateDirectory(directory)
        url = directory.appendingPathComponent("service.sqlite")
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try DatabasePool(path: url.path, configuration: configuration)
        for suffix in ["", "-wal", "-shm"] { chmod(url.path + suffix, 0o600) }
        try Self.migrator.migrate(database)
    }

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
        return migrator
    }

    /// Adds a queued job, unless an equal request for the same file is already queued or running: then that job.
    /// - Returns: the job, and whether it was created now.
    public func enqueue(_ request: JobRequest, resolvedPath: String, origin: String) throws -> (job: ServiceJob, created: Bool) {
        try database.write { db in
            let active = try JobRow
                .filter(Column("path") == resolvedPath)
                .filter([ServiceJob.State.queued.rawValue, ServiceJob.State.running.rawValue].contains(Column("state")))
                .fetchAll(db)
            if let same = active.first(where: { $0.request == request }) { return (same.job, false) }
            let now = Date()
            var row = JobRow(
                sequence: nil, id: UUID().uuidString.lowercased(), state: ServiceJob.State.queued.rawValue, origin: origin,
                path: resolvedPath, request: request, createdAt: now, updatedAt: now, progress: nil, outputs: [],
                skipReason: nil, error: nil, report: nil)
            try row.insert(db)
            return (row.job, true)
        }
    }

    /// The job with this id.
    public func job(id: String) throws -> ServiceJob? {
        try database.read { db in try JobRow.filter(Column("id") == id).fetchOne(db)?.job }
    }

    /// Jobs in creation order, optionally only those in `state`; at most `limit`.
    public func jobs(state: ServiceJob.State? = nil, limit: Int = 1_000) throws -> [ServiceJob] {
        try database.read { db in
            var query = JobRow.order(Column("sequence"))
            if let state { query = query.filter(Column("state") == state.rawValue) }
            return try query.limit(limit).fetchAll(db).map(\.job)
        }
    }

    /// How many jobs are in each state.
    public func counts() throws -> [ServiceJob.State: Int] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state")
            var counts: [ServiceJob.State: Int] = [:]
            for row in rows {
                if let state = ServiceJob.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// Takes the oldest queued job and marks it running, or returns nil.
    public func claimNext() throws -> ServiceJob? {
        try database.write { db in
            guard var row = try JobRow.filter(Column("state") == ServiceJob.State.queued.rawValue)
                .order(Column("sequence")).fetchOne(db) else { return nil }
            row.state = ServiceJob.State.running.rawValue
            row.updatedAt = Date()
            try row.update(db)
            return row.job
        }
    }

    /// Puts jobs that were running (the service stopped or was killed) back in the queue; returns how many.
    @discardableResult
    public func requeueInterrupted() throws -> Int {
        try database.write { db in
            try JobRow.filter(Column("state") == ServiceJob.State.running.rawValue)
                .updateAll(db, Column("state").set(to: ServiceJob.State.queued.rawValue), Column("updatedAt").set(to: Date()))
        }
    }

    /// Records a running job's progress.
    public func update(id: String, progress: JobProgress) throws {
        try database.write { db in
            try JobRow.filter(Column("id") == id).filter(Column("state") == ServiceJob.State.running.rawValue)
                .updateAll(db, Column("progress").set(to: progress.databaseJSON), Column("updatedAt").set(to: Date()))
        }
    }

    /// Records how a job ended.
    public func finish(id: String, state: ServiceJob.State, report: JobReport?, error: String?) throws {
        try database.write { db in
            guard var row = try JobRow.filter(Column("id") == id).fetchOne(db) else { return }
            row.state = state.rawValue
            row.updatedAt = Date()
            row.report = report
            row.outputs = report?.status == .done ? report?.outputs ?? [] : []
            row.skipReason = report?.skipReason
            row.error = error
            try row.update(db)
        }
    }

    /// Keeps the review document of a finished job (JSON).
    public func storeReview(id: String, document: Data) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO review (id, document) VALUES (?, ?)", arguments: [id, document])
        }
    }

    /// The review document of a finished job, if it has one.
    public func review(id: String) throws -> Data? {
        try database.read { db in
            try Data.fetchOne(db, sql: "SELECT document FROM review WHERE id = ?", arguments: [id])
        }
    }

    /// Cancels a queued job at once; a running one is only marked by its runner. Returns the job as it is now.
    public func cancelIfQueued(id: String) throws -> ServiceJob? {
        try database.write { db in
            guard var row = try JobRow.filter(Column("id") == id).fetchOne(db) else { return nil }
            if row.state == ServiceJob.State.queued.rawValue {
                row.state = ServiceJob.State.cancelled.rawValue
                row.updatedAt = Date()
                row.error = "cancelled before it started"
                try row.update(db)
            }
            return row.job
        }
    }
}

/// A row of the `job` table.
struct JobRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "job"

    var sequence: Int64?
    var id: String
    var state: String
    var origin: String
    var path: String
    var request: JobRequest
    var createdAt: Date
    var updatedAt: Date
    var progress: JobProgress?
    var outputs: [String]
    var skipReason: SkipReason?
    var error: String?
    var report: JobReport?

    mutating func didInsert(_ inserted: InsertionSuccess) {
        sequence = inserted.rowID
    }

    var job: ServiceJob {
        ServiceJob(
            id: id, state: ServiceJob.State(rawValue: state) ?? .failed, request: request, origin: origin,
            createdAt: createdAt, updatedAt: updatedAt, progress: progress, outputs: outputs, skipReason: skipReason,
            error: error, report: report)
    }
}

extension JobProgress {
    /// The JSON text GRDB stores for a nested value.
    var databaseJSON: String {
        (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "null"
    }
}
