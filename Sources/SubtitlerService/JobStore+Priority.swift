import Foundation
import GRDB
import SubtitlerJobs

extension JobStore {
    /// Raises the file's queued and waiting jobs to `priority` (the request's stored priority too, so the job shows it); a row
    /// that cannot be read is left to the calls that mark it failed.
    package func raisePriority(ofJobsFor resolvedPath: String, to priority: Int) async throws -> [ServiceJob] {
        try await database.write { db -> [ServiceJob] in
            let active = try Row.fetchAll(
                db, JobRow.filter(Column("path") == resolvedPath)
                    .filter([ServiceJob.State.queued, .waiting, .running].contains(Column("state")))
                    .order(Column("sequence")))
            var jobs: [ServiceJob] = []
            for row in active {
                guard case .job(var job) = try Self.read(row) else { continue }
                if job.state == .queued || job.state == .waiting, job.priority < priority {
                    job.request.priority = priority
                    job.priority = priority
                    job.updatedAt = Date()
                    let request = String(decoding: try JobRow.databaseJSONEncoder(for: "request").encode(job.request),
                                         as: UTF8.self)
                    try JobRow.filter(Column("id") == job.id)
                        .filter([ServiceJob.State.queued, .waiting].contains(Column("state")))
                        .updateAll(db, Column("request").set(to: request), Column("updatedAt").set(to: job.updatedAt))
                }
                jobs.append(job)
            }
            return jobs
        }
    }
}
