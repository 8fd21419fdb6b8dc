import Foundation
import NIOPosix

/// Runs blocking work (FFmpeg decoding and encoding, hashing, file reads and writes) on a pool of threads made for
/// it, never on Swift's cooperative threads, so a service running many jobs keeps its event loops and other tasks
/// responsive.
///
/// Work goes to one of two pools: ``BlockingPool/media`` for long CPU-bound pieces (decode, encode, speech
/// detection, mux) and ``BlockingPool/io`` (the default) for short ones that requests wait on (the job store, file
/// reads and writes, hashing), so a health check or a job list never queues behind a multi-second decode.
///
/// The calling task waits without blocking a thread. Work that is already running is not interrupted by
/// cancellation; callers split long work into steps and check for cancellation between them.
package enum BlockingWork {
    /// Runs `body` on `pool` and returns its result.
    /// - Parameters:
    ///   - pool: where the work runs: ``BlockingPool/media`` for decoding, encoding, speech detection and muxing;
    ///     ``BlockingPool/io`` (the default) for everything else.
    ///   - label: what the work is, for diagnostics (`decode`, `encode`, `hash`, `write`…).
    ///   - body: the blocking work.
    /// - Throws: what `body` throws; `CancellationError` if the task is cancelled before the work starts or the
    ///   pool is shutting down.
    package static func run<T: Sendable>(
        on pool: BlockingPool = .io, _ label: StaticString = "blocking", _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await pool.run(label, body)
    }

    /// Runs `body` on `pool` even when the calling task is cancelled: for bookkeeping that must happen on the way
    /// out (recording that a job stopped).
    package static func runEvenIfCancelled<T: Sendable>(
        on pool: BlockingPool = .io, _ label: StaticString = "blocking", _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await pool.runEvenIfCancelled(label, body)
    }
}

/// A pool of threads for blocking work.
///
/// The process has two, ``io`` and ``media``, each started once on first use. Tests make pools of their own (with
/// an observer, to see or hold every piece of work) and shut them down when done.
package final class BlockingPool: Sendable {
    /// Short blocking work that requests wait on: the job store, file reads and writes, hashing, scans. NIO's shared
    /// pool for blocking work (one thread per core).
    package static let io = BlockingPool(started: NIOThreadPool.singleton, observer: nil)

    /// Long CPU-bound work: decoding, resampling, encoding, speech detection, muxing. A pool of its own, one thread
    /// per core (at least two), started on first use, so such work never holds up ``io``.
    package static let media = BlockingPool(
        threads: max(2, ProcessInfo.processInfo.activeProcessorCount), observer: nil)

    private let pool: NIOThreadPool
    private let observer: (@Sendable (String) -> Void)?

    /// The number of threads, that is how many pieces of work run at once.
    package var threadCount: Int { pool.numberOfThreads }

    /// Starts a pool of its own with `threads` threads.
    /// - Parameters:
    ///   - threads: how many pieces of work run at once.
    ///   - observer: called on the pool's thread at the start of each piece of work, with its label (for tests:
    ///     to count the pieces, or hold them).
    package init(threads: Int, observer: (@Sendable (String) -> Void)? = nil) {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        self.pool = pool
        self.observer = observer
    }

    private init(started pool: NIOThreadPool, observer: (@Sendable (String) -> Void)?) {
        self.pool = pool
        self.observer = observer
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    /// - Throws: what `body` throws; `CancellationError` if the task is cancelled before the work starts or the
    ///   pool is shutting down.
    package func run<T: Sendable>(
        _ label: StaticString = "blocking", _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let observer = self.observer
        return try await pool.runIfActive {
            observer?(String(describing: label))
            return try body()
        }
    }

    /// Runs `body` on one of the pool's threads even when the calling task is cancelled.
    package func runEvenIfCancelled<T: Sendable>(
        _ label: StaticString = "blocking", _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        // A detached task does not inherit the caller's cancellation.
        try await Task.detached { try await self.run(label, body) }.value
    }

    /// Stops a pool made with ``init(threads:observer:)`` once its queued work is done. Never call it on ``io``
    /// or ``media``.
    package func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}

/// Hands a value that is confined to one task to the blocking pool and back. The owning task awaits every call it
/// makes through the box, so the value is never used from two threads at once.
package final class TaskConfined<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
