import Foundation
import MediaAudio
import Subtitler
import Subtitles

/// How subtitle files are named next to (or for) their video, so Plex, Jellyfin, Emby and Kodi all recognise them:
/// `<stem>[.<label>].<lang>[.sdh][.forced][.default].<srt|vtt>`.
///
/// `<lang>` is ISO 639-1 where the language has a code no server misreads and ISO 639-2/B otherwise (`haw`, `gle`
/// for Irish, `hin` for Hindi), Cantonese as Chinese, or 639-2/B or /T everywhere when asked. Hearing-impaired
/// subtitles are marked `.sdh`, never `.hi` (which Jellyfin reads as Hindi). The label is opt-in: media servers take
/// any extra token as the track's title, and some stop matching. The rules live in ``SidecarName``.
public struct SidecarNaming: Sendable, Hashable, Codable {
    /// Which ISO 639 form names the language (see ``SidecarName/CodeStyle``).
    public typealias CodeStyle = SidecarName.CodeStyle

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

    /// Why a label cannot be used, or nil when it can (``SidecarName/problem(withLabel:)``): one token, nothing a
    /// media server would read as a flag or a language.
    public static func problem(withLabel label: String) -> String? {
        SidecarName.problem(withLabel: label)
    }

    /// The language token for `language` (``SidecarName/languageToken(for:style:)``); `und` when unknown.
    public func languageToken(for language: String?) -> String {
        SidecarName.languageToken(for: language, style: codeStyle)
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
