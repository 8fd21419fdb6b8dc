import Foundation
import Logging
import PostgresNIO
import SubtitlerJobs

extension PostgresJobStore {
    /// Raises the file's queued and waiting jobs to `priority` (the column and the stored request), under the file's advisory
    /// lock, so a node enqueueing the same file at once sees the raised job.
    package func raisePriority(ofJobsFor resolvedPath: String, to priority: Int) async throws -> [ServiceJob] {
        let logger = self.logger
        let moment = now()
        return try await transaction { connection -> [ServiceJob] in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockSpace), hashtext(\(resolvedPath)))", logger: logger)
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM job WHERE path = \(resolvedPath) AND state IN ('queued', 'waiting', 'running')
                ORDER BY sequence FOR UPDATE
                """, logger: logger).collect()
            var jobs: [ServiceJob] = []
            for row in rows {
                guard case .job(var job) = try Self.read(row) else { continue }
                if job.state == .queued || job.state == .waiting, job.priority < priority {
                    job.request.priority = priority
                    job.priority = priority
                    job.updatedAt = moment
                    let request = try Self.json(job.request, column: "request")
                    try await connection.query("""
                        UPDATE job SET priority = \(Int32(priority)), request = \(request), updated_at = \(moment)
                        WHERE id = \(job.id) AND state IN ('queued', 'waiting')
                        """, logger: logger)
                }
                jobs.append(job)
            }
            return jobs
        }
    }
}
