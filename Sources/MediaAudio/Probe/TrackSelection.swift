/// Which audio track to decode.
public enum TrackSelection: Sendable, Hashable {
    /// The stream with the `default` disposition, else the first audio stream.
    case automatic
    /// The stream with this container index (as listed by `MediaProbe` and ffprobe); it must be audio.
    case index(Int)
    /// The first audio stream tagged with this language, in any ISO 639 form (`de`, `ger`, `deu`) or an English
    /// name; among several, the one marked `default` wins.
    case language(String)

    /// Picks the stream in `info`, or throws `.noAudioStream` / `.trackNotFound` listing the audio tracks.
    public func resolve(in info: MediaInfo) throws(MediaError) -> StreamInfo {
        let audio = info.audioStreams
        guard !audio.isEmpty else {
            let kinds = info.streams.map { "#\($0.index) \($0.kind.rawValue)" }.joined(separator: ", ")
            throw MediaError(
                .noAudioStream, path: info.path, operation: "select audio track",
                message: "no audio stream (streams: \(kinds.isEmpty ? "none" : kinds))")
        }
        switch self {
        case .automatic:
            return audio.first(where: \.isDefault) ?? audio[0]
        case .index(let index):
            if let stream = audio.first(where: { $0.index == index }) { return stream }
            let what =
                info.streams.indices.contains(index)
                ? "stream #\(index) is \(info.streams[index].kind.rawValue), not audio"
                : "there is no stream #\(index)"
            throw MediaError(
                .trackNotFound, path: info.path, operation: "select audio track", message: what,
                availableTracks: audio)
        case .language(let code):
            let matching = audio.filter { stream in stream.language.map { LanguageCodes.matches($0, code) } ?? false }
            if let stream = matching.first(where: \.isDefault) ?? matching.first { return stream }
            throw MediaError(
                .trackNotFound, path: info.path, operation: "select audio track",
                message: "no audio track in language '\(code)'", availableTracks: audio)
        }
    }
}
