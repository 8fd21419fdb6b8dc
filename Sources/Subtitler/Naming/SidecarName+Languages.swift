import Foundation
import MediaAudio

/// The language token and the label of a sidecar name, chosen so that Jellyfin, Plex and Emby all read them right.
///
/// What the servers' parsers do with the tokens between the video's stem and the extension:
/// - Jellyfin (`ExternalPathParser`) reads the tokens from the last one back: a token that *contains* `default`
///   marks the track default, one that contains `forced` or `foreign` marks it forced; the first token (from the
///   end) that its culture list knows becomes the language; `sdh`, `cc` and `hi` are hearing-impaired flags when
///   they are the whole token (and `hi` is Hindi when no other language is found); every other token becomes the
///   track's title. Its culture list (`iso6392.txt`) holds only the ISO 639-2 languages that have a 639-1 code,
///   matched by 639-1, either 639-2 code or English name, first row first: languages without a 639-1 code (`haw`,
///   `yue`) are not languages to it at all.
/// - Plex reads ISO 639-1 and ISO 639-2/B codes, `.forced` and `.sdh`; Emby reads 639-1, 639-2 and English names,
///   `.forced` and `.default`.
///
/// So: ISO 639-1 where the language has a code none of them misreads, else ISO 639-2/B; Cantonese (Whisper's
/// `yue`, which has no code of its own in 639-1 or 639-2) as Chinese; a label may be nothing a server could read as
/// a flag or a language.
extension SidecarName {
    /// Which ISO 639 form names the language.
    public enum CodeStyle: String, Sendable, Hashable, Codable, CaseIterable {
        /// ISO 639-1 where the language has an unambiguous one (`en`, `de`), else 639-2/B (`gle`, `hin`, `haw`):
        /// what every media server reads.
        case iso639_1 = "639-1"
        /// ISO 639-2/B everywhere (`eng`, `ger`): what Matroska stores.
        case iso639_2B = "639-2b"
        /// ISO 639-2/T everywhere (`eng`, `deu`): what MP4 stores.
        case iso639_2T = "639-2t"
    }

    /// ISO 639-1 codes that readers take for something else, so names use the 639-2/B code instead: `ga` (Irish)
    /// is also the English name of another language (Ga, ISO 639-2 `gaa`) for readers that match names, and is taken
    /// for Galician by others; `hi` (Hindi) is the hearing-impaired flag to Jellyfin and Bazarr. `gle` and `hin` have
    /// one reading everywhere.
    public static let misreadTwoLetterCodes: Set<String> = ["ga", "hi"]

    /// The language token for `language` (any ISO 639 form, a Whisper code or an English name); `und` when there is
    /// none, or when the text would be read as a flag.
    /// - Parameters:
    ///   - language: the language as the user or the server gave it.
    ///   - style: which ISO 639 form to write.
    public static func languageToken(for language: String?, style: CodeStyle = .iso639_1) -> String {
        guard let raw = language?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else { return "und" }
        // Whisper writes Javanese as `jw`; ISO 639-1 is `jv`.
        let code = raw == "jw" ? "jv" : raw
        guard var entry = languageEntry(for: code) else {
            let letters = String(code.prefix { $0.isASCII && $0.isLetter })
            return letters.isEmpty || readsAsFlag(letters) ? "und" : letters
        }
        // Cantonese has no code Jellyfin knows (nor a 639-2 code at all): it is written as Chinese.
        if entry.iso639_2B == "yue", let chinese = LanguageCodes.entry(for: "zh") { entry = Language(chinese) }
        switch style {
        case .iso639_1:
            if let twoLetter = entry.iso639_1, !misreadTwoLetterCodes.contains(twoLetter) { return twoLetter }
            return entry.iso639_2B
        case .iso639_2B: return entry.iso639_2B
        case .iso639_2T: return entry.iso639_2T
        }
    }

    /// Why `label` cannot stand before the language in a sidecar name, or nil when it can: one token of ASCII letters,
    /// digits, `-` or `_` (at most 40), containing no `default`, `forced` or `foreign` (Jellyfin matches those
    /// anywhere in a token), not `sdh`, `cc` or `hi`, and nothing a server could read as a language: a language's code
    /// or English name, an ISO 639-1 code, or any other two or three letters (ISO 639-2 has hundreds of codes).
    public static func problem(withLabel label: String) -> String? {
        guard !label.isEmpty, label.count <= 40,
              label.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
        else {
            return "the label '\(label)' must be one token of ASCII letters, digits, '-' or '_' (at most 40 characters)"
        }
        let lower = label.lowercased()
        if let flag = substringFlags.first(where: { lower.contains($0) }) {
            return "the label '\(label)' contains '\(flag)', which Jellyfin reads as a flag anywhere in a name; choose another word"
        }
        if exactFlags.contains(lower) {
            return "the label '\(label)' is a flag media servers read ('\(lower)'); choose another word"
        }
        // Two letters that are no ISO 639-1 code (`ai`) are read as a language by no server; three letters may be
        // any of ISO 639-2's codes.
        if languageEntry(for: lower) != nil || twoLetterCodes.contains(lower)
            || lower.count == 3 && lower.allSatisfy(\.isLetter) {
            return "the label '\(label)' could be read as a language code; media servers would take it for the language"
        }
        return nil
    }

    /// A language's codes and English name, as names write and read them.
    struct Language: Sendable, Hashable {
        var iso639_1: String?
        var iso639_2B: String
        var iso639_2T: String
        var name: String

        /// Every code, lower-case.
        var codes: [String] { [iso639_1, iso639_2B, iso639_2T].compactMap { $0 } }

        init(iso639_1: String?, iso639_2B: String, iso639_2T: String, name: String) {
            self.iso639_1 = iso639_1
            self.iso639_2B = iso639_2B
            self.iso639_2T = iso639_2T
            self.name = name
        }

        init(_ entry: LanguageCodes.Entry) {
            self.init(iso639_1: entry.iso639_1, iso639_2B: entry.iso639_2B, iso639_2T: entry.iso639_2T, name: entry.name)
        }
    }

    /// The language for a code in any ISO 639 form or an English name: the media layer's table, plus the languages
    /// Whisper knows that it lacks.
    static func languageEntry(for code: String) -> Language? {
        if let entry = LanguageCodes.entry(for: code) { return Language(entry) }
        let key = code.lowercased()
        return whisperExtras.first { $0.codes.contains(key) || $0.name.lowercased() == key }
    }

    /// Whether a token would be read as a flag: it contains `default`, `forced` or `foreign`, or is `sdh`, `cc` or `hi`.
    static func readsAsFlag(_ token: String) -> Bool {
        let lower = token.lowercased()
        return exactFlags.contains(lower) || substringFlags.contains { lower.contains($0) }
    }

    /// Flags Jellyfin finds anywhere inside a token.
    static let substringFlags = ["default", "forced", "foreign"]
    /// Flags servers read only as a whole token.
    static let exactFlags: Set<String> = ["sdh", "cc", "hi"]

    /// Languages Whisper transcribes that the media layer's table lacks.
    static let whisperExtras: [Language] = [
        ("br", "bre", "Breton"), ("oc", "oci", "Occitan"), ("fo", "fao", "Faroese"), ("sa", "san", "Sanskrit"),
        ("ln", "lin", "Lingala"), ("ba", "bak", "Bashkir"), ("", "haw", "Hawaiian"),
    ].map { Language(iso639_1: $0.0.isEmpty ? nil : $0.0, iso639_2B: $0.1, iso639_2T: $0.1, name: $0.2) }

    /// Every ISO 639-1 code, the withdrawn ones (`in`, `iw`, `ji`, `jw`, `mo`, `sh`) and Jellyfin's `ze` (Chinese,
    /// bilingual).
    static let twoLetterCodes: Set<String> = Set("""
        aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee \
        el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is \
        it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms \
        mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk \
        sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi \
        yo za zh zu in iw ji jw mo sh ze
        """.split(separator: " ").map(String.init))
}
