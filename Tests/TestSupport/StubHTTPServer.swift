import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// An in-process HTTP/1.1 server on `127.0.0.1` (port chosen by the OS) for faults a real server cannot
/// produce on demand: scripted status codes and headers, delays, slow bodies, dropped connections.
///
/// Each request gets the next scripted response; after the script runs out, the last response repeats.
/// Every request is recorded with its method, path, headers and body.
///
/// ```swift
/// let server = try await StubHTTPServer.start([.json(429, #"{"error":{…}}"#, headers: [("retry-after", "1")]), .json(200, "{}")])
/// defer { Task { try? await server.shutdown() } }
/// // point the client at server.baseURL ("http://127.0.0.1:PORT/v1")
/// ```
public final class StubHTTPServer: Sendable {
    /// A request as the server received it.
    public struct RecordedRequest: Sendable {
        /// The method, for example `POST`.
        public var method: String
        /// The request target, for example `/v1/audio/transcriptions`.
        public var uri: String
        /// The headers, in order, names as sent.
        public var headers: [(name: String, value: String)]
        /// The body bytes.
        public var body: [UInt8]

        /// The first value of a header, matched case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The body as UTF-8 text.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// A scripted response.
    public struct Response: Sendable {
        /// What the server does with the connection.
        public enum Behavior: Sendable {
            /// Sends the whole response.
            case complete
            /// Sends the head (announcing the full length) and `bytes` bytes of the body, then closes.
            case dropAfter(bytes: Int)
            /// Closes the connection without answering.
            case closeWithoutResponse
        }

        /// The status code.
        public var status: Int
        /// The response headers; `content-length` is added for complete bodies sent in one piece.
        public var headers: [(name: String, value: String)]
        /// The body, sent as these chunks in order (one chunk for an ordinary body).
        public var chunks: [[UInt8]]
        /// The wait before the head is sent.
        public var delay: Duration
        /// The wait between body chunks.
        public var chunkDelay: Duration
        /// What happens to the connection.
        public var behavior: Behavior
        /// When set, the answer waits for this gate to open (instead of, or after, ``delay``): a test holds it as
        /// long as it needs and opens it at the end, so nothing waits on the wall clock.
        public var hold: Gate?
        /// When set, the body's later chunks wait for this gate (after ``chunkDelay``).
        public var holdBetweenChunks: Gate?

        /// This answer, held until `gate` opens (``hold``): for a server that does not answer while the test runs.
        public func held(by gate: Gate) -> Response {
            var response = self
            response.hold = gate
            return response
        }

        /// Creates a response.
        public init(
            status: Int,
            headers: [(name: String, value: String)] = [],
            chunks: [[UInt8]],
            delay: Duration = .zero,
            chunkDelay: Duration = .zero,
            behavior: Behavior = .complete
        ) {
            self.status = status
            self.headers = headers
            self.chunks = chunks
            self.delay = delay
            self.chunkDelay = chunkDelay
            self.behavior = behavior
        }

        /// A JSON response.
        public static func json(
            _ status: Int,
            _ body: String,
            headers: [(name: String, value: String)] = [],
            delay: Duration = .zero
        ) -> Response {
            utf8(status, body, contentType: "application/json", headers: headers, delay: delay)
        }

        /// A plain-text response.
        public static func text(
            _ status: Int,
            _ body: String,
            headers: [(name: String, value: String)] = [],
            delay: Duration = .zero
        ) -> Response {
            utf8(status, body, contentType: "text/plain; charset=utf-8", headers: headers, delay: delay)
        }

        private static func utf8(
            _ status: Int, _ body: String, contentType: String, headers: [(name: String, value: String)], delay: Duration
        ) -> Response {
            Response(status: status, headers: [("content-type", contentType)] + headers, chunks: [Array(body.utf8)], delay: delay)
        }

        /// A binary response, optionally split into chunks sent with `chunkDelay` between them.
        public static func bytes(
            _ status: Int,
            _ chunks: [[UInt8]],
            contentType: String = "application/octet-stream",
            chunkDelay: Duration = .zero
        ) -> Response {
            Response(status: status, headers: [("content-type", contentType)], chunks: chunks, chunkDelay: chunkDelay)
        }

        /// A `text/event-stream` response: each string is one event's `data:` payload, sent as its own chunk.
        public static func eventStream(_ payloads: [String], chunkDelay: Duration = .zero) -> Response {
            Response(
                status: 200,
                headers: [("content-type", "text/event-stream")],
                chunks: payloads.map { Array("data: \($0)\n\n".utf8) },
                chunkDelay: chunkDelay
            )
        }
    }

    private let state: LockedState
    private let channel: any Channel
    private let serveTask: Task<Void, Never>

    /// The port the server listens on.
    public let port: Int

    /// `http://127.0.0.1:PORT/v1`, a base URL for OpenAI-style clients.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The requests received so far, in order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// Returns once at least `count` requests have been received: an explicit signal for tests, instead of polling.
    public func waitForRequests(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.requests.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Blocks the calling thread (never a cooperative one) until at least `count` requests have been received or
    /// `timeout` has passed; returns whether they were.
    public func waitForRequestsBlocking(_ count: Int, timeout: Duration) -> Bool {
        let semaphore = DispatchSemaphore(value: 0)
        Task {
            await waitForRequests(count)
            semaphore.signal()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return semaphore.wait(timeout: .now() + seconds) == .success
    }

    /// How many requests were received.
    public var requestCount: Int { state.withLock { $0.requests.count } }

    /// The most requests the server held at once: each counts from its arrival until its answer starts (after any
    /// delay or hold), so a client that sends its next request once it has an answer never overlaps it.
    public var peakInFlight: Int { state.withLock { $0.peakInFlight } }

    private init(state: LockedState, channel: any Channel, serveTask: Task<Void, Never>, port: Int) {
        self.state = state
        self.channel = channel
        self.serveTask = serveTask
        self.port = port
    }

    /// Starts a server that answers requests with `responses` in order (repeating the last).
    ///
    /// - Parameter responses: The script; empty answers every request with 500.
    /// - Returns: The running server.
    public static func start(_ responses: [Response]) async throws -> StubHTTPServer {
        try await start { index, _ in
            if responses.isEmpty { return .text(500, "no scripted response") }
            return responses[min(index, responses.count - 1)]
        }
    }

    /// Starts a server that answers each request with `handler(index, request)`.
    ///
    /// - Parameter handler: Returns the response for the zero-based request index and the request.
    /// - Returns: The running server.
    public static func start(
        handler: @escaping @Sendable (Int, RecordedRequest) -> Response
    ) async throws -> StubHTTPServer {
        let state = LockedState()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        let port = server.channel.localAddress?.port ?? 0
        let serveTask = Task {
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask {
                                await serve(connection, state: state, handler: handler)
                            }
                        }
                    }
                } catch {
                    // The listening socket closed (shutdown) or failed; connections end with the group.
                }
                group.cancelAll()
            }
        }
        return StubHTTPServer(state: state, channel: server.channel, serveTask: serveTask, port: port)
    }

    /// Stops listening, closes every connection and waits until the server has stopped.
    ///
    /// The serving loop is not cancelled: closing the listening socket ends it once every connection accepted so far
    /// has been handed to a task (and so closed). A connection dropped unconsumed would trap in NIO ("Deinited
    /// NIOAsyncWriter without calling finish()") when a client connects during the shutdown.
    public func shutdown() async throws {
        try? await channel.close()
        await serveTask.value
    }

    private static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
        state: LockedState,
        handler: @escaping @Sendable (Int, RecordedRequest) -> Response
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body = []
                case .body(let buffer):
                    body += buffer.readableBytesView
                case .end:
                    guard let requestHead = head else { continue }
                    let request = RecordedRequest(
                        method: requestHead.method.rawValue,
                        uri: requestHead.uri,
                        headers: requestHead.headers.map { (name: $0.name, value: $0.value) },
                        body: body
                    )
                    let (index, ready) = state.withLock { state in
                        state.requests.append(request)
                        state.inFlight += 1
                        state.peakInFlight = max(state.peakInFlight, state.inFlight)
                        let count = state.requests.count
                        let ready = state.waiters.filter { $0.count <= count }.map(\.continuation)
                        state.waiters.removeAll { $0.count <= count }
                        return (count - 1, ready)
                    }
                    for continuation in ready { continuation.resume() }
                    let response = handler(index, request)
                    let keepOpen = try await write(response, to: outbound) { state.withLock { $0.inFlight -= 1 } }
                    if !keepOpen { return }
                }
            }
        }
    }

    /// Writes a response; returns `false` when the connection must be closed.
    private static func write(
        _ response: Response,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        answering: () -> Void
    ) async throws -> Bool {
        if response.delay > .zero { try await Task.sleep(for: response.delay) }
        if let hold = response.hold { await hold.wait() }
        answering()
        if case .closeWithoutResponse = response.behavior { return false }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        let total = response.chunks.reduce(0) { $0 + $1.count }
        let isDrop: Bool
        if case .dropAfter = response.behavior { isDrop = true } else { isDrop = false }
        if response.chunks.count <= 1 || isDrop, !headers.contains(name: "content-length") {
            headers.add(name: "content-length", value: String(total))
        }
        let head = HTTPResponseHead(
            version: .http1_1,
            status: HTTPResponseStatus(statusCode: response.status),
            headers: headers
        )
        try await outbound.write(.head(head))
        if case .dropAfter(let limit) = response.behavior {
            let bytes = Array(response.chunks.joined().prefix(limit))
            if !bytes.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes)))) }
            try await Task.sleep(for: .milliseconds(20))
            return false
        }
        for (index, chunk) in response.chunks.enumerated() {
            if index > 0, response.chunkDelay > .zero { try await Task.sleep(for: response.chunkDelay) }
            if index > 0, let hold = response.holdBetweenChunks { await hold.wait() }
            if !chunk.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: chunk)))) }
        }
        try await outbound.write(.end(nil))
        return true
    }
}

/// The server's shared request log.
private final class LockedState: Sendable {
    struct State {
        var requests: [StubHTTPServer.RecordedRequest] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var inFlight = 0
        var peakInFlight = 0
    }

    private let state = NIOLockedValueBox(State())

    func withLock<T>(_ body: (inout State) -> T) -> T { state.withLockedValue(body) }
}
