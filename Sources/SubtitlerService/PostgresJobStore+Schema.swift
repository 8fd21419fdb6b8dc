import Foundation
import GRDB
import Logging
import PostgresNIO
import Subtitler
import SubtitlerJobs

/// A database whose schema this subtitler cannot use.
package struct PostgresSchemaError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in one line.
    package var message: String
    package var description: String { message }
}

extension PostgresJobStore {
    /// The advisory-lock space of the store's locks (its second key: 0 for claims, a path's hash for enqueues,
    /// 1 for migrations).
    static let lockSpace: Int32 = 0x5375_6200

    /// The schema, one entry per version, applied in order inside one transaction and recorded in
    /// `subtitler_schema`. A version, once released, never changes: a change is a new version.
    static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE job (
                sequence bigserial PRIMARY KEY,
                id text NOT NULL UNIQUE,
                state text NOT NULL,
                origin text NOT NULL,
                path text NOT NULL,
                claim text NOT NULL,
                request text NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                progress text,
                outputs text NOT NULL,
                skip_reason text,
                error text,
                report text,
                node text,
                lease_until timestamptz,
                retries integer NOT NULL DEFAULT 0,
                takeovers integer NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX job_state ON job (state, sequence)",
            "CREATE INDEX job_path ON job (path)",
            "CREATE INDEX job_claim ON job (claim) WHERE state = 'running'",
            "CREATE TABLE review (id text PRIMARY KEY, document bytea NOT NULL)",
        ]),
        // The resume cache the nodes share: chunk answers by the pipeline's cache key (never a credential).
        (2, [
            "CREATE TABLE chunk_answer (key text PRIMARY KEY, answer bytea NOT NULL, stored_at timestamptz NOT NULL)",
        ]),
        // The nodes' heartbeats, for GET /v1/nodes.
        (3, [
            """
            CREATE TABLE node (id text PRIMARY KEY, slots integer NOT NULL, running integer NOT NULL,
                started_at timestamptz NOT NULL, last_seen timestamptz NOT NULL)
            """,
        ]),
        // Priorities (JobPriority): the column the claim orders by.
        (4, [
            "ALTER TABLE job ADD COLUMN priority integer NOT NULL DEFAULT 5",
            "UPDATE job SET priority = 0 WHERE origin = 'watch'",
        ]),
        // The cluster's limits (ClusterLimits): why a job waits, request slots leased to nodes, requests per minute,
        // spending per budget period (millionths of a US dollar).
        (5, [
            "ALTER TABLE job ADD COLUMN wait_reason text",
            "CREATE TABLE request_slot (slot integer PRIMARY KEY, node text, held_until timestamptz)",
            "CREATE TABLE request_minute (minute timestamptz PRIMARY KEY, requests integer NOT NULL)",
            "CREATE TABLE spending (period text PRIMARY KEY, spent bigint NOT NULL, refused_at bigint)",
        ]),
        // Chunk answers expire (PostgresJobStore.answerAge): the sweep finds the old ones by age.
        (6, [
            "CREATE INDEX chunk_answer_age ON chunk_answer (stored_at)",
        ]),
    ]

    /// The columns every read of a job selects, in ``read(_:)``'s terms.
    static let columns = """
        sequence, id, state, origin, path, request, created_at, updated_at, progress, outputs, skip_reason, error, \
        report, node, lease_until, retries, takeovers, priority, wait_reason
        """

    /// Brings the schema up to date (several nodes starting at once migrate one after the other).
    /// - Throws: ``PostgresSchemaError`` for a database migrated by a newer subtitler; postgres-nio's error otherwise.
    package func migrate() async throws {
        let logger = self.logger
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockSpace), 1)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS subtitler_schema (
                    version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.query(
                "SELECT version FROM subtitler_schema", logger: logger).decode(Int32.self) {
                applied.insert(Int(version))
            }
            let known = Self.migrations.map(\.version)
            if let newest = applied.max(), newest > known.max() ?? 0 {
                throw PostgresSchemaError(message: "the database's schema is version \(newest); this subtitler knows "
                                          + "versions up to \(known.max() ?? 0): run a newer subtitler")
            }
            for (version, statements) in Self.migrations where !applied.contains(version) {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO subtitler_schema (version) VALUES (\(Int32(version)))", logger: logger)
                logger.notice("job store migrated", metadata: ["version": "\(version)"])
            }
        }
    }

    /// Runs `body` in a transaction on one of the client's connections. An error `body` throws (the transaction
    /// rolled back) comes out as itself, not wrapped in postgres-nio's `PostgresTransactionError`, so callers and
    /// messages see the store's own errors.
    func transaction<Result>(
        isolation: isolated (any Actor)? = #isolation, _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await client.withTransaction(logger: logger, isolation: isolation, body)
        } catch let error as PostgresTransactionError {
            if let thrown = error.closureError, error.rollbackError == nil, error.beginError == nil { throw thrown }
            throw error
        }
    }

    // MARK: - Rows

    /// A JSON column that does not decode.
    private struct ColumnDoesNotDecode: Error {
        var column: String
    }

    /// The JSON text the store keeps for `value` in `column`: the same text as the SQLite store's.
    static func json(_ value: some Encodable, column: String) throws -> String {
        String(decoding: try JobRow.databaseJSONEncoder(for: column).encode(value), as: UTF8.self)
    }

    /// Reads one `job` row (selected with ``columns``).
    /// - Throws: ``JobStoreError`` for an unknown state or origin.
    static func read(_ row: PostgresRow) throws -> JobStore.Stored {
        let cells = row.makeRandomAccess()
        let id = (try? cells["id"].decode(String.self)) ?? ""
        let stateText = try? cells["state"].decode(String.self)
        guard let state = stateText.flatMap(ServiceJob.State.init(rawValue:)) else {
            throw JobStoreError.unknownState(id: id, value: stateText ?? "NULL")
        }
        let originText = try? cells["origin"].decode(String.self)
        guard let origin = originText.flatMap(ServiceJob.Origin.init(rawValue:)) else {
            throw JobStoreError.unknownOrigin(id: id, value: originText ?? "NULL")
        }
        let createdAt = (try? cells["created_at"].decode(Date.self)) ?? Date(timeIntervalSince1970: 0)
        let path = (try? cells["path"].decode(String.self)) ?? ""
        func decoded<T: Decodable>(_ type: T.Type, _ name: String, as column: String) throws -> T? {
            guard let text = try cells[name].decode(String?.self) else { return nil }
            do {
                return try JobRow.databaseJSONDecoder(for: column).decode(T.self, from: Data(text.utf8))
            } catch {
                throw ColumnDoesNotDecode(column: column)
            }
        }
        do {
            guard let request = try decoded(JobRequest.self, "request", as: "request") else {
                throw ColumnDoesNotDecode(column: "request")
            }
            var job = ServiceJob(
                id: id, state: state, request: request, origin: origin, createdAt: createdAt,
                updatedAt: try cells["updated_at"].decode(Date.self),
                progress: try decoded(JobProgress.self, "progress", as: "progress"),
                outputs: try decoded([String].self, "outputs", as: "outputs") ?? [],
                skipReason: try decoded(SkipReason.self, "skip_reason", as: "skipReason"),
                error: try cells["error"].decode(String?.self),
                report: try decoded(JobReport.self, "report", as: "report"))
            job.node = try cells["node"].decode(String?.self)
            job.leaseExpiresAt = try cells["lease_until"].decode(Date?.self)
            job.retries = Int(try cells["retries"].decode(Int32.self))
            job.takeovers = Int(try cells["takeovers"].decode(Int32.self))
            job.priority = Int(try cells["priority"].decode(Int32.self))
            job.waitReason = try cells["wait_reason"].decode(String?.self).flatMap(ServiceJob.WaitReason.init(rawValue:))
            return .job(job)
        } catch {
            let reason = (error as? ColumnDoesNotDecode).map { "its \($0.column) does not decode" } ?? "a column does not decode"
            return .unreadable(JobStore.Unreadable(
                id: id, state: state, origin: origin, path: path, createdAt: createdAt, reason: reason))
        }
    }
}

extension PostgresJobStore {
    /// One line for a database error: the server's message, or why the connection failed (never the URL's
    /// password, which no error carries).
    package static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "cannot connect (\(underlying))" }
        return "\(error.code)"
    }
}
