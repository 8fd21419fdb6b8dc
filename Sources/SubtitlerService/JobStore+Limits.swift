import Foundation
import GRDB
import NIOConcurrencyHelpers

// The cluster's limits on the SQLite store's one node: request slots and requests per minute in memory (nothing
// outlives the process that sent them), spending per budget period in the database, so a restart does not forget
// what was spent. Jobs a limit holds wait (`state = 'waiting'`, `waitReason`).
extension JobStore {
    /// The one node's request slots and its count of requests in the current minute.
    struct RequestFigures: Sendable {
        var heldSlots: Set<Int> = []
        var minute: Date?
        var requestsInMinute = 0
    }

    // MARK: - Waiting jobs

    @discardableResult
    package func wait(id: String, reason: ServiceJob.WaitReason) async throws -> Bool {
        let (database, moment) = (self.database, now())
        return try await Self.evenIfCancelled {
            try await database.write { db in
                try JobRow.filter(Column("id") == id).filter(Column("state") == ServiceJob.State.running).updateAll(db, [
                    Column("state").set(to: ServiceJob.State.waiting), Column("waitReason").set(to: reason),
                    Column("updatedAt").set(to: moment),
                ]) > 0
            }
        }
    }

    @discardableResult
    package func holdQueued(reason: ServiceJob.WaitReason) async throws -> Int {
        let moment = now()
        return try await database.write { db in
            try JobRow.filter(Column("state") == ServiceJob.State.queued).updateAll(db, [
                Column("state").set(to: ServiceJob.State.waiting), Column("waitReason").set(to: reason),
                Column("updatedAt").set(to: moment),
            ])
        }
    }

    @discardableResult
    package func resumeWaiting(reason: ServiceJob.WaitReason) async throws -> Int {
        let moment = now()
        return try await database.write { db in
            try JobRow.filter(Column("state") == ServiceJob.State.waiting).filter(Column("waitReason") == reason)
                .updateAll(db, [
                    Column("state").set(to: ServiceJob.State.queued), Column("waitReason").set(to: nil as String?),
                    Column("updatedAt").set(to: moment),
                ])
        }
    }

    // MARK: - Request slots and requests per minute

    package func takeRequestSlot(limit: Int) async throws -> Int? {
        requestFigures.withLockedValue { figures in
            guard let free = (0..<max(0, limit)).first(where: { !figures.heldSlots.contains($0) }) else { return nil }
            figures.heldSlots.insert(free)
            return free
        }
    }

    package func releaseRequestSlot(_ slot: Int) async throws {
        _ = requestFigures.withLockedValue { $0.heldSlots.remove(slot) }
    }

    package func releaseRequestSlots() async throws {
        requestFigures.withLockedValue { $0.heldSlots.removeAll() }
    }

    package func countRequest(perMinute limit: Int) async throws -> Bool {
        let minute = minuteStart(of: now())
        return requestFigures.withLockedValue { figures in
            if figures.minute != minute {
                figures.minute = minute
                figures.requestsInMinute = 0
            }
            guard figures.requestsInMinute < limit else { return false }
            figures.requestsInMinute += 1
            return true
        }
    }

    // MARK: - Spending

    package func spend(_ cost: Int64, within budget: SpendingBudget) async throws -> Bool {
        let period = budget.period.key(for: now())
        return try await database.write { db in
            let spent = try Int64.fetchOne(db, sql: "SELECT spent FROM spending WHERE period = ?", arguments: [period]) ?? 0
            if spent + cost <= budget.microdollars {
                try db.execute(sql: """
                    INSERT INTO spending (period, spent) VALUES (?, ?)
                    ON CONFLICT (period) DO UPDATE SET spent = spent + excluded.spent
                    """, arguments: [period, cost])
                return true
            }
            try db.execute(sql: """
                INSERT INTO spending (period, spent, refusedAt) VALUES (?, 0, ?)
                ON CONFLICT (period) DO UPDATE SET refusedAt = MAX(COALESCE(refusedAt, 0), excluded.refusedAt)
                """, arguments: [period, budget.microdollars])
            return false
        }
    }

    package func limitUsage(budget: SpendingBudget?) async throws -> LimitUsage {
        let moment = now()
        let (held, requests) = requestFigures.withLockedValue { figures in
            (figures.heldSlots.count, figures.minute == minuteStart(of: moment) ? figures.requestsInMinute : 0)
        }
        guard let budget else { return LimitUsage(inFlight: held, requestsThisMinute: requests, spent: 0, budgetSpent: false) }
        let period = budget.period.key(for: moment)
        let (spent, refusedAt) = try await database.read { db -> (Int64, Int64?) in
            let row = try Row.fetchOne(db, sql: "SELECT spent, refusedAt FROM spending WHERE period = ?", arguments: [period])
            return (row?["spent"] ?? 0, row?["refusedAt"])
        }
        return LimitUsage(inFlight: held, requestsThisMinute: requests, spent: spent,
                          budgetSpent: refusedAt.map { budget.microdollars <= $0 } ?? false)
    }
}
