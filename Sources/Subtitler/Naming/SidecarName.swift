import Foundation
import MediaAudio
import Subtitles

/// A subtitle file's name beside its video, written and read the same way everywhere (the job layer's naming and
/// skip rules, the review page): `<stem>[.<label>].<lang>[.sdh][.forced][.default].<ext>`.
///
/// Reading accepts what media servers and other tools write too: any case, flags in any order, `cc` for `sdh`,
/// `foreign` for `forced`, and languages in any ISO 639 form or as English names. Writing uses only language tokens
/// and labels that Jellyfin, Plex and Emby all read right (``languageToken(for:style:)``,
/// ``problem(withLabel:)``).
public struct SidecarName: Sendable, Hashable {
    /// Subtitle file extensions a sidecar may have.
    public static let subtitleExtensions: Set<String> = ["srt", "vtt", "ass", "ssa", "ttml", "dfxp"]
    /// Two-part endings the TTML writers use (``SubtitleFormat/fileExtension``), read as one extension so that
    /// `imsc` in `film.en.imsc.ttml` is not taken for a label.
    static let compoundExtensions = SubtitleFormat.allCases.map(\.fileExtension).filter { $0.contains(".") }
    /// Tokens media servers read as flags after the language, never as a language or a title.
    public static let flagTokens: Set<String> = ["sdh", "cc", "forced", "default", "foreign"]

    /// The video's file name without its extension.
    public var stem: String
    /// An extra token before the language, if any.
    public var label: String?
    /// The language as written (`en`, `eng`, `English`), if any.
    public var language: String?
    /// `.sdh` (or `.cc`): for the deaf and hard of hearing.
    public var isSDH: Bool
    /// `.forced` (or `.foreign`): only the foreign-language parts.
    public var isForced: Bool
    /// `.default`: the track players pick first.
    public var isDefault: Bool
    /// The extension, lower-cased (`srt`, `vtt`).
    public var fileExtension: String

    /// A name from its parts.
    public init(
        stem: String, label: String? = nil, language: String?, isSDH: Bool = false, isForced: Bool = false,
        isDefault: Bool = false, fileExtension: String
    ) {
        self.stem = stem
        self.label = label
        self.language = language
        self.isSDH = isSDH
        self.isForced = isForced
        self.isDefault = isDefault
        self.fileExtension = fileExtension
    }

    /// Reads `fileName` as a sidecar of the video whose file name without extension is `stem`; nil when it is not
    /// one (another stem, or not a subtitle extension). `Film.srt` is a sidecar without a language.
    public init?(parsing fileName: String, stem: String, extensions: Set<String> = SidecarName.subtitleExtensions) {
        let prefix = stem + "."
        guard fileName.hasPrefix(prefix), fileName.count > prefix.count else { return nil }
        var ext = (fileName as NSString).pathExtension.lowercased()
        guard extensions.contains(ext) else { return nil }
        if let compound = Self.compoundExtensions.first(where: { fileName.lowercased().hasSuffix("." + $0) }),
           fileName.count > prefix.count + compound.count {
            ext = compound
        }
        let middle = fileName.dropFirst(prefix.count).dropLast(ext.count + 1)
        self.init(stem: stem, language: nil, fileExtension: ext)
        var others: [String] = []
        for token in middle.split(separator: ".").map(String.init) {
            switch token.lowercased() {
            case "sdh", "cc": isSDH = true
            case "forced", "foreign": isForced = true
            case "default": isDefault = true
            default: others.append(token)
            }
        }
        // The language is the last other token that names one; what stands before it is the label.
        if let index = others.lastIndex(where: { Self.languageEntry(for: $0.lowercased()) != nil }) {
            language = others[index]
            others.remove(at: index)
        } else if let last = others.popLast() {
            language = last
        }
        label = others.isEmpty ? nil : others.joined(separator: ".")
    }

    /// Reads the name of a subtitle file whose video is not known (the files given to `mux`, a review's tracks): the
    /// name's first dot-separated token stands for the stem, and any extension is accepted.
    public init?(readingAnyName fileName: String) {
        guard let stem = fileName.split(separator: ".", maxSplits: 1).first.map(String.init) else { return nil }
        self.init(parsing: fileName, stem: stem, extensions: [(fileName as NSString).pathExtension.lowercased()])
    }

    /// ``language`` when it names a language (in any ISO 639 form or as an English name); nil for a name without
    /// one, whose last token is only a title.
    public var knownLanguage: String? {
        guard let language, Self.languageEntry(for: language.lowercased()) != nil else { return nil }
        return language
    }

    /// The file name: `<stem>[.<label>][.<lang>][.sdh][.forced][.default].<ext>`.
    public var fileName: String {
        var tokens = [stem]
        if let label, !label.isEmpty { tokens.append(label) }
        if let language { tokens.append(language) }
        if isSDH { tokens.append("sdh") }
        if isForced { tokens.append("forced") }
        if isDefault { tokens.append("default") }
        tokens.append(fileExtension)
        return tokens.joined(separator: ".")
    }

    /// Whether the name says it is in `language` (any ISO 639 form or an English name, any case), or holds the token
    /// names are given for it (Cantonese is written `zh`).
    public func isIn(language other: String) -> Bool {
        guard let language else { return false }
        let written = language.lowercased()
        if LanguageCodes.matches(written, other) { return true }
        // A language the media layer's table lacks, or one written as another.
        guard Self.languageEntry(for: written) != nil else { return false }
        return Self.languageToken(for: other) == Self.languageToken(for: written)
    }
}
