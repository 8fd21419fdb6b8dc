import Foundation
import Subtitler
import Subtitles

extension TranslationRunner {
    /// Translates the subtitles a transcription job wrote (or kept as up to date) into `targets`, and folds what
    /// became of each language into the job's report: written translations join its outputs, ``JobReport/translation``
    /// holds each target's result, and a language that could not be written fails the job with that language's
    /// reason (`translation-incomplete` when cues still failed their checks). The transcription's own files stay
    /// written either way. A report with no subtitle file to translate (failed, planned, written to standard output)
    /// is returned as it is.
    /// - Parameters:
    ///   - report: the transcription job's report.
    ///   - targets: ISO 639-1 codes, in order.
    ///   - options: the translation settings (the target is set per language; the source is the job's language).
    ///   - naming: how the translations are named (`Film.es.srt`).
    ///   - outputRoots: the folders the translations must stay under (the service's roots), or nil.
    public func follow(
        _ report: JobReport, into targets: [String], options: TranslationOptions, naming: SidecarNaming,
        outputRoots: [String]? = nil
    ) async -> JobReport {
        guard !targets.isEmpty,
              var job = TranslationJob.following(report, targets: targets, options: options, naming: naming)
        else { return report }
        job.outputRoots = outputRoots
        let translation = await run(job)
        var result = report
        result.translation = translation
        result.outputs += translation.targets.compactMap(\.output)
        if let failure = translation.failure ?? translation.targets.lazy.compactMap(\.failure).first {
            result.status = failure.reason == .cancelled ? .cancelled : .failed
            result.failure = failure
        }
        return result
    }
}
