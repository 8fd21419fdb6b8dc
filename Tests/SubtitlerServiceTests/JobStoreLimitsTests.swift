import Foundation
import Logging
import Testing
import TestSupport
@testable import SubtitlerService
import SubtitlerSupport

/// The figures behind the cluster's limits (``RequestLimitStoring``) and the jobs they hold (`waiting`), each test
/// against both stores on a clock that moves only when the test says so; the PostgreSQL store's sharing between
/// nodes (a killed node's slots, two nodes spending at once) over one database.
@Suite(.timeLimit(.minutes(3))) struct JobStoreLimitsTests {
    let logs = LogCapture()

    @Test(arguments: StoreKind.available) func requestSlotsStopAtTheLimitAndComeBackWhenReleased(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { (store: any JobStoring) async throws in
            #expect(try await store.takeRequestSlot(limit: 2) == 0)
            #expect(try await store.takeRequestSlot(limit: 2) == 1)
            #expect(try await store.takeRequestSlot(limit: 2) == nil)
            #expect(try await store.limitUsage(budget: nil).inFlight == 2)
            try await store.releaseRequestSlot(0)
            #expect(try await store.limitUsage(budget: nil).inFlight == 1)
            #expect(try await store.takeRequestSlot(limit: 2) == 0)
            // A higher limit (another node's) finds the slots past this one's.
            #expect(try await store.takeRequestSlot(limit: 3) == 2)
            try await store.releaseRequestSlots()
            #expect(try await store.limitUsage(budget: nil).inFlight == 0)
        }
    }

    @Test(arguments: StoreKind.available) func requestsPerMinuteStopAtTheLimitUntilTheNextMinute(kind: StoreKind) async throws {
        let date = TestDate()
        date.advance(by: 60 - date.now.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))   // a minute's start
        try await kind.withStore(logger: logs.logger, now: date.source) { (store: any JobStoring) async throws in
            for _ in 0..<3 { #expect(try await store.countRequest(perMinute: 3)) }
            #expect(try await !store.countRequest(perMinute: 3))
            #expect(try await store.limitUsage(budget: nil).requestsThisMinute == 3)
            date.advance(by: 59)
            #expect(try await !store.countRequest(perMinute: 3))
            date.advance(by: 1)
            #expect(try await store.limitUsage(budget: nil).requestsThisMinute == 0)
            #expect(try await store.countRequest(perMinute: 3))
            #expect(try await store.limitUsage(budget: nil).requestsThisMinute == 1)
        }
    }

    @Test(arguments: StoreKind.available) func spendingStopsAtTheBudgetUntilThePeriodRollsOverOrTheBudgetIsRaised(
        kind: StoreKind
    ) async throws {
        let date = TestDate()
        let budget = SpendingBudget(microdollars: 10_000, per: .day)
        try await kind.withStore(logger: logs.logger, now: date.source) { (store: any JobStoring) async throws in
            #expect(try await store.spend(4_000, within: budget))
            #expect(try await store.spend(4_000, within: budget))
            #expect(try await !store.limitUsage(budget: budget).budgetSpent)
            #expect(try await !store.spend(4_000, within: budget))
            let usage = try await store.limitUsage(budget: budget)
            #expect(usage.spent == 8_000 && usage.budgetSpent)
            // A higher budget is not spent yet, and spends from the same figure.
            let raised = SpendingBudget(microdollars: 12_000, per: .day)
            #expect(try await !store.limitUsage(budget: raised).budgetSpent)
            #expect(try await store.spend(4_000, within: raised))
            #expect(try await store.limitUsage(budget: raised).spent == 12_000)
            // The next UTC day starts from nothing.
            date.advance(by: 86_400)
            let tomorrow = try await store.limitUsage(budget: budget)
            #expect(tomorrow.spent == 0 && !tomorrow.budgetSpent)
            #expect(try await store.spend(10_000, within: budget))
            #expect(try await !store.spend(1, within: budget))
            // A month's budget counts the month's spending, not the day's.
            let monthly = SpendingBudget(microdollars: 1_000_000, per: .month)
            #expect(try await store.spend(500, within: monthly))
            #expect(try await store.limitUsage(budget: monthly).spent == 500)
        }
    }

    @Test(arguments: StoreKind.available) func jobsHeldByTheBudgetWaitAndAreQueuedAgainInTheirPlaces(kind: StoreKind) async throws {
        try await kind.withStore(logger: logs.logger) { (store: any JobStoring) async throws in
            var ids: [String] = []
            for name in ["a", "b", "c", "d"] {
                ids.append(try await store.enqueue(JobRequest(path: "/m/\(name).mkv"), resolvedPath: "/m/\(name).mkv",
                                                   origin: .api).job.id)
            }
            let running = try #require(try await store.claimNext())
            #expect(running.id == ids[0])
            #expect(try await store.wait(id: running.id, reason: .budget))
            let waiting = try #require(try await store.job(id: running.id))
            #expect(waiting.state == .waiting && waiting.waitReason == .budget)
            // Only a running job is stopped into waiting.
            #expect(try await !store.wait(id: ids[1], reason: .budget))
            #expect(try await store.holdQueued(reason: .budget) == 3)
            #expect(try await store.claimNext() == nil)
            #expect(try await store.counts()[.waiting] == 4)
            // A waiting job is still the job for its file, and can be cancelled.
            let again = try await store.enqueue(JobRequest(path: "/m/b.mkv"), resolvedPath: "/m/b.mkv", origin: .api)
            #expect(!again.created && again.job.id == ids[1])
            #expect(try await store.cancelIfQueued(id: ids[2])?.state == .cancelled)
            #expect(try await store.job(id: ids[2])?.waitReason == nil)
            #expect(try await store.resumeWaiting(reason: .budget) == 3)
            var claimed: [String] = []
            while let job = try await store.claimNext() {
                #expect(job.waitReason == nil)
                claimed.append(job.id)
                try await store.finish(id: job.id, state: .done, report: nil, error: nil)
            }
            #expect(claimed == [ids[0], ids[1], ids[3]])
        }
    }

    @Test(.enabled(if: PostgresCluster.isConfigured)) func aStoppedNodesRequestSlotsAreFreeAgainAfterItsLease() async throws {
        let date = TestDate()
        let database = try await PostgresTestDatabase.make()
        try await database.withStore(node: "a", now: date.source, logger: logs.logger) { a in
            try await database.withStore(node: "b", now: date.source, logger: logs.logger) { b in
                #expect(try await a.takeRequestSlot(limit: 2) == 0)
                #expect(try await a.takeRequestSlot(limit: 2) == 1)
                #expect(try await b.takeRequestSlot(limit: 2) == nil)
                // a's heartbeat keeps its slots past a lease from when it took them.
                date.advance(by: 20)
                try await a.recordHeartbeat(slots: 1, running: 1)
                date.advance(by: 20)
                #expect(try await b.takeRequestSlot(limit: 2) == nil)
                #expect(try await b.limitUsage(budget: nil).inFlight == 2)
                // Then a stops beating (killed): a lease later, its slots are b's to take.
                date.advance(by: 11)
                #expect(try await b.limitUsage(budget: nil).inFlight == 0)
                #expect(try await b.takeRequestSlot(limit: 2) == 0)
                // a's late release does not free the slot b holds now.
                try await a.releaseRequestSlot(0)
                #expect(try await b.limitUsage(budget: nil).inFlight == 1)
                try await a.releaseRequestSlots()
                #expect(try await a.takeRequestSlot(limit: 2) == 1)
            }
        }
    }

    @Test(.enabled(if: PostgresCluster.isConfigured)) func twoNodesSpendingAtOnceNeverPassTheBudget() async throws {
        let database = try await PostgresTestDatabase.make()
        let budget = SpendingBudget(microdollars: 10_500, per: .month)
        let granted = try await database.withStore(node: "a", logger: logs.logger) { a in
            try await database.withStore(node: "b", logger: logs.logger) { b in
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<30 {
                        let store = index.isMultiple(of: 2) ? a : b
                        group.addTask { try await store.spend(1_000, within: budget) }
                    }
                    var granted = 0
                    for try await added in group where added { granted += 1 }
                    let usage = try await a.limitUsage(budget: budget)
                    #expect(usage.spent == 10_000 && usage.budgetSpent)
                    return granted
                }
            }
        }
        #expect(granted == 10)
    }

    @Test func budgetsParseAndPriceByAudioSeconds() throws {
        let daily = try SpendingBudget(parsing: "$20/day")
        #expect(daily == SpendingBudget(microdollars: 20_000_000, per: .day))
        #expect(try SpendingBudget(parsing: "0.5/MONTH") == SpendingBudget(microdollars: 500_000, per: .month))
        for bad in ["20", "20/week", "x/day", "-1/day", "/day"] {
            #expect(throws: SettingProblem.self) { try SpendingBudget(parsing: bad) }
        }
        // Whisper at $0.006 a minute: 10 s cost $0.001, rounded up to the next millionth.
        #expect(SpendingBudget.price(seconds: 10, pricePerMinute: 0.006) == 1_000)
        #expect(SpendingBudget.price(seconds: 10.0001, pricePerMinute: 0.006) == 1_001)
        let noon = Date(timeIntervalSince1970: 1_796_990_400)   // 2026-12-11 12:00 UTC
        #expect(SpendingBudget.Period.day.key(for: noon) == "day:2026-12-11")
        #expect(SpendingBudget.Period.month.key(for: noon) == "month:2026-12")
        #expect(ClusterLimits(inFlight: 0).problem?.setting == "clusterInFlight")
        #expect(ClusterLimits(inFlight: 1, requestsPerMinute: 1).problem == nil)
    }
}
