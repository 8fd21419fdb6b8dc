import Foundation
import Prometheus
import Subtitler
import SubtitlerJobs

/// The service's figures in Prometheus's text format (`GET /metrics`): jobs by state, audio done, API requests,
/// retries, bytes sent, and how long jobs waited for a slot.
package final class ServiceMetrics: Sendable {
    /// The registry the figures live in.
    package let registry = PrometheusCollectorRegistry()
    private let jobs: [ServiceJob.State: Gauge]
    private let audioSeconds: Counter
    private let apiRequests: Counter
    private let retries: Counter
    private let bytesSent: Counter
    private let queueWait: DurationHistogram
    private let bazarrRequests: Counter
    private let limitGauges: [String: Gauge]

    /// Creates the metrics.
    package init() {
        var jobs: [ServiceJob.State: Gauge] = [:]
        for state in ServiceJob.State.allCases {
            jobs[state] = registry.makeGauge(name: "subtitler_jobs", labels: [("state", state.rawValue)],
                                             help: "Jobs in the store by state")
        }
        self.jobs = jobs
        audioSeconds = registry.makeCounter(name: "subtitler_audio_seconds_total", labels: [],
                                            help: "Seconds of audio subtitled by finished jobs")
        apiRequests = registry.makeCounter(name: "subtitler_api_requests_total", labels: [],
                                           help: "Requests sent to the audio API (retries not counted)")
        retries = registry.makeCounter(name: "subtitler_api_retries_total", labels: [],
                                       help: "Retries after transient API failures")
        bytesSent = registry.makeCounter(name: "subtitler_api_bytes_sent_total", labels: [],
                                         help: "Request-body bytes sent to the audio API")
        queueWait = registry.makeDurationHistogram(
            name: "subtitler_queue_wait_seconds", labels: [],
            buckets: [.seconds(1), .seconds(10), .seconds(60), .seconds(300), .seconds(1800), .seconds(7200)],
            help: "Time from a job's creation to its start")
        bazarrRequests = registry.makeCounter(name: "subtitler_bazarr_requests_total", labels: [],
                                              help: "Requests to Bazarr's provider API (/asr, /detect-language)")
        var limitGauges: [String: Gauge] = [:]
        for (name, help) in [
            ("subtitler_cluster_requests_in_flight", "API requests in flight across the cluster (request slots held)"),
            ("subtitler_cluster_requests_in_flight_limit", "The cluster's limit of API requests in flight (0: none)"),
            ("subtitler_cluster_requests_this_minute", "API requests the cluster started in the current minute"),
            ("subtitler_cluster_requests_per_minute_limit", "The cluster's limit of API requests per minute (0: none)"),
            ("subtitler_budget_spent_dollars", "US dollars spent in the budget's current period"),
            ("subtitler_budget_dollars", "The spending budget of the current period in US dollars (0: none)"),
            ("subtitler_budget_exhausted", "1 while the current period's budget is spent (jobs wait), else 0"),
        ] {
            limitGauges[name] = registry.makeGauge(name: name, labels: [], help: help)
        }
        self.limitGauges = limitGauges
    }

    /// Sets the limit gauges: use (as the store sees it now) against each of `limits`.
    func setLimits(_ usage: LimitUsage, of limits: ClusterLimits) {
        let values: [String: Double] = [
            "subtitler_cluster_requests_in_flight": Double(usage.inFlight),
            "subtitler_cluster_requests_in_flight_limit": Double(limits.inFlight ?? 0),
            "subtitler_cluster_requests_this_minute": Double(usage.requestsThisMinute),
            "subtitler_cluster_requests_per_minute_limit": Double(limits.requestsPerMinute ?? 0),
            "subtitler_budget_spent_dollars": Double(usage.spent) / 1_000_000,
            "subtitler_budget_dollars": Double(limits.budget?.microdollars ?? 0) / 1_000_000,
            "subtitler_budget_exhausted": usage.budgetSpent ? 1 : 0,
        ]
        for (name, value) in values { limitGauges[name]?.set(value) }
    }

    /// Sets the job gauges from the store's counts.
    func setJobs(_ counts: [ServiceJob.State: Int]) {
        for (state, gauge) in jobs { gauge.set(Double(counts[state] ?? 0)) }
    }

    /// Adds a finished job's (or a Bazarr request's) figures.
    func record(_ report: JobReport) {
        if report.status == .done, let audio = report.run?.audioDuration { audioSeconds.increment(by: Double(audio) / 1000) }
        if let requests = report.requests { apiRequests.increment(by: Int64(requests)) }
        if let count = report.retries { retries.increment(by: Int64(count)) }
        if let bytes = report.bytesSent { bytesSent.increment(by: Int64(bytes)) }
    }

    /// Records how long a job waited for a slot.
    func recordQueueWait(_ wait: Duration) { queueWait.record(wait) }

    /// Counts a request to Bazarr's API.
    func countBazarrRequest() { bazarrRequests.increment() }

    /// The Prometheus text exposition.
    package func exposition() -> String { registry.emitToString() }
}
