import ArgumentParser
import Foundation
import Logging
import Subtitler
import SubtitlerService
import SubtitlerJobs
import SubtitlerSupport

/// The settings `serve` and `watch` share: roots, concurrency, path mapping, notifications, job defaults.
struct ServiceOptions: ParsableArguments {
    @Option(name: .customLong("root"), help: ArgumentHelp("A folder the service may read media from and write subtitles into (repeatable).", valueName: "dir"))
    var roots: [String] = []

    @Option(help: ArgumentHelp("Files in progress at once (1...32).", valueName: "n"))
    var jobs: Int = 1

    @Option(help: ArgumentHelp("Requests in flight per file (1...32).", valueName: "n"))
    var requests: Int = 4

    @Option(name: .customLong("path-map"), help: ArgumentHelp("Rewrite callers' paths: FROM=TO (repeatable), e.g. /data/tv=/media/tv.", valueName: "from=to"))
    var pathMaps: [String] = []

    @Option(help: ArgumentHelp("POST a JSON event here when subtitles are written (subgen's shape).", valueName: "url"))
    var notify: String?

    @Option(name: .customLong("refresh"), help: ArgumentHelp("Refresh a media server's library after writing: jellyfin or plex (URL and token from SUBTITLER_JELLYFIN_URL/_TOKEN or SUBTITLER_PLEX_URL/_TOKEN).", valueName: "server"))
    var refreshServers: [String] = []

    @Flag(help: "Skip media that already has subtitles in the target language (always on for watch folders).")
    var skipIfSubtitled = false

    @Option(help: ArgumentHelp("Where the job store lives (default $XDG_STATE_HOME/subtitler).", valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("Where the jobs are kept: sqlite (in the state directory, the default) or postgres://user@host:port/database, a queue several nodes share (or SUBTITLER_STORE_URL; put the password in the URL's environment variable, not in arguments).", valueName: "url"))
    var store: String?

    @Option(help: ArgumentHelp("This node's id in a shared store (default: host name and process id).", valueName: "id"))
    var nodeId: String?

    @Option(help: ArgumentHelp("In a shared store, how long a node holds a job without a heartbeat (2...3600; renewed every third of it): a node that dies loses its jobs to the others this long after its last heartbeat.", valueName: "seconds"))
    var lease: Int = 30

    @Option(help: ArgumentHelp("The most API requests in flight across every node sharing the store (give each node the same).", valueName: "n"))
    var clusterInFlight: Int?

    @Option(help: ArgumentHelp("The most API requests the nodes sharing the store start per minute.", valueName: "n"))
    var clusterRpm: Int?

    @Option(help: ArgumentHelp("A spending budget across the nodes sharing the store, US dollars per UTC day or month (20/day, 300/month), priced from the model's list price by audio seconds: when it is spent, jobs wait (state waiting) until the period rolls over or the budget is raised.", valueName: "usd/period"))
    var budget: String?

    @Option(help: ArgumentHelp("On SIGTERM or SIGINT, how long to wait for requests and jobs in progress before cutting them off (0...3600).", valueName: "seconds"))
    var shutdownTimeout: Int = 30

    @OptionGroup var naming: NamingOptions

    @OptionGroup var api: APIOptions

    @Option(help: ArgumentHelp("Also translate the subtitles of every job from a watch folder or a hook into these languages through a chat model (comma-separated ISO 639-1 codes); jobs API callers send translateTo.", valueName: "langs"))
    var translateTo: String?

    @OptionGroup var chat: ChatOptions

    /// The cluster's limits these flags give.
    func clusterLimits() throws -> ClusterLimits {
        do {
            let limits = ClusterLimits(inFlight: clusterInFlight, requestsPerMinute: clusterRpm,
                                       budget: try budget.map { text throws(SettingProblem) in try SpendingBudget(parsing: text) })
            if let problem = limits.problem { throw problem }
            return limits
        } catch let problem as SettingProblem {
            let flag = ["clusterInFlight": "--cluster-in-flight", "clusterRPM": "--cluster-rpm", "budget": "--budget"][problem.setting]
            throw ValidationError("\(flag ?? problem.setting): \(problem.message)")
        }
    }

    func validate() throws {
        if !(1...32).contains(jobs) { throw ValidationError("--jobs must be between 1 and 32") }
        if !(1...32).contains(requests) { throw ValidationError("--requests must be between 1 and 32") }
        if !(0...3_600).contains(shutdownTimeout) { throw ValidationError("--shutdown-timeout must be between 0 and 3600") }
        for map in pathMaps where PathMapping(argument: map) == nil {
            throw ValidationError("--path-map \(map): use FROM=TO with absolute paths")
        }
        for server in refreshServers where Notifier.MediaServer.Kind(rawValue: server) == nil {
            throw ValidationError("--refresh \(server): use jellyfin or plex")
        }
        if let store {
            do {
                _ = try StoreLocation(parsing: store)
            } catch let problem as SettingProblem {
                throw ValidationError(problem.message)
            }
        }
        if let nodeId, nodeId.isEmpty || nodeId.count > 128 { throw ValidationError("--node-id must have 1 to 128 characters") }
        if !(2...3_600).contains(lease) { throw ValidationError("--lease must be between 2 and 3600") }
        _ = try clusterLimits()
        if let notify, URL(string: notify)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--notify \(notify): give an http or https URL")
        }
    }

    /// The service configuration for these flags (host, port, watch folders and token are set by the command).
    func configuration() throws -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        configuration.roots = roots.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        configuration.pathMappings = pathMaps.compactMap(PathMapping.init(argument:))
        configuration.concurrentFiles = jobs
        configuration.shutdownTimeout = .seconds(shutdownTimeout)
        configuration.notifyURL = notify
        let environment = ProcessInfo.processInfo.environment
        for name in refreshServers {
            guard let kind = Notifier.MediaServer.Kind(rawValue: name),
                  let server = Notifier.MediaServer.fromEnvironment(kind, environment) else {
                throw ValidationError("--refresh \(name): set SUBTITLER_\(name.uppercased())_URL and SUBTITLER_\(name.uppercased())_TOKEN")
            }
            configuration.mediaServers.append(server)
        }
        configuration.plexLibrary = Notifier.MediaServer.fromEnvironment(.plex, environment)
        let storeText = store ?? environment["SUBTITLER_STORE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let storeText {
            do {
                configuration.store = try StoreLocation(parsing: storeText)
            } catch let problem as SettingProblem {
                throw ValidationError(store == nil ? problem.message.replacingOccurrences(of: "--store", with: "SUBTITLER_STORE_URL")
                                                   : problem.message)
            }
        }
        if let nodeId { configuration.nodeID = nodeId }
        configuration.leaseDuration = .seconds(lease)
        configuration.limits = try clusterLimits()
        if let stateDir { configuration.stateDirectory = URL(fileURLWithPath: stateDir).standardizedFileURL }
        var defaults = SubtitleJob(input: "")
        defaults.options = api.subtitleOptions(task: .transcribe, language: nil, concurrency: requests)
        defaults.formats = naming.format.formats
        defaults.naming = naming.naming
        defaults.skipsIfSubtitled = skipIfSubtitled
        defaults.remembersLanguage = !api.noCache
        configuration.defaults = defaults
        configuration.translation = try translation()
        return configuration
    }

    /// Chat translation for the service's jobs: the chat server from the environment (`SUBTITLER_CHAT_BASE_URL`, else
    /// the API base URL), or nil when no request could reach one (OpenAI's without a key) and no default targets
    /// are asked for.
    func translation() throws -> ServiceTranslation? {
        let targets = try translateTo.map { try ChatOptions.targets($0, flag: "--translate-to") } ?? []
        let translator: CueTranslator
        do {
            translator = try ChatTranslationCommand.makeTranslator(api: api)
        } catch let error as ConfigurationError {
            if targets.isEmpty { return nil }
            throw ValidationError(error.message)
        }
        let options: TranslationOptions
        do {
            options = try chat.translationOptions(sourceLanguage: nil, concurrency: requests, allowsGaps: false, api: api)
        } catch let error as ConfigurationError {
            throw ValidationError(error.message)
        }
        return ServiceTranslation(runner: TranslationRunner(translator: translator), options: options,
                                  defaultTargets: targets)
    }

    /// The job runner, with the API client from the environment.
    func makeRunner() throws -> JobRunner {
        JobRunner(subtitler: try api.makeSubtitler())
    }
}

/// `subtitler serve`: the subtitle service for media libraries.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the subtitle service: Bazarr's provider API, a jobs API, Sonarr/Radarr hooks, watch folders.",
        discussion: """
            Listens on 127.0.0.1:9000 by default (Bazarr's default endpoint). Only files under a --root are read or \
            written. Listening beyond loopback needs a token (SUBTITLER_TOKEN, sent as Authorization: Bearer) for the \
            jobs API, the hooks and /metrics; Bazarr's endpoints are served to loopback and --allow networks only. \
            Jobs live in an SQLite store in the state directory and survive restarts; SIGTERM or SIGINT stops \
            gracefully and running jobs resume on the next start, paying only for chunks not in the resume cache.
            """
    )

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port (0 picks a free one and prints it).")
    var port: Int = 9000

    @Option(help: ArgumentHelp("The bearer token (prefer the SUBTITLER_TOKEN environment variable: arguments are visible to other users).", valueName: "token"))
    var token: String?

    @Option(name: .customLong("allow"), help: ArgumentHelp("A network that may call Bazarr's endpoints besides loopback, e.g. 192.168.1.0/24 (repeatable).", valueName: "cidr"))
    var allowed: [String] = []

    @Option(name: .customLong("watch"), help: ArgumentHelp("Also watch this folder for new media (repeatable; must be under a --root).", valueName: "dir"))
    var watchFolders: [String] = []

    @Option(help: ArgumentHelp("The largest upload accepted, in MB.", valueName: "mb"))
    var maxUploadMb: Int = 1024

    @Option(help: ArgumentHelp("Close a connection that sends nothing, or less than 64 KiB of a request body, for this long (1...3600).", valueName: "seconds"))
    var readTimeout: Int = 60

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        for network in allowed where IPNetwork(network) == nil {
            throw ValidationError("--allow \(network): give an address or a network such as 192.168.1.0/24")
        }
        if !(1...65_536).contains(maxUploadMb) { throw ValidationError("--max-upload-mb must be between 1 and 65536") }
        if !(1...3_600).contains(readTimeout) { throw ValidationError("--read-timeout must be between 1 and 3600") }
    }

    func run() async throws {
        var configuration = try service.configuration()
        configuration.host = host
        configuration.port = port
        configuration.token = token ?? ProcessInfo.processInfo.environment["SUBTITLER_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.allowedNetworks = allowed.compactMap(IPNetwork.init)
        configuration.watchFolders = watchFolders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        configuration.maxUploadBytes = Int64(maxUploadMb) << 20
        configuration.readTimeout = .seconds(readTimeout)
        try await ServiceRunner.run(configuration, service: service, serveHTTP: true)
    }
}

/// `subtitler watch`: subtitles for new media in folders, without the HTTP API.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch folders and subtitle new or changed media once it has finished copying.",
        discussion: """
            A start-up scan, then every --interval seconds. A file is taken when its size has not changed for \
            --settle seconds. Already subtitled media and folder trees with a .subtitler-skip file are left alone. \
            Jobs live in the same store as `subtitler serve` and survive restarts. Stops on SIGTERM or SIGINT.
            """
    )

    @Argument(help: "Folders to watch.")
    var folders: [String]

    @Option(help: ArgumentHelp("Seconds between scans.", valueName: "seconds"))
    var interval: Int = 10

    @Option(help: ArgumentHelp("Seconds a file's size must stay the same before it is taken.", valueName: "seconds"))
    var settle: Int = 10

    @OptionGroup var service: ServiceOptions

    func validate() throws {
        if !(1...3_600).contains(interval) { throw ValidationError("--interval must be between 1 and 3600") }
        if !(0...3_600).contains(settle) { throw ValidationError("--settle must be between 0 and 3600") }
    }

    func run() async throws {
        var configuration = try service.configuration()
        let folders = self.folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        if configuration.roots.isEmpty { configuration.roots = folders }
        configuration.watchFolders = folders
        configuration.watchInterval = .seconds(interval)
        configuration.settleTime = .seconds(settle)
        try await ServiceRunner.run(configuration, service: service, serveHTTP: false)
    }
}

/// Starts the service and maps its failures to the documented exit codes.
enum ServiceRunner {
    static func run(_ configuration: ServiceConfiguration, service: ServiceOptions, serveHTTP: Bool) async throws {
        let runner: JobRunner
        do {
            runner = try service.makeRunner()
        } catch let error as ConfigurationError {
            Console.error("error: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        var logger = Logger(label: "subtitler.service")
        logger.logLevel = .info
        do {
            try await SubtitleService.run(configuration: configuration, runner: runner, serveHTTP: serveHTTP,
                                          logger: logger) { host, port in
                Console.error("subtitler: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            }
        } catch let error as ServiceConfigurationError {
            Console.error("error: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        } catch let error as ServiceStartError {
            Console.error("subtitler \(serveHTTP ? "serve" : "watch"): \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
    }
}
