import Foundation
import Logging
import PostgresNIO

// The cluster's limits in PostgreSQL: request slots as rows leased to nodes (renewed by each heartbeat, free again
// when a node's heartbeat stops for a lease, so a killed node never keeps one), requests per minute as one counter
// row per minute, and spending as one row per budget period, each changed by a single conditional statement so two
// nodes never pass a limit together. Jobs a limit holds wait (`state = 'waiting'`, `wait_reason`).
extension PostgresJobStore {
    // MARK: - Waiting jobs

    @discardableResult
    package func wait(id: String, reason: ServiceJob.WaitReason) async throws -> Bool {
        let (client, logger, node, moment) = (self.client, self.logger, self.node, now())
        return try await JobStore.evenIfCancelled {
            let rows = try await client.query("""
                UPDATE job SET state = 'waiting', wait_reason = \(reason.rawValue), updated_at = \(moment),
                    lease_until = NULL, node = NULL
                WHERE id = \(id) AND state = 'running' AND node = \(node) RETURNING id
                """, logger: logger).collect()
            return !rows.isEmpty
        }
    }

    @discardableResult
    package func holdQueued(reason: ServiceJob.WaitReason) async throws -> Int {
        try await client.query("""
            UPDATE job SET state = 'waiting', wait_reason = \(reason.rawValue), updated_at = \(now())
            WHERE state = 'queued' RETURNING id
            """, logger: logger).collect().count
    }

    @discardableResult
    package func resumeWaiting(reason: ServiceJob.WaitReason) async throws -> Int {
        try await client.query("""
            UPDATE job SET state = 'queued', wait_reason = NULL, updated_at = \(now())
            WHERE state = 'waiting' AND wait_reason = \(reason.rawValue) RETURNING id
            """, logger: logger).collect().count
    }

    // MARK: - Request slots

    package func takeRequestSlot(limit: Int) async throws -> Int? {
        let (logger, node, moment, until) = (self.logger, self.node, now(), leaseEnd)
        let count = Int32(clamping: limit)
        let rows = try await client.query("""
            WITH missing AS (
                INSERT INTO request_slot (slot) SELECT s FROM generate_series(0, \(count) - 1) s ON CONFLICT DO NOTHING
            )
            UPDATE request_slot SET node = \(node), held_until = \(until)
            WHERE slot = (SELECT slot FROM request_slot
                          WHERE slot < \(count) AND (node IS NULL OR held_until < \(moment))
                          ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING slot
            """, logger: logger)
        for try await slot in rows.decode(Int32.self) { return Int(slot) }
        // The first call over a new table inserted the rows in the same statement, unseen by its own UPDATE.
        let free = try await client.query(
            "SELECT count(*) FROM request_slot WHERE slot < \(count) AND (node IS NULL OR held_until < \(moment))",
            logger: logger)
        for try await available in free.decode(Int64.self) where available > 0 {
            return try await takeRequestSlot(limit: limit)
        }
        return nil
    }

    package func releaseRequestSlot(_ slot: Int) async throws {
        let (client, logger, node) = (self.client, self.logger, self.node)
        _ = try await JobStore.evenIfCancelled {
            try await client.query("""
                UPDATE request_slot SET node = NULL, held_until = NULL WHERE slot = \(Int32(clamping: slot)) AND node = \(node)
                """, logger: logger)
        }
    }

    package func releaseRequestSlots() async throws {
        try await client.query(
            "UPDATE request_slot SET node = NULL, held_until = NULL WHERE node = \(node)", logger: logger)
    }

    // MARK: - Requests per minute

    package func countRequest(perMinute limit: Int) async throws -> Bool {
        let minute = minuteStart(of: now())
        let rows = try await client.query("""
            INSERT INTO request_minute (minute, requests) SELECT \(minute), 1 WHERE \(Int32(clamping: limit)) >= 1
            ON CONFLICT (minute) DO UPDATE SET requests = request_minute.requests + 1
            WHERE request_minute.requests < \(Int32(clamping: limit))
            RETURNING requests
            """, logger: logger).collect()
        return !rows.isEmpty
    }

    // MARK: - Spending

    package func spend(_ cost: Int64, within budget: SpendingBudget) async throws -> Bool {
        let period = budget.period.key(for: now())
        let rows = try await client.query("""
            INSERT INTO spending (period, spent) SELECT \(period), \(cost) WHERE \(cost) <= \(budget.microdollars)
            ON CONFLICT (period) DO UPDATE SET spent = spending.spent + EXCLUDED.spent
            WHERE spending.spent + EXCLUDED.spent <= \(budget.microdollars)
            RETURNING spent
            """, logger: logger).collect()
        if !rows.isEmpty { return true }
        try await client.query("""
            INSERT INTO spending (period, spent, refused_at) VALUES (\(period), 0, \(budget.microdollars))
            ON CONFLICT (period) DO UPDATE SET refused_at = GREATEST(COALESCE(spending.refused_at, 0), EXCLUDED.refused_at)
            """, logger: logger)
        return false
    }

    package func limitUsage(budget: SpendingBudget?) async throws -> LimitUsage {
        let moment = now()
        let period = budget?.period.key(for: moment) ?? ""
        let rows = try await client.query("""
            SELECT (SELECT count(*) FROM request_slot WHERE node IS NOT NULL AND held_until >= \(moment)),
                   COALESCE((SELECT requests FROM request_minute WHERE minute = \(minuteStart(of: moment))), 0),
                   COALESCE((SELECT spent FROM spending WHERE period = \(period)), 0),
                   (SELECT refused_at FROM spending WHERE period = \(period))
            """, logger: logger)
        for try await (held, requests, spent, refusedAt) in rows.decode((Int64, Int32, Int64, Int64?).self) {
            var spentOut = false
            if let refusedAt, let budget { spentOut = budget.microdollars <= refusedAt }
            return LimitUsage(inFlight: Int(held), requestsThisMinute: Int(requests), spent: budget == nil ? 0 : spent,
                              budgetSpent: spentOut)
        }
        return LimitUsage(inFlight: 0, requestsThisMinute: 0, spent: 0, budgetSpent: false)
    }
}
