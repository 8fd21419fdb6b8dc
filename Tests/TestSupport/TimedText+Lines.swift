import MediaAudio
import Subtitles

extension TimedText {
    /// An event from plain lines, rendered for both codec syntaxes by the subtitle writers' rules (as the job layer
    /// does through `TimedText(cue)`).
    public init(start: Int64, end: Int64, lines: [String]) {
        let text = lines.joined(separator: "\n")
        self.init(start: start, end: end, text: text, webVTTText: WebVTTWriter.escape(text))
    }

    /// The plain lines.
    public var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}
