import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request body arrives too slowly: while a body is being read (from its head to its
/// end, including what the server drains after answering early), every `window` must bring at least
/// `minimumBytes` of it. A client that stops sending, or sends a byte every few seconds, is cut off after about one
/// window instead of holding a connection (and a task) forever. Hummingbird's idle timeout covers connections
/// that send nothing between requests.
///
/// One per connection, on its event loop (a NIO channel handler: not `Sendable`).
final class SlowClientGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    /// The bytes a body must bring per window (64 KiB: a trickle far below any real client's pace).
    static let minimumBytesPerWindow = 64 * 1024

    private let window: TimeAmount
    private let minimumBytes: Int
    private let logger: Logger
    private var readingBody = false
    private var bytesThisWindow = 0
    private var check: Scheduled<Void>?

    /// - Parameters:
    ///   - window: how long a body may take to bring `minimumBytes` (the service's read timeout).
    ///   - minimumBytes: the least a body must bring per window.
    ///   - logger: where a closed connection is logged.
    init(window: TimeAmount, minimumBytes: Int = SlowClientGuard.minimumBytesPerWindow, logger: Logger) {
        self.window = window
        self.minimumBytes = minimumBytes
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingBody = true
            bytesThisWindow = 0
            schedule(context)
        case .body(let buffer):
            bytesThisWindow += buffer.readableBytes
        case .end:
            readingBody = false
            check?.cancel()
            check = nil
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    private func schedule(_ context: ChannelHandlerContext) {
        check?.cancel()
        let loop = context.eventLoop.assumeIsolated()
        check = loop.scheduleTask(in: window) { [self] in
            check = nil
            guard readingBody else { return }
            if bytesThisWindow < minimumBytes {
                logger.notice("a request body arrived too slowly; connection closed", metadata: [
                    "bytes": "\(bytesThisWindow)", "window_seconds": "\(window.nanoseconds / 1_000_000_000)",
                ])
                context.close(promise: nil)
                return
            }
            bytesThisWindow = 0
            schedule(context)
        }
    }
}
