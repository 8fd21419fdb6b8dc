/// ISO 639 language codes: 639-1 (`de`), 639-2/B (`ger`) and 639-2/T (`deu`) for the most spoken languages and
/// every language whose B and T codes differ. Used to match a requested language against stream tags.
public enum LanguageCodes {
    /// One language: its codes and English name.
    public struct Entry: Sendable, Hashable {
        /// ISO 639-1 two-letter code, if the language has one.
        public var iso639_1: String?
        /// ISO 639-2 bibliographic code (what Matroska usually stores).
        public var iso639_2B: String
        /// ISO 639-2 terminology code (what MP4 usually stores); equal to `iso639_2B` for most languages.
        public var iso639_2T: String
        /// English name.
        public var name: String

        /// Every code of this language, lowercase.
        public var codes: [String] {
            var all = [iso639_2B]
            if iso639_2T != iso639_2B { all.append(iso639_2T) }
            if let iso639_1 { all.insert(iso639_1, at: 0) }
            return all
        }
    }

    /// The table: the ~50 most spoken languages, the other common European languages, and all 20 B/T pairs.
    public static let table: [Entry] = rows.map { row in
        Entry(
            iso639_1: row.0.isEmpty ? nil : row.0, iso639_2B: row.1, iso639_2T: row.2.isEmpty ? row.1 : row.2,
            name: row.3)
    }

    // (639-1, 639-2/B, 639-2/T when different, English name)
    private static let rows: [(String, String, String, String)] = [
        ("en", "eng", "", "English"), ("zh", "chi", "zho", "Chinese"), ("hi", "hin", "", "Hindi"),
        ("es", "spa", "", "Spanish"), ("fr", "fre", "fra", "French"), ("ar", "ara", "", "Arabic"),
        ("bn", "ben", "", "Bengali"), ("pt", "por", "", "Portuguese"), ("ru", "rus", "", "Russian"),
        ("ur", "urd", "", "Urdu"), ("id", "ind", "", "Indonesian"), ("de", "ger", "deu", "German"),
        ("ja", "jpn", "", "Japanese"), ("sw", "swa", "", "Swahili"), ("mr", "mar", "", "Marathi"),
        ("te", "tel", "", "Telugu"), ("tr", "tur", "", "Turkish"), ("ta", "tam", "", "Tamil"),
        ("vi", "vie", "", "Vietnamese"), ("ko", "kor", "", "Korean"), ("it", "ita", "", "Italian"),
        ("th", "tha", "", "Thai"), ("gu", "guj", "", "Gujarati"), ("fa", "per", "fas", "Persian"),
        ("pl", "pol", "", "Polish"), ("uk", "ukr", "", "Ukrainian"), ("kn", "kan", "", "Kannada"),
        ("ml", "mal", "", "Malayalam"), ("or", "ori", "", "Oriya"), ("pa", "pan", "", "Punjabi"),
        ("my", "bur", "mya", "Burmese"), ("ro", "rum", "ron", "Romanian"), ("nl", "dut", "nld", "Dutch"),
        ("ha", "hau", "", "Hausa"), ("yo", "yor", "", "Yoruba"), ("ig", "ibo", "", "Igbo"),
        ("am", "amh", "", "Amharic"), ("uz", "uzb", "", "Uzbek"), ("az", "aze", "", "Azerbaijani"),
        ("ms", "may", "msa", "Malay"), ("jv", "jav", "", "Javanese"), ("tl", "tgl", "", "Tagalog"),
        ("", "fil", "", "Filipino"), ("ne", "nep", "", "Nepali"), ("si", "sin", "", "Sinhala"),
        ("km", "khm", "", "Khmer"), ("su", "sun", "", "Sundanese"), ("zu", "zul", "", "Zulu"),
        ("xh", "xho", "", "Xhosa"), ("af", "afr", "", "Afrikaans"), ("so", "som", "", "Somali"),
        ("ps", "pus", "", "Pashto"), ("ku", "kur", "", "Kurdish"), ("kk", "kaz", "", "Kazakh"),
        ("el", "gre", "ell", "Greek"), ("hu", "hun", "", "Hungarian"), ("cs", "cze", "ces", "Czech"),
        ("sv", "swe", "", "Swedish"), ("he", "heb", "", "Hebrew"), ("da", "dan", "", "Danish"),
        ("fi", "fin", "", "Finnish"), ("no", "nor", "", "Norwegian"), ("nb", "nob", "", "Norwegian Bokmål"),
        ("nn", "nno", "", "Norwegian Nynorsk"), ("sk", "slo", "slk", "Slovak"), ("bg", "bul", "", "Bulgarian"),
        ("hr", "hrv", "", "Croatian"), ("sr", "srp", "", "Serbian"), ("bs", "bos", "", "Bosnian"),
        ("sl", "slv", "", "Slovenian"), ("lt", "lit", "", "Lithuanian"), ("lv", "lav", "", "Latvian"),
        ("et", "est", "", "Estonian"), ("ca", "cat", "", "Catalan"), ("eu", "baq", "eus", "Basque"),
        ("gl", "glg", "", "Galician"), ("is", "ice", "isl", "Icelandic"), ("ga", "gle", "", "Irish"),
        ("cy", "wel", "cym", "Welsh"), ("sq", "alb", "sqi", "Albanian"), ("hy", "arm", "hye", "Armenian"),
        ("ka", "geo", "kat", "Georgian"), ("mk", "mac", "mkd", "Macedonian"), ("mi", "mao", "mri", "Maori"),
        ("bo", "tib", "bod", "Tibetan"), ("be", "bel", "", "Belarusian"), ("mn", "mon", "", "Mongolian"),
        ("lo", "lao", "", "Lao"), ("mt", "mlt", "", "Maltese"), ("lb", "ltz", "", "Luxembourgish"),
        ("yi", "yid", "", "Yiddish"), ("la", "lat", "", "Latin"), ("eo", "epo", "", "Esperanto"),
        ("ht", "hat", "", "Haitian Creole"), ("mg", "mlg", "", "Malagasy"), ("rw", "kin", "", "Kinyarwanda"),
        ("sn", "sna", "", "Shona"), ("tg", "tgk", "", "Tajik"), ("tk", "tuk", "", "Turkmen"),
        ("ky", "kir", "", "Kyrgyz"), ("tt", "tat", "", "Tatar"), ("ug", "uig", "", "Uyghur"),
        ("sd", "snd", "", "Sindhi"), ("as", "asm", "", "Assamese"), ("", "yue", "", "Cantonese"),
    ]

    private static let index: [String: Int] = {
        var map: [String: Int] = [:]
        for (i, entry) in table.enumerated() {
            for code in entry.codes where map[code] == nil { map[code] = i }
            let name = entry.name.lowercased()
            if map[name] == nil { map[name] = i }
        }
        return map
    }()

    /// The entry for a code in any of the three forms, or an English name; case-insensitive. A regional suffix
    /// (`en-US`, `pt_BR`) is ignored.
    public static func entry(for code: String) -> Entry? {
        index[normalizedKey(code)].map { table[$0] }
    }

    /// Whether two language codes (any form) name the same language. Unknown codes compare as lowercase text.
    public static func matches(_ a: String, _ b: String) -> Bool {
        let ka = normalizedKey(a)
        let kb = normalizedKey(b)
        if ka.isEmpty || kb.isEmpty { return false }
        if ka == kb { return true }
        guard let ia = index[ka], let ib = index[kb] else { return false }
        return ia == ib
    }

    static func normalizedKey(_ code: String) -> String {
        var key = code.trimmingSpaces.lowercased()
        if let cut = key.firstIndex(where: { $0 == "-" || $0 == "_" }) { key = String(key[..<cut]) }
        return key
    }
}
