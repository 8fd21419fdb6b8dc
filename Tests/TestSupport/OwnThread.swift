import Foundation

/// Blocking test work (waiting for a child process, FFmpeg, big file writes) on a thread of its own, so it never
/// holds one of Swift's cooperative threads: this machine has two, and a test blocking both stalls every other test
/// of the run.
public enum OwnThread {
    /// Runs `work` on a new thread; the calling task waits without holding a thread.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
