import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Subtitler
import UnixSignals
import SubtitlerJobs

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
        let store: JobStore
        do {
            store = try JobStore(directory: configuration.stateDirectory, logger: logger)
        } catch {
            throw ServiceConfigurationError("the job store in \(configuration.stateDirectory.path) cannot be opened: \(error)")
        }
        // Uploads left by a service that was killed mid-request are of no use to anyone.
        let uploads = configuration.stateDirectory.appendingPathComponent("uploads")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? []
        where name.hasPrefix("upload-") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: uploads.appendingPathComponent(name))
        }
        let environment = makeEnvironment(configuration: configuration, runner: runner, store: store, paths: paths,
                                          logger: logger)
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
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// What the routes and the scheduler share, over a store and a runner (the tests give an in-memory store and a
    /// fake backend's runner).
    static func makeEnvironment(
        configuration: ServiceConfiguration, runner: JobRunner, store: JobStore, paths: PathPolicy, logger: Logger
    ) -> ServiceEnvironment {
        let slots = SlotPool(count: configuration.concurrentFiles)
        let metrics = ServiceMetrics()
        let notifier = Notifier(webhookURL: configuration.notifyURL, mediaServers: configuration.mediaServers, logger: logger)
        let scheduler = JobScheduler(
            store: store, runner: runner, defaults: configuration.defaults, paths: paths, slots: slots,
            metrics: metrics, notifier: notifier, logger: logger)
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
        ReviewRoutes(environment: environment).register(on: router)
        return router
    }

    /// The HTTP application: routes, access policy, and the bound address reported once listening.
    static func makeApplication(
        environment: ServiceEnvironment, logger: Logger, onListening: @escaping @Sendable (String, Int) -> Void
    ) -> some Service {
        let configuration = environment.configuration
        return Application(
            router: makeRouter(environment: environment),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "subtitler"),
            onServerRunning: { channel in
                let address = channel.localAddress
                onListening(address?.ipAddress ?? configuration.host, address?.port ?? configuration.port)
            },
            logger: logger)
    }
}
