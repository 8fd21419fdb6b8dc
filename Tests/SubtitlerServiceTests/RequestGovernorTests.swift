import Foundation
import GRDB
import OpenAIAudio
import Testing
import TestSupport
@testable import SubtitlerService

/// The limits as a request meets them (``RequestGovernor`` around a backend, ``GovernedBackend``), over the SQLite
/// store's figures: the governor waits on a ``ManualClock``, the store's minutes and days move on a ``TestDate``, and
/// the fake backend holds its answers behind a ``Gate``; nothing waits on the wall clock.
@Suite(.timeLimit(.minutes(1))) struct RequestGovernorTests {
    static let answer = VerboseTranscription(text: "Tone.", segments: [])

    /// A request carrying `seconds` of audio.
    static func request(seconds: Int) -> TranscriptionRequest {
        var file = AudioUpload(data: [0, 1, 2, 3], filename: "chunk-0001.flac")
        file.duration = .seconds(seconds)
        return TranscriptionRequest(file: file, model: "whisper-1")
    }

    /// Wakes the sleeps on `clock` (the pollers' waits for their next look), then each one started after, until
    /// cancelled.
    static func wakeEverySleep(on clock: ManualClock) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                let seen = clock.sleepCount
                clock.advance(by: .seconds(1))
                await clock.sleeps(seen + 1)
            }
        }
    }

    @Test func theInFlightLimitHoldsRequestsBackUntilASlotIsFree() async throws {
        let store = try JobStore(database: DatabaseQueue())
        let clock = ManualClock()
        let governor = RequestGovernor(limits: ClusterLimits(inFlight: 2), store: store, clock: clock)
        let gate = Gate()
        let backend = FakeTranscriptionBackend { _ in
            await gate.wait()
            return Self.answer
        }
        let governed = GovernedBackend(base: backend, governor: governor)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask { _ = try await governed.transcribeVerbose(Self.request(seconds: 10), timeout: .seconds(60), onRetry: nil) }
            }
            // Two are sent; the three others wait for a slot, looking again on the governor's clock.
            await gate.arrivals(2)
            await clock.sleeps(3)
            #expect(backend.calls.count == 2)
            #expect(try await store.limitUsage(budget: nil).inFlight == 2)
            gate.open()
            let waker = Self.wakeEverySleep(on: clock)
            try await group.waitForAll()
            waker.cancel()
        }
        #expect(backend.calls.count == 5)
        #expect(backend.maxInFlight == 2)
        #expect(try await store.limitUsage(budget: nil).inFlight == 0)
    }

    @Test func aFullMinuteHoldsRequestsUntilTheNextOne() async throws {
        let date = TestDate()
        let store = try JobStore(database: DatabaseQueue(), now: date.source)
        let clock = ManualClock()
        let governor = RequestGovernor(limits: ClusterLimits(requestsPerMinute: 1), store: store, clock: clock)
        let backend = FakeTranscriptionBackend(always: Self.answer)
        let governed = GovernedBackend(base: backend, governor: governor)
        _ = try await governed.transcribeVerbose(Self.request(seconds: 10), timeout: .seconds(60), onRetry: nil)
        let second = Task { try await governed.transcribeVerbose(Self.request(seconds: 10), timeout: .seconds(60), onRetry: nil) }
        await clock.sleeps(1)
        clock.advance(by: .seconds(1))
        await clock.sleeps(2)
        #expect(backend.calls.count == 1)
        // The next minute on the store's clock: the waiting request goes at its next look.
        date.advance(by: 60)
        clock.advance(by: .seconds(1))
        _ = try await second.value
        #expect(backend.calls.count == 2)
    }

    @Test func aRefusedBudgetStopsItsJobAndFailsARequestOutsideOne() async throws {
        let store = try JobStore(database: DatabaseQueue())
        // 10 s of whisper-1 at $0.006 a minute is $0.001: the budget pays for one such request.
        let budget = SpendingBudget(microdollars: 1_500, per: .day)
        let governor = RequestGovernor(limits: ClusterLimits(budget: budget), store: store, clock: ManualClock())
        let backend = FakeTranscriptionBackend(always: Self.answer)
        let governed = GovernedBackend(base: backend, governor: governor)
        _ = try await governed.transcribeVerbose(Self.request(seconds: 10), timeout: .seconds(60), onRetry: nil)
        #expect(try await store.limitUsage(budget: budget).spent == 1_000)

        // Outside a job (Bazarr's /asr): the request fails, never sent.
        let refusal = await #expect(throws: OpenAIAudioError.self) {
            _ = try await governed.transcribeVerbose(Self.request(seconds: 10), timeout: .seconds(60), onRetry: nil)
        }
        #expect(refusal?.code == "budget_spent" && refusal?.attempts == 0)
        #expect(try await store.limitUsage(budget: budget).budgetSpent)

        // Inside a job: the job is named for the scheduler to stop, and the request ends when it is.
        let inJob = Task {
            try await ServiceTaskContext.$jobID.withValue("job-1") {
                try await governed.transcribeVerbose(Self.request(seconds: 10), timeout: .seconds(60), onRetry: nil)
            }
        }
        var stops = governor.budgetStops.makeAsyncIterator()
        #expect(await stops.next() == "job-1")
        inJob.cancel()
        let ended = await inJob.result
        #expect((try? ended.get()) == nil)
        #expect(backend.calls.count == 1)
        #expect(try await store.limitUsage(budget: budget).spent == 1_000)
    }
}
