import Foundation
import MediaAudio
import Subtitles

/// A stretch of the decoded timeline, cut in a pause, ready to encode.
struct RawChunk {
    /// The first sample on the media timeline.
    var startSample: Int64
    /// Mono 16-bit samples.
    var samples: [Int16]
    /// True when the cut after this chunk sits in a pause (always true for the last chunk).
    var endsInSilence: Bool
}

/// Decodes the chosen track block by block and cuts it into chunks as soon as each boundary is known, so the
/// runner can upload early chunks while later ones are still being decoded. Holds at most one chunk plus the
/// search window in memory. Confined to one task: it owns the FFmpeg reader.
final class ChunkProducer {
    let reader: AudioReader
    let planner: ChunkBoundaryPlanner
    private(set) var meter: EnergyMeter
    private var buffer: [Int16] = []
    private var bufferStart: Int64 = 0
    private var chunkStartFrame = 0
    private var finished = false
    private(set) var warnings: [String] = []

    init(reader: AudioReader, targetDuration: Milliseconds, maxDuration: Milliseconds?) {
        self.reader = reader
        meter = EnergyMeter(sampleRate: reader.sampleRate)
        let framesPerSecond = Int64(reader.sampleRate / meter.frameLength)
        let target = Int(targetDuration * framesPerSecond / 1000)
        let search = min(Int(30 * framesPerSecond), target / 4)
        planner = ChunkBoundaryPlanner(
            targetFrames: target,
            searchFrames: search,
            maxFrames: maxDuration.map { Int($0 * framesPerSecond / 1000) }
        )
    }

    /// Frame energies of the timeline decoded so far.
    var energies: [Float] { meter.energies }

    /// The next chunk, or nil at the end of the audio.
    func next() throws(MediaError) -> RawChunk? {
        while true {
            if let cut = planner.nextCut(in: meter.energies, from: chunkStartFrame) {
                let cutSample = Int64(cut.frame) * Int64(meter.frameLength)
                let count = Int(cutSample - bufferStart)
                let chunk = RawChunk(startSample: bufferStart, samples: Array(buffer[..<count]), endsInSilence: cut.isInSilence)
                buffer.removeFirst(count)
                bufferStart = cutSample
                chunkStartFrame = cut.frame
                if !cut.isInSilence {
                    let at = cutSample * 1000 / Int64(reader.sampleRate)
                    warnings.append("no pause near \(Timecode.srt(at)); cut at the quietest point (\(Int(cut.energy)) dBFS)")
                }
                return chunk
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                let chunk = RawChunk(startSample: bufferStart, samples: buffer, endsInSilence: true)
                bufferStart += Int64(buffer.count)
                buffer = []
                return chunk
            }
            if let block = try reader.nextBlock() {
                append(block)
            } else {
                meter.finish()
                finished = true
            }
        }
    }

    private func append(_ block: PCMBlock) {
        let expected = bufferStart + Int64(buffer.count)
        var samples = block.samples[...]
        if block.startSample > expected {
            // A gap the reader did not fill: keep the timeline with silence.
            let silence = [Int16](repeating: 0, count: Int(block.startSample - expected))
            buffer.append(contentsOf: silence)
            meter.append(silence)
        } else if block.startSample < expected {
            let overlap = Int(min(Int64(samples.count), expected - block.startSample))
            samples = samples.dropFirst(overlap)
        }
        buffer.append(contentsOf: samples)
        meter.append(samples)
    }
}
