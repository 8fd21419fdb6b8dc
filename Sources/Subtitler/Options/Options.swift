import Foundation
import MediaAudio
import OpenAIAudio
import SpeechDetection
import Subtitles

/// What to ask the API for.
public enum SubtitleTask: String, Sendable, Codable {
    /// Subtitles in the spoken language (`/audio/transcriptions`).
    case transcribe
    /// An English track (`/audio/translations`, whisper-1 only).
    case translate
}

/// Which speech detector maps the timeline: where chunks are cut, which audio is sent, where cues start and end,
/// and what the hallucination guard counts as speech.
public enum SpeechDetection: String, Sendable, Codable, CaseIterable {
    /// Silero VAD v6 (bundled): a speech probability per 32 ms frame; tells speech from music and noise. Needs
    /// 16 kHz decoding (the default); otherwise, or when its weights cannot be loaded, the energy map is used.
    case silero
    /// Short-window energy above the noise floor: the fallback. Music and noise count as speech.
    case energy
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
    /// The input's format when it is headerless PCM (what Bazarr uploads); nil lets FFmpeg detect the container.
    public var rawPCMInput: RawPCMFormat?
    /// The encoding of uploaded chunks.
    public var uploadEncoding: AudioEncoding = .flac
    /// The sample rate audio is decoded to before upload.
    public var sampleRate: Int = 16_000
    /// The preferred chunk length in milliseconds (about 5 minutes; text-only models use 20 s).
    public var targetChunkDuration: Milliseconds?
    /// A hard cap on chunk duration in milliseconds; nil uses the model's cap.
    public var maxChunkDuration: Milliseconds?
    /// The request-body limit in bytes; chunks are split until their upload fits.
    public var maxRequestBytes: Int = maxRequestBodyBytes
    /// How many requests may be in flight at once: the start and the ceiling; fewer are sent when the answers show
    /// the server working through a queue (``SubtitleReport/requestsInFlight``).
    public var concurrency: Int = 4
    /// The style profile cues are shaped to.
    public var style: StyleProfile = .netflix
    /// Keep each cue's word times (``Cue/words``) so that WebVTT and ASS highlight word by word (`--karaoke`);
    /// ``SubtitleReport/wordTiming`` says where the times came from.
    public var keepsWordTimes = false
    /// Which hallucination rules apply.
    public var hallucinationGuard = HallucinationGuard()
    /// Accept failed chunks as gaps instead of failing the file.
    public var allowsGaps = false
    /// Read and write the resume cache.
    public var usesCache = true
    /// How long one request may take.
    public var requestTimeout = RequestTimeoutPolicy()
    /// The speech detector; Silero VAD unless it cannot run.
    public var speechDetection: SpeechDetection = .silero
    /// Makes the speech probability model behind ``SpeechDetection/silero``: Silero VAD with its bundled weights
    /// when nil (the default). The seam a test fills with a model that says where speech is.
    public var speechModel: (@Sendable () throws -> any SpeechProbabilityModel)?
    /// Leave long stretches without speech out of the uploaded audio (`--send-all` turns this off). Stretches the
    /// speech detector doubted (``SubtitleReport/doubtfulSpeech``) are sent like speech; loud stretches left out
    /// are named in ``SubtitleReport/omissions``. Times that come back are mapped onto the media timeline
    /// sample-exactly.
    public var sendsOnlySpeech = true
    /// With ``sendsOnlySpeech``: stretches without speech longer than this are left out, less
    /// ``speechPadding`` kept on each side of the speech.
    public var minimumOmittedSilence: Milliseconds = 2_000
    /// With ``sendsOnlySpeech``: audio kept around speech next to a stretch that is left out.
    public var speechPadding: Milliseconds = 400

    /// Creates options with the defaults.
    public init() {}

    /// How the chosen model times its output for this task (translations always go to Whisper's timestamped
    /// `verbose_json`); drives the response format, the chunk lengths and the cue timing.
    public var strategy: AudioModel.Timing {
        task == .translate ? .segmentsAndWords : AudioModel.named(model).timing
    }

    /// The preferred chunk length after defaults: about 5 minutes; 20 s for text-only models; 25 s windows for
    /// translations (Whisper slips back into the spoken language over long requests).
    public var effectiveTargetChunkDuration: Milliseconds {
        if let targetChunkDuration { return max(1_000, targetChunkDuration) }
        if task == .translate { return 25_000 }
        return strategy == .textOnly ? 20_000 : 300_000
    }

    /// The hard cap after defaults (text-only models and translations: 30 s, so timing stays region-level and
    /// translations stay in English).
    public var effectiveMaxChunkDuration: Milliseconds? {
        if let maxChunkDuration { return maxChunkDuration }
        if strategy == .textOnly || task == .translate { return 30_000 }
        return AudioModel.named(model).maxAudioMilliseconds
    }
}

/// How long a request may wait for its answer. By default (scaled) a request is never given up while the server
/// answers others, as time in the server's queue is not a failure: the server may stay silent, from its last answer,
/// for ``timeout(forAudio:)`` of the longest request waiting (or twice the slowest time per second of audio it has
/// taken, if longer); a server silent that long is taken as stopped. A ``fixed`` timeout is each attempt's own
/// limit instead, queue or not. A request that timed out is not retried on top of itself.
public struct RequestTimeoutPolicy: Sendable, Hashable {
    /// A fixed timeout for every request (`--timeout`), or nil to scale with the audio.
    public var fixed: Duration?
    /// The shortest scaled timeout.
    public var floor: Duration = .seconds(120)
    /// The longest scaled timeout.
    public var ceiling: Duration = .seconds(3_600)
    /// Seconds of waiting allowed per second of audio, on top of ``base``.
    public var secondsPerAudioSecond: Int64 = 3
    /// Time allowed for the upload and the server's start-up, whatever the audio's length.
    public var base: Duration = .seconds(60)

    /// Creates a policy: scaled by default, or fixed.
    public init(fixed: Duration? = nil) {
        self.fixed = fixed
    }

    /// The silence allowed while a request carrying `audio` milliseconds of audio waits: `base + 3 × audio`, between
    /// the floor and the ceiling (a 5-minute chunk gets 16 minutes), unless a fixed timeout is set.
    public func timeout(forAudio audio: Milliseconds) -> Duration {
        if let fixed { return fixed }
        let clampedAudio = min(max(audio, 0), 86_400_000)
        let scaled = base + .milliseconds(clampedAudio * secondsPerAudioSecond)
        return min(max(scaled, floor), ceiling)
    }
}
