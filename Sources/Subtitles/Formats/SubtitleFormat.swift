import Foundation

/// A subtitle file format.
public enum SubtitleFormat: String, Sendable, CaseIterable, Codable {
    /// SubRip (`.srt`).
    case srt
    /// WebVTT (`.vtt`).
    case vtt

    /// The file extension without the dot.
    public var fileExtension: String { rawValue }

    /// Renders cues in this format with the writer's default options (SRT: LF, no BOM, dialogue dashes).
    public func render(_ cues: [Cue]) -> String {
        switch self {
        case .srt: return SRTWriter().render(cues)
        case .vtt: return WebVTTWriter().render(cues)
        }
    }

    /// The format for a file extension (`srt`, `vtt`, `webvtt`; case-insensitive, leading dot allowed), or nil.
    public init?(pathExtension: String) {
        var ext = pathExtension.lowercased()
        if ext.hasPrefix(".") { ext.removeFirst() }
        switch ext {
        case "srt": self = .srt
        case "vtt", "webvtt": self = .vtt
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
