import SubtitleSync
import SubtitlerDub
import SubtitlerJobs

/// The job layer's typed failures and skip reasons, phrased for the command line: where a remedy is a flag, the
/// sentence names it. The library's messages name no flag; only this file does.
enum JobPhrasing {
    /// The line printed for a failed job.
    /// - Parameter recursive: whether the batch looked into subdirectories (`--recursive`).
    static func failure(_ failure: JobFailure, recursive: Bool = false) -> String {
        switch failure.reason {
        case .noMediaFiles:
            return failure.message + (recursive ? "" : " (use --recursive for subdirectories)")
        case .outputCollision:
            return failure.message + "; use --output to keep them apart, or subtitle one of them at a time"
        case .translationIncomplete:
            return failure.message + " (--allow-gaps writes the rest and keeps these cues in the source language)"
        case .cannotEmbed:
            return "\(failure.path): --embed: \(failure.detail ?? failure.message)"
        default:
            return failure.message
        }
    }

    /// The sentence printed for a skipped job.
    static func skip(_ reason: SkipReason) -> String {
        switch reason.kind {
        case .upToDate: reason.message + " (use --force to redo)"
        case .newerOutputExists: reason.message + "; use --force to replace it"
        case .alreadySubtitled, .excludedByMarker: reason.message
        }
    }

    /// The line printed for a job that failed or was cancelled.
    static func failureLine(_ report: JobReport, recursive: Bool = false) -> String {
        report.failure.map { failure($0, recursive: recursive) } ?? "\(report.input): failed"
    }

    /// The line printed for a failed dub: the library's message, with the flag that is the remedy where there is one.
    static func dubFailure(_ error: DubError) -> String {
        if error.kind == .outputIsInput {
            return "\(error.path): the output \(error.output ?? error.path) is the input itself; use --in-place to "
                + "replace it, or --output another name"
        }
        return error.description
    }

    /// The line printed for subtitles the aligner refused: the reason, with the flags that may help.
    static func syncRefusal(_ refusal: SyncRefusal?, path: String) -> String {
        guard let refusal else { return "\(path): not synced" }
        var line = "\(path): not synced: \(refusal.message)"
        if refusal.kind == .notThisAudio {
            line += " (another audio track? choose it with --track or --audio-language; or align with --reference)"
        }
        return line + "; nothing was written"
    }
}
