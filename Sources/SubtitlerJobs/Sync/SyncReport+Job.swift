import Foundation
import SubtitleSync

extension SyncReport {
    /// The sync as a job's report, for front ends that keep job reports (the service): done when every file was
    /// synced or already in sync, with the files written as outputs; else failed, naming the first file that was
    /// not (`sync-refused` for a refusal), with nothing it refused written. The whole sync report rides along.
    public var jobReport: JobReport {
        var report = JobReport(input: media, status: succeeded ? .done : .failed)
        report.outputs = files.compactMap(\.output)
        report.sync = self
        guard !succeeded else { return report }
        if let failure {
            report.failure = failure
            if failure.reason == .cancelled { report.status = .cancelled }
        } else if let file = files.first(where: { $0.outcome == .failed }), let failure = file.failure {
            report.failure = failure
        } else if let file = files.first(where: { $0.outcome == .refused }) {
            let why = file.refusal.map { ": \($0.message)" } ?? ""
            report.failure = JobFailure(.syncRefused, path: file.subtitles,
                                        message: "\(file.subtitles): not synced\(why); nothing was written")
        }
        return report
    }
}
