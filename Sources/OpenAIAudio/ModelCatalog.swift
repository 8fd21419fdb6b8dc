/// What the client knows about a speech-to-text model: how it times its output, how much audio one request may
/// carry, and what a minute of audio costs.
///
/// Names the catalogue does not know (a compatible server's own model names) are treated as Whisper models, which is
/// what such servers nearly always serve.
public struct AudioModel: Sendable, Hashable {
    /// How a model times what it returns.
    public enum Timing: String, Sendable, Hashable, Codable {
        /// `verbose_json` with segment and word timestamps (whisper-1 and Whisper servers).
        case segmentsAndWords
        /// Text only (`json`/`text`): no timestamps at all (gpt-4o-transcribe and its mini sibling).
        case textOnly
        /// `diarized_json`: segments with speakers, no words (gpt-4o-transcribe-diarize).
        case diarizedSegments
    }

    /// The model name as sent to the API.
    public var name: String
    /// How the model times its output.
    public var timing: Timing
    /// The longest audio one request may carry, in milliseconds, or nil when the model has no cap.
    public var maxAudioMilliseconds: Int64?
    /// Whether the model serves `/audio/translations`.
    public var translates: Bool
    /// OpenAI's list price in US dollars per minute of audio.
    public var pricePerMinute: Double

    /// The response formats the model accepts on `/audio/transcriptions`.
    public var responseFormats: [TranscriptionResponseFormat] {
        switch timing {
        case .segmentsAndWords: [.json, .text, .srt, .vtt, .verboseJSON]
        case .textOnly: [.json, .text]
        case .diarizedSegments: [.json, .text, .diarizedJSON]
        }
    }

    /// The catalogue entry for `name`; unknown names get Whisper's behaviour and price.
    public static func named(_ name: String) -> AudioModel {
        if name.hasPrefix("gpt-4o-transcribe-diarize") {
            return AudioModel(name: name, timing: .diarizedSegments, maxAudioMilliseconds: 1_400_000, translates: false,
                              pricePerMinute: 0.006)
        }
        if name.hasPrefix("gpt-4o-mini-transcribe") {
            return AudioModel(name: name, timing: .textOnly, maxAudioMilliseconds: 1_500_000, translates: false,
                              pricePerMinute: 0.003)
        }
        if name.hasPrefix("gpt-4o-transcribe") {
            return AudioModel(name: name, timing: .textOnly, maxAudioMilliseconds: 1_500_000, translates: false,
                              pricePerMinute: 0.006)
        }
        if name.hasPrefix("gpt-") {
            // Newer GPT transcription models: text only until they document timestamps.
            return AudioModel(name: name, timing: .textOnly, maxAudioMilliseconds: 1_500_000, translates: false,
                              pricePerMinute: 0.006)
        }
        return AudioModel(name: name, timing: .segmentsAndWords, maxAudioMilliseconds: nil, translates: true,
                          pricePerMinute: 0.006)
    }

    /// The models the catalogue names, for help texts.
    public static let knownNames = ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"]
}
