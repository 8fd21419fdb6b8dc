import Foundation

/// A subtitle file format.
public enum SubtitleFormat: String, Sendable, CaseIterable, Codable {
    /// SubRip (`.srt`).
    case srt
    /// WebVTT (`.vtt`).
    case vtt
    /// The IMSC 1.1 Text Profile of TTML (`.imsc.ttml`).
    case imsc
    /// EBU-TT-D (`.ebu-tt-d.ttml`).
    case ebuTTD = "ebu-tt-d"
    /// Plain TTML (`.ttml`).
    case ttml
    /// Advanced SubStation Alpha (`.ass`).
    case ass

    /// The file extension without the leading dot (`imsc.ttml` and `ebu-tt-d.ttml` hold a dot of their own, so
    /// that the three TTML kinds never share a file name).
    public var fileExtension: String {
        switch self {
        case .imsc: "imsc.ttml"
        case .ebuTTD: "ebu-tt-d.ttml"
        default: rawValue
        }
    }

    /// Whether the format is a TTML document (plain TTML, IMSC, EBU-TT-D).
    public var isTimedText: Bool { self == .ttml || self == .imsc || self == .ebuTTD }

    /// The formats ``SubtitleParser`` reads: every format (the three TTML kinds by one reader).
    public static var readable: [SubtitleFormat] { allCases }

    /// Renders cues in this format with the writer's default options (SRT: LF, no BOM, dialogue dashes).
    public func render(_ cues: [Cue]) -> String {
        render(cues, language: nil)
    }

    /// Renders cues in this format; `language` goes into the WebVTT header and TTML's `xml:lang`.
    public func render(_ cues: [Cue], language: String?, frameRate: Double? = nil) -> String {
        switch self {
        case .srt: SRTWriter().render(cues)
        case .vtt: WebVTTWriter(kind: language == nil ? nil : "subtitles", language: language).render(cues)
        case .imsc: TimedTextWriter(profile: .imsc, language: language, frameRate: frameRate).render(cues)
        case .ebuTTD: TimedTextWriter(profile: .ebuTTD, language: language, frameRate: frameRate).render(cues)
        case .ttml: TimedTextWriter(profile: .ttml, language: language, frameRate: frameRate).render(cues)
        case .ass: ASSWriter().render(cues)
        }
    }

    /// The format a file name asks for by its ending (`film.en.imsc.ttml` → IMSC, `film.en.ass` → ASS, `.webvtt` →
    /// WebVTT; case-insensitive); nil when the name ends in none of them.
    public init?(fileName: String) {
        let lowered = fileName.lowercased()
        // The longest ending first: `imsc.ttml` before `ttml`.
        let endings = SubtitleFormat.allCases.map { ($0, $0.fileExtension) }
            + [(.vtt, "webvtt"), (.ttml, "dfxp"), (.ass, "ssa")]
        guard let match = endings.sorted(by: { $0.1.count > $1.1.count }).first(where: { lowered.hasSuffix("." + $0.1) })
        else { return nil }
        self = match.0
    }

    /// The format a `--format` value names: a raw value (`srt`, `vtt`, `imsc`, `ebu-tt-d`, `ttml`, `ass`,
    /// case-insensitive) or `webvtt`; nil otherwise.
    public init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "webvtt" { self = .vtt; return }
        guard let format = SubtitleFormat(rawValue: lowered) else { return nil }
        self = format
    }

    /// The format for a file extension (`srt`, `vtt`, `webvtt`, `ttml`, `dfxp`, `ass`, `ssa`; case-insensitive,
    /// leading dot allowed), or nil. `.ttml` and `.dfxp` are plain TTML here: the one TTML reader reads IMSC and
    /// EBU-TT-D too, and ``init(fileName:)`` tells the kinds apart by the writers' longer endings.
    public init?(pathExtension: String) {
        var ext = pathExtension.lowercased()
        if ext.hasPrefix(".") { ext.removeFirst() }
        switch ext {
        case "srt": self = .srt
        case "vtt", "webvtt": self = .vtt
        case "ttml", "dfxp": self = .ttml
        case "ass", "ssa": self = .ass
        default: return nil
        }
    }
}

/// The line terminator a writer uses.
public enum LineEnding: String, Sendable {
    /// `\n`.
    case lf
    /// `\r\n`.
    case crlf

    /// The terminator's characters.
    public var characters: String { self == .lf ? "\n" : "\r\n" }
}

/// How SRT output marks speakers (SRT has no voice markup).
public enum SpeakerLabelStyle: Sendable {
    /// Netflix style: in a cue that holds several speakers, each speaker's line starts with `-` (no space).
    case dialogueDash
    /// `NAME: ` before the first line of a speaker's turn whenever the speaker changes.
    case namePrefix
}
