import MediaAudio
import OpenAIAudio
import SubtitlerSupport

/// Why a subtitle job failed. Every case names the input file; none carries the API key.
public enum SubtitlerError: Error, Sendable, CustomStringConvertible {
    /// The media could not be read (missing, not media, no audio, damaged beyond use).
    case media(MediaError)
    /// An API error that every chunk would hit (bad key, no quota): the job stopped early.
    case api(path: String, OpenAIAudioError)
    /// Chunks still failed after retries; nothing was written.
    case chunksFailed(path: String, [ChunkFailure])
    /// A chunk could not be made small enough for the request limit.
    case chunkTooLarge(path: String, bytes: Int, limit: Int)
    /// The output could not be written.
    case output(OutputError)
    /// The job was cancelled (Ctrl-C); finished chunks stay in the resume cache.
    case cancelled(path: String)
    /// An extraction was interrupted; nothing was written (extraction keeps no resume cache).
    case interrupted(path: String)
    /// The options are out of range (see ``SubtitleOptions/problem``); nothing was decoded or sent.
    case invalidOptions(path: String, String)

    public var description: String {
        switch self {
        case .media(let error):
            return error.description
        case .api(let path, let error):
            return "\(path): \(error.description)"
        case .chunksFailed(let path, let failures):
            let list = failures.map(\.description).joined(separator: "; ")
            return "\(path): \(failures.count) chunk\(failures.count == 1 ? "" : "s") failed, nothing written: \(list)"
        case .chunkTooLarge(let path, let bytes, let limit):
            return "\(path): a chunk's request is \(bytes) bytes, over the \(limit)-byte limit, and cannot be split further"
        case .output(let error):
            return error.description
        case .cancelled(let path):
            return "\(path): cancelled; finished chunks are kept in the resume cache"
        case .interrupted(let path):
            return "\(path): interrupted; nothing was written"
        case .invalidOptions(let path, let problem):
            return "\(path): invalid options: \(problem)"
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
