import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Subtitler
import SubtitlerSupport

/// The streaming heart of a dub: requests speech a bounded number of cues ahead (concurrently), fits each utterance
/// and writes the track in time order. At most `concurrency` requests are in flight and at most twice as many
/// utterances wait to be placed, so memory does not grow with the film's length.
struct DubSession: Sendable {
    let job: DubJob
    let setup: DubSetup
    let source: DubSpeechSource
    let temporaryPath: String
    let progress: @Sendable (DubEvent) -> Void

    /// What the session wrote.
    struct Outcome: Sendable {
        var cues: [DubbedCue]
        var sampleCount: Int64
        var warnings: [String]
    }

    /// One cue's speech, trimmed, before placement.
    struct PreparedSpeech: Sendable {
        /// Trimmed speech at the track's rate (nil when the answer was silent).
        var samples: [Int16]?
        /// The trimmed length at normal speed, samples.
        var naturalCount: Int
        /// The speed of `samples` (1 unless a faster answer was used).
        var speed: Double
        /// Whether every answer came from the cache.
        var cached: Bool
        /// Whether a faster answer was asked for and came back no faster.
        var speedIgnored: Bool
    }

    private var path: String { job.input }
    private var rate: Int { job.options.sampleRate }

    private func samples(_ milliseconds: Milliseconds) -> Int64 { milliseconds * Int64(rate) / 1000 }
    private func milliseconds(_ samples: Int64) -> Milliseconds { samples * 1000 / Int64(rate) }

    func run(_ planned: [PlannedCue]) async throws(DubError) -> Outcome {
        let options = job.options
        let totalSamples = samples(setup.mediaDuration)
        let path = self.path
        let setup = self.setup
        let temporaryPath = self.temporaryPath
        let writer = try await Dubber.blocking(path, "open dub track") { () throws(DubError) in
            do throws(MediaError) {
                var original: AudioReader?
                if options.duckDecibels != nil, let track = setup.original {
                    original = try AudioReader(
                        path: path, track: .index(track.index), sampleRate: options.sampleRate,
                        blockSize: options.sampleRate)
                }
                return TaskConfined(try DubTrackWriter(
                    path: temporaryPath, encoding: setup.encoding, sampleRate: options.sampleRate,
                    bitRate: options.effectiveBitRate(for: setup.encoding), totalSamples: totalSamples,
                    original: original, gain: options.originalGain))
            } catch {
                throw .media(error)
            }
        }

        var reports = planned.map { cue in
            DubbedCue(
                number: cue.number, text: cue.text, plannedStart: cue.start, plannedEnd: cue.end, slotEnd: cue.slotEnd,
                actualStart: nil, actualEnd: nil, naturalDuration: nil, speed: 1, tempo: 1,
                status: cue.isInsideMedia ? .skipped : .outsideMedia, cached: false)
        }
        var warnings: [String] = []
        let spoken = planned.indices.filter { planned[$0].isSpoken }
        var timeline = UtteranceTimeline(minimumGap: samples(options.minimumGap))
        var speedIgnored = false

        let session = self
        let concurrency = max(1, options.concurrency)
        let window = 2 * concurrency
        do {
            try await withThrowingTaskGroup(of: (Int, Result<PreparedSpeech, DubError>).self) { group in
                var launched = 0
                var placedCount = 0
                var inFlight = 0
                var ready: [Int: PreparedSpeech] = [:]
                while placedCount < spoken.count {
                    while launched < spoken.count, inFlight < concurrency, launched - placedCount < window {
                        let cue = planned[spoken[launched]]
                        let order = launched
                        group.addTask { (order, await session.prepare(cue)) }
                        launched += 1
                        inFlight += 1
                    }
                    if let prepared = ready.removeValue(forKey: placedCount) {
                        let index = spoken[placedCount]
                        speedIgnored = speedIgnored || prepared.speedIgnored
                        reports[index] = try await session.place(
                            prepared, cue: planned[index], report: reports[index], timeline: &timeline,
                            writer: writer, warnings: &warnings)
                        placedCount += 1
                        continue
                    }
                    guard let (order, result) = try await group.next() else { break }
                    inFlight -= 1
                    switch result {
                    case .success(let prepared):
                        ready[order] = prepared
                        progress(.speechReady(number: planned[spoken[order]].number, cached: prepared.cached))
                    case .failure(let error):
                        throw error
                    }
                }
            }
        } catch let error as DubError {
            throw error
        } catch {
            throw .cancelled(path: path)
        }
        if Task.isCancelled { throw .cancelled(path: path) }
        let written = try await Dubber.blocking(path, "finish dub track") { () throws(DubError) in
            do throws(MediaError) { return try writer.value.finish() } catch { throw .media(error) }
        }
        if speedIgnored {
            warnings.append("the speech server seems to ignore `speed`: faster answers came back about as long; "
                            + "only the tempo change shortened them")
        }
        return Outcome(cues: reports, sampleCount: written, warnings: warnings)
    }

    /// Requests a cue's speech, trims it, and asks again at a higher `speed` when it is longer than its slot.
    func prepare(_ cue: PlannedCue) async -> Result<PreparedSpeech, DubError> {
        do throws(DubError) {
            let onRetry: @Sendable (RetryEvent) -> Void = { [progress] event in
                progress(.speechRetried(number: cue.number, attempt: event.attempt, reason: event.reason))
            }
            let first = try await source.answer(for: cue.text, speed: nil, cue: cue.number, path: path, onRetry: onRetry)
            guard let natural = try await decodeTrimmed(first.audio, cue: cue.number) else {
                return .success(PreparedSpeech(samples: nil, naturalCount: 0, speed: 1, cached: first.cached,
                                               speedIgnored: false))
            }
            var prepared = PreparedSpeech(samples: natural, naturalCount: natural.count, speed: 1, cached: first.cached,
                                          speedIgnored: false)
            let slot = Int(samples(cue.slotEnd) - samples(cue.start))
            guard let speed = UtteranceFitting.speed(forLength: natural.count, slot: slot, maxSpeed: job.options.maxSpeed)
            else { return .success(prepared) }
            let second = try await source.answer(for: cue.text, speed: speed, cue: cue.number, path: path,
                                                 onRetry: onRetry)
            prepared.cached = prepared.cached && second.cached
            if let faster = try await decodeTrimmed(second.audio, cue: cue.number),
               UtteranceFitting.honoursSpeed(speed, natural: natural.count, faster: faster.count) {
                prepared.samples = faster
                prepared.speed = speed
            } else {
                prepared.speedIgnored = true
            }
            return .success(prepared)
        } catch {
            return .failure(error)
        }
    }

    /// A speech answer decoded at the track's rate with its leading and trailing silence removed; nil when silent.
    private func decodeTrimmed(_ audio: [UInt8], cue: Int) async throws(DubError) -> [Int16]? {
        let rate = self.rate
        let path = self.path
        return try await Dubber.blocking(path, "decode speech") { () throws(DubError) in
            let decoded: PCMAudio
            do {
                decoded = try PCMAudio(speech: audio, name: "speech for cue \(cue)", sampleRate: rate)
            } catch {
                throw .invalidSpeech(path: path, cue: cue, reason: "\(error)")
            }
            return UtteranceFitting.trimmed(decoded.samples, sampleRate: rate)
        }
    }

    /// Places a cue's speech on the track: after the previous utterance, sped up (pitch kept) to fit when needed.
    private func place(
        _ prepared: PreparedSpeech, cue: PlannedCue, report: DubbedCue, timeline: inout UtteranceTimeline,
        writer: TaskConfined<DubTrackWriter>, warnings: inout [String]
    ) async throws(DubError) -> DubbedCue {
        var result = report
        result.cached = prepared.cached
        result.speed = prepared.speed
        guard var speech = prepared.samples else {
            warnings.append("cue \(cue.number): the speech server's audio is silent; nothing was placed")
            return result
        }
        result.naturalDuration = milliseconds(Int64(prepared.naturalCount))
        let totalSamples = writer.value.totalSamples
        let start = timeline.start(forPlanned: samples(cue.start))
        guard start < totalSamples else {
            result.status = .outsideMedia
            warnings.append("cue \(cue.number): pushed past the end of the media by the speech before it; not spoken")
            return result
        }
        let available = Int(max(0, samples(cue.slotEnd) - start))
        if let tempo = UtteranceFitting.tempo(forLength: speech.count, available: available,
                                              maxTempo: job.options.maxTempo) {
            let input = speech
            let rate = self.rate
            speech = try await Dubber.blocking(path, "tempo") { () throws(DubError) in
                TimeStretch.changingTempo(of: input, sampleRate: rate, by: tempo)
            }
            result.tempo = (tempo * 1000).rounded() / 1000
        }
        // One energy frame of slack: lengths are measured in whole frames.
        result.status = speech.count <= available + rate / 50 ? .fitted : .overran
        let toWrite = speech
        let written = try await Dubber.blocking(path, "write dub track") { () throws(DubError) in
            do throws(MediaError) { return try writer.value.place(toWrite, at: start) } catch { throw .media(error) }
        }
        if written < speech.count {
            warnings.append("cue \(cue.number): its speech runs past the end of the media and is cut there")
        }
        timeline.commit(end: start + Int64(speech.count))
        result.actualStart = milliseconds(start)
        result.actualEnd = milliseconds(start + Int64(written))
        progress(.placed(number: cue.number, position: result.actualEnd ?? 0))
        return result
    }
}
