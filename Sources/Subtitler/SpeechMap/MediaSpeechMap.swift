import Foundation
import MediaAudio
import SpeechDetection
import Subtitles

extension PCMBlock {
    /// Where this block falls on a timeline that has `expected` samples so far: the silence that must come first (a
    /// gap the reader did not fill) and the samples past any overlap with what is already there.
    func placed(after expected: Int64) -> (silence: Int64, samples: ArraySlice<Int16>) {
        if startSample > expected { return (startSample - expected, samples[...]) }
        return (0, samples.dropFirst(Int(min(Int64(samples.count), expected - startSample))))
    }
}

/// The speech map of a media file's track without making subtitles (what `sync` aligns with): the track decoded at
/// 16 kHz on the media's timeline and the same unpadded Silero regions the pipeline's map has
/// (``SpeechMapRecorder``), in constant memory besides the map.
package enum MediaSpeechMap {
    /// Decodes `path` and maps its speech; blocking: run it on the media pool.
    /// - Returns: the speech regions in milliseconds, in time order, and the timeline's length.
    /// - Throws: ``MediaError`` for media that cannot be read; the recorder's reason when Silero VAD cannot run (an
    ///   energy map would count music and noise as speech); `CancellationError` when the task is cancelled.
    package static func read(_ path: String, track: TrackSelection) throws -> (regions: [SpeechSpan], duration: Milliseconds) {
        let rate = SileroVAD.sampleRate
        let reader = try AudioReader(path: path, track: track, sampleRate: rate, blockSize: rate)
        let recorder = SpeechMapRecorder(detection: .silero, sampleRate: rate)
        if let reason = recorder.fallbackReason { throw SpeechMapUnavailable(message: reason) }
        let second = [Int16](repeating: 0, count: rate)
        var fed: Int64 = 0
        while let block = try reader.nextBlock() {
            if Task.isCancelled { throw CancellationError() }
            var (silence, samples) = block.placed(after: fed)
            fed += silence + Int64(samples.count)
            while silence > 0 {
                // A gap on the timeline, a second of silence at a time, so the detector's frames stay on it.
                recorder.append(second.prefix(Int(min(silence, Int64(rate)))))
                silence -= Int64(rate)
            }
            recorder.append(samples)
        }
        recorder.finish(sampleCount: fed)
        let perSecond = Int64(rate)
        let regions = recorder.regions(energies: [], energyFrameLength: rate / 50).map { range -> SpeechSpan in
            SpeechSpan(start: range.lowerBound * 1000 / perSecond, end: range.upperBound * 1000 / perSecond)
        }
        let decoded: Milliseconds = fed * 1000 / perSecond
        return (regions, max(decoded, reader.info.duration ?? 0))
    }

    /// Silero VAD could not run, so there is no speech map to align with.
    package struct SpeechMapUnavailable: Error, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }
}
