/// An audio file to upload, with the filename and part content type the server uses to detect its format.
///
/// OpenAI detects the container from the filename extension and the part `Content-Type`: send the real
/// extension (`chunk.wav`, `talk.mp4`) and a matching type (`audio/wav`, `audio/mp4`).
public struct AudioUpload: Sendable, Hashable {
    /// The file bytes.
    public var data: [UInt8]
    /// The filename sent in the part's `Content-Disposition`, with its real extension.
    public var filename: String
    /// The part's `Content-Type`, for example `audio/wav`.
    public var contentType: String
    /// How much audio the file holds, when the sender knows it: never sent, it prices and counts the request for
    /// whoever relays it (the service's cluster-wide budget).
    public var duration: Duration? = nil

    /// Creates an upload.
    ///
    /// - Parameters:
    ///   - data: The file bytes.
    ///   - filename: The filename with its real extension.
    ///   - contentType: The MIME type of the file; see ``contentType(forFilename:)``.
    public init(data: [UInt8], filename: String, contentType: String) {
        self.data = data
        self.filename = filename
        self.contentType = contentType
    }

    /// Creates an upload whose content type is guessed from the filename extension.
    ///
    /// - Parameters:
    ///   - data: The file bytes.
    ///   - filename: The filename with its real extension.
    public init(data: [UInt8], filename: String) {
        self.init(data: data, filename: filename, contentType: Self.contentType(forFilename: filename))
    }

    /// The MIME type for an audio or video filename extension, `application/octet-stream` when unknown.
    ///
    /// - Parameter filename: A filename such as `chunk-003.wav`.
    /// - Returns: The type Python's `mimetypes` would guess for the common audio containers.
    public static func contentType(forFilename filename: String) -> String {
        let ext = filename.split(separator: ".").count > 1 ? filename.split(separator: ".").last!.lowercased() : ""
        switch ext {
        case "wav": return "audio/wav"
        case "mp3", "mpga", "mpeg": return "audio/mpeg"
        case "mp4": return "audio/mp4"
        case "m4a": return "audio/mp4"
        case "flac": return "audio/flac"
        case "ogg", "oga", "opus": return "audio/ogg"
        case "webm": return "audio/webm"
        case "aac": return "audio/aac"
        case "mkv": return "video/x-matroska"
        case "pcm": return "audio/pcm"
        default: return "application/octet-stream"
        }
    }
}

/// The `response_format` of a transcription.
public enum TranscriptionResponseFormat: String, Sendable, CaseIterable {
    /// `{"text": …}` (the server default).
    case json
    /// The bare transcript text.
    case text
    /// A SubRip subtitle file.
    case srt
    /// A WebVTT subtitle file.
    case vtt
    /// Text plus language, duration, segments and (if asked for) words; `whisper-1` only.
    case verboseJSON = "verbose_json"
    /// Segments with speaker labels; `gpt-4o-transcribe-diarize` only.
    case diarizedJSON = "diarized_json"
}

/// The `response_format` of a translation.
public enum TranslationResponseFormat: String, Sendable, CaseIterable {
    /// `{"text": …}` (the server default).
    case json
    /// The bare English text.
    case text
    /// A SubRip subtitle file.
    case srt
    /// A WebVTT subtitle file.
    case vtt
    /// Text plus language, duration and segments.
    case verboseJSON = "verbose_json"
}

/// A timestamp granularity for `timestamp_granularities[]` (needs `verbose_json`).
public enum TimestampGranularity: String, Sendable, CaseIterable {
    /// Segment start and end times.
    case segment
    /// Word start and end times (adds latency).
    case word
}

/// How the server splits the audio before transcribing it (`chunking_strategy`).
public enum ChunkingStrategy: Sendable, Hashable {
    /// `chunking_strategy=auto`: the server normalises loudness and splits with voice activity detection.
    case auto
    /// A `server_vad` object; unset members are left to the server defaults (300 ms, 200 ms, 0.5).
    case serverVAD(
        prefixPaddingMilliseconds: Int? = nil,
        silenceDurationMilliseconds: Int? = nil,
        threshold: Double? = nil
    )

    /// The form fields the SDKs write for this strategy, bracketed keys for the object form.
    var formFields: [(name: String, value: String)] {
        switch self {
        case .auto:
            return [("chunking_strategy", "auto")]
        case .serverVAD(let prefix, let silence, let threshold):
            var fields: [(name: String, value: String)] = [("chunking_strategy[type]", "server_vad")]
            if let prefix { fields.append(("chunking_strategy[prefix_padding_ms]", String(prefix))) }
            if let silence { fields.append(("chunking_strategy[silence_duration_ms]", String(silence))) }
            if let threshold { fields.append(("chunking_strategy[threshold]", formValue(threshold))) }
            return fields
        }
    }
}

/// A `POST /audio/transcriptions` request.
public struct TranscriptionRequest: Sendable {
    /// The audio file.
    public var file: AudioUpload
    /// The model, for example `whisper-1` or `gpt-4o-transcribe`.
    public var model: String
    /// The ISO-639-1 language of the audio, if known.
    public var language: String?
    /// Text that guides style or continues a previous chunk; should be in the audio's language.
    public var prompt: String?
    /// The response format; `nil` leaves it to the server (`json`).
    public var responseFormat: TranscriptionResponseFormat?
    /// The sampling temperature, 0...1.
    public var temperature: Double?
    /// The timestamp granularities, sent as repeated `timestamp_granularities[]` fields.
    public var timestampGranularities: [TimestampGranularity]
    /// Extra output, sent as repeated `include[]` fields (only `logprobs` exists).
    public var include: [String]
    /// How the server splits the audio.
    public var chunkingStrategy: ChunkingStrategy?
    /// Up to four speaker labels for diarization, sent as `known_speaker_names[]`.
    public var knownSpeakerNames: [String]
    /// Up to four data URLs (`data:audio/wav;base64,…`) matching ``knownSpeakerNames``.
    public var knownSpeakerReferences: [String]
    /// Biasing terms, sent as repeated `keywords[]` fields (`gpt-transcribe` only).
    public var keywords: [String]
    /// Candidate languages, sent as repeated `languages[]` fields (`gpt-transcribe` only).
    public var languages: [String]
    /// Extra form fields appended verbatim after the standard ones, for servers with their own fields
    /// (for example `("model_name", "base")` for faster-whisper-server). Empty by default.
    public var extraFields: [(String, String)]

    /// Creates a transcription request.
    ///
    /// - Parameters:
    ///   - file: The audio file.
    ///   - model: The model name (default `whisper-1`).
    ///   - language: The ISO-639-1 language, if known.
    ///   - prompt: The prompt text.
    ///   - responseFormat: The response format; `nil` for the server default.
    ///   - temperature: The sampling temperature.
    ///   - timestampGranularities: The timestamp granularities.
    ///   - include: Extra output such as `logprobs`.
    ///   - chunkingStrategy: The server-side chunking.
    ///   - knownSpeakerNames: Speaker labels for diarization.
    ///   - knownSpeakerReferences: Data URLs of reference clips for the labels.
    ///   - keywords: Biasing terms (`gpt-transcribe`).
    ///   - languages: Candidate languages (`gpt-transcribe`).
    ///   - extraFields: Extra form fields for non-OpenAI servers.
    public init(
        file: AudioUpload,
        model: String = "whisper-1",
        language: String? = nil,
        prompt: String? = nil,
        responseFormat: TranscriptionResponseFormat? = nil,
        temperature: Double? = nil,
        timestampGranularities: [TimestampGranularity] = [],
        include: [String] = [],
        chunkingStrategy: ChunkingStrategy? = nil,
        knownSpeakerNames: [String] = [],
        knownSpeakerReferences: [String] = [],
        keywords: [String] = [],
        languages: [String] = [],
        extraFields: [(String, String)] = []
    ) {
        self.file = file
        self.model = model
        self.language = language
        self.prompt = prompt
        self.responseFormat = responseFormat
        self.temperature = temperature
        self.timestampGranularities = timestampGranularities
        self.include = include
        self.chunkingStrategy = chunkingStrategy
        self.knownSpeakerNames = knownSpeakerNames
        self.knownSpeakerReferences = knownSpeakerReferences
        self.keywords = keywords
        self.languages = languages
        self.extraFields = extraFields
    }

    /// The text form fields in the order the Python SDK writes them (the file part is separate).
    func formFields(stream: Bool) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("model", model)]
        if let chunkingStrategy { fields += chunkingStrategy.formFields }
        fields += include.map { ("include[]", $0) }
        fields += keywords.map { ("keywords[]", $0) }
        fields += knownSpeakerNames.map { ("known_speaker_names[]", $0) }
        fields += knownSpeakerReferences.map { ("known_speaker_references[]", $0) }
        if let language, !language.isEmpty { fields.append(("language", language)) }
        fields += languages.map { ("languages[]", $0) }
        if let prompt, !prompt.isEmpty { fields.append(("prompt", prompt)) }
        if let responseFormat { fields.append(("response_format", responseFormat.rawValue)) }
        if stream { fields.append(("stream", "true")) }
        if let temperature { fields.append(("temperature", formValue(temperature))) }
        fields += timestampGranularities.map { ("timestamp_granularities[]", $0.rawValue) }
        fields += extraFields.map { (name: $0.0, value: $0.1) }
        return fields
    }
}

/// A `POST /audio/translations` request (speech in any language to English text; `whisper-1` only).
public struct TranslationRequest: Sendable {
    /// The audio file.
    public var file: AudioUpload
    /// The model (only `whisper-1` on OpenAI).
    public var model: String
    /// English text that guides style or continues a previous chunk.
    public var prompt: String?
    /// The response format; `nil` leaves it to the server (`json`).
    public var responseFormat: TranslationResponseFormat?
    /// The sampling temperature, 0...1.
    public var temperature: Double?
    /// Extra form fields appended verbatim, for non-OpenAI servers. Empty by default.
    public var extraFields: [(String, String)]

    /// Creates a translation request.
    ///
    /// - Parameters:
    ///   - file: The audio file.
    ///   - model: The model name (default `whisper-1`).
    ///   - prompt: The prompt text, in English.
    ///   - responseFormat: The response format; `nil` for the server default.
    ///   - temperature: The sampling temperature.
    ///   - extraFields: Extra form fields for non-OpenAI servers.
    public init(
        file: AudioUpload,
        model: String = "whisper-1",
        prompt: String? = nil,
        responseFormat: TranslationResponseFormat? = nil,
        temperature: Double? = nil,
        extraFields: [(String, String)] = []
    ) {
        self.file = file
        self.model = model
        self.prompt = prompt
        self.responseFormat = responseFormat
        self.temperature = temperature
        self.extraFields = extraFields
    }

    /// Creates a translation request from the fields a transcription request shares with it.
    ///
    /// `language`, granularities, `include`, chunking and speaker fields are dropped (translations have none);
    /// `diarized_json` becomes `verbose_json`.
    ///
    /// - Parameter request: The transcription request to convert.
    public init(_ request: TranscriptionRequest) {
        let format: TranslationResponseFormat? = request.responseFormat.map {
            switch $0 {
            case .json: .json
            case .text: .text
            case .srt: .srt
            case .vtt: .vtt
            case .verboseJSON, .diarizedJSON: .verboseJSON
            }
        }
        self.init(
            file: request.file,
            model: request.model,
            prompt: request.prompt,
            responseFormat: format,
            temperature: request.temperature,
            extraFields: request.extraFields
        )
    }

    /// The text form fields in the order the Python SDK writes them.
    func formFields() -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("model", model)]
        if let prompt, !prompt.isEmpty { fields.append(("prompt", prompt)) }
        if let responseFormat { fields.append(("response_format", responseFormat.rawValue)) }
        if let temperature { fields.append(("temperature", formValue(temperature))) }
        fields += extraFields.map { (name: $0.0, value: $0.1) }
        return fields
    }
}

/// The audio format of a speech response.
public enum SpeechFormat: String, Sendable, CaseIterable {
    /// MP3 (the default).
    case mp3
    /// Opus in Ogg.
    case opus
    /// AAC (ADTS).
    case aac
    /// FLAC.
    case flac
    /// WAV (RIFF, 16-bit PCM).
    case wav
    /// Raw samples without a header: 24 kHz, 16-bit signed little-endian, mono (OpenAI).
    case pcm

    /// The sample rate of OpenAI's `pcm` output (local servers may differ; Piper's joe voice gives 22,050 Hz).
    public static let pcmSampleRate = 24_000
    /// The bytes per sample of `pcm` output (16-bit signed little-endian, mono).
    public static let pcmBytesPerSample = 2
}

/// How the speech endpoint delivers audio (`stream_format`).
public enum SpeechStreamFormat: String, Sendable, CaseIterable {
    /// Raw audio bytes, chunked as they are produced (the default).
    case audio
    /// Server-sent events with base64 `speech.audio.delta` chunks; not for `tts-1`/`tts-1-hd`.
    case sse
}

/// A `POST /audio/speech` request (text to speech).
public struct SpeechRequest: Sendable, Hashable {
    /// The longest `input` and `instructions`, in Unicode code points.
    public static let maxInputLength = 4096
    /// The allowed `speed` range.
    public static let speedRange: ClosedRange<Double> = 0.25...4.0
    /// The built-in voice names OpenAI documents; any other string is sent as is.
    public static let builtInVoices = [
        "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin",
        "cedar",
    ]

    /// The model, for example `gpt-4o-mini-tts`, `tts-1` or `tts-1-hd`.
    public var model: String
    /// The text to speak, at most 4096 characters (checked before sending).
    public var input: String
    /// The voice name; see ``builtInVoices``.
    public var voice: String
    /// Voice and style instructions (not for `tts-1`/`tts-1-hd`), at most 4096 characters.
    public var instructions: String?
    /// The audio format (default mp3).
    public var responseFormat: SpeechFormat
    /// The speed, 0.25...4.0 (checked before sending); `nil` for the server default 1.0.
    public var speed: Double?
    /// How to deliver the audio; `nil` for the server default (`audio`).
    public var streamFormat: SpeechStreamFormat?

    /// Creates a speech request.
    ///
    /// - Parameters:
    ///   - model: The model (default `gpt-4o-mini-tts`).
    ///   - input: The text to speak.
    ///   - voice: The voice name (default `alloy`).
    ///   - instructions: Voice and style instructions.
    ///   - responseFormat: The audio format (default mp3).
    ///   - speed: The speed, 0.25...4.0.
    ///   - streamFormat: `audio` or `sse`.
    public init(
        model: String = "gpt-4o-mini-tts",
        input: String,
        voice: String = "alloy",
        instructions: String? = nil,
        responseFormat: SpeechFormat = .mp3,
        speed: Double? = nil,
        streamFormat: SpeechStreamFormat? = nil
    ) {
        self.model = model
        self.input = input
        self.voice = voice
        self.instructions = instructions
        self.responseFormat = responseFormat
        self.speed = speed
        self.streamFormat = streamFormat
    }

    /// Checks the limits the server enforces, so a bad request fails before it is sent.
    ///
    /// - Returns: A message describing the first violation, or `nil` when the request is valid.
    func validationFailure() -> (param: String, message: String)? {
        let inputLength = input.unicodeScalars.count
        if inputLength == 0 {
            return ("input", "speech input is empty")
        }
        if inputLength > Self.maxInputLength {
            return ("input", "speech input is \(inputLength) characters; the limit is \(Self.maxInputLength)")
        }
        if let instructions, instructions.unicodeScalars.count > Self.maxInputLength {
            return (
                "instructions",
                "speech instructions are \(instructions.unicodeScalars.count) characters; the limit is \(Self.maxInputLength)"
            )
        }
        if let speed, !(Self.speedRange.contains(speed)) {
            return ("speed", "speech speed \(speed) is outside 0.25...4.0")
        }
        if voice.isEmpty {
            return ("voice", "speech voice is empty")
        }
        return nil
    }
}

/// Formats a number for a form field the way the Python SDK writes the values callers pass.
///
/// Integral values are written without a fraction (`0`, `1`), as Python writes the ints people pass for
/// `temperature=0`; others use Swift's shortest round-trip form, which matches Python's `str(float)`
/// (`0.2`, `1e-05`).
func formValue(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(.towardZero), abs(value) < 1e15 {
        return String(Int64(value))
    }
    return String(value)
}
