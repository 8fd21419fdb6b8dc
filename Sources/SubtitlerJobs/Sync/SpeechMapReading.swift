import Foundation
import MediaAudio
import Subtitler
import SubtitleSync

/// The speech map a sync aligns with: the pipeline's own map of the chosen track (``MediaSpeechMap``: decoded at
/// 16 kHz on the media's timeline, Silero VAD's unpadded speech regions).
enum SpeechMapReading {
    /// Decodes `media` and maps its speech; blocking: run it on the media pool.
    static func target(of media: String, track: TrackSelection) throws -> SyncTarget {
        let (spans, duration) = try MediaSpeechMap.read(media, track: track)
        return SyncTarget(spans: spans, duration: duration)
    }
}
