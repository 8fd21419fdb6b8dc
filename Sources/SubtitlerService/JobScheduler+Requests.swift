import Foundation
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs
import SubtitlerSupport

// What the scheduler makes of a request: its checks, and the library job (or sync) it runs.
extension JobScheduler {
    /// Checks the fields of a request that the path check does not cover.
    static func validate(_ request: JobRequest) throws {
        if let language = request.language, WhisperLanguages.code(for: language) == nil {
            throw JobRequestError("unknown language '\(language)'; use an ISO 639-1 code such as en or de")
        }
        if let formats = request.formats, formats.isEmpty { throw JobRequestError("formats must not be empty") }
        if let priority = request.priority, !JobPriority.range.contains(priority) {
            throw JobRequestError("priority must be a whole number from 0 to 9, not \(priority)")
        }
        if let label = request.naming?.label, !label.isEmpty, let problem = SidecarNaming.problem(withLabel: label) {
            throw JobRequestError(problem)
        }
        if let problem = request.dub?.problem { throw JobRequestError(problem) }
        if let sync = request.sync {
            if sync.isEmpty { throw JobRequestError("sync must name at least one subtitle file") }
            if sync.count > JobRequest.maximumSyncFiles {
                throw JobRequestError("sync takes at most \(JobRequest.maximumSyncFiles) subtitle files, not \(sync.count)")
            }
            if request.dub != nil || request.embed == true {
                throw JobRequestError("sync moves existing subtitles; it cannot be combined with dub or embed")
            }
        }
    }

    /// Syncs the request's subtitle files onto `job`'s media in place (each path checked against the roots again now,
    /// every write confined to them), as the job layer's ``SyncRunner`` does for `subtitler sync --in-place`.
    static func sync(_ subtitles: [String], of job: SubtitleJob, paths: PathPolicy) async -> JobOutcome {
        var checked: [String] = []
        for path in subtitles {
            do {
                checked.append(try paths.file(path))
            } catch {
                return .failed(JobFailure(error.failureReason, path: error.path, message: error.description))
            }
        }
        var syncJob = SyncJob(media: job.input, subtitles: checked, destination: .replacingInput)
        syncJob.outputRoots = paths.roots
        return JobOutcome(report: await SyncRunner.run(syncJob).jobReport)
    }

    /// The library job for a stored request: the service's defaults with the request's fields over them.
    func makeJob(for job: ServiceJob) -> SubtitleJob {
        var result = defaults
        let request = job.request
        result.input = request.path
        result.options.task = request.task ?? .transcribe
        result.options.language = request.task == .translate ? nil : request.language.flatMap(WhisperLanguages.code(for:))
        if let formats = request.formats, !formats.isEmpty { result.formats = formats }
        if let karaoke = request.karaoke { result.options.keepsWordTimes = karaoke }
        if let naming = request.naming { result.naming = naming.applied(to: defaults.naming) }
        result.destination = .besideInput
        result.embedsSubtitles = request.embed ?? defaults.embedsSubtitles
        if job.origin.skipsSubtitledFiles { result.skipsIfSubtitled = true }
        return result
    }
}
