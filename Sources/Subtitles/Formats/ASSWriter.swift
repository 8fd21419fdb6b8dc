import Foundation

/// Writes Advanced SubStation Alpha (`.ass`, v4.00+): `[Script Info]` with `PlayResX`/`PlayResY`, one `Default`
/// style in `[V4+ Styles]` (white text with an outline, bottom centre, margins keeping the 10 % safe area), and one
/// `Dialogue` line per cue in `[Events]`, times in centiseconds (rounded to the nearest).
///
/// Text cannot break the script: line breaks become `\N`; `{` and `}` are written `\{` and `\}`, which libass
/// (mpv, VLC, media servers' burn-in) shows as braces; a backslash that would start an escape (`\N`, `\n`, `\h`,
/// `\{`, `\}`), or that stands before a word joiner, is followed by a word joiner (U+2060) so it shows as written
/// and ``ASSReader`` reads it back as it was. Commas need no escape (Text is the
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
        var out = header
        for event in events(cues) {
            out += "Dialogue: \(event.layer),\(Self.time(event.start)),\(Self.time(event.end)),\(event.fields)\n"
        }
        return out
    }

    /// One `Dialogue` event: its times (whole centiseconds, as written) and its fields.
    public struct Event: Sendable, Hashable {
        /// Start, milliseconds (a multiple of 10).
        public var start: Milliseconds
        /// End, milliseconds (a multiple of 10, after ``start``).
        public var end: Milliseconds
        /// The Layer field.
        public var layer: String
        /// The fields after the times: `Style,Name,MarginL,MarginR,MarginV,Effect,Text`.
        public var fields: String

        /// The fields but the times, in Matroska's order: `Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text`.
        public var fieldsAfterTimes: String { layer + "," + fields }
    }

    /// The script up to and including the `[Events]` Format line: what Matroska stores as an `ass` track's codec
    /// private data.
    public var header: String {
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
        return out
    }

    /// The `Dialogue` events for `cues`, in start order (cues from ``maximumTime`` on left out).
    public func events(_ cues: [Cue]) -> [Event] {
        var events: [Event] = []
        for cue in CueSanitizer.prepare(cues) {
            guard cue.start < Self.maximumTime else { break }
            let start = Self.centiseconds(cue.start) * 10
            var end = Self.centiseconds(min(cue.end, Self.maximumTime)) * 10
            if end == start { end = start + 10 }
            let name = Set(cue.speakers).count == 1 ? (cue.speakers.first ?? nil) : nil
            let safeName = name.map { Self.escape($0).replacingOccurrences(of: ",", with: " ") } ?? ""
            let lines = CueSanitizer.dialogueLines(cue)
            let text = cue.wordStarts.map { karaoke(lines, starts: $0, cue: cue) }
                ?? lines.map(Self.escape).joined(separator: "\\N")
            events.append(Event(start: start, end: end, layer: "0", fields: "Default,\(safeName),0,0,0,,\(text)"))
        }
        return events
    }

    /// A time in whole centiseconds, rounded to the nearest.
    static func centiseconds(_ time: Milliseconds) -> Milliseconds { (max(0, time) + 5) / 10 }

    /// A cue's text with a `\k` tag before each word: its duration in centiseconds, up to the next word's start (the
    /// last word's up to the cue's end), after a silent `\k` for the time before the first word. Durations are
    /// differences of rounded times, so they add up to the cue's written length.
    private func karaoke(_ lines: [String], starts: [[Milliseconds]], cue: CueSanitizer.Prepared) -> String {
        // Dialogue dashes were added before the lines' first words: the dash goes with that word.
        let base = Self.centiseconds(cue.start)
        let total = max(1, Self.centiseconds(min(cue.end, Self.maximumTime)) - base)
        let pieces = zip(lines, starts).map { CueSanitizer.karaokePieces($0, starts: $1) }
        let marks = pieces.map { $0.map { min(total, max(0, Self.centiseconds($0.start) - base)) } }
        var flat = marks.flatMap { $0 }
        flat.append(total)
        var out = flat.first.map { $0 > 0 ? "{\\k\($0)}" : "" } ?? ""
        var position = 0
        for (lineIndex, line) in pieces.enumerated() {
            if lineIndex > 0 { out += "\\N" }
            for piece in line {
                out += "{\\k\(flat[position + 1] - flat[position])}" + Self.escape(String(piece.text))
                position += 1
            }
        }
        return out
    }

    /// A time as `H:MM:SS.CC`, rounded to the nearest centisecond.
    static func time(_ time: Milliseconds) -> String {
        let cs = centiseconds(time)
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
                if index + 1 < characters.count, "Nnh{}\u{2060}".contains(characters[index + 1]) { result.append("\u{2060}") }
            default: result.append(character)
            }
        }
        return result
    }
}
