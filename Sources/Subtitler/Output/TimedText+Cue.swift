import MediaAudio
import Subtitles

extension TimedText {
    /// The event for muxing `cue` into a media file: its lines as plain text and as WebVTT cue text, rendered by the
    /// subtitle writers' own rules, so the muxer never re-implements them.
    public init(_ cue: Cue) {
        let text = cue.lines.joined(separator: "\n")
        self.init(start: cue.start, end: cue.end, text: text, webVTTText: WebVTTWriter.escape(text))
    }
}
