import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SubtitlerSupport
import ServiceLifecycle
import Subtitler
import UnixSignals
import SubtitlerJobs
import PostgresNIO

/// `subtitler serve` and `subtitler watch`: the job store, the scheduler, watch folders and (for `serve`) the HTTP
/// API, run as one service group that stops gracefully on SIGTERM or SIGINT.
package enum SubtitleService {
    /// Runs until SIGTERM or SIGINT.
    /// - Parameters:
    ///   - configuration: the service's settings (validated here).
    ///   - runner: the job runner (API client, resume cache).
    ///   - serveHTTP: whether to listen (false for `subtitler watch`).
    ///   - logger: the service's logger.
    ///   - onListening: called with the bound address once the server listens (`--port 0` picks one).
    /// - Throws: ``ServiceConfigurationError`` before starting, or the server's error.
    package static func run(
        configuration: ServiceConfiguration, runner: JobRunner, serveHTTP: Bool = true,
        logger: Logger = Logger(label: "subtitler.service"),
        onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws {
        if let problem = configuration.problem { throw ServiceConfigurationError(problem) }
        let paths = try PathPolicy(roots: configuration.roots, mappings: configuration.pathMappings)
        for folder in configuration.watchFolders {
            guard (try? paths.directory(folder)) != nil else {
                throw ServiceConfigurationError("--watch \(folder): not a folder under a --root")
            }
        }
        switch configuration.store {
        case .sqlite:
            let store: JobStore
            do {
                store = try JobStore(directory: configuration.stateDirectory, logger: logger)
            } catch {
                throw ServiceStartError(stateDirectory: configuration.stateDirectory, error)
            }
            try await run(configuration: configuration, runner: runner, store: store, paths: paths, serveHTTP: serveHTTP,
                          logger: logger, onListening: onListening)
        case .postgres(let location):
            var storeLogger = logger
            storeLogger[metadataKey: "node"] = "\(configuration.nodeID)"
            let client = PostgresJobStore.makeClient(location, maximumConnections: configuration.concurrentFiles + 3,
                                                     logger: storeLogger)
            let store = PostgresJobStore(client: client, node: configuration.nodeID,
                                         leaseDuration: configuration.leaseDuration, logger: storeLogger)
            // The client runs in a task of its own, not a child of this one: cancelling the service (a shutdown
            // past its timeout) must not shut the pool while jobs still record their ends, which would then wait
            // for a connection forever. It stops once the service has.
            let running = await PostgresJobStore.run(client)
            defer { running.cancel() }
            do {
                try await store.migrate()
            } catch {
                throw ServiceStartError("the job store \(location) cannot be used: \(PostgresJobStore.describe(error))")
            }
            storeLogger.notice("job store ready", metadata: ["store": "\(location)"])
            try await run(configuration: configuration, runner: runner.sharingAnswers(through: store), store: store,
                          paths: paths, serveHTTP: serveHTTP, logger: storeLogger, onListening: onListening)
            running.cancel()
            await running.value
        }
    }

    /// Runs the service group over an open store.
    private static func run(
        configuration: ServiceConfiguration, runner: JobRunner, store: any JobStoring, paths: PathPolicy,
        serveHTTP: Bool, logger: Logger, onListening: @escaping @Sendable (String, Int) -> Void
    ) async throws {
        // Uploads left by a service that was killed mid-request are of no use to anyone.
        let uploads = configuration.stateDirectory.appendingPathComponent("uploads")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? []
        where name.hasPrefix("upload-") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: uploads.appendingPathComponent(name))
        }
        // Every API request of the jobs and of Bazarr's requests goes through the cluster's limits, if any.
        var runner = runner
        var governor: RequestGovernor?
        if !configuration.limits.isEmpty {
            var limitsLogger = logger
            limitsLogger[metadataKey: "node"] = "\(store.node)"
            let limits = RequestGovernor(limits: configuration.limits, store: store, logger: limitsLogger)
            runner = runner.sending { GovernedBackend(base: $0, governor: limits) }
            governor = limits
        }
        let environment = makeEnvironment(configuration: configuration, runner: runner, store: store, paths: paths,
                                          logger: logger, governor: governor)
        var services: [any Service] = [environment.scheduler]
        if !configuration.watchFolders.isEmpty {
            let watchFolders = configuration.watchFolders.map { paths.mapped($0) }
            services.append(FolderWatcherService(
                folders: watchFolders, interval: configuration.watchInterval, settleTime: configuration.settleTime,
                scheduler: environment.scheduler, runner: runner, defaults: configuration.defaults, logger: logger))
        }
        if serveHTTP {
            services.append(makeApplication(environment: environment, logger: logger, onListening: onListening))
        }
        let group = makeGroup(services: services, configuration: configuration, logger: logger,
                              signals: [.sigterm, .sigint])
        do {
            try await group.run()
        } catch let error as IOError where serveHTTP {
            throw ServiceStartError(listeningOn: configuration.host, port: configuration.port, error)
        } catch let error as SocketAddressError where serveHTTP {
            throw ServiceStartError("cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
    }

    /// The service group: stops gracefully on `signals`, and a graceful stop that takes longer than the
    /// configuration's `shutdownTimeout` (a request whose client keeps its body open, a slow transcription) is
    /// turned into cancellation, so the service always exits.
    static func makeGroup(services: [any Service], configuration: ServiceConfiguration, logger: Logger,
                          signals: [UnixSignal]) -> ServiceGroup {
        var group = ServiceGroupConfiguration(services: services.map { .init(service: $0) },
                                              gracefulShutdownSignals: signals, logger: logger)
        group.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        return ServiceGroup(configuration: group)
    }

    /// What the routes and the scheduler share, over a store and a runner (the tests give an in-memory store and a
    /// fake backend's runner).
    static func makeEnvironment(
        configuration: ServiceConfiguration, runner: JobRunner, store: any JobStoring, paths: PathPolicy, logger: Logger,
        governor: RequestGovernor? = nil
    ) -> ServiceEnvironment {
        let slots = SlotPool(count: configuration.concurrentFiles)
        let metrics = ServiceMetrics()
        let notifier = Notifier(webhookURL: configuration.notifyURL, mediaServers: configuration.mediaServers, logger: logger)
        let scheduler = JobScheduler(
            store: store, runner: runner, defaults: configuration.defaults, paths: paths, slots: slots,
            metrics: metrics, notifier: notifier, logger: logger, heartbeat: configuration.heartbeatInterval,
            translation: configuration.translation, governor: governor)
        return ServiceEnvironment(
            configuration: configuration, runner: runner, store: store, scheduler: scheduler, paths: paths,
            slots: slots, metrics: metrics, coalescer: RequestCoalescer(), logger: logger)
    }

    /// The routes behind the access policy.
    /// - Parameter peerAddress: the client's IP address for the access policy (the connection's by default).
    static func makeRouter(
        environment: ServiceEnvironment,
        peerAddress: @escaping @Sendable (Request, ServiceRequestContext) -> String? = AccessPolicy.connectionAddress
    ) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: AccessPolicy(token: environment.configuration.token,
                                            allowed: environment.configuration.allowedNetworks,
                                            peerAddress: peerAddress))
        BazarrAPI(environment: environment).register(on: router)
        JobsAPI(environment: environment).register(on: router)
        MediaServerHooks(environment: environment).register(on: router)
        ReviewRoutes(environment: environment).register(on: router)
        return router
    }

    /// The HTTP application: routes, access policy, the read timeout, and the bound address reported once listening.
    /// - Parameter router: the routes (``makeRouter(environment:peerAddress:)`` unless a test adds its own).
    static func makeApplication(
        environment: ServiceEnvironment, router: Router<ServiceRequestContext>? = nil, logger: Logger,
        onListening: @escaping @Sendable (String, Int) -> Void
    ) -> some Service {
        let configuration = environment.configuration
        // A client that sends nothing, or too little of a body, for the read timeout loses its connection.
        let readTimeout = TimeAmount(configuration.readTimeout)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [SlowClientGuard(window: readTimeout, logger: logger)], idleTimeout: readTimeout)
        return Application(
            router: router ?? makeRouter(environment: environment),
            server: .http1(configuration: http1),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "subtitler"),
            onServerRunning: { channel in
                let address = channel.localAddress
                onListening(address?.ipAddress ?? configuration.host, address?.port ?? configuration.port)
            },
            logger: logger)
    }
}

/// Why the service could not start (the address is taken, the state directory is unusable): one line, naming the
/// address or the path and the cause.
package struct ServiceStartError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    package var message: String
    init(_ message: String) { self.message = message }
    package var description: String { message }

    /// A listening socket that could not be opened.
    init(listeningOn host: String, port: Int, _ error: IOError) {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let cause = switch error.errnoCode {
        case EADDRINUSE: "the address is already in use (another service, or another subtitler, listens there)"
        case EACCES: "permission denied (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: "the address is not one of this machine's"
        default: String(cString: strerror(error.errnoCode)).lowercased()
        }
        self.init("cannot listen on \(address): \(cause)")
    }

    /// A state directory the job store cannot live in.
    init(stateDirectory: URL, _ error: any Error) {
        var path = stateDirectory.path
        // A file where a folder must be (the directory itself or one of its parents) is the common mistake.
        while path != "/" && !path.isEmpty {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue {
                    self.init("the state directory \(stateDirectory.path) cannot be used: \(path) is a file, not a folder "
                              + "(choose another with --state-dir)")
                    return
                }
                break
            }
            path = (path as NSString).deletingLastPathComponent
        }
        self.init("the state directory \(stateDirectory.path) cannot be used: \(FileChecks.describe(error))")
    }
}
