import Foundation
import Logging
import Subtitler
import Subtitles
import SubtitlerDub
import SubtitlerJobs
import SubtitlerSupport

/// An English dub track as the jobs API takes it: once the job's subtitles are written, the English cues are spoken
/// through `/audio/speech`, fitted, and muxed into the media file as an extra audio track (`eng`, "English (dub)"),
/// the original replaced only when the new file is complete. The same library call as `subtitler dub --in-place`.
package struct DubRequest: Sendable, Codable, Hashable {
    /// The voice (the server decides which names exist); `alloy` when absent.
    package var voice: String?
    /// The speech model; `gpt-4o-mini-tts` when absent.
    package var model: String?
    /// Style instructions for the voice.
    package var instructions: String?
    /// Mix the dub over the original lowered by this many decibels (0...60); the speech alone when absent.
    package var duck: Double?
    /// Mark the dub track as the default audio track.
    package var isDefault: Bool?

    enum CodingKeys: String, CodingKey {
        case voice, model, instructions, duck
        case isDefault = "default"
    }

    /// Creates a request.
    package init(voice: String? = nil, model: String? = nil, instructions: String? = nil, duck: Double? = nil,
                isDefault: Bool? = nil) {
        self.voice = voice
        self.model = model
        self.instructions = instructions
        self.duck = duck
        self.isDefault = isDefault
    }

    /// The library's dub options for this request, over the service's translation settings.
    func options(translation: SubtitleOptions) -> DubOptions {
        var options = DubOptions()
        options.translation = translation
        options.translation.task = .translate
        options.translation.language = nil
        if let voice { options.voice = voice }
        if let model { options.speechModel = model }
        options.instructions = instructions
        options.duckDecibels = duck
        options.isDefault = isDefault ?? false
        options.usesCache = translation.usesCache
        return options
    }

    /// The first problem with the request, or nil.
    var problem: String? { options(translation: SubtitleOptions()).problem.map { $0.nested(in: "dub").message } }
}

/// Runs the dub a job asked for, after its subtitles were written.
enum ServiceDub {
    /// The outcome with the dub done: the media file gains a dub track and is listed among the outputs, or the job
    /// fails naming the cause (its sidecars stay: they are complete).
    static func run(
        _ request: DubRequest, job: SubtitleJob, outcome: JobOutcome, subtitler: Subtitler, logger: Logger
    ) async -> JobOutcome {
        var result = outcome
        // English cues the job already made are spoken as they are; other languages are translated for the dub.
        let english = outcome.report.task == .translate || outcome.report.language == "en"
        let cues: DubCueSource = english ? outcome.cues.map { .cues($0) } ?? .translation : .translation
        var options = request.options(translation: job.options)
        options.track = job.options.track
        var dubJob = DubJob(input: job.input, cues: cues, destination: .replacingInput, options: options)
        dubJob.outputRoots = job.outputRoots
        do {
            let dubbed = try await Dubber(subtitler: subtitler).dub(dubJob)
            if !result.report.outputs.contains(job.input) { result.report.outputs.append(job.input) }
            let report = dubbed.report
            if !report.notFitted.isEmpty || !report.warnings.isEmpty {
                var warnings = result.report.run?.warnings ?? []
                if !report.notFitted.isEmpty {
                    warnings.append("dub: \(report.notFitted.count) cue(s) did not fit their time even sped up: "
                        + report.notFitted.map(String.init).joined(separator: ", "))
                }
                warnings += report.warnings.map { "dub: \($0)" }
                result.report.run?.warnings = warnings
            }
            logger.info("dub track written", metadata: [
                "cues": "\(report.cues.count)", "notFitted": "\(report.notFitted.count)",
                "track": "\(report.dubTrack.map(String.init) ?? "")",
            ])
        } catch {
            if error.kind == .cancelled {
                result.report.status = .cancelled
            } else {
                result.report.status = .failed
                result.report.failure = JobFailure(
                    .followUpFailed, path: result.report.input,
                    message: "the subtitles were written; the dub failed: \(error.description)")
            }
        }
        return result
    }
}
