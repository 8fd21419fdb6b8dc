import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Holds pieces of blocking work on their own threads until the test opens it, and lets the test wait until a
/// number of them have arrived. (``Gate`` is its counterpart for tasks.)
///
/// A watchdog opens the gate after a long time if the test has not: a test whose failure mode is a hang then fails
/// instead, by checking ``openedByWatchdog``.
public final class ThreadGate: Sendable {
    private let arrived = DispatchSemaphore(value: 0)
    private let isOpen = ConditionLock(value: false)
    private let watchdogOpened = NIOLockedValueBox(false)

    /// Creates a closed gate whose watchdog opens it after `watchdogSeconds`.
    public init(watchdogSeconds: Double = 60) {
        Thread { [isOpen, watchdogOpened] in
            if isOpen.lock(whenValue: true, timeoutSeconds: watchdogSeconds) {
                isOpen.unlock()
            } else {
                watchdogOpened.withLockedValue { $0 = true }
                isOpen.lock()
                isOpen.unlock(withValue: true)
            }
        }.start()
    }

    /// Called on the blocked thread: counts an arrival, then blocks the thread until the gate is open.
    public func pass() {
        arrived.signal()
        isOpen.lock(whenValue: true)
        isOpen.unlock()
    }

    /// Waits, on a thread of its own, until `count` more pieces have arrived; false if they had not within
    /// `timeoutSeconds` (a guard against a hang, not a synchronisation).
    public func arrivals(_ count: Int, timeoutSeconds: Double = 30) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread { [arrived] in
                let deadline = DispatchTime.now() + timeoutSeconds
                let all = (0..<count).allSatisfy { _ in arrived.wait(timeout: deadline) == .success }
                continuation.resume(returning: all)
            }.start()
        }
    }

    /// Opens the gate: every held piece, and every later one, goes through.
    public func open() {
        isOpen.lock()
        isOpen.unlock(withValue: true)
    }

    /// Whether the watchdog, not the test, opened the gate.
    public var openedByWatchdog: Bool { watchdogOpened.withLockedValue { $0 } }
}
