import Foundation
import MediaAudio
import Subtitles
import SubtitlerSupport
import SubtitleSync

/// Runs sync jobs: reads the speech map once per media file, aligns each subtitle file with it, and rewrites only
/// the times of those it moved (atomically: a temporary file, then a rename). Refused files are never written; files
/// already in sync are left byte for byte as they were (copied unchanged when an output file is named).
public enum SyncRunner {
    /// Runs `job`.
    /// - Returns: the report; each file's outcome says whether it was synced, already in sync, refused or failed,
    ///   and ``SyncReport/failure`` says why nothing could be done (invalid options, unreadable media or reference).
    public static func run(_ job: SyncJob) async -> SyncReport {
        do {
            return try await attempt(job)
        } catch {
            return SyncReport(media: job.media, reference: nil, mediaDuration: 0, speechDuration: 0, files: [],
                              failure: error.failure)
        }
    }

    /// A failure of the whole job.
    private struct Failed: Error {
        var failure: JobFailure
        init(_ failure: JobFailure) { self.failure = failure }
    }

    private static func attempt(_ job: SyncJob) async throws(Failed) -> SyncReport {
        if let problem = job.options.problem {
            throw Failed(JobFailure.at(job.media, .invalidOptions, problem.message))
        }
        if case .file = job.destination, job.subtitles.count != 1 {
            throw Failed(JobFailure.at(job.media, .invalidOptions, "one output file names the result of one subtitle file, not \(job.subtitles.count)"))
        }
        let target: SyncTarget
        var referencePath: String?
        switch job.reference {
        case .audio(let track):
            if let problem = InputDiscovery.problem(withPath: job.media) {
                throw Failed(JobFailure.at(job.media, .invalidPath, problem))
            }
            do {
                target = try await BlockingWork.run(on: .media, "sync speech map") {
                    try SpeechMapReading.target(of: job.media, track: track)
                }
            } catch let error as MediaError {
                throw Failed(JobFailure(.pipeline, path: job.media, message: error.description))
            } catch is CancellationError {
                throw Failed(JobFailure.at(job.media, .cancelled, "cancelled"))
            } catch {
                throw Failed(JobFailure.at(job.media, .pipeline, "\(error)"))
            }
        case .subtitles(let path):
            referencePath = path
            let reference: TimedSubtitleFile
            do {
                reference = try await BlockingWork.run(on: .io, "sync reference") {
                    try TimedSubtitleFile(contentsOf: URL(fileURLWithPath: path))
                }
            } catch {
                throw Failed(JobFailure.at(path, .unreadableInput, "\(error)"))
            }
            let duration = try? await BlockingWork.run(on: .io, "sync probe") { try MediaProbe.probe(job.media).duration }
            let spans = reference.cues.map { SpeechSpan(start: $0.start, end: $0.end) }
            target = SyncTarget(spans: spans, duration: duration ?? (spans.map(\.end).max() ?? 0))
        }
        var files: [SyncFileReport] = []
        for subtitles in job.subtitles {
            if Task.isCancelled { throw Failed(JobFailure.at(job.media, .cancelled, "cancelled")) }
            files.append(await sync(subtitles, onto: target, job: job))
        }
        return SyncReport(media: job.media, reference: referencePath, mediaDuration: target.duration,
                          speechDuration: target.totalDuration, files: files, failure: nil)
    }

    /// Syncs one subtitle file.
    static func sync(_ path: String, onto target: SyncTarget, job: SyncJob) async -> SyncFileReport {
        var report = SyncFileReport(
            subtitles: path, output: nil, outcome: .failed, refusal: nil, failure: nil, model: .unchanged, ratio: 1,
            segments: [], before: nil, after: nil, distinctness: nil, cueCount: 0, movedCueCount: 0, clampedCueCount: 0,
            isDryRun: job.destination == .dryRun)
        let file: TimedSubtitleFile
        do {
            file = try await BlockingWork.run(on: .io, "sync read") { try TimedSubtitleFile(contentsOf: URL(fileURLWithPath: path)) }
        } catch {
            report.failure = JobFailure.at(path, .unreadableInput, "\(error)")
            return report
        }
        report.cueCount = file.cues.count
        let spans = file.cues.map { SpeechSpan(start: $0.start, end: max($0.start, $0.end)) }
        let aligner = SubtitleAligner(options: job.options)
        let analysis = try? await BlockingWork.run(on: .media, "sync align") { aligner.align(spans, to: target) }
        guard let analysis else {
            report.failure = JobFailure.at(path, .cancelled, "cancelled")
            return report
        }
        let mapping = analysis.mapping
        report.model = analysis.model
        report.ratio = mapping.ratio
        report.before = analysis.before
        report.after = analysis.after
        report.distinctness = analysis.distinctness
        report.chanceFit = analysis.chanceFit
        report.segments = segments(of: mapping, cues: file.cues)
        let destination: String? = switch job.destination {
        case .file(let output): output
        case .replacingInput: path
        case .dryRun: nil
        }
        switch analysis.verdict {
        case .refused(let refusal):
            report.outcome = .refused
            report.refusal = refusal
            return report
        case .alreadyInSync:
            report.outcome = .alreadyInSync
            if let destination, destination != path {
                if let failure = await write(file.bytes, to: destination, roots: job.outputRoots) { report.failure = failure; report.outcome = .failed; return report }
                report.output = destination
            }
            return report
        case .synced:
            break
        }
        let end = target.duration
        var times: [(start: Milliseconds, end: Milliseconds)] = []
        for cue in file.cues {
            let start = mapping.map(cue.start, cueStart: cue.start)
            let stop = mapping.map(max(cue.start, cue.end), cueStart: cue.start)
            let clamped = clamp(start, stop, end: end)
            if clamped.start != start || clamped.end != stop { report.clampedCueCount += 1 }
            if clamped.start != cue.start || clamped.end != cue.end { report.movedCueCount += 1 }
            times.append(clamped)
        }
        report.outcome = .synced
        guard let destination else { return report }
        let bytes: [UInt8]
        do {
            bytes = try file.retimed(times) { index, time in
                min(max(0, mapping.map(time, cueStart: file.cues[index].start)), end)
            }
        } catch {
            report.outcome = .failed
            report.failure = JobFailure.at(path, .writeFailed, "\(error); nothing was written")
            return report
        }
        if let failure = await write(bytes, to: destination, roots: job.outputRoots) {
            report.outcome = .failed
            report.failure = failure
            return report
        }
        report.output = destination
        return report
    }

    /// A cue's new times kept on the media: a cue partly outside is cut at the edge; one wholly outside keeps its
    /// length against the edge.
    static func clamp(_ start: Milliseconds, _ end: Milliseconds, end limit: Milliseconds)
        -> (start: Milliseconds, end: Milliseconds)
    {
        let length = max(0, end - start)
        if end <= 0 { return (0, min(length, limit)) }
        if start >= limit { return (max(0, limit - length), limit) }
        return (max(0, start), min(limit, end))
    }

    /// The report's segments: where each starts in the file and on the media, its offset and cue count.
    static func segments(of mapping: SyncMapping, cues: [TimedSubtitleFile.TimedCue]) -> [SyncFileReport.Segment] {
        mapping.segments.enumerated().map { index, segment in
            let next = index + 1 < mapping.segments.count ? mapping.segments[index + 1].start : Milliseconds.max
            let count = cues.filter { $0.start >= (index == 0 ? Milliseconds.min : segment.start) && $0.start < next }.count
            return SyncFileReport.Segment(start: segment.start, startOnMedia: mapping.map(segment.start, cueStart: segment.start),
                                          offset: segment.offset, cueCount: count)
        }
    }

    /// Writes `bytes` over `destination` atomically (a temporary file, then a rename), off the cooperative pool;
    /// with `roots` (the service), the folder is checked against them where the file is opened and renamed.
    private static func write(_ bytes: [UInt8], to destination: String, roots: [String]?) async -> JobFailure? {
        do {
            try await ConfinedOutput.write(Data(bytes), to: destination, roots: roots)
            return nil
        } catch let error as OutputError {
            return JobFailure.at(destination, error.isOutsideRoots ? .outsideRoots : .writeFailed, error.description)
        } catch {
            return JobFailure.at(destination, .writeFailed, "\(error)")
        }
    }
}
