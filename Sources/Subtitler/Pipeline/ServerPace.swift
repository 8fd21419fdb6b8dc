import Foundation
import Subtitles

/// How many requests to keep in flight, learnt from the answers: a server that works on one request at a time (a
/// single Whisper worker) answers each request later the more are waiting in its queue, so its latency per second
/// of audio grows with every request added. Starts at the configured concurrency and never goes above it.
///
/// Each answer is compared with the fastest seen (seconds of waiting per second of audio): an answer that took more
/// than ``queueTolerance`` times as long waited in a queue, and the server then worked on about
/// `requests in flight when it was sent / that ratio` requests at once, which becomes the limit (never raised by
/// it). An answer that did not wait while the limit was in use raises the limit by one, so a server that is freed
/// gets its requests back. Pure numbers: the scheduler feeds it.
struct AdaptiveConcurrency: Sendable, Equatable {
    /// The configured concurrency: the start and the ceiling.
    let maximum: Int
    /// Requests that may be in flight now.
    private(set) var limit: Int
    /// The lowest ``limit`` went.
    private(set) var lowest: Int
    /// The fastest answer so far, seconds per second of audio.
    private(set) var fastestPace: Double?

    /// How much slower than the fastest an answer may be and still count as not queued (chunks differ in how much
    /// work their audio is).
    static let queueTolerance = 1.5
    /// Answers for less audio than this are not measured: a fixed cost per request dominates them.
    static let minimumAudio: Milliseconds = 10_000

    /// Starts at `maximum` requests in flight (at least one).
    init(maximum: Int) {
        self.maximum = max(1, maximum)
        limit = self.maximum
        lowest = self.maximum
    }

    /// Records one answer.
    /// - Parameters:
    ///   - latency: from sending the request to its answer.
    ///   - audio: the audio the request carried, milliseconds.
    ///   - inFlight: the requests in flight when it was sent, itself included.
    mutating func record(latency: Duration, audio: Milliseconds, inFlight: Int) {
        guard audio >= Self.minimumAudio, latency > .zero else { return }
        let pace = latency.asSeconds / (Double(audio) / 1000)
        let fastest = min(fastestPace ?? pace, pace)
        fastestPace = fastest
        let queued = pace / fastest
        if queued > Self.queueTolerance {
            let served = Double(max(1, inFlight)) / queued
            limit = max(1, min(limit, Int(served.rounded())))
            lowest = min(lowest, limit)
        } else if inFlight >= limit {
            limit = min(maximum, limit + 1)
        }
    }
}

/// When a server that has stopped answering is given up: never while it answers other requests. Time spent in the
/// server's queue is not a failed request: silence is measured from the server's last answer (or from the moment it
/// was given work while idle), so a request waiting behind others gets the time those others take. A server that
/// answers nothing for longer than the allowance of the longest request waiting is taken as stopped.
///
/// The allowance of a request is the ``RequestTimeoutPolicy`` timeout for its audio, or, when the server has shown
/// itself slower, ``paceMargin`` times the slowest time it took per second of audio between two answers. Pure numbers
/// on a run's clock (durations since the run began); the scheduler feeds it and sleeps until ``deadline(waiting:)``.
struct ServerWatch: Sendable, Equatable {
    /// The timeouts to scale from.
    let policy: RequestTimeoutPolicy
    /// The slowest work seen, seconds between the server's answers (or the request's sending) per second of audio.
    private(set) var slowestPace: Double?
    /// When the server last answered anything.
    private(set) var lastHeard: Duration?
    /// When the server was last given a request while it had none.
    private(set) var busySince: Duration?
    /// When the server last answered a check (``TranscriptionBackend/serverAnswers(within:)``) while it answered none
    /// of the requests waiting.
    private(set) var lastSeenUp: Duration?

    /// How long a server that answers checks, but none of the requests waiting, keeps them: it is shared, and other
    /// clients' requests are ahead of ours in its queue. Counted from its last answer to us.
    static let sharedServerLimit: Duration = .seconds(3_600)
    /// How long a check may take.
    static let checkTimeout: Duration = .seconds(10)

    /// How much longer than its slowest pace so far the server may take before it is given up.
    static let paceMargin = 2.0
    /// The attempt timeout the client gets while the watch decides: a day, a backstop only.
    static let attemptBackstop: Duration = .seconds(86_400)

    init(policy: RequestTimeoutPolicy) {
        self.policy = policy
    }

    /// Whether the watch decides (a scaled policy); a fixed timeout (`--timeout`) is each attempt's own limit.
    var isWatching: Bool { policy.fixed == nil }

    /// The timeout each attempt gets from the client: the fixed one, else the backstop.
    var attemptTimeout: Duration { policy.fixed ?? Self.attemptBackstop }

    /// A request went out at `time`, with `waiting` requests already in flight.
    mutating func sent(at time: Duration, waiting: Int) {
        if waiting == 0 { busySince = time }
    }

    /// The server answered (a transcript or an HTTP error) at `time` a request sent at `sent` carrying `audio`.
    mutating func heard(at time: Duration, sent: Duration, audio: Milliseconds) {
        let start = max(sent, lastHeard ?? sent)
        if audio >= AdaptiveConcurrency.minimumAudio, time > start {
            let pace = (time - start).asSeconds / (Double(audio) / 1000)
            slowestPace = max(slowestPace ?? pace, pace)
        }
        lastHeard = max(lastHeard ?? time, time)
    }

    /// How long the server may stay silent while a request for `audio` waits.
    func allowance(forAudio audio: Milliseconds) -> Duration {
        let timeout = policy.timeout(forAudio: audio)
        guard let slowestPace else { return timeout }
        let clamped = min(max(audio, 0), 86_400_000)
        let paced = Duration.milliseconds(Int64((Self.paceMargin * slowestPace * Double(clamped)).rounded(.up)))
        return max(timeout, paced)
    }

    /// When the silence starts that counts: the server's last answer, or when it was given work while idle.
    var silentSince: Duration? {
        switch (lastHeard, busySince) {
        case let (heard?, busy?): max(heard, busy)
        case let (heard, busy): heard ?? busy
        }
    }

    /// The server answered a check at `time`: it is up, so the silence to us is its queue (other clients), not a stop.
    mutating func seenUp(at time: Duration) {
        lastSeenUp = max(lastSeenUp ?? time, time)
    }

    /// Whether the server has answered a check since it last answered us.
    var isSeenUpSinceSilent: Bool {
        guard let lastSeenUp, let since = silentSince else { return false }
        return lastSeenUp > since
    }

    /// When the server, silent since ``silentSince``, is given up while requests for `waiting` audio wait; nil when
    /// nothing waits or a fixed timeout decides. A server seen up since is given another allowance from then, but
    /// never past ``sharedServerLimit`` of silence (or the allowance, if longer).
    func deadline(waiting: some Collection<Milliseconds>) -> Duration? {
        guard isWatching, let longest = waiting.max(), let since = silentSince else { return nil }
        let allowance = allowance(forAudio: longest)
        guard let seen = lastSeenUp, seen > since else { return since + allowance }
        return min(seen + allowance, since + max(allowance, Self.sharedServerLimit))
    }
}

/// A run's clock: durations since the run began on the backend's clock (a test's manual clock, or the continuous
/// clock), and sleeps until one of them.
struct RunClock: Sendable {
    /// The time since the run began.
    let elapsed: @Sendable () -> Duration
    /// Sleeps until `elapsed()` reaches the given time.
    let sleep: @Sendable (Duration) async throws -> Void

    init(_ clock: any Clock<Duration>) {
        self = Self.make(clock)
    }

    private init(elapsed: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.elapsed = elapsed
        self.sleep = sleep
    }

    private static func make<C: Clock<Duration>>(_ clock: C) -> RunClock {
        let start = clock.now
        return RunClock(elapsed: { start.duration(to: clock.now) },
                        sleep: { try await clock.sleep(until: start.advanced(by: $0), tolerance: nil) })
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var asSeconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
