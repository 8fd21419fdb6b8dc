import Foundation
import MediaAudio
import Subtitles

/// What to ask the API for.
public enum SubtitleTask: String, Sendable, Codable {
    /// Subtitles in the spoken language (`/audio/transcriptions`).
    case transcribe
    /// An English track (`/audio/translations`, whisper-1 only).
    case translate
}

/// How a model is driven: which response format, which granularities, how long its chunks may be.
public enum ModelStrategy: String, Sendable, Codable {
    /// whisper-1: verbose_json with segment and word timestamps.
    case timestamped
    /// gpt-4o-transcribe and -mini: text only; short chunks around speech regions, region-level timing.
    case textOnly
    /// gpt-4o-transcribe-diarize: diarized_json with chunking_strategy=auto; speakers flow into cues.
    case diarized

    /// The strategy for a model name. Unknown names are treated like whisper-1 (OpenAI-compatible servers
    /// usually serve Whisper models under their own names).
    public init(model: String) {
        switch model {
        case let m where m.hasPrefix("gpt-4o-transcribe-diarize"): self = .diarized
        case let m where m.hasPrefix("gpt-4o-transcribe") || m.hasPrefix("gpt-4o-mini-transcribe"): self = .textOnly
        default: self = .timestamped
        }
    }

    /// The longest audio one request may carry for `model`, in milliseconds (nil when there is no cap).
    public static func durationCap(forModel model: String) -> Milliseconds? {
        if model.hasPrefix("gpt-4o-transcribe-diarize") { return 1_400_000 }
        if model.hasPrefix("gpt-4o-transcribe") || model.hasPrefix("gpt-4o-mini-transcribe") { return 1_500_000 }
        return nil
    }

    /// Estimated price in US dollars per minute of audio for `model` (OpenAI's list prices).
    public static func pricePerMinute(forModel model: String) -> Double {
        if model.hasPrefix("gpt-4o-mini-transcribe") { return 0.003 }
        return 0.006
    }
}

/// Everything that shapes one subtitle job. The defaults are what `subtitler transcribe FILE` does.
public struct SubtitleOptions: Sendable {
    /// Transcribe or translate.
    public var task: SubtitleTask = .transcribe
    /// The model name sent to the API.
    public var model: String = "whisper-1"
    /// The spoken language (ISO 639-1), or nil to let the first chunk detect it.
    public var language: String?
    /// A prompt to steer spelling and style.
    public var prompt: String?
    /// Sampling temperature, or nil for the server's default.
    public var temperature: Double?
    /// Which audio track to use.
    public var track: TrackSelection = .automatic
    /// The encoding of uploaded chunks.
    public var uploadEncoding: AudioEncoding = .flac
    /// The sample rate audio is decoded to before upload.
    public var sampleRate: Int = 16_000
    /// The preferred chunk length in milliseconds (about 5 minutes; text-only models use 20 s).
    public var targetChunkDuration: Milliseconds?
    /// A hard cap on chunk duration in milliseconds; nil uses the model's cap.
    public var maxChunkDuration: Milliseconds?
    /// The request-body limit in bytes; chunks are split until their upload fits.
    public var maxRequestBytes: Int = 26_214_400
    /// How many requests may be in flight at once.
    public var concurrency: Int = 4
    /// The style profile cues are shaped to.
    public var style: StyleProfile = .netflix
    /// Which hallucination rules apply.
    public var hallucinationGuard = HallucinationGuard()
    /// Accept failed chunks as gaps instead of failing the file.
    public var allowsGaps = false
    /// Read and write the resume cache.
    public var usesCache = true

    /// Creates options with the defaults.
    public init() {}

    /// The strategy for the chosen model and task.
    public var strategy: ModelStrategy {
        task == .translate ? .timestamped : ModelStrategy(model: model)
    }

    /// The preferred chunk length after defaults.
    public var effectiveTargetChunkDuration: Milliseconds {
        if let targetChunkDuration { return max(1_000, targetChunkDuration) }
        return strategy == .textOnly ? 20_000 : 300_000
    }

    /// The hard cap after defaults (text-only models: 30 s so timing stays region-level).
    public var effectiveMaxChunkDuration: Milliseconds? {
        if let maxChunkDuration { return maxChunkDuration }
        if strategy == .textOnly { return 30_000 }
        return ModelStrategy.durationCap(forModel: model)
    }
}
