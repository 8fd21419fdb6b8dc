import Foundation
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// Reads a FIFO on a thread of its own and returns everything written to it.
///
/// The read end is open before the writer starts, so a writer that refuses FIFOs nobody reads sees a reader. The
/// collector also holds a write end of its own until ``finish()``: while no writer has come yet, `read` then blocks
/// instead of returning end-of-file at once, so the thread never spins; call ``finish()`` once the writer is done
/// (its function returned, its process exited), and the thread ends at the pipe's end.
public final class FIFOCollector: Sendable {
    private let fd: Int32
    private let keepAlive: Int32
    private let done = DispatchSemaphore(value: 0)
    private let data = NIOLockedValueBox<[UInt8]>([])

    /// Opens `path` (a FIFO) for reading and starts collecting.
    public init(path: String) {
        fd = open(path, O_RDONLY | O_NONBLOCK)
        keepAlive = open(path, O_WRONLY | O_NONBLOCK)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        Thread { [fd, data, done] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count > 0 {
                    data.withLockedValue { $0 += buffer[..<count] }
                } else if count == 0 || errno != EINTR {
                    break   // every writer, ours included, has closed
                }
            }
            done.signal()
        }.start()
    }

    /// Closes the collector's own write end, waits for the pipe's end and returns what was written.
    public func finish() -> [UInt8] {
        close(keepAlive)
        done.wait()
        close(fd)
        return data.withLockedValue { $0 }
    }
}
