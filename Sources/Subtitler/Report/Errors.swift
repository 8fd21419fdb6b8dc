import MediaAudio
import OpenAIAudio
import SubtitlerSupport

/// Why a subtitle job failed. Every error names the input file; none carries the API key.
///
/// A struct over a private code (async-http-client's `HTTPClientError` shape): callers branch on ``kind``, which
/// compares with `==`, so a new kind breaks no caller's `switch`. The cause travels in the optional properties.
public struct SubtitlerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case media, api, chunksFailed, chunkTooLarge, output, cancelled, interrupted, invalidOptions
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The media could not be read (missing, not media, no audio, damaged beyond use): ``mediaError``.
        public static let media = Kind(.media)
        /// An API error that every chunk would hit (bad key, no quota): the job stopped early. ``apiError``.
        public static let api = Kind(.api)
        /// Chunks still failed after retries; nothing was written. ``chunkFailures``.
        public static let chunksFailed = Kind(.chunksFailed)
        /// A chunk could not be made small enough for the request limit.
        public static let chunkTooLarge = Kind(.chunkTooLarge)
        /// The output could not be written: ``outputError``.
        public static let output = Kind(.output)
        /// The job was cancelled (Ctrl-C); finished chunks stay in the resume cache.
        public static let cancelled = Kind(.cancelled)
        /// An extraction was interrupted; nothing was written (extraction keeps no resume cache).
        public static let interrupted = Kind(.interrupted)
        /// The options are out of range (see ``SubtitleOptions/problem``); nothing was decoded or sent.
        public static let invalidOptions = Kind(.invalidOptions)

        public var description: String { code.rawValue }
    }

    private enum Cause: Sendable {
        case none
        case media(MediaError)
        case api(OpenAIAudioError)
        case chunks([ChunkFailure])
        case size(bytes: Int, limit: Int)
        case output(OutputError)
        case options(SettingProblem)
    }

    /// The kind of failure.
    public let kind: Kind
    /// The file at fault (the input, or the output for ``Kind/output``).
    public let path: String
    private let cause: Cause

    private init(_ kind: Kind, path: String, cause: Cause = .none) {
        self.kind = kind
        self.path = path
        self.cause = cause
    }

    /// The media layer's error, for ``Kind/media``.
    public var mediaError: MediaError? { if case .media(let error) = cause { error } else { nil } }
    /// The API's error, for ``Kind/api``.
    public var apiError: OpenAIAudioError? { if case .api(let error) = cause { error } else { nil } }
    /// The chunks that failed after retries, for ``Kind/chunksFailed`` (empty otherwise).
    public var chunkFailures: [ChunkFailure] { if case .chunks(let failures) = cause { failures } else { [] } }
    /// The write error, for ``Kind/output``.
    public var outputError: OutputError? { if case .output(let error) = cause { error } else { nil } }
    /// The setting out of range, for ``Kind/invalidOptions``.
    public var optionsProblem: SettingProblem? { if case .options(let problem) = cause { problem } else { nil } }

    /// The media could not be read.
    public static func media(_ error: MediaError) -> SubtitlerError { .init(.media, path: error.path, cause: .media(error)) }
    /// An API error that every chunk would hit.
    public static func api(path: String, _ error: OpenAIAudioError) -> SubtitlerError {
        .init(.api, path: path, cause: .api(error))
    }
    /// Chunks still failed after retries.
    public static func chunksFailed(path: String, _ failures: [ChunkFailure]) -> SubtitlerError {
        .init(.chunksFailed, path: path, cause: .chunks(failures))
    }
    /// A chunk's request of `bytes` cannot be made to fit `limit`.
    public static func chunkTooLarge(path: String, bytes: Int, limit: Int) -> SubtitlerError {
        .init(.chunkTooLarge, path: path, cause: .size(bytes: bytes, limit: limit))
    }
    /// The output could not be written.
    public static func output(_ error: OutputError) -> SubtitlerError { .init(.output, path: error.path, cause: .output(error)) }
    /// The job was cancelled.
    public static func cancelled(path: String) -> SubtitlerError { .init(.cancelled, path: path) }
    /// An extraction was interrupted.
    public static func interrupted(path: String) -> SubtitlerError { .init(.interrupted, path: path) }
    /// The options are out of range.
    public static func invalidOptions(path: String, _ problem: SettingProblem) -> SubtitlerError {
        .init(.invalidOptions, path: path, cause: .options(problem))
    }

    public var description: String {
        switch cause {
        case .media(let error): return error.description
        case .output(let error): return error.description
        case .api(let error): return "\(path): \(error.description)"
        case .chunks(let failures):
            let list = failures.map(\.description).joined(separator: "; ")
            return "\(path): \(failures.count) chunk\(failures.count == 1 ? "" : "s") failed, nothing written: \(list)"
        case .size(let bytes, let limit):
            return "\(path): a chunk's request is \(bytes) bytes, over the \(limit)-byte limit, and cannot be split further"
        case .options(let problem): return "\(path): invalid options: \(problem)"
        case .none:
            if kind == .cancelled { return "\(path): cancelled; finished chunks are kept in the resume cache" }
            return "\(path): interrupted; nothing was written"
        }
    }
}

extension OpenAIAudioError {
    /// Errors every other chunk would hit too: a bad key, missing permission, no quota.
    var isFatalForAllChunks: Bool {
        if isConfigurationProblem { return true }
        if status == 401 || status == 403 || status == 404 { return true }
        // A rejected model or language would be rejected for every chunk.
        if status == 400, param == "model" || param == "language" { return true }
        return isQuotaExhausted
    }
}
