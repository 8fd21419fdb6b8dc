import Foundation
import SubtitlerSupport

/// The limits every node of a cluster shares (`serve --cluster-in-flight`, `--cluster-rpm`, `--budget`): API requests
/// in flight, requests per minute, and spending per day or month. The figures live in the job store, so they hold
/// across nodes (PostgreSQL) and for the one node of the SQLite store alike; nil is no limit. Every node of a cluster
/// should be given the same limits: each enforces the ones it was given against the shared figures.
package struct ClusterLimits: Sendable, Hashable {
    /// The most API requests in flight across the cluster.
    package var inFlight: Int?
    /// The most API requests the cluster starts in one minute (a calendar minute on the nodes' clock).
    package var requestsPerMinute: Int?
    /// The most the cluster spends in a day or a month, priced from the model catalogue by audio seconds.
    package var budget: SpendingBudget?

    /// No limits.
    package init(inFlight: Int? = nil, requestsPerMinute: Int? = nil, budget: SpendingBudget? = nil) {
        self.inFlight = inFlight
        self.requestsPerMinute = requestsPerMinute
        self.budget = budget
    }

    /// Whether any limit is set.
    package var isEmpty: Bool { inFlight == nil && requestsPerMinute == nil && budget == nil }

    /// Why the limits cannot be used, or nil.
    package var problem: SettingProblem? {
        if let inFlight, inFlight < 1 {
            return SettingProblem("clusterInFlight", "the cluster's requests in flight must be at least 1, not \(inFlight)")
        }
        if let requestsPerMinute, requestsPerMinute < 1 {
            return SettingProblem("clusterRPM", "the cluster's requests per minute must be at least 1, not \(requestsPerMinute)")
        }
        return nil
    }
}

/// A spending limit: so many US dollars per day or per month (UTC), as `--budget 20/day` or `--budget 300/month`.
package struct SpendingBudget: Sendable, Hashable, CustomStringConvertible {
    /// How often the budget starts again.
    package enum Period: String, Sendable, Hashable, CaseIterable {
        /// Each UTC day.
        case day
        /// Each UTC calendar month.
        case month

        /// The key of the period holding `date` (`day:2026-12-08`, `month:2026-12`), as the store keeps spending.
        package func key(for date: Date) -> String {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let (year, month, day) = (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            switch self {
            case .day: return "day:" + String(format: "%04d-%02d-%02d", year, month, day)
            case .month: return "month:" + String(format: "%04d-%02d", year, month)
            }
        }
    }

    /// The amount, in millionths of a US dollar (the store adds whole numbers, never floating point).
    package var microdollars: Int64
    /// How often it starts again.
    package var period: Period

    /// A budget of `microdollars` per `period`.
    package init(microdollars: Int64, per period: Period) {
        self.microdollars = microdollars
        self.period = period
    }

    /// Parses `AMOUNT/day` or `AMOUNT/month` (US dollars, a leading `$` allowed).
    /// - Throws: ``SettingProblem`` naming `budget`.
    package init(parsing text: String) throws(SettingProblem) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let amountText = parts.first.map { $0.hasPrefix("$") ? $0.dropFirst() : $0 } ?? ""
        guard parts.count == 2, let period = Period(rawValue: String(parts[1]).lowercased()) else {
            throw SettingProblem("budget", "the budget '\(text)' is not AMOUNT/day or AMOUNT/month (US dollars, e.g. 20/day)")
        }
        guard let amount = Double(amountText), amount.isFinite, amount >= 0, amount < 1e9 else {
            throw SettingProblem("budget", "the budget's amount '\(amountText)' is not a number of US dollars from 0 up")
        }
        self.init(microdollars: Int64((amount * 1_000_000).rounded()), per: period)
    }

    /// `$20.00/day`.
    package var description: String {
        String(format: "$%.2f/%@", Double(microdollars) / 1_000_000, period.rawValue)
    }

    /// The price of `seconds` of audio at `pricePerMinute` US dollars, in millionths of a dollar, rounded up (a
    /// request is never priced at less than it costs).
    package static func price(seconds: Double, pricePerMinute: Double) -> Int64 {
        Int64((max(0, seconds) / 60 * pricePerMinute * 1_000_000).rounded(.up))
    }
}

/// The shared figures behind ``ClusterLimits``, kept by the job store: request slots leased to nodes, requests
/// counted per minute, and spending per budget period. Times come from the store's clock.
package protocol RequestLimitStoring: Sendable {
    /// Takes a free one of `limit` request slots for this node (slots held by a node whose heartbeat stopped for a
    /// lease are free again); nil when live nodes hold all of them.
    func takeRequestSlot(limit: Int) async throws -> Int?

    /// Gives back a slot this node took.
    func releaseRequestSlot(_ slot: Int) async throws

    /// Gives back every slot this node holds (at start: the slots of this node's previous, killed, process).
    func releaseRequestSlots() async throws

    /// Counts one request in the current minute unless `limit` were already counted in it.
    /// - Returns: whether it was counted (false: wait for the next minute).
    func countRequest(perMinute limit: Int) async throws -> Bool

    /// Adds `cost` (millionths of a US dollar) to the spending of `budget`'s current period unless it would pass the
    /// budget; a refusal marks the period spent at this budget (until it rolls over or the budget is raised).
    /// - Returns: whether it was added.
    func spend(_ cost: Int64, within budget: SpendingBudget) async throws -> Bool

    /// Use against each limit now (for `/metrics` and the scheduler's budget check).
    func limitUsage(budget: SpendingBudget?) async throws -> LimitUsage
}

/// Use against the cluster's limits, as the store sees it now.
package struct LimitUsage: Sendable, Hashable {
    /// Request slots held by live nodes.
    package var inFlight: Int
    /// Requests counted in the current minute.
    package var requestsThisMinute: Int
    /// Spent in the budget's current period, millionths of a US dollar (0 without a budget).
    package var spent: Int64
    /// Whether the current period's budget is spent: a request was refused at this budget or a lower one.
    package var budgetSpent: Bool
}

/// The start of the calendar minute holding `date` (the window requests per minute are counted in).
func minuteStart(of date: Date) -> Date {
    Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60)
}
