import Foundation
import GRDB
import Subtitler
import SubtitlerJobs

// The SQLite store's rows: how a row is read (or found unreadable and marked failed), and the record type GRDB
// reads and writes.

extension JobStore {
    /// A row as read: a job, or one whose stored JSON cannot be decoded.
    enum Stored: Sendable {
        case job(ServiceJob)
        case unreadable(Unreadable)

        /// The job, or the unreadable row as the API shows it.
        var job: ServiceJob {
            switch self {
            case .job(let job): job
            case .unreadable(let bad): bad.shownJob
            }
        }
    }

    /// A row whose request, progress, outputs or report cannot be decoded.
    struct Unreadable: Sendable {
        var id: String
        var state: ServiceJob.State
        var origin: ServiceJob.Origin
        var path: String
        var createdAt: Date
        var reason: String

        var message: String { "the stored job cannot be read (\(reason)); submit it again" }

        /// The row as the API shows it: failed, unless it had already ended.
        var shownJob: ServiceJob {
            ServiceJob(
                id: id, state: state.isFinal ? state : .failed, request: JobRequest(path: path), origin: origin, createdAt: createdAt,
                updatedAt: createdAt, progress: nil, outputs: [], skipReason: nil, error: message, report: nil)
        }
    }

    /// Reads one `job` row.
    /// - Throws: ``JobStoreError`` for an unknown state or origin.
    static func read(_ row: Row) throws -> Stored {
        let id = (try? row.decode(String.self, forColumn: "id")) ?? ""
        let stateText = try? row.decode(String.self, forColumn: "state")
        guard let state = stateText.flatMap(ServiceJob.State.init(rawValue:)) else {
            throw JobStoreError.unknownState(id: id, value: stateText ?? "NULL")
        }
        let originText = try? row.decode(String.self, forColumn: "origin")
        guard let origin = originText.flatMap(ServiceJob.Origin.init(rawValue:)) else {
            throw JobStoreError.unknownOrigin(id: id, value: originText ?? "NULL")
        }
        do {
            return .job(try JobRow(row: row).job)
        } catch {
            let created = try? row.decode(Date.self, forColumn: "createdAt")
            let path = try? row.decode(String.self, forColumn: "path")
            return .unreadable(Unreadable(
                id: id, state: state, origin: origin, path: path ?? "", createdAt: created ?? Date(timeIntervalSince1970: 0),
                reason: Self.describe(row)))
        }
    }

    /// Which stored column does not decode (never the stored text itself).
    static func describe(_ row: Row) -> String {
        let checks: [(String, @Sendable (JSONDecoder, Data) throws -> Void)] = [
            ("request", { _ = try $0.decode(JobRequest.self, from: $1) }),
            ("progress", { _ = try $0.decode(JobProgress?.self, from: $1) }),
            ("outputs", { _ = try $0.decode([String].self, from: $1) }),
            ("skipReason", { _ = try $0.decode(SkipReason?.self, from: $1) }),
            ("report", { _ = try $0.decode(JobReport?.self, from: $1) }),
        ]
        for (column, check) in checks {
            let text: String? = try? row.decode(String?.self, forColumn: column)
            guard let text else { continue }
            do { try check(JobRow.databaseJSONDecoder(for: column), Data(text.utf8)) } catch { return "its \(column) does not decode" }
        }
        return "a column does not decode"
    }

    /// Marks an unreadable row failed, unless it has already ended.
    static func markFailed(_ bad: Unreadable, _ db: Database) throws {
        guard !bad.state.isFinal else { return }
        _ = try JobRow.filter(Column("id") == bad.id).filter(Column("state") == bad.state).updateAll(db, [
            Column("state").set(to: ServiceJob.State.failed), Column("updatedAt").set(to: Date()),
            Column("error").set(to: bad.message),
        ])
    }
}

/// A stored job the store cannot show as it is.
package enum JobStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The row's `state` is none of ``ServiceJob/State``'s values.
    case unknownState(id: String, value: String)
    /// The row's `origin` is none of ``ServiceJob/Origin``'s values.
    case unknownOrigin(id: String, value: String)

    package var description: String {
        switch self {
        case .unknownState(let id, let value): "job \(id) has an unknown stored state '\(value)'"
        case .unknownOrigin(let id, let value): "job \(id) has an unknown stored origin '\(value)'"
        }
    }
}

extension ServiceJob.State: DatabaseValueConvertible {}
extension ServiceJob.Origin: DatabaseValueConvertible {}
extension ServiceJob.WaitReason: DatabaseValueConvertible {}

/// A row of the `job` table.
struct JobRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "job"

    var sequence: Int64?
    var id: String
    var state: ServiceJob.State
    var origin: ServiceJob.Origin
    var path: String
    var request: JobRequest
    var createdAt: Date
    var updatedAt: Date
    var progress: JobProgress?
    var outputs: [String]
    var skipReason: SkipReason?
    var error: String?
    var report: JobReport?
    var waitReason: ServiceJob.WaitReason? = nil

    mutating func didInsert(_ inserted: InsertionSuccess) {
        sequence = inserted.rowID
    }

    var job: ServiceJob {
        ServiceJob(
            id: id, state: state, request: request, origin: origin, createdAt: createdAt, updatedAt: updatedAt,
            progress: progress, outputs: outputs, skipReason: skipReason, error: error, report: report,
            priority: JobPriority.of(request, origin: origin), waitReason: waitReason)
    }
}

extension JobProgress {
    /// The JSON text GRDB stores for a nested value.
    var databaseJSON: String {
        (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "null"
    }
}
