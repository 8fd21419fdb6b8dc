import Foundation
import GRDB
import Logging
import PostgresNIO
import SubtitlerSupport

/// `subtitler store migrate`: copies a SQLite queue (the single node's `service.sqlite`) into a PostgreSQL store,
/// every job with its state, times, progress, outputs, report, error, priority and wait reason, in its order, and
/// every review document.
///
/// It is idempotent: a job (by id) or review already in the target is left as it is, so a second run copies
/// nothing. A target holding jobs the source does not have (another queue) is refused unless the caller merges.
/// A job the source shows running (its service was stopped or killed) is copied queued, as a restart would
/// queue it. The source is read a page at a time, so memory stays bounded whatever the queue's length.
package enum StoreMigration {
    /// What a migration did.
    package struct Report: Sendable, Hashable {
        /// Jobs copied now.
        package var copied = 0
        /// Jobs the target already had (an earlier run copied them).
        package var alreadyThere = 0
        /// Of the copied jobs, those copied queued because the source showed them running.
        package var requeued = 0
        /// Review documents copied now.
        package var reviews = 0
    }

    /// How many jobs are read and written at once.
    static let pageSize = 500

    /// Copies the SQLite store at `source` (its file, or the state directory holding `service.sqlite`) into the
    /// PostgreSQL database at `target`.
    /// - Parameter merging: copy even when the target holds jobs the source does not have.
    /// - Throws: ``StoreMigrationError``.
    package static func copy(from source: URL, to target: PostgresLocation, merging: Bool = false,
                             logger: Logger = Logger(label: "subtitler.store")) async throws(StoreMigrationError) -> Report {
        let sqlite = try open(source, logger: logger)
        let file = sqlite.url?.path ?? source.path
        let client = PostgresJobStore.makeClient(target, maximumConnections: 2, logger: logger)
        let running = await PostgresJobStore.run(client)
        defer { running.cancel() }
        let postgres = PostgresJobStore(client: client, node: "migrate", logger: logger)
        do {
            try await postgres.migrate()
        } catch {
            throw StoreMigrationError(.targetUnusable, "\(target): \(PostgresJobStore.describe(error))")
        }
        let sourceIDs: Set<String>
        do {
            sourceIDs = try await sqlite.jobIDs()
        } catch {
            throw StoreMigrationError(.sourceUnreadable, "\(file): \(error)")
        }
        if !merging {
            let others: Int
            do {
                others = try await postgres.countJobs(notIn: sourceIDs)
            } catch {
                throw StoreMigrationError(.targetUnusable, "\(target): \(PostgresJobStore.describe(error))")
            }
            if others > 0 {
                throw StoreMigrationError(.targetHoldsOtherJobs, "\(target) already holds \(others) job\(others == 1 ? "" : "s") "
                                          + "that \(file) does not have; merge the two queues only if that is meant")
            }
        }
        var report = Report()
        var after: Int64 = 0
        while true {
            let page: [JobStore.CopiedJob]
            do {
                page = try await sqlite.storedJobs(after: after, limit: pageSize)
            } catch {
                throw StoreMigrationError(.sourceUnreadable, "\(file): \(error)")
            }
            guard let last = page.last else { break }
            after = last.sequence
            var jobs = page
            for index in jobs.indices where jobs[index].job.state == .running { jobs[index].job.state = .queued }
            do {
                let inserted = try await postgres.importJobs(jobs)
                report.copied += inserted.count
                report.alreadyThere += jobs.count - inserted.count
                report.requeued += page.filter { $0.job.state == .running && inserted.contains($0.job.id) }.count
                for job in jobs.map(\.job) where inserted.contains(job.id) {
                    guard let document = try await sqlite.review(id: job.id) else { continue }
                    if try await postgres.importReview(id: job.id, document: document) { report.reviews += 1 }
                }
            } catch {
                throw StoreMigrationError(.targetUnusable, "\(target): \(PostgresJobStore.describe(error))")
            }
        }
        logger.notice("queue copied", metadata: [
            "from": "\(file)", "to": "\(target)", "copied": "\(report.copied)", "alreadyThere": "\(report.alreadyThere)",
        ])
        return report
    }

    /// Opens the SQLite store at `source` (its file, or a folder holding `service.sqlite`), which must exist.
    private static func open(_ source: URL, logger: Logger) throws(StoreMigrationError) -> JobStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
            throw StoreMigrationError(.sourceMissing, "\(source.path): no such file")
        }
        let file = isDirectory.boolValue ? source.appendingPathComponent("service.sqlite") : source
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw StoreMigrationError(.sourceMissing, "\(file.path): no such file (a folder without a service.sqlite)")
        }
        do {
            return try JobStore(file: file, logger: logger)
        } catch let error as DatabaseError {
            throw StoreMigrationError(.sourceUnreadable, "\(file.path): not a subtitler job store (\(error.message ?? "\(error.resultCode)"))")
        } catch {
            throw StoreMigrationError(.sourceUnreadable, "\(file.path): \(FileChecks.describe(error))")
        }
    }
}

/// Why `subtitler store migrate` copied nothing more: one line naming the file or the database (never its
/// password) and the cause.
package struct StoreMigrationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, broadly.
    package struct Kind: Sendable, Hashable {
        private enum Code: String, Sendable, Hashable {
            case sourceMissing, sourceUnreadable, targetUnusable, targetHoldsOtherJobs
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The SQLite file (or folder) does not exist.
        package static let sourceMissing = Kind(.sourceMissing)
        /// The SQLite file is not a job store, or cannot be read.
        package static let sourceUnreadable = Kind(.sourceUnreadable)
        /// The PostgreSQL database cannot be reached, migrated or written.
        package static let targetUnusable = Kind(.targetUnusable)
        /// The PostgreSQL database holds jobs the source does not have (and merging was not asked for).
        package static let targetHoldsOtherJobs = Kind(.targetHoldsOtherJobs)
    }

    /// What went wrong.
    package var kind: Kind
    /// One line: the file or database, and the cause.
    package var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Whether the source is at fault (an input), not the target or the settings.
    package var isSourceProblem: Bool { kind == .sourceMissing || kind == .sourceUnreadable }

    package var description: String { message }
}

extension JobStore {
    /// The ids of every stored job.
    func jobIDs() async throws -> Set<String> {
        Set(try await database.read { db in try String.fetchAll(db, sql: "SELECT id FROM job") })
    }

    /// A job as a migration copies it: its place, its file's canonical path (what the store deduplicates and
    /// claims by) and the job.
    struct CopiedJob: Sendable {
        var sequence: Int64
        var path: String
        var job: ServiceJob
    }

    /// Up to `limit` jobs after the `after`-th in creation order (a row that cannot be read comes as the failed job
    /// the API shows).
    func storedJobs(after: Int64, limit: Int) async throws -> [CopiedJob] {
        try await database.read { db -> [CopiedJob] in
            try Row.fetchAll(db, sql: "SELECT * FROM job WHERE sequence > ? ORDER BY sequence LIMIT ?",
                             arguments: [after, limit]).map { row in
                CopiedJob(sequence: row["sequence"], path: row["path"] ?? "", job: try Self.read(row).job)
            }
        }
    }
}

extension PostgresJobStore {
    /// How many stored jobs have an id outside `ids`.
    func countJobs(notIn ids: Set<String>) async throws -> Int {
        var others = 0
        for try await id in try await client.query("SELECT id FROM job", logger: logger).decode(String.self)
        where !ids.contains(id) {
            others += 1
        }
        return others
    }

    /// Inserts `jobs` as they are (in their order, after the jobs already stored), leaving any id already stored.
    /// - Returns: the ids inserted.
    func importJobs(_ copied: [JobStore.CopiedJob]) async throws -> Set<String> {
        let logger = self.logger
        var rows: [(JobStore.CopiedJob, String, String?, String, String?, String?)] = []
        for entry in copied {
            let job = entry.job
            rows.append((entry, try Self.json(job.request, column: "request"),
                         try job.progress.map { try Self.json($0, column: "progress") },
                         try Self.json(job.outputs, column: "outputs"),
                         try job.skipReason.map { try Self.json($0, column: "skipReason") },
                         try job.report.map { try Self.json($0, column: "report") }))
        }
        let prepared = rows
        return try await transaction { connection -> Set<String> in
            var inserted: Set<String> = []
            for (entry, request, progress, outputs, skip, report) in prepared {
                let job = entry.job
                let claim = JobStore.outputClaim(of: entry.path)
                let result = try await connection.query("""
                    INSERT INTO job (id, state, origin, path, claim, request, created_at, updated_at, progress, outputs,
                        skip_reason, error, report, priority, wait_reason, retries, takeovers)
                    VALUES (\(job.id), \(job.state.rawValue), \(job.origin.rawValue), \(entry.path), \(claim),
                        \(request), \(job.createdAt), \(job.updatedAt), \(progress), \(outputs), \(skip), \(job.error),
                        \(report), \(Int32(clamping: job.priority)), \(job.waitReason?.rawValue),
                        \(Int32(clamping: job.retries ?? 0)), \(Int32(clamping: job.takeovers ?? 0)))
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """, logger: logger)
                for try await id in result.decode(String.self) { inserted.insert(id) }
            }
            return inserted
        }
    }

    /// Stores a review document unless the job has one; whether it was stored.
    func importReview(id: String, document: Data) async throws -> Bool {
        try await client.query("""
            INSERT INTO review (id, document) VALUES (\(id), \(document)) ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger).collect().count == 1
    }
}
