import Foundation
import MediaAudio
import SpeechDetection
import Subtitles
import SubtitlerSupport
import SubtitleSync

/// The speech map a sync aligns with: the chosen track decoded at 16 kHz on the media's timeline and Silero VAD's
/// unpadded speech regions (the detector and region options of the pipeline's speech map), in constant memory
/// besides the regions.
enum SpeechMapReading {
    /// Decodes `media` and maps its speech; blocking: run it on the media pool.
    static func target(of media: String, track: TrackSelection) throws -> SyncTarget {
        let rate = SileroVAD.sampleRate
        let reader = try AudioReader(path: media, track: track, sampleRate: rate, blockSize: rate)
        let detector = VoiceActivityDetector(model: try SileroVADModel.bundled(), options: .silero)
        var regions: [SpeechRegion] = []
        var fed: Int64 = 0
        while let block = try reader.nextBlock() {
            if Task.isCancelled { throw CancellationError() }
            if block.startSample > fed {
                // A gap on the timeline (late audio, a hole): silence, so the detector's frames stay on it.
                var gap = block.startSample - fed
                while gap > 0 {
                    let count = Int(min(gap, Int64(rate)))
                    regions += detector.append([Int16](repeating: 0, count: count)).regions
                    gap -= Int64(count)
                }
                fed = block.startSample
            }
            let skip = Int(max(0, fed - block.startSample))
            guard skip < block.samples.count else { continue }
            regions += detector.append(block.samples[skip...]).regions
            fed = block.endSample
        }
        regions += detector.finish().regions
        let spans = regions.map {
            SpeechSpan(start: $0.speechStart * 1000 / Int64(rate), end: $0.speechEnd * 1000 / Int64(rate))
        }
        let duration = max(fed * 1000 / Int64(rate), reader.info.duration ?? 0)
        return SyncTarget(spans: spans, duration: duration)
    }
}
