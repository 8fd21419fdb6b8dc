import Foundation
import Logging
import ServiceLifecycle
import Subtitler
import SubtitlerJobs
import SubtitlerSupport

/// Decides which files in watched folders are ready: new or changed media whose size and modification time have
/// stayed the same for the settle time (it may still be copying), each version taken once.
///
/// Pure and clock-free: callers pass the time of each scan, so tests drive it with instants of their own.
package struct FolderWatch: Sendable {
    /// A file's size and modification time.
    package struct Version: Sendable, Hashable {
        package var size: Int64
        package var modified: Int64
        package init(size: Int64, modified: Int64) {
            self.size = size
            self.modified = modified
        }
    }

    /// How long a version must stay unchanged.
    package let settleTime: Duration
    private var seen: [String: (version: Version, since: ContinuousClock.Instant)] = [:]
    private var taken: [String: Version] = [:]

    /// Creates a watch state.
    package init(settleTime: Duration) {
        self.settleTime = settleTime
    }

    /// Takes one scan's listing; returns the files that are ready now, in path order.
    package mutating func scan(_ listing: [String: Version], at now: ContinuousClock.Instant) -> [String] {
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
actor FolderWatcherService: Service {
    let folders: [String]
    let interval: Duration
    let scheduler: JobScheduler
    let runner: JobRunner
    let defaults: SubtitleJob
    let logger: Logger
    private var state: FolderWatch

    init(folders: [String], interval: Duration, settleTime: Duration, scheduler: JobScheduler, runner: JobRunner,
         defaults: SubtitleJob, logger: Logger) {
        self.folders = folders
        self.interval = interval
        self.scheduler = scheduler
        self.runner = runner
        self.defaults = defaults
        self.logger = logger
        state = FolderWatch(settleTime: settleTime)
    }

    func run() async throws {
        logger.info("watching folders", metadata: ["folders": "\(folders.joined(separator: ", "))"])
        // The first scan right away (the start-up scan); files are taken once they have settled.
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await scanOnce(at: .now)
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Lists the folders, and queues what is ready and still needs subtitles.
    func scanOnce(at now: ContinuousClock.Instant) async {
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
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            listing[file] = FolderWatch.Version(size: Int64(info.st_size), modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
        return listing
    }
}
