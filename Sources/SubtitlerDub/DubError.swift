import MediaAudio
import OpenAIAudio
import Subtitler

/// Why a dub failed: one line naming the input (or the file at fault) and the cause; never the API key. Nothing is
/// written when a dub fails: the output appears only once complete.
///
/// A struct over a private code (async-http-client's `HTTPClientError` shape): callers branch on ``kind``, compared
/// with `==`, so a new kind breaks no caller's `switch`; the cause travels in the optional properties.
public struct DubError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case invalidJob, outputIsInput, media, cueFile, translation, speech, invalidSpeech, noCues, cancelled
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The job's settings cannot work (reported before anything is decoded or sent): ``reason``.
        public static let invalidJob = Kind(.invalidJob)
        /// The output named is the input itself (``output``); a dub replaces its input only when the job says so
        /// (``DubDestination/replacingInput``). Front ends phrase the remedy in their own words.
        public static let outputIsInput = Kind(.outputIsInput)
        /// Reading the media, encoding the dub track or muxing failed: ``mediaError``.
        public static let media = Kind(.media)
        /// The cue file cannot be read or holds no cue: ``reason``.
        public static let cueFile = Kind(.cueFile)
        /// The translation failed: ``translationError``.
        public static let translation = Kind(.translation)
        /// A speech request failed after retries: ``cue``, ``apiError``.
        public static let speech = Kind(.speech)
        /// The speech server's answer for a cue is not audio that can be read: ``cue``, ``reason``.
        public static let invalidSpeech = Kind(.invalidSpeech)
        /// There is nothing to dub: no cue with text inside the media.
        public static let noCues = Kind(.noCues)
        /// The dub was cancelled (Ctrl-C); speech already received stays in the resume cache.
        public static let cancelled = Kind(.cancelled)

        public var description: String { code.rawValue }
    }

    /// The kind of failure.
    public let kind: Kind
    /// The input (or the file at fault).
    public let path: String
    /// The cause in words, for ``Kind/invalidJob``, ``Kind/cueFile`` and ``Kind/invalidSpeech``.
    public let reason: String?
    /// The output that would have replaced the input, for ``Kind/outputIsInput``.
    public let output: String?
    /// The cue at fault (from 1), for ``Kind/speech`` and ``Kind/invalidSpeech``.
    public let cue: Int?
    /// The media layer's error, for ``Kind/media``.
    public let mediaError: MediaError?
    /// The pipeline's error, for ``Kind/translation``.
    public let translationError: SubtitlerError?
    /// The API's error, for ``Kind/speech``.
    public let apiError: OpenAIAudioError?

    private init(
        _ kind: Kind, path: String, reason: String? = nil, output: String? = nil, cue: Int? = nil,
        media: MediaError? = nil, translation: SubtitlerError? = nil, api: OpenAIAudioError? = nil
    ) {
        self.kind = kind
        self.path = path
        self.reason = reason
        self.output = output
        self.cue = cue
        self.mediaError = media
        self.translationError = translation
        self.apiError = api
    }

    /// The job's settings cannot work.
    public static func invalidJob(path: String, reason: String) -> DubError { .init(.invalidJob, path: path, reason: reason) }
    /// The output named is the input itself.
    public static func outputIsInput(path: String, output: String) -> DubError {
        .init(.outputIsInput, path: path, output: output)
    }
    /// Reading the media, encoding the dub track or muxing failed.
    public static func media(_ error: MediaError) -> DubError { .init(.media, path: error.path, media: error) }
    /// The cue file cannot be read or holds no cue.
    public static func cueFile(path: String, reason: String) -> DubError { .init(.cueFile, path: path, reason: reason) }
    /// The translation failed.
    public static func translation(_ error: SubtitlerError) -> DubError {
        .init(.translation, path: error.path, translation: error)
    }
    /// A speech request for `cue` failed after retries.
    public static func speech(path: String, cue: Int, _ error: OpenAIAudioError) -> DubError {
        .init(.speech, path: path, cue: cue, api: error)
    }
    /// The speech server's answer for `cue` is not audio that can be read.
    public static func invalidSpeech(path: String, cue: Int, reason: String) -> DubError {
        .init(.invalidSpeech, path: path, reason: reason, cue: cue)
    }
    /// There is nothing to dub.
    public static func noCues(path: String) -> DubError { .init(.noCues, path: path) }
    /// The dub was cancelled.
    public static func cancelled(path: String) -> DubError { .init(.cancelled, path: path) }

    public var description: String {
        if let mediaError { return mediaError.description }
        if let translationError { return translationError.description }
        if let apiError, let cue { return "\(path): cue \(cue): \(apiError.description)" }
        if kind == .outputIsInput {
            return "\(path): the output \(output ?? path) is the input itself; choose another name, or replace the input"
        }
        if kind == .cueFile { return "\(path): cannot read the cues: \(reason ?? "")" }
        if kind == .invalidSpeech, let cue {
            return "\(path): cue \(cue): the speech server's answer cannot be read: \(reason ?? "")"
        }
        if kind == .noCues { return "\(path): nothing to dub: no cue with text starts inside the media" }
        if kind == .cancelled { return "\(path): cancelled; speech already received is kept in the resume cache" }
        return "\(path): \(reason ?? kind.description)"
    }
}
