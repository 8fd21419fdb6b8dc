import Foundation

/// How the queue orders jobs: a priority from 0 (backfill) to 9, the highest first; first in, first out within a
/// priority; and ageing, so backfill never starves: a job that has waited gains one step per ``ageingStep``
/// (10 minutes), so a watch-folder job waiting 50 minutes ranks with an import queued now (and, older, goes first).
///
/// A job's priority is its request's `priority`, else its origin's default: Sonarr's and Radarr's imports, the media
/// servers' items added, other hooks and the jobs API (people) 5, watch folders (backfill) 0. A playback start asks
/// for ``top``. Bazarr's `/asr` never waits in the queue.
package enum JobPriority {
    /// The priorities a request may ask for.
    package static let range = 0...9

    /// The priority of the file being watched right now (a media server's playback start).
    package static var top: Int { range.upperBound }

    /// How long a queued job waits for each step it gains.
    package static let ageingStep: TimeInterval = 600

    /// The priority of a job asking for `request`, from `origin`.
    package static func of(_ request: JobRequest, origin: JobOrigin) -> Int {
        if let priority = request.priority { return priority }
        switch origin {
        case .watch: return 0
        case .api, .sonarr, .radarr, .hook, .jellyfin, .plex, .emby, .tautulli: return 5
        }
    }

    /// Where a job of `priority` that has waited `waited` seconds ranks: higher goes first.
    package static func rank(priority: Int, waited: TimeInterval) -> Int {
        priority + Int(max(0, waited) / ageingStep)
    }
}
