import Testing

/// One test at a time uses the local backend, across every suite and test target of the run.
///
/// The local Whisper server works through one request at a time on a 2-core machine; when every backend suite
/// sends at once, requests wait in its queue longer than the pipeline's request timeout and fail as timeouts that
/// say nothing about the code under test. With this trait a test waits for its turn before it starts (a FIFO, so
/// no test starves), and each request then meets an idle server.
///
/// ```swift
/// @Suite(.enabled(if: LocalBackend.isWhisperConfigured), .backendTurn, .serialized)
/// ```
public struct BackendTurnTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> BackendTurnTrait? {
        // Each test case takes a turn; a suite itself does not (its tests would wait for it).
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await BackendTurns.shared.acquire()
        do {
            try await function()
        } catch {
            await BackendTurns.shared.release()
            throw error
        }
        await BackendTurns.shared.release()
    }
}

extension Trait where Self == BackendTurnTrait {
    /// The test (or every test of the suite) waits for its turn at the local backend.
    public static var backendTurn: Self { BackendTurnTrait() }
}

/// A first-come, first-served lock held across `await`s.
actor BackendTurns {
    static let shared = BackendTurns()
    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            held = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
