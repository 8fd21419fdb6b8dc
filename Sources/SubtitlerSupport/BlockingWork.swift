import Foundation
import NIOPosix

/// Runs blocking work (FFmpeg decoding and encoding, hashing, file reads and writes) on NIO's thread pool for
/// blocking work, never on Swift's cooperative threads, so a service running many jobs keeps its event loops and
/// other tasks responsive.
///
/// The calling task waits without blocking a thread. Work that is already running is not interrupted by
/// cancellation; callers split long work into steps and check for cancellation between them.
package enum BlockingWork {
    /// Runs `body` on the blocking pool and returns its result.
    /// - Parameters:
    ///   - label: what the work is, for diagnostics (`decode`, `encode`, `hash`, `write`…).
    ///   - body: the blocking work.
    /// - Throws: what `body` throws; `CancellationError` if the pool is shutting down.
    package static func run<T: Sendable>(
        _ label: StaticString = "blocking", _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive {
            observer.current?(String(describing: label))
            return try body()
        }
    }

    /// Runs `body` on the blocking pool even when the calling task is cancelled: for bookkeeping that must happen
    /// on the way out (recording that a job stopped).
    package static func runEvenIfCancelled<T: Sendable>(
        _ label: StaticString = "blocking", _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await Task.detached { try await run(label, body) }.value
    }

    /// Called on the pool thread at the start of each piece of blocking work. Internal test seam.
    package static let observer = Observer()

    package final class Observer: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (@Sendable (String) -> Void)?

        package var current: (@Sendable (String) -> Void)? {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }
}

/// Hands a value that is confined to one task to the blocking pool and back. The owning task awaits every call it
/// makes through the box, so the value is never used from two threads at once.
package final class TaskConfined<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
