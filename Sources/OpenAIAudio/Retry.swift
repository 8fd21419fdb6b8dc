import Foundation

/// A retry the client is about to make, reported to the caller's `onRetry` callback.
public struct RetryEvent: Sendable, Hashable {
    /// The endpoint path, for example `audio/transcriptions`.
    public var endpoint: String
    /// The attempt that just failed, starting at 1; the next attempt is `attempt + 1`.
    public var attempt: Int
    /// How long the client waits before the next attempt.
    public var delay: Duration
    /// Why the attempt failed, for example `HTTP 429 rate_limit_exceeded` or `network error: …`.
    public var reason: String
    /// The HTTP status of the failed attempt, when the server answered.
    public var status: Int?

    /// Creates a retry event.
    public init(endpoint: String, attempt: Int, delay: Duration, reason: String, status: Int? = nil) {
        self.endpoint = endpoint
        self.attempt = attempt
        self.delay = delay
        self.reason = reason
        self.status = status
    }
}

/// The retry rules of the official SDKs, with the project's exceptions.
enum RetryPolicy {
    /// Statuses never retried, whatever the headers say.
    static let neverRetried: Set<Int> = [400, 401, 403, 404, 413, 422]

    /// The delay before retrying an HTTP error response, or `nil` when it must not be retried.
    ///
    /// - Parameters:
    ///   - status: The response status.
    ///   - header: Looks up a response header case-insensitively (`retry-after-ms`, `retry-after`, `x-should-retry`).
    ///   - error: The parsed error body (quota errors are never retried).
    ///   - retriesTaken: How many retries were already made.
    ///   - backoff: The backoff settings.
    ///   - now: The current time, for HTTP-date `retry-after` values.
    ///   - random: A number in 0..<1 that picks the jitter.
    static func delay(
        status: Int,
        header: (String) -> String?,
        error: OpenAIAudioError,
        retriesTaken: Int,
        backoff: RetryBackoff,
        now: Date = Date(),
        random: Double = Double.random(in: 0..<1)
    ) -> Duration? {
        if neverRetried.contains(status) || error.isQuotaExhausted { return nil }
        switch header("x-should-retry")?.lowercased() {
        case "true": break
        case "false": return nil
        default:
            guard status == 408 || status == 409 || status == 429 || status >= 500 else { return nil }
        }
        if let hint = retryAfter(header, now: now) {
            if hint > backoff.maxRetryAfter { return nil }
            if hint > .zero { return hint }
        }
        return backoff.delay(beforeRetry: retriesTaken, random: random)
    }

    /// The server's requested delay from `retry-after-ms` (milliseconds) or `retry-after`
    /// (seconds or an HTTP date), or `nil` when neither is present and parseable.
    static func retryAfter(_ header: (String) -> String?, now: Date = Date()) -> Duration? {
        if let text = header("retry-after-ms"), let milliseconds = Double(text.trimmed), milliseconds.isFinite {
            return duration(milliseconds: milliseconds)
        }
        guard let text = header("retry-after")?.trimmed else { return nil }
        if let seconds = Double(text), seconds.isFinite {
            return duration(milliseconds: seconds * 1000)
        }
        if let date = parseHTTPDate(text) {
            return duration(milliseconds: date.timeIntervalSince(now) * 1000)
        }
        return nil
    }

    /// A finite millisecond count as a duration, clamped to about a year either way: a header value too large
    /// for Int64 must not crash the client (anything over the retry-after cap means "do not retry" anyway).
    static func duration(milliseconds: Double) -> Duration {
        let limit = 3.2e10
        return .milliseconds(Int64(min(max(milliseconds, -limit), limit).rounded()))
    }

    /// Parses an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`) and the two obsolete HTTP date forms.
    static func parseHTTPDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespaces) }
}
