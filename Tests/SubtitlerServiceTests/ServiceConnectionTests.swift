import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(CNIOLinux)
import CNIOLinux   // the C module whose `sockaddr_in` the compiler may pick (its headers include <netinet/in.h>)
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import ServiceLifecycle
import Subtitler
import SubtitlerJobs
import Testing
import TestSupport
@testable import SubtitlerService

/// Issue 22, hardening round three: every connection is bounded (a slow or silent body, a graceful stop that slow
/// clients would hold open), and a service that cannot start says why in one line. The guard is driven on an
/// `EmbeddedChannel` whose clock the test moves; the live tests use a real socket and assert that the connection
/// closed or the service stopped, never how long it took.
@Suite(.timeLimit(.minutes(2))) struct ServiceConnectionTests {
    static func head() -> HTTPRequestPart {
        .head(HTTPRequest(method: .post, scheme: nil, authority: "test", path: "/asr"))
    }

    @Test func aBodyThatTricklesIsCutOffAfterAWindow() throws {
        let channel = EmbeddedChannel(handler: SlowClientGuard(window: .seconds(60), logger: Logger(label: "test")))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(Self.head())
        // A byte every 5 seconds: twelve bytes in the first window.
        for _ in 0..<11 {
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(bytes: [1])))
            channel.embeddedEventLoop.advanceTime(by: .seconds(5))
            #expect(channel.isActive)
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(!channel.isActive)
    }

    @Test func aSteadyBodyAndAFinishedRequestAreLeftAlone() throws {
        let channel = EmbeddedChannel(handler: SlowClientGuard(window: .seconds(60), logger: Logger(label: "test")))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(Self.head())
        for _ in 0..<5 {
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(repeating: 7, count: SlowClientGuard.minimumBytesPerWindow)))
            channel.embeddedEventLoop.advanceTime(by: .seconds(60))
            #expect(channel.isActive)
        }
        try channel.writeInbound(HTTPRequestPart.end(nil))
        // The handler may take as long as it needs to answer: no body is being read.
        channel.embeddedEventLoop.advanceTime(by: .hours(2))
        #expect(channel.isActive)
        // A silent body is cut off too.
        try channel.writeInbound(Self.head())
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(!channel.isActive)
    }

    @Test func aClientThatStopsSendingLosesItsConnection() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch) { $0.port = 0; $0.readTimeout = .seconds(1) }
        try await Self.serving(service) { port, _ in
            let connection = try RawConnection(port: port)
            try connection.send("POST /v1/jobs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pa")
            // The server closes the connection; without the read timeout this read would never end.
            let answer = try await connection.readUntilClosed()
            #expect(!answer.contains("201"), "\(answer)")
        }
    }

    @Test func aGracefulStopIsBoundedEvenWhileAClientHoldsABodyOpen() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch) {
            $0.port = 0
            $0.readTimeout = .seconds(3_600)
            $0.shutdownTimeout = .milliseconds(200)
        }
        let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
        let router = SubtitleService.makeRouter(environment: service.environment)
        // A route that reads its body as the service's routes do, and says when it has started.
        router.post("/test/hold") { request, _ -> Response in
            arrived.yield()
            for try await _ in request.body {}
            return Response(status: .ok)
        }
        try await Self.serving(service, router: router) { port, group in
            let client = try RawConnection(port: port)
            try client.send("POST /test/hold HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n\r\nslow")
            for await _ in arrivals { break }
            // SIGTERM's path: the request never ends, so only the bound lets the group stop (serving returns only
            // once it has), and the held connection is cut.
            await group.triggerGracefulShutdown()
            _ = try await client.readUntilClosed()
        }
    }

    @Test func aPortInUseAndAStateDirectoryThatIsAFileAreOneLineEach() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let taken = try RawListener()
        let service = try InProcessService(scratch: scratch)
        var configuration = service.environment.configuration
        configuration.port = taken.port
        configuration.stateDirectory = scratch.url.appendingPathComponent("state")
        let error = await #expect(throws: ServiceStartError.self) {
            try await SubtitleService.run(configuration: configuration, runner: service.environment.runner,
                                          logger: service.logs.logger)
        }
        #expect(error?.message == "cannot listen on 127.0.0.1:\(taken.port): the address is already in use "
            + "(another service, or another subtitler, listens there)")

        let file = scratch.url.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: file)
        configuration.port = 0
        configuration.stateDirectory = file.appendingPathComponent("state")
        let stateError = await #expect(throws: ServiceStartError.self) {
            try await SubtitleService.run(configuration: configuration, runner: service.environment.runner,
                                          logger: service.logs.logger)
        }
        #expect(stateError?.message == "the state directory \(file.path)/state cannot be used: \(file.path) is a file, "
            + "not a folder (choose another with --state-dir)")
        #expect(stateError.map { !$0.message.contains("NSCocoaErrorDomain") && !$0.message.contains("\n") } == true)
    }

    /// Runs the service's HTTP application (with the scheduler) on a free port in a group of its own; `body` gets
    /// the port and the group, and the group is stopped gracefully when `body` returns. Returns once it has stopped.
    static func serving(
        _ service: InProcessService, router: Router<ServiceRequestContext>? = nil,
        _ body: @escaping @Sendable (Int, ServiceGroup) async throws -> Void
    ) async throws {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let app = SubtitleService.makeApplication(environment: service.environment, router: router,
                                                  logger: service.logs.logger) { _, port in listening.yield(port) }
        let group = SubtitleService.makeGroup(services: [service.environment.scheduler, app],
                                              configuration: service.environment.configuration,
                                              logger: service.logs.logger, signals: [])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var port = 0
            for await value in ports {
                port = value
                break
            }
            try await body(port, group)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// A plain TCP client for what no HTTP client does on purpose: stop half way through a body.
final class RawConnection: Sendable {
    let fd: Int32

    init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw ServiceTestError("connect: \(String(cString: strerror(errno)))") }
        // A safety net only: a read that waits this long fails the test instead of hanging it.
        var limit = timeval(tv_sec: 90, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw ServiceTestError("send: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads on a thread of its own until the server closes the connection; returns what it sent.
    func readUntilClosed() async throws -> String {
        let fd = self.fd
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n > 0 { received += buffer[..<n]; continue }
                    if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                        continuation.resume(throwing: ServiceTestError("the server kept the connection open"))
                        return
                    }
                    // 0: closed; ECONNRESET: closed with unread data.
                    continuation.resume(returning: String(decoding: received, as: UTF8.self))
                    return
                }
            }.start()
        }
    }

    deinit { close(fd) }
}

/// A socket listening on a free loopback port, so that the service finds it taken.
final class RawListener: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw ServiceTestError("listen: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
