import MediaAudio
import OpenAIAudio
import Subtitles

extension SubtitleReport {
    /// The report of a finished run: the scheduler's chunks, the placement's findings, the builder's cues, drops and
    /// violations, and the warnings they add up to.
    init(
        assembling scheduled: ScheduledChunks, placed: SegmentPlacement.Placed, built: SubtitleBuildResult,
        producer: ChunkProducer, path: String, language: String?, options: SubtitleOptions, counters: RequestCounters,
        duration: Milliseconds, activity: SpeechActivity, activityMap: ActivityMap, wallTime: Milliseconds
    ) {
        let summaries = scheduled.summaries
        let audioSent = summaries.reduce(Int64(0)) { $0 + $1.audioSent } + placed.rerequested
        let billed = summaries.filter { !$0.cached }.reduce(Int64(0)) { $0 + $1.audioSent } + placed.uncachedRerequests
        let timing: CueTiming = switch options.strategy {
        case .textOnly: .region
        case .diarizedSegments: .segment
        case .segmentsAndWords: placed.hasWords ? .word : .segment
        }
        var dropped = built.dropped + placed.rejected
        dropped.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        self.init(
            input: path, language: language, task: options.task, model: options.model, timing: timing,
            audioDuration: duration, chunks: summaries, requests: counters.requests,
            cachedChunks: summaries.filter(\.cached).count, retries: counters.retries, bytesSent: counters.bytesSent,
            dropped: dropped, violations: built.violations, gaps: scheduled.failures,
            warnings: Self.warnings(scheduled: scheduled, placed: placed, producer: producer, options: options,
                                    audioSent: audioSent),
            wallTime: wallTime,
            estimatedCost: Double(billed) / 60_000 * AudioModel.named(options.model).pricePerMinute)
        self.audioSent = audioSent
        speechDuration = activity.speechDuration
        speechDetector = producer.speech.detection
        speechRegions = activity.regions
        self.activity = activityMap
        requestsInFlight = scheduled.concurrency.lowest
        doubtfulSpeech = activity.doubtfulRegions
        let energyFrame = Milliseconds(producer.meter.frameLength) * 1000 / Milliseconds(producer.reader.sampleRate)
        omissions = OmissionFinder.omissions(
            scheduled: scheduled, placed: placed, activity: activity, energies: producer.energies,
            energyFrameDuration: energyFrame, duration: duration)
        // Loud stretches left out (music, noise) are common and listed only; speech that came back without words
        // is a loss worth a warning.
        let empty = omissions.filter { $0.kind == .emptyJoin }.count
        if empty > 0 {
            warnings.append("\(empty) stretch\(empty == 1 ? "" : "es") of speech beside a join in the upload came back "
                + "without words (see omissions)")
        }
        let unanswered = omissions.filter { $0.kind == .emptyAnswer }.count
        if unanswered > 0 {
            warnings.append("\(unanswered) upload\(unanswered == 1 ? "" : "s") with speech came back without words "
                + "(see omissions)")
        }
    }

    /// Damaged packets, cuts without a pause, timing limits of the model, nothing detected, translations left out.
    private static func warnings(
        scheduled: ScheduledChunks, placed: SegmentPlacement.Placed, producer: ChunkProducer,
        options: SubtitleOptions, audioSent: Milliseconds
    ) -> [String] {
        var warnings = producer.warnings + producer.reader.warnings
            + ChunkTranscript.timingWarnings(scheduled.outcomes, strategy: options.strategy)
        if options.strategy == .diarizedSegments && scheduled.summaries.count > 1 {
            warnings.append("speaker labels come from each chunk's own diarization: the same label in different chunks may be different people")
        }
        if options.strategy == .textOnly {
            warnings.append("\(options.model) returns no timestamps: cue timing is region-level (each pause-bounded region of up to 30 s)")
        }
        if options.sendsOnlySpeech && !scheduled.summaries.isEmpty && audioSent == 0 {
            warnings.append("no speech was detected (\(producer.speech.detection.rawValue)): nothing was sent; "
                + "send the whole audio to transcribe it anyway")
        }
        if !placed.rejected.isEmpty {
            let one = placed.rejected.count == 1
            warnings.append("\(placed.rejected.count) translated segment\(one ? "" : "s") stayed in another language than "
                + "English after a re-request in a shorter window and \(one ? "was" : "were") left out")
        }
        let concurrency = scheduled.concurrency
        if concurrency.lowest < concurrency.maximum {
            let count = concurrency.lowest == 1 ? "one request" : "about \(concurrency.lowest) requests"
            warnings.append("the server answered \(count) at a time: requests in flight went down from "
                + "\(concurrency.maximum) to \(concurrency.lowest), and requests waiting in its queue were given the time "
                + "the ones ahead of them took")
        }
        return warnings
    }
}
