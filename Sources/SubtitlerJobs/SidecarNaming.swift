import Foundation
import MediaAudio
import Subtitler
import Subtitles

/// How subtitle files are named next to (or for) their video, so Plex, Jellyfin, Emby and Kodi all recognise them:
/// `<stem>[.<label>].<lang>[.sdh][.forced][.default].<srt|vtt>`.
///
/// `<lang>` is ISO 639-1 where the language has such a code and ISO 639-2/B otherwise (`haw`, `yue`), or 639-2/B or
/// /T everywhere when asked. Hearing-impaired subtitles are marked `.sdh`, never `.hi` (which Jellyfin reads as
/// Hindi). The label is opt-in: media servers take any extra token as the track's title, and some stop matching.
public struct SidecarNaming: Sendable, Hashable, Codable {
    /// Which ISO 639 form names the language.
    public enum CodeStyle: String, Sendable, Hashable, Codable, CaseIterable {
        /// ISO 639-1 where it exists (`en`, `de`), else 639-2/B (`haw`): what every media server reads.
        case iso639_1 = "639-1"
        /// ISO 639-2/B everywhere (`eng`, `ger`): what Matroska stores.
        case iso639_2B = "639-2b"
        /// ISO 639-2/T everywhere (`eng`, `deu`): what MP4 stores.
        case iso639_2T = "639-2t"
    }

    /// Which ISO 639 form names the language.
    public var codeStyle: CodeStyle
    /// Adds `.sdh`: subtitles for the deaf and hard of hearing.
    public var isSDH: Bool
    /// Adds `.forced`: subtitles shown only for foreign-language parts.
    public var isForced: Bool
    /// Adds `.default`: the track players pick first.
    public var isDefault: Bool
    /// An extra token before the language (opt-in), such as `subtitler`.
    public var label: String?

    /// Creates a naming scheme; the defaults give `NAME.en.srt`.
    public init(codeStyle: CodeStyle = .iso639_1, isSDH: Bool = false, isForced: Bool = false, isDefault: Bool = false,
                label: String? = nil) {
        self.codeStyle = codeStyle
        self.isSDH = isSDH
        self.isForced = isForced
        self.isDefault = isDefault
        self.label = label
    }

    /// Why a label cannot be used, or nil when it can: one token of letters, digits, `-` or `_`, not a language
    /// code and not a flag a media server would read as something else.
    public static func problem(withLabel label: String) -> String? {
        guard !label.isEmpty, label.count <= 40,
              label.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }) else {
            return "the label '\(label)' must be one token of letters, digits, '-' or '_' (at most 40 characters)"
        }
        let lower = label.lowercased()
        if Self.flagTokens.contains(lower) || lower == "hi" {
            return "the label '\(label)' is a flag media servers read ('\(lower)'); choose another word"
        }
        if LanguageCodes.entry(for: lower) != nil || lower.count <= 3 && lower.allSatisfy(\.isLetter) {
            return "the label '\(label)' looks like a language code; media servers would read it as the language"
        }
        return nil
    }

    /// Tokens media servers read as flags after the language.
    static let flagTokens = SidecarName.flagTokens

    /// The language token for `language` (any ISO 639 form, a Whisper code or an English name); `und` when unknown.
    public func languageToken(for language: String?) -> String {
        guard let raw = language?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else { return "und" }
        // Whisper writes Javanese as `jw`; ISO 639-1 is `jv`.
        let code = raw == "jw" ? "jv" : raw
        guard let entry = LanguageCodes.entry(for: code) else {
            let letters = code.prefix { $0.isLetter }
            return letters.isEmpty ? "und" : String(letters)
        }
        switch codeStyle {
        case .iso639_1: return entry.iso639_1 ?? entry.iso639_2B
        case .iso639_2B: return entry.iso639_2B
        case .iso639_2T: return entry.iso639_2T
        }
    }

    /// The file name for a video's subtitles.
    /// - Parameters:
    ///   - stem: the video's file name without its extension (exactly: media servers match on it).
    ///   - language: the subtitles' language; nil gives `und`.
    ///   - format: SRT or WebVTT.
    public func fileName(stem: String, language: String?, format: SubtitleFormat) -> String {
        SidecarName(stem: stem, label: label, language: languageToken(for: language), isSDH: isSDH, isForced: isForced,
                    isDefault: isDefault, fileExtension: format.fileExtension).fileName
    }
}
