import Foundation

/// Writes Advanced SubStation Alpha (`.ass`, v4.00+): `[Script Info]` with `PlayResX`/`PlayResY`, one `Default`
/// style in `[V4+ Styles]` (white text with an outline, bottom centre, margins keeping the 10 % safe area), and one
/// `Dialogue` line per cue in `[Events]`, times in centiseconds (rounded to the nearest).
///
/// Text cannot break the script: line breaks become `\N`; `{` and `}` are written `\{` and `\}`, which libass
/// (mpv, VLC, media servers' burn-in) shows as braces; a backslash that would start an escape (`\N`, `\n`, `\h`,
/// `\{`, `\}`) is followed by a word joiner (U+2060) so it shows as written. Commas need no escape (Text is the
/// last field). FFmpeg's ASS decoder and pysubs2 do not know `\{`: they take `\{…\}` as an override block and
/// drop its text (see README, "Formats"). Hours stay at one digit, as readers expect: cues from
/// ``maximumTime`` on are left out and a cue running past it ends there.
public struct ASSWriter: Sendable {
    /// The last time ASS's `H:MM:SS.CC` expresses: 9:59:59.99.
    public static let maximumTime: Milliseconds = 35_999_990

    /// The script's resolution (the coordinate space of sizes and margins).
    public var playResX: Int
    /// The script's vertical resolution.
    public var playResY: Int
    /// The font.
    public var fontName: String
    /// The title in `[Script Info]`.
    public var title: String?

    /// Creates a writer for a 1920×1080 script.
    public init(playResX: Int = 1920, playResY: Int = 1080, fontName: String = "Arial", title: String? = nil) {
        self.playResX = max(16, playResX)
        self.playResY = max(16, playResY)
        self.fontName = fontName
        self.title = title
    }

    /// The font size: 1/20 of the height (54 px at 1080p), as the TTML writers' 5.333 %.
    public var fontSize: Int { max(8, playResY * 5 / 100) }

    /// The whole script as a string.
    public func render(_ cues: [Cue]) -> String {
        let marginH = playResX / 10, marginV = playResY / 10
        let font = CueSanitizer.cleanName(fontName)?.replacingOccurrences(of: ",", with: " ") ?? "Arial"
        var out = "[Script Info]\n; Written by subtitler\n"
        if let title = title.flatMap(CueSanitizer.cleanName) { out += "Title: " + title + "\n" }
        out += "ScriptType: v4.00+\nWrapStyle: 0\nScaledBorderAndShadow: yes\nYCbCr Matrix: None\n"
        out += "PlayResX: \(playResX)\nPlayResY: \(playResY)\n\n"
        out += "[V4+ Styles]\n"
        out += "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        out += "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
        out += "MarginR, MarginV, Encoding\n"
        out += "Style: Default,\(font),\(fontSize),&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,"
        out += "\(max(1, playResY / 400)),0,2,\(marginH),\(marginH),\(marginV),1\n\n"
        out += "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        for cue in CueSanitizer.prepare(cues) {
            guard cue.start < Self.maximumTime else { break }
            let start = Self.time(cue.start)
            var end = Self.time(min(cue.end, Self.maximumTime))
            if end == start { end = Self.time(cue.start + 10) }
            let name = Set(cue.speakers).count == 1 ? (cue.speakers.first ?? nil) : nil
            let safeName = name.map { Self.escape($0).replacingOccurrences(of: ",", with: " ") } ?? ""
            let text = CueSanitizer.dialogueLines(cue).map(Self.escape).joined(separator: "\\N")
            out += "Dialogue: 0,\(start),\(end),Default,\(safeName),0,0,0,,\(text)\n"
        }
        return out
    }

    /// A time as `H:MM:SS.CC`, rounded to the nearest centisecond.
    static func time(_ time: Milliseconds) -> String {
        let cs = (max(0, time) + 5) / 10
        return String(format: "%lld:%02lld:%02lld.%02lld", cs / 360_000, cs / 6000 % 60, cs / 100 % 60, cs % 100)
    }

    /// Text for one line of a `Dialogue` event: braces escaped, backslash escapes neutralised.
    public static func escape(_ text: String) -> String {
        var result = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            switch character {
            case "{": result += "\\{"
            case "}": result += "\\}"
            case "\\":
                result.append("\\")
                if index + 1 < characters.count, "Nnh{}".contains(characters[index + 1]) { result.append("\u{2060}") }
            default: result.append(character)
            }
        }
        return result
    }
}
