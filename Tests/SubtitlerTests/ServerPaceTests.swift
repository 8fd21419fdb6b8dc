import Foundation
import Subtitles
import Testing
@testable import Subtitler

/// The requests in flight, learnt from the answers' latency per second of audio.
@Suite struct AdaptiveConcurrencyTests {
    @Test func aServerThatAnswersOneAtATimeBringsTheLimitToOne() {
        var limiter = AdaptiveConcurrency(maximum: 4)
        // Four 120 s chunks sent at once to one worker taking 300 s each: answers after 300, 600, 900, 1200 s.
        for (order, latency) in [300, 600, 900, 1_200].enumerated() {
            limiter.record(latency: .seconds(latency), audio: 120_000, inFlight: order + 1)
        }
        #expect(limiter.limit == 1)
        #expect(limiter.lowest == 1)
        #expect(limiter.fastestPace == 2.5)
    }

    @Test func answersThatDoNotWaitKeepFullConcurrency() {
        var limiter = AdaptiveConcurrency(maximum: 4)
        // Four workers: every answer takes its own work only, give or take what chunks differ (under 1.5 times).
        for (order, latency) in [300, 310, 290, 400, 305, 420, 300, 299].enumerated() {
            limiter.record(latency: .seconds(latency), audio: 120_000, inFlight: min(4, order + 1))
        }
        #expect(limiter.limit == 4)
        #expect(limiter.lowest == 4)
    }

    @Test func twoWorkersGiveTwo() {
        var limiter = AdaptiveConcurrency(maximum: 4)
        // Two workers, four sent at once: two answers after 300 s, two after 600 s.
        for (order, latency) in [300, 300, 600, 600].enumerated() {
            limiter.record(latency: .seconds(latency), audio: 120_000, inFlight: order + 1)
        }
        #expect(limiter.limit == 2)
    }

    @Test func aServerThatIsFreedGetsItsRequestsBackButNeverMoreThanConfigured() {
        var limiter = AdaptiveConcurrency(maximum: 3)
        limiter.record(latency: .seconds(100), audio: 100_000, inFlight: 1)
        limiter.record(latency: .seconds(300), audio: 100_000, inFlight: 3)
        #expect(limiter.limit == 1)
        // Answers that did not wait while the limit was in use raise it by one each.
        limiter.record(latency: .seconds(100), audio: 100_000, inFlight: 1)
        #expect(limiter.limit == 2)
        limiter.record(latency: .seconds(100), audio: 100_000, inFlight: 1)   // the limit was not in use
        #expect(limiter.limit == 2)
        limiter.record(latency: .seconds(100), audio: 100_000, inFlight: 2)
        limiter.record(latency: .seconds(100), audio: 100_000, inFlight: 3)
        limiter.record(latency: .seconds(100), audio: 100_000, inFlight: 3)
        #expect(limiter.limit == 3)
        #expect(limiter.lowest == 1)
    }

    @Test func shortRequestsAreNotMeasured() {
        var limiter = AdaptiveConcurrency(maximum: 4)
        limiter.record(latency: .seconds(1), audio: 120_000, inFlight: 1)
        // A 5 s tail whose fixed cost makes it slow per second of audio says nothing about a queue.
        limiter.record(latency: .seconds(3), audio: 5_000, inFlight: 4)
        #expect(limiter.limit == 4)
        #expect(AdaptiveConcurrency(maximum: 0).limit == 1)
    }
}

/// When a server is given up: measured from its last answer, never while it answers others.
@Suite struct ServerWatchTests {
    let policy = RequestTimeoutPolicy()   // 60 s + 3 s per second of audio, 120 s to 1 h

    @Test func aRequestWaitingBehindOthersGetsTheTimeTheyTake() {
        var watch = ServerWatch(policy: policy)
        // Four 120 s chunks sent at 0 to one worker; each alone may take 60 + 360 = 420 s.
        watch.sent(at: .zero, waiting: 0)
        for waiting in 1...3 { watch.sent(at: .zero, waiting: waiting) }
        let audio: [Milliseconds] = [120_000, 120_000, 120_000, 120_000]
        #expect(watch.deadline(waiting: audio) == .seconds(420))
        // The server answers every 300 s: the last chunk, sent at 0, is never due while it does.
        watch.heard(at: .seconds(300), sent: .zero, audio: 120_000)
        watch.heard(at: .seconds(600), sent: .zero, audio: 120_000)
        watch.heard(at: .seconds(900), sent: .zero, audio: 120_000)
        #expect(watch.silentSince == .seconds(900))
        #expect(watch.slowestPace == 2.5)
        // 2 × 2.5 s per second of audio is more than the policy's 420 s: 600 s after the last answer.
        #expect(watch.deadline(waiting: [120_000]) == .seconds(1_500))
        #expect(watch.deadline(waiting: [Milliseconds]()) == nil)
    }

    @Test func theAllowanceScalesWithTheSlowestPaceSeen() {
        var watch = ServerWatch(policy: policy)
        #expect(watch.allowance(forAudio: 300_000) == .seconds(960))
        watch.sent(at: .zero, waiting: 0)
        watch.heard(at: .seconds(1_500), sent: .zero, audio: 300_000)   // 5 s per second of audio
        #expect(watch.allowance(forAudio: 300_000) == .seconds(3_000))
        #expect(watch.allowance(forAudio: 5_000) == .seconds(120))   // the policy's floor stays the least
        // A faster answer later does not shrink it.
        watch.heard(at: .seconds(1_600), sent: .seconds(1_500), audio: 300_000)
        #expect(watch.allowance(forAudio: 300_000) == .seconds(3_000))
    }

    @Test func anIdleServerGivenWorkIsTimedFromThen() {
        var watch = ServerWatch(policy: policy)
        watch.sent(at: .zero, waiting: 0)
        watch.heard(at: .seconds(100), sent: .zero, audio: 60_000)
        // Nothing was in flight until 500 s: the silence counts from the new request, not from the last answer.
        watch.sent(at: .seconds(500), waiting: 0)
        #expect(watch.silentSince == .seconds(500))
        #expect(watch.deadline(waiting: [60_000]) == .seconds(500 + 240))
        // Another request sent while that one waits does not restart the count.
        watch.sent(at: .seconds(600), waiting: 1)
        #expect(watch.deadline(waiting: [60_000, 60_000]) == .seconds(740))
    }

    @Test func aServerSeenUpGetsAnotherAllowanceFromThenButNotPastTheSharedLimit() {
        var watch = ServerWatch(policy: policy)
        watch.sent(at: .zero, waiting: 0)
        watch.heard(at: .seconds(100), sent: .zero, audio: 60_000)   // silent since 100 s; 240 s a 60 s chunk
        #expect(watch.deadline(waiting: [60_000]) == .seconds(340))
        #expect(!watch.isSeenUpSinceSilent)
        // Up at 340 s (answering others): another 240 s from then.
        watch.seenUp(at: .seconds(340))
        #expect(watch.isSeenUpSinceSilent)
        #expect(watch.deadline(waiting: [60_000]) == .seconds(580))
        // Up again and again: never past an hour of silence to us.
        watch.seenUp(at: .seconds(3_500))
        #expect(watch.deadline(waiting: [60_000]) == .seconds(100) + ServerWatch.sharedServerLimit)
        // An answer to us (to a request sent at 3,590 s, so its pace is quick) ends the silence; a check before it no
        // longer counts.
        watch.heard(at: .seconds(3_600), sent: .seconds(3_590), audio: 60_000)
        #expect(!watch.isSeenUpSinceSilent)
        #expect(watch.deadline(waiting: [60_000]) == .seconds(3_600 + 240))
    }

    @Test func aFixedTimeoutIsEachAttemptsOwnLimit() {
        let watch = ServerWatch(policy: RequestTimeoutPolicy(fixed: .seconds(30)))
        #expect(!watch.isWatching)
        #expect(watch.attemptTimeout == .seconds(30))
        #expect(watch.deadline(waiting: [120_000]) == nil)
        #expect(ServerWatch(policy: policy).attemptTimeout == ServerWatch.attemptBackstop)
    }

    @Test func silenceIsDescribedInWords() {
        #expect(ChunkScheduler.describe(.seconds(960)) == "16 min")
        #expect(ChunkScheduler.describe(.seconds(3_723)) == "1 h 2 min 3 s")
        #expect(ChunkScheduler.describe(.milliseconds(400)) == "0 s")
    }
}
