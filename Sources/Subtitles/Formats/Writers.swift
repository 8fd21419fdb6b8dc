import Foundation

/// Shared clean-up so every writer is correct by construction.
enum CueSanitizer {
    /// `text` with `&`, `<` and `>` (and, with `quotes`, `"` and `'`) as character references: the one escaper of
    /// the markup writers (WebVTT's cue text, TTML's text and attributes).
    static func escapeMarkup(_ text: String, quotes: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where quotes: result += "&quot;"
            case "'" where quotes: result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A cue ready to write: at least one non-empty line, each line with its speaker, start ≥ 0, end > start.
    struct Prepared {
        var start: Milliseconds
        var end: Milliseconds
        var lines: [String]
        var speakers: [String?]
    }

    /// Sorts by start (stably), splits embedded line breaks, removes control characters and trailing spaces, drops
    /// empty lines and cues without text, and makes every cue last at least 1 ms.
    static func prepare(_ cues: [Cue]) -> [Prepared] {
        let ordered = cues.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }
        return ordered.compactMap { _, cue in
            var lines: [String] = []
            var speakers: [String?] = []
            for (line, speaker) in zip(cue.lines, cue.speakerOfEachLine) {
                let pieces = line.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                for piece in pieces {
                    var cleaned = TextSanitizer.withoutControlCharacters(String(piece))
                    // Trailing spaces are invisible, and every reader drops them.
                    while cleaned.hasSuffix(" ") { cleaned.removeLast() }
                    guard !cleaned.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                    lines.append(cleaned)
                    speakers.append(speaker.flatMap(cleanName))
                }
            }
            guard !lines.isEmpty else { return nil }
            let start = max(0, cue.start)
            return Prepared(start: start, end: max(cue.end, start + 1), lines: lines, speakers: speakers)
        }
    }

    /// A speaker name on one line without surrounding space; nil when empty.
    static func cleanName(_ name: String) -> String? {
        let flat = TextSanitizer.withoutControlCharacters(
            name.split(whereSeparator: { $0.isNewline || $0 == "\t" }).joined(separator: " ")
        ).trimmingCharacters(in: .whitespaces)
        return flat.isEmpty ? nil : flat
    }

    /// Whether each line starts a speaker's turn inside a dialogue cue.
    static func turnStarts(_ speakers: [String?]) -> [Bool] {
        speakers.enumerated().map { index, speaker in index == 0 || speakers[index - 1] != speaker }
    }
}

/// Writes SubRip (`.srt`): cues numbered from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, text, a blank line.
///
/// SRT has no escaping, so the writer writes text that every common reader (ffmpeg, pysubs2, srt, webvtt-py)
/// shows as written: control characters are removed, `-->` becomes `->`, line breaks inside a line start a new
/// line, empty lines are dropped (a blank line would end the cue), and markup-like text is neutralised (see
/// ``TextSanitizer/neutralizedSRTLine(_:)``). Hours stay at two digits: cues after ``maximumTime`` are left out and
/// a cue running past it ends there (pysubs2 reads three-digit hours as 0; see `docs/subtitle-formats.md`).
public struct SRTWriter: Sendable {
    /// The last time SRT can express portably: 99:59:59,999.
    public static let maximumTime: Milliseconds = 359_999_999

    /// The line terminator.
    public var lineEnding: LineEnding
    /// Whether the file starts with a UTF-8 byte order mark.
    public var includesByteOrderMark: Bool
    /// How speakers are marked.
    public var speakerLabels: SpeakerLabelStyle

    /// Creates a writer. Defaults: LF, no BOM, dialogue dashes.
    public init(lineEnding: LineEnding = .lf, includesByteOrderMark: Bool = false, speakerLabels: SpeakerLabelStyle = .dialogueDash) {
        self.lineEnding = lineEnding
        self.includesByteOrderMark = includesByteOrderMark
        self.speakerLabels = speakerLabels
    }

    /// The whole file as a string.
    public func render(_ cues: [Cue]) -> String {
        let newline = lineEnding.characters
        var output = includesByteOrderMark ? "\u{FEFF}" : ""
        var lastSpeaker: String?
        let prepared = CueSanitizer.prepare(cues).filter { $0.start < Self.maximumTime }
        for (index, cue) in prepared.enumerated() {
            output += String(index + 1) + newline
            output += Timecode.srt(cue.start) + " --> " + Timecode.srt(min(cue.end, Self.maximumTime)) + newline
            let isDialogue = Set(cue.speakers).count > 1
            let turns = CueSanitizer.turnStarts(cue.speakers)
            for (lineIndex, rawLine) in cue.lines.enumerated() {
                var line = rawLine
                let speaker = cue.speakers[lineIndex]
                switch speakerLabels {
                case .dialogueDash:
                    if isDialogue, turns[lineIndex], !line.hasPrefix("-") { line = "-" + line }
                case .namePrefix:
                    if let speaker, speaker != lastSpeaker { line = speaker + ": " + line }
                    lastSpeaker = speaker
                }
                output += TextSanitizer.neutralizedSRTLine(withoutArrows(line)) + newline
            }
            output += newline
        }
        return output
    }
}

/// Text with every `-->` removed, however many dashes lead into it (a single replacement pass would turn
/// `--->` into `-->` again): a cue line must never read as a timing line.
func withoutArrows(_ text: String) -> String {
    var result = text
    while result.contains("-->") { result = result.replacingOccurrences(of: "-->", with: "->") }
    return result
}

/// Writes WebVTT (`.vtt`): the `WEBVTT` header, optional `Kind:`/`Language:` lines, then cues with
/// `HH:MM:SS.mmm` times, text with `&`, `<`, `>` escaped, and `<v Name>` for speakers.
public struct WebVTTWriter: Sendable {
    /// The `Kind:` header value (`captions`, `subtitles`), if any.
    public var kind: String?
    /// The `Language:` header value (BCP 47), if any.
    public var language: String?

    /// Creates a writer.
    public init(kind: String? = nil, language: String? = nil) {
        self.kind = kind
        self.language = language
    }

    /// The whole file as a string.
    public func render(_ cues: [Cue]) -> String {
        var output = "WEBVTT\n"
        if let kind = kind.flatMap(CueSanitizer.cleanName) {
            output += "Kind: " + withoutArrows(kind) + "\n"
        }
        if let language = language.flatMap(CueSanitizer.cleanName) {
            output += "Language: " + withoutArrows(language) + "\n"
        }
        output += "\n"
        for cue in CueSanitizer.prepare(cues) {
            output += Timecode.vtt(cue.start) + " --> " + Timecode.vtt(cue.end) + "\n"
            let isDialogue = Set(cue.speakers).count > 1
            let turns = CueSanitizer.turnStarts(cue.speakers)
            for (index, line) in cue.lines.enumerated() {
                var text = Self.escape(line)
                let speaker = cue.speakers[index]
                if isDialogue {
                    if turns[index] { text = "-" + text }
                    if let speaker { text = "<v " + Self.escape(speaker) + ">" + text + "</v>" }
                } else if index == 0, let speaker {
                    text = "<v " + Self.escape(speaker) + ">" + text
                }
                output += text + "\n"
            }
            output += "\n"
        }
        return output
    }

    /// Escapes `&`, `<` and `>` as character references.
    public static func escape(_ text: String) -> String {
        CueSanitizer.escapeMarkup(text, quotes: false)
    }
}
