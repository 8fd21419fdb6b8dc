import MediaAudio
import OpenAIAudio
import Subtitler

/// Why a dub failed. Every case names the input (or the file at fault) and the cause in one line; none carries the
/// API key. Nothing is written when a dub fails: the output appears only once complete.
public enum DubError: Error, Sendable, CustomStringConvertible {
    /// The job's settings cannot work (reported before anything is decoded or sent).
    case invalidJob(path: String, reason: String)
    /// The output named is the input itself; a dub replaces its input only when the job says so
    /// (``DubDestination/replacingInput``). Front ends phrase the remedy in their own words.
    case outputIsInput(path: String, output: String)
    /// Reading the media, encoding the dub track or muxing failed.
    case media(MediaError)
    /// The cue file cannot be read or holds no cue.
    case cueFile(path: String, reason: String)
    /// The translation failed.
    case translation(SubtitlerError)
    /// A speech request failed after retries.
    case speech(path: String, cue: Int, OpenAIAudioError)
    /// The speech server's answer for a cue is not audio that can be read.
    case invalidSpeech(path: String, cue: Int, reason: String)
    /// There is nothing to dub: no cue with text inside the media.
    case noCues(path: String)
    /// The dub was cancelled (Ctrl-C); speech already received stays in the resume cache.
    case cancelled(path: String)

    public var description: String {
        switch self {
        case .invalidJob(let path, let reason):
            return "\(path): \(reason)"
        case .outputIsInput(let path, let output):
            return "\(path): the output \(output) is the input itself; choose another name, or replace the input"
        case .media(let error):
            return error.description
        case .cueFile(let path, let reason):
            return "\(path): cannot read the cues: \(reason)"
        case .translation(let error):
            return error.description
        case .speech(let path, let cue, let error):
            return "\(path): cue \(cue): \(error.description)"
        case .invalidSpeech(let path, let cue, let reason):
            return "\(path): cue \(cue): the speech server's answer cannot be read: \(reason)"
        case .noCues(let path):
            return "\(path): nothing to dub: no cue with text starts inside the media"
        case .cancelled(let path):
            return "\(path): cancelled; speech already received is kept in the resume cache"
        }
    }
}
