import Foundation
import MediaAudio
import Subtitles

/// A stretch of the decoded timeline, cut where no one speaks, ready to encode.
struct RawChunk {
    /// The first sample on the media timeline.
    var startSample: Int64
    /// Mono 16-bit samples.
    var samples: [Int16]
    /// True when the cut after this chunk sits in a pause (always true for the last chunk).
    var endsInSilence: Bool
    /// The parts of the chunk to upload (timeline samples, ordered); the whole chunk unless long stretches without
    /// speech are left out. Empty when the chunk holds no speech.
    var kept: [Range<Int64>]

    /// The chunk's samples on the timeline.
    var range: Range<Int64> { startSample..<(startSample + Int64(samples.count)) }

    /// The part of the chunk in `subrange` (which must lie inside it).
    func slice(_ subrange: Range<Int64>, endsInSilence: Bool) -> RawChunk {
        let lower = Int(subrange.lowerBound - startSample)
        let upper = Int(subrange.upperBound - startSample)
        let kept = self.kept.compactMap { piece -> Range<Int64>? in
            let lower = max(piece.lowerBound, subrange.lowerBound)
            let upper = min(piece.upperBound, subrange.upperBound)
            return lower < upper ? lower..<upper : nil
        }
        return RawChunk(startSample: subrange.lowerBound, samples: Array(samples[lower..<upper]),
                        endsInSilence: endsInSilence, kept: kept)
    }
}

/// Decodes the chosen track block by block, maps its speech (``SpeechMapRecorder``) and its energy as it goes, and
/// cuts it into chunks as soon as each boundary is known, so the runner can upload early chunks while later ones
/// are still being decoded. Cuts go in the gaps between speech regions nearest the target length, or, where speech
/// covers the whole search window, in the quietest stretch. Holds at most one chunk plus the search window and a
/// short look-ahead in memory, plus the compact speech and energy maps. Confined to one task: it owns the FFmpeg
/// reader.
final class ChunkProducer {
    let reader: any AudioSource
    /// The media, for messages.
    let name: String
    let planner: ChunkBoundaryPlanner
    let speech: SpeechMapRecorder
    private(set) var meter: EnergyMeter
    private let sendsOnlySpeech: Bool
    private let minimumOmittedSilence: Int64
    private let padding: Int64
    /// Decoded samples the speech map must reach past a cut before the chunk is emitted (so the stretch left out
    /// around the cut is known).
    private let lookAhead: Int
    private var buffer: [Int16] = []
    private var bufferStart: Int64 = 0
    private var chunkStartFrame = 0
    private var finished = false
    private(set) var warnings: [String] = []

    init(reader: any AudioSource, name: String, options: SubtitleOptions) {
        self.reader = reader
        self.name = name
        let rate = reader.sampleRate
        meter = EnergyMeter(sampleRate: rate)
        speech = SpeechMapRecorder(detection: options.speechDetection, sampleRate: rate, model: options.speechModel)
        if let reason = speech.fallbackReason { warnings.append(reason) }
        let framesPerSecond = Int64(rate / meter.frameLength)
        let target = Int(options.effectiveTargetChunkDuration * framesPerSecond / 1000)
        let search = min(Int(30 * framesPerSecond), target / 4)
        planner = ChunkBoundaryPlanner(
            targetFrames: target,
            searchFrames: search,
            maxFrames: options.effectiveMaxChunkDuration.map { Int($0 * framesPerSecond / 1000) }
        )
        sendsOnlySpeech = options.sendsOnlySpeech
        minimumOmittedSilence = max(0, options.minimumOmittedSilence) * Int64(rate) / 1000
        padding = max(0, options.speechPadding) * Int64(rate) / 1000
        let settle = Int64(rate) * 3 / 2
        lookAhead = sendsOnlySpeech ? Int((minimumOmittedSilence + padding + settle) / Int64(meter.frameLength)) : 0
    }

    /// Frame energies of the timeline decoded so far.
    var energies: [Float] { meter.energies }

    /// Samples decoded so far.
    var decodedSamples: Int64 { bufferStart + Int64(buffer.count) }

    /// The speech regions and the stretches the detector doubted, known so far (samples): doubtful speech is cut
    /// around and sent like speech.
    func heardRegions() -> [Range<Int64>] {
        speech.heardRegions(energies: meter.energies, energyFrameLength: meter.frameLength)
    }

    /// The next chunk, or nil at the end of the audio.
    func next() throws(MediaError) -> RawChunk? {
        while true {
            let frames = meter.energies.count
            if finished || frames - chunkStartFrame > planner.targetFrames + planner.searchFrames + lookAhead,
               let cut = nextCut() {
                let cutSample = cut.sample
                let count = Int(cutSample - bufferStart)
                let range = bufferStart..<cutSample
                let chunk = RawChunk(startSample: bufferStart, samples: Array(buffer[..<count]),
                                     endsInSilence: cut.isInSilence, kept: kept(in: range))
                buffer.removeFirst(count)
                bufferStart = cutSample
                chunkStartFrame = Int(cutSample / Int64(meter.frameLength))
                if !cut.isInSilence {
                    let at = cutSample * 1000 / Int64(reader.sampleRate)
                    warnings.append("no pause near \(Timecode.srt(at)); cut at the quietest point (\(Int(cut.energy)) dBFS)")
                }
                return chunk
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                let range = bufferStart..<(bufferStart + Int64(buffer.count))
                let chunk = RawChunk(startSample: bufferStart, samples: buffer, endsInSilence: true,
                                     kept: kept(in: range))
                bufferStart += Int64(buffer.count)
                buffer = []
                return chunk
            }
            if let block = try reader.nextBlock() {
                append(block)
            } else {
                meter.finish()
                speech.finish(sampleCount: decodedSamples)
                finished = true
            }
        }
    }

    /// A planned cut: the sample it falls on, whether it lies where no one speaks, the energy there.
    struct Cut {
        var sample: Int64
        var isInSilence: Bool
        var energy: Float
    }

    /// The next cut after the current chunk's start, when the remaining audio no longer fits in one chunk.
    private func nextCut() -> Cut? {
        let frameLength = Int64(meter.frameLength)
        let energies = meter.energies
        guard energies.count - chunkStartFrame > planner.targetFrames + planner.searchFrames else { return nil }
        let low = chunkStartFrame + max(1, planner.targetFrames - planner.searchFrames)
        let high = chunkStartFrame + planner.targetFrames + planner.searchFrames
        if let sample = speechCut(lowFrame: low, highFrame: high, targetFrame: chunkStartFrame + planner.targetFrames) {
            let frame = min(energies.count - 1, Int(sample / frameLength))
            return Cut(sample: sample, isInSilence: true, energy: energies[frame])
        }
        let cut = planner.quietestCut(in: energies, between: low, and: high, chunkStart: chunkStartFrame)
        return Cut(sample: Int64(cut.frame) * frameLength, isInSilence: cut.isInSilence, energy: cut.energy)
    }

    /// A cut in a gap between speech regions inside the frames `lowFrame...highFrame`, or nil.
    func speechCut(lowFrame: Int, highFrame: Int, targetFrame: Int) -> Int64? {
        guard speech.detection == .silero else { return nil }
        let frameLength = Int64(meter.frameLength)
        let rate = reader.sampleRate
        return SpeechGaps.bestCut(
            regions: heardRegions(), in: Int64(lowFrame) * frameLength...Int64(highFrame) * frameLength,
            target: Int64(targetFrame) * frameLength, knownUntil: speech.knownUntil(decoded: decodedSamples),
            minimumGap: Int64(rate / 5), alignment: lcm(frameLength, Int64(rate / 1000)), sampleRate: rate)
    }

    /// What to upload of `range`: all but the long stretches where no one speaks and the detector did not doubt.
    private func kept(in range: Range<Int64>) -> [Range<Int64>] {
        guard sendsOnlySpeech else { return [range] }
        return SpeechGaps.keptRanges(
            in: range, regions: heardRegions(), timelineEnd: finished ? decodedSamples : nil,
            knownUntil: speech.knownUntil(decoded: decodedSamples), minimumGap: minimumOmittedSilence, padding: padding)
    }

    private func append(_ block: PCMBlock) {
        let (gap, samples) = block.placed(after: bufferStart + Int64(buffer.count))
        if gap > 0 {
            // A gap the reader did not fill: keep the timeline with silence.
            let silence = [Int16](repeating: 0, count: Int(gap))
            buffer.append(contentsOf: silence)
            meter.append(silence)
            speech.append(silence[...])
        }
        buffer.append(contentsOf: samples)
        meter.append(samples)
        speech.append(samples)
    }
}

/// The least common multiple of two positive numbers.
private func lcm(_ a: Int64, _ b: Int64) -> Int64 {
    var x = a
    var y = b
    while y != 0 { (x, y) = (y, x % y) }
    return a / x * b
}
