import Foundation

/// Reads Advanced SubStation Alpha and SubStation Alpha (`.ass`, `.ssa`) into cues.
///
/// Each `Dialogue` line of `[Events]` is a cue, its fields named by the section's `Format` line (the standard
/// order when it has none); the text is shown as libass shows it: override blocks (`{…}`) removed, `\N` (and `\n`)
/// starts a new line, `\n` is a space (a soft break only under `WrapStyle: 2`), `\h` a no-break space, `\{` and `\}`
/// braces. The `Name` field is the speaker. The word joiner the writer puts after a `\` (see ``ASSWriter``) is taken
/// out again, so what the writer wrote reads back as it was. Files are read line by line, in memory bounded by the
/// longest line.
struct ASSReader {
    private var reader: LineReader
    private var lineNumber = 0
    private var section = ""
    private var fields = ["layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text"]
    private var sawSection = false
    private var sawAnything = false
    private var finished = false

    init(source: any ByteBlockSource) throws(SubtitleParseError) {
        reader = try LineReader(source: source)
    }

    /// Whether the file held nothing at all (meaningful at its end).
    var isEmpty: Bool { !sawAnything }

    /// The next cue or warning, or nil at the end.
    mutating func next() throws(SubtitleParseError) -> SubtitleEvent? {
        while !finished {
            guard let bytes = try reader.nextLine() else {
                finished = true
                if sawAnything, !sawSection {
                    return .warning(SubtitleWarning(line: 0, kind: .fileRejected,
                                                    message: "no [Script Info] or [Events] section: not an ASS file"))
                }
                return nil
            }
            lineNumber += 1
            var line = TextDecoding.utf8(bytes).text
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { sawAnything = true }
            if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
                section = trimmed.lowercased()
                sawSection = true
                continue
            }
            guard section == "[events]", let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = trimmed[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = trimmed[trimmed.index(after: colon)...].drop(while: { $0 == " " })
            if key == "format" {
                fields = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                continue
            }
            guard key == "dialogue" else { continue }
            if let event = dialogue(String(value)) { return event }
        }
        return nil
    }

    private func dialogue(_ value: String) -> SubtitleEvent? {
        // The text is the last field and may hold commas.
        let parts = value.split(separator: ",", maxSplits: max(0, fields.count - 1), omittingEmptySubsequences: false)
            .map(String.init)
        guard parts.count == fields.count, let textIndex = fields.firstIndex(of: "text"),
              let startIndex = fields.firstIndex(of: "start"), let endIndex = fields.firstIndex(of: "end") else {
            return .warning(SubtitleWarning(line: lineNumber, kind: .cueDropped,
                                            message: "a Dialogue line without the fields its Format names"))
        }
        guard let start = Self.time(parts[startIndex]), let end = Self.time(parts[endIndex]) else {
            return .warning(SubtitleWarning(line: lineNumber, kind: .cueDropped,
                                            message: "a Dialogue line whose times cannot be read"))
        }
        let lines = Self.plainLines(parts[textIndex])
        guard !lines.isEmpty else {
            return .warning(SubtitleWarning(line: lineNumber, kind: .emptyCue, message: "a Dialogue line without text"))
        }
        let name = fields.firstIndex(of: "name").map { parts[$0].trimmingCharacters(in: .whitespaces) }
        return .cue(Cue(start: start, end: end, lines: lines, speaker: name?.isEmpty == false ? name : nil), line: lineNumber)
    }

    /// `H:MM:SS.cc` (any digits; a fraction of one to three digits, read as a decimal fraction of a second).
    static func time(_ text: String) -> Milliseconds? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hours = Int64(parts[0]), let minutes = Int64(parts[1]), hours >= 0, minutes >= 0 else {
            return nil
        }
        let secondParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard secondParts.count <= 2, let seconds = Int64(secondParts[0]), seconds >= 0 else { return nil }
        var millis: Int64 = 0
        if secondParts.count == 2 {
            let digits = secondParts[1]
            guard !digits.isEmpty, digits.count <= 3, let value = Int64(digits), value >= 0 else { return nil }
            millis = value * [100, 10, 1][digits.count - 1]
        }
        let total = (hours * 3600 + minutes * 60 + seconds) * 1000 + millis
        return total <= SubtitleParser.maxTimestamp ? total : nil
    }

    /// The lines a Dialogue text shows: override blocks removed, `\N` as a line break, `\n` as a space, `\h` as
    /// U+00A0, `\{`/`\}` as braces, the writer's word joiner after `\` removed; trailing spaces and empty lines
    /// dropped.
    static func plainLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        let input = Array(text.unicodeScalars)
        var index = 0
        func finish() {
            var line = String(current)
            while line.hasSuffix(" ") { line.removeLast() }
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { lines.append(line) }
            current = String.UnicodeScalarView()
        }
        while index < input.count {
            let scalar = input[index]
            if scalar == "\\", index + 1 < input.count {
                switch input[index + 1] {
                case "N": finish(); index += 2; continue
                case "n": current.append(" "); index += 2; continue  // a soft break, shown as a space (WrapStyle 0)
                case "h": current.append("\u{00A0}"); index += 2; continue
                case "{", "}": current.append(input[index + 1]); index += 2; continue
                case "\u{2060}": current.append("\\"); index += 2; continue  // the writer's joiner after a backslash
                default: break
                }
            }
            if scalar == "{", let close = input[index...].firstIndex(of: "}") {
                index = close + 1
                continue
            }
            current.append(scalar)
            index += 1
        }
        finish()
        return lines
    }
}
