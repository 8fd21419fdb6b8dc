import Foundation

/// Something in a subtitle file that readers handle differently, or that costs a cue or text: a cue a browser
/// drops, text outside any cue, a timestamp written in a form other readers reject, an encoding problem.
///
/// The tolerant parser reports these and goes on; the strict parser throws the first one as a
/// ``SubtitleParseError``.
public struct SubtitleWarning: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 1-based line the warning is about (0 when it is about the file as a whole).
    public var line: Int
    /// What kind of problem it is.
    public var kind: Kind
    /// A sentence for people.
    public var message: String

    /// Creates a warning.
    public init(line: Int, kind: Kind, message: String) {
        self.line = line
        self.kind = kind
        self.message = message
    }

    /// `line N: message`.
    public var description: String { line > 0 ? "line \(line): \(message)" : message }

    /// The kinds of warning.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Browsers reject the whole file (a WebVTT file without a valid `WEBVTT` signature line).
        case fileRejected = "file-rejected"
        /// A cue that browsers (or, for SRT, the common readers) drop: its timing line cannot be read.
        case cueDropped = "cue-dropped"
        /// Text outside any cue, which readers ignore (a block without a timing line, a `STYLE` block after
        /// the first cue).
        case textIgnored = "text-ignored"
        /// SRT: text after a blank line that is kept with the cue before it, as the common SRT readers do.
        case textJoined = "text-joined"
        /// A timestamp or timing line that is read, but not written the way the format says.
        case timingNotStandard = "timing-not-standard"
        /// A cue that ends at or before its start: readers keep it but never show it.
        case endNotAfterStart = "end-not-after-start"
        /// A cue that starts before the cue before it.
        case outOfOrder = "out-of-order"
        /// SRT: a missing or malformed cue number.
        case cueNumber = "cue-number"
        /// A cue without text.
        case emptyCue = "empty-cue"
        /// A WebVTT cue setting that browsers ignore.
        case settingIgnored = "setting-ignored"
        /// The file is not valid UTF-8, or holds NUL characters: text was decoded another way or replaced.
        case encoding
    }
}
