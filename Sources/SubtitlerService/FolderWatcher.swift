import Foundation
import Logging
import ServiceLifecycle
import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// Decides which files in watched folders are ready: new or changed media whose size and modification time have
/// stayed the same for the settle time (it may still be copying), each version taken once.
///
/// Pure and clock-free: callers pass the time of each scan (the time on the watcher's clock since it started), so
/// tests drive it with times of their own.
package struct FolderWatch: Sendable {
    /// A file's size, modification time and inode (a file replaced by another with the same size and time is a new
    /// version too).
    package struct Version: Sendable, Hashable {
        package var size: Int64
        package var modified: Int64
        package var inode: UInt64
        package init(size: Int64, modified: Int64, inode: UInt64 = 0) {
            self.size = size
            self.modified = modified
            self.inode = inode
        }
    }

    /// How long a version must stay unchanged.
    package let settleTime: Duration
    private var seen: [String: (version: Version, since: Duration)] = [:]
    private var taken: [String: Version] = [:]

    /// Creates a watch state.
    package init(settleTime: Duration) {
        self.settleTime = settleTime
    }

    /// Takes one scan's listing, made `now` after the watch started; returns the files that are ready now, in path
    /// order.
    package mutating func scan(_ listing: [String: Version], at now: Duration) -> [String] {
        var ready: [String] = []
        for (path, version) in listing {
            if taken[path] == version { continue }
            if let previous = seen[path], previous.version == version {
                if now - previous.since >= settleTime {
                    ready.append(path)
                    taken[path] = version
                    seen[path] = nil
                }
            } else {
                seen[path] = (version, now)
            }
        }
        // Forget files that are gone, so a file put back later is new again.
        for path in seen.keys where listing[path] == nil { seen[path] = nil }
        for path in taken.keys where listing[path] == nil { taken[path] = nil }
        return ready.sorted()
    }
}

/// Watches folders and queues ready media files as jobs (with the watch folders' rules: already subtitled files and
/// trees with a `.subtitler-skip` marker are left alone).
///
/// A file replaced while its job runs is redone by the scheduler (the job fails with `input-changed` before writing
/// and is queued again); the watch itself takes each new version once it has settled.
actor FolderWatcherService: Service {
    let folders: [String]
    let interval: Duration
    let scheduler: JobScheduler
    let runner: JobRunner
    let defaults: SubtitleJob
    let logger: Logger
    /// The time on the watcher's clock since the watcher was made (scans and settling are timed by it).
    private let elapsed: @Sendable () -> Duration
    /// Sleeps for a time on the watcher's clock.
    private let sleep: @Sendable (Duration) async throws -> Void
    private var state: FolderWatch

    /// Creates a watcher.
    /// - Parameters:
    ///   - folders: the folders to watch (recursively).
    ///   - interval: the time between scans.
    ///   - settleTime: how long a file must stay unchanged before it is taken.
    ///   - scheduler: where ready files are queued.
    ///   - runner: the job runner (for the skip rules).
    ///   - defaults: the service's job settings.
    ///   - logger: where decisions are logged.
    ///   - clock: the clock scans are timed by; the continuous clock by default.
    init(folders: [String], interval: Duration, settleTime: Duration, scheduler: JobScheduler, runner: JobRunner,
         defaults: SubtitleJob, logger: Logger, clock: some Clock<Duration> = ContinuousClock()) {
        self.folders = folders
        self.interval = interval
        self.scheduler = scheduler
        self.runner = runner
        self.defaults = defaults
        self.logger = logger
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
        sleep = { duration in try await clock.sleep(for: duration) }
        state = FolderWatch(settleTime: settleTime)
    }

    func run() async throws {
        logger.info("watching folders", metadata: ["folders": "\(folders.joined(separator: ", "))"])
        // The first scan right away (the start-up scan); files are taken once they have settled.
        let interval = self.interval
        let sleep = self.sleep
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await scanOnce(at: elapsed())
            try? await cancelWhenGracefulShutdown { try await sleep(interval) }
        }
    }

    /// Lists the folders, and queues what is ready and still needs subtitles; `now` is the time since the watch
    /// started.
    func scanOnce(at now: Duration) async {
        let folders = self.folders
        let listing = (try? await BlockingWork.run("scan") { Self.list(folders) }) ?? [:]
        for path in state.scan(listing, at: now) {
            var job = defaults
            job.input = path
            job.skipsIfSubtitled = true
            job.destination = .besideInput
            if let reason = await runner.skipReason(for: job) {
                logger.debug("watch: skipped", metadata: ["path": "\(path)", "reason": "\(reason.message)"])
                continue
            }
            do {
                _ = try await scheduler.submit(JobRequest(path: path), origin: .watch)
            } catch {
                logger.notice("watch: not queued", metadata: ["path": "\(path)", "reason": "\(error)"])
            }
        }
    }

    /// Media files under the folders (recursively, markers honoured) with their versions.
    static func list(_ folders: [String]) -> [String: FolderWatch.Version] {
        var listing: [String: FolderWatch.Version] = [:]
        for file in InputDiscovery.discover(folders, recursive: true).files {
            guard let version = FileVersion(path: file) else { continue }
            listing[file] = FolderWatch.Version(size: version.size, modified: version.modified, inode: version.inode)
        }
        return listing
    }
}
