import Foundation
import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// How `subtitler serve` runs.
package struct ServiceConfiguration: Sendable {
    /// The address to listen on (127.0.0.1 by default).
    package var host: String = "127.0.0.1"
    /// The port (9000 by default, Bazarr's default; 0 picks a free one).
    package var port: Int = 9000
    /// The folders media may be read from and subtitles written into.
    package var roots: [String] = []
    /// Prefix rewrites from callers' paths to the service's.
    package var pathMappings: [PathMapping] = []
    /// Files in progress at once (jobs and Bazarr requests together).
    package var concurrentFiles: Int = 1
    /// The bearer token for the jobs API, the hooks and `/metrics`; required beyond loopback.
    package var token: String?
    /// Networks allowed to call Bazarr's endpoints besides loopback.
    package var allowedNetworks: [IPNetwork] = []
    /// The largest upload accepted, in bytes (1 GiB by default: about 9 hours of Bazarr's 16 kHz PCM).
    package var maxUploadBytes: Int64 = 1 << 30
    /// Where the job store and uploads live (`$XDG_STATE_HOME/subtitler` by default).
    package var stateDirectory: URL = AppDirectories.state()
    /// Where the jobs are kept: SQLite in the state directory (the default), or a PostgreSQL database several nodes
    /// share.
    package var store: StoreLocation = .sqlite
    /// This node's id in a shared store (the host name and the process id by default, so two nodes on one machine
    /// differ).
    package var nodeID: String = "\(ProcessInfo.processInfo.hostName)-\(getpid())"
    /// How long a job claimed from a shared store stays leased without a heartbeat (30 s by default): a node that
    /// dies loses its jobs to the other nodes this long after its last heartbeat.
    package var leaseDuration: Duration = .seconds(30)
    /// How often a node renews the leases of its running jobs (a third of the lease by default).
    package var heartbeatInterval: Duration { leaseDuration / 3 }
    /// The limits this node holds the cluster's API requests to (requests in flight, per minute, spending), with
    /// the figures kept in the store; none by default.
    package var limits = ClusterLimits()
    /// Folders to watch for new media.
    package var watchFolders: [String] = []
    /// How often watch folders are scanned.
    package var watchInterval: Duration = .seconds(10)
    /// How long a file's size must stay the same before it is taken (it may still be copying).
    package var settleTime: Duration = .seconds(10)
    /// Where completion events go.
    package var notifyURL: String?
    /// Media servers to refresh after writing.
    package var mediaServers: [Notifier.MediaServer] = []
    /// Plex's API, to find the files of the items Plex's webhooks name (`SUBTITLER_PLEX_URL` and
    /// `SUBTITLER_PLEX_TOKEN`), or nil.
    package var plexLibrary: Notifier.MediaServer?
    /// How long the service waits for a client (60 s by default): a connection that sends nothing for this long,
    /// or a request body that brings less than 64 KiB in this long, is closed.
    package var readTimeout: Duration = .seconds(60)
    /// How long a graceful stop (SIGTERM, SIGINT) waits for requests in progress (30 s by default); then they are
    /// cut off, running jobs go back to the queue, and the service exits.
    package var shutdownTimeout: Duration = .seconds(30)
    /// The settings every job starts from.
    package var defaults = SubtitleJob(input: "")
    /// Translation through a chat model for jobs that ask for it (`translateTo`) and, with default targets, for
    /// every job from a watch folder or a hook; nil when no chat server is configured.
    package var translation: ServiceTranslation?

    /// Creates a configuration with the defaults.
    package init() {}

    /// Whether `host` is a loopback address.
    package var listensOnLoopbackOnly: Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host) || IPNetwork.isLoopback(host)
    }

    /// Why the configuration cannot run, or nil.
    package var problem: String? {
        if roots.isEmpty && !watchFolders.isEmpty {
            return "--watch needs --root: give the folders the service may use"
        }
        if !listensOnLoopbackOnly && (token ?? "").isEmpty {
            return "listening on \(host) needs a token: set SUBTITLER_TOKEN (or --token) so the jobs API is not open to the network"
        }
        if let token, token.count < 16 { return "the token must have at least 16 characters" }
        if !(0...65_535).contains(port) { return "--port must be between 0 and 65535" }
        if !(1...32).contains(concurrentFiles) { return "--jobs must be between 1 and 32" }
        if let problem = limits.problem { return problem.message }
        if maxUploadBytes < 1 << 20 { return "--max-upload-mb must be at least 1" }
        if readTimeout <= .zero || readTimeout > .seconds(3_600) { return "--read-timeout must be between 1 and 3600 seconds" }
        if shutdownTimeout < .zero || shutdownTimeout > .seconds(3_600) {
            return "--shutdown-timeout must be between 0 and 3600 seconds"
        }
        return nil
    }
}
