/// A fixed number of work slots shared by queued jobs and Bazarr's synchronous requests: at most `count` files are
/// decoded and sent at once, while any number of requests wait (their connections stay open and accepted).
package actor SlotPool {
    private let count: Int
    private var used = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0

    /// Creates a pool of `count` slots (at least one).
    package init(count: Int) {
        self.count = max(1, count)
    }

    /// How many slots there are.
    package nonisolated var capacity: Int { count }

    /// How many slots are in use.
    package var inUse: Int { used }

    /// How many callers wait for a slot.
    package var waiting: Int { waiters.count }

    /// Waits for a free slot and takes it.
    /// - Throws: `CancellationError` when the waiting task is cancelled (it then holds no slot).
    package func acquire() async throws {
        try Task.checkCancellation()
        if used < count {
            used += 1
            return
        }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Gives a slot back (to the longest waiter, if any).
    package func release() {
        if waiters.isEmpty {
            used = max(0, used - 1)
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    /// Runs `body` holding a slot.
    package func withSlot<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }
}
