import Foundation
import Subtitles
import Subtitler

// The JSON of a job report is a contract (`--json`, the service's stored and returned reports): flat keys, with
// `error` kept beside the typed `failure`. The pipeline's figures are written from the part of the report that holds
// them (``JobReport/run``, ``JobReport/dryRun`` or ``JobReport/sent``), so a figure is named here once.
extension JobReport {
    private enum CodingKeys: String, CodingKey {
        case input, status, outputs, skipReason, language, task, model, error, failure, cues, chunks, requests
        case cachedChunks, bytesSent, retries, droppedSegments, gaps, styleViolations, audioDurationMs, wallTimeMs
        case estimatedCost, timing, warnings, plan, audioSentMs, speechMs, speechShare, speechDetector
        case requestsInFlight
        case doubtfulSpeech, omissions
        case sync, translation
    }

    /// Decodes a report (one stored with only an `error` text gets a failure of reason `unknown`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(input: try container.decode(String.self, forKey: .input),
                  status: try container.decode(Status.self, forKey: .status))
        outputs = try container.decodeIfPresent([String].self, forKey: .outputs) ?? []
        skipReason = try container.decodeIfPresent(SkipReason.self, forKey: .skipReason)
        language = try container.decodeIfPresent(String.self, forKey: .language)
        task = try container.decodeIfPresent(SubtitleTask.self, forKey: .task)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        failure = try container.decodeIfPresent(JobFailure.self, forKey: .failure)
        if failure == nil, let message = try container.decodeIfPresent(String.self, forKey: .error) {
            // A report stored before failures were typed: only the text.
            failure = JobFailure(.unknown, path: input, message: message)
        }
        cues = try container.decodeIfPresent(Int.self, forKey: .cues)
        sync = try container.decodeIfPresent(SyncReport.self, forKey: .sync)
        translation = try container.decodeIfPresent(TranslationReport.self, forKey: .translation)
        wallTimeMs = try container.decodeIfPresent(Int64.self, forKey: .wallTimeMs)

        let plan = try container.decodeIfPresent([ChunkSummary].self, forKey: .plan)
        let requests = try container.decodeIfPresent(Int.self, forKey: .requests)
        let retries = try container.decodeIfPresent(Int.self, forKey: .retries)
        let bytesSent = try container.decodeIfPresent(Int.self, forKey: .bytesSent)
        let audioDuration = try container.decodeIfPresent(Int64.self, forKey: .audioDurationMs)
        let estimatedCost = try container.decodeIfPresent(Double.self, forKey: .estimatedCost)
        let warnings = try container.decodeIfPresent([String].self, forKey: .warnings)
        let audioSent = try container.decodeIfPresent(Int64.self, forKey: .audioSentMs) ?? 0
        let speech = try container.decodeIfPresent(Int64.self, forKey: .speechMs) ?? 0
        let detector = try container.decodeIfPresent(SpeechDetection.self, forKey: .speechDetector) ?? .energy
        if let timing = try container.decodeIfPresent(CueTiming.self, forKey: .timing) {
            // Only a run that reached its end has a timing.
            var run = SubtitleReport(
                input: input, language: language, task: task ?? .transcribe, model: model ?? "", timing: timing,
                audioDuration: audioDuration ?? 0, chunks: plan ?? [], requests: requests ?? 0,
                cachedChunks: try container.decodeIfPresent(Int.self, forKey: .cachedChunks) ?? 0,
                retries: retries ?? 0, bytesSent: bytesSent ?? 0,
                dropped: try container.decodeIfPresent([DroppedSegment].self, forKey: .droppedSegments) ?? [],
                violations: try container.decodeIfPresent([StyleViolation].self, forKey: .styleViolations) ?? [],
                gaps: try container.decodeIfPresent([ChunkFailure].self, forKey: .gaps) ?? [],
                warnings: warnings ?? [], wallTime: wallTimeMs ?? 0, estimatedCost: estimatedCost ?? 0)
            run.audioSent = audioSent
            run.speechDuration = speech
            run.speechDetector = detector
            run.requestsInFlight = try container.decodeIfPresent(Int.self, forKey: .requestsInFlight)
            run.doubtfulSpeech = try container.decodeIfPresent([SpeechSpan].self, forKey: .doubtfulSpeech) ?? []
            run.omissions = try container.decodeIfPresent([Omission].self, forKey: .omissions) ?? []
            self.run = run
        } else if status == .planned, let plan {
            var summary = PlanSummary(input: input, chunks: plan, audioDuration: audioDuration ?? 0,
                                      estimatedCost: estimatedCost ?? 0, warnings: warnings ?? [])
            summary.audioSent = audioSent
            summary.speechDuration = speech
            summary.speechDetector = detector
            dryRun = summary
        } else if let requests {
            sent = RequestsSent(requests: requests, retries: retries ?? 0, bytesSent: bytesSent ?? 0)
        }
    }

    /// Encodes the report with flat keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(input, forKey: .input)
        try container.encode(status, forKey: .status)
        try container.encode(outputs, forKey: .outputs)
        try container.encodeIfPresent(skipReason, forKey: .skipReason)
        try container.encodeIfPresent(language, forKey: .language)
        try container.encodeIfPresent(task, forKey: .task)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(failure?.message, forKey: .error)
        try container.encodeIfPresent(failure, forKey: .failure)
        try container.encodeIfPresent(cues, forKey: .cues)
        try container.encodeIfPresent(sync, forKey: .sync)
        try container.encodeIfPresent(translation, forKey: .translation)
        if let run {
            try container.encode(run.chunks.count, forKey: .chunks)
            try container.encode(run.requests, forKey: .requests)
            try container.encode(run.cachedChunks, forKey: .cachedChunks)
            try container.encode(run.bytesSent, forKey: .bytesSent)
            try container.encode(run.retries, forKey: .retries)
            try container.encode(run.dropped, forKey: .droppedSegments)
            try container.encode(run.gaps, forKey: .gaps)
            try container.encode(run.violations, forKey: .styleViolations)
            try container.encode(run.audioDuration, forKey: .audioDurationMs)
            try container.encodeIfPresent(wallTimeMs, forKey: .wallTimeMs)
            try container.encode(run.estimatedCost, forKey: .estimatedCost)
            try container.encode(run.timing, forKey: .timing)
            try container.encode(run.warnings, forKey: .warnings)
            try container.encode(run.chunks, forKey: .plan)
            try container.encode(run.audioSent, forKey: .audioSentMs)
            try container.encode(run.speechDuration, forKey: .speechMs)
            try container.encode(run.speechShare, forKey: .speechShare)
            try container.encode(run.speechDetector, forKey: .speechDetector)
            try container.encodeIfPresent(run.requestsInFlight, forKey: .requestsInFlight)
            try container.encode(run.doubtfulSpeech, forKey: .doubtfulSpeech)
            try container.encode(run.omissions, forKey: .omissions)
        } else if let plan = dryRun {
            try container.encode(plan.chunks.count, forKey: .chunks)
            try container.encode(plan.chunks.count, forKey: .requests)
            try container.encode(plan.totalRequestBytes, forKey: .bytesSent)
            try container.encode(plan.audioDuration, forKey: .audioDurationMs)
            try container.encodeIfPresent(wallTimeMs, forKey: .wallTimeMs)
            try container.encode(plan.estimatedCost, forKey: .estimatedCost)
            try container.encode(plan.warnings, forKey: .warnings)
            try container.encode(plan.chunks, forKey: .plan)
            try container.encode(plan.audioSent, forKey: .audioSentMs)
            try container.encode(plan.speechDuration, forKey: .speechMs)
            try container.encode(plan.speechShare, forKey: .speechShare)
            try container.encode(plan.speechDetector, forKey: .speechDetector)
        } else {
            try container.encodeIfPresent(sent?.requests, forKey: .requests)
            try container.encodeIfPresent(sent?.bytesSent, forKey: .bytesSent)
            try container.encodeIfPresent(sent?.retries, forKey: .retries)
            try container.encodeIfPresent(wallTimeMs, forKey: .wallTimeMs)
        }
    }
}
