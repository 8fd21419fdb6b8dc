/// Whisper's language names and ISO-639-1 codes, to read `language` whether a server writes
/// `english` (OpenAI) or `en` (faster-whisper-server).
public enum WhisperLanguages {
    /// Code → lowercase name, as Whisper's tokenizer lists them.
    public static let names: [String: String] = [
        "en": "english", "zh": "chinese", "de": "german", "es": "spanish", "ru": "russian", "ko": "korean",
        "fr": "french", "ja": "japanese", "pt": "portuguese", "tr": "turkish", "pl": "polish", "ca": "catalan",
        "nl": "dutch", "ar": "arabic", "sv": "swedish", "it": "italian", "id": "indonesian", "hi": "hindi",
        "fi": "finnish", "vi": "vietnamese", "he": "hebrew", "uk": "ukrainian", "el": "greek", "ms": "malay",
        "cs": "czech", "ro": "romanian", "da": "danish", "hu": "hungarian", "ta": "tamil", "no": "norwegian",
        "th": "thai", "ur": "urdu", "hr": "croatian", "bg": "bulgarian", "lt": "lithuanian", "la": "latin",
        "mi": "maori", "ml": "malayalam", "cy": "welsh", "sk": "slovak", "te": "telugu", "fa": "persian",
        "lv": "latvian", "bn": "bengali", "sr": "serbian", "az": "azerbaijani", "sl": "slovenian", "kn": "kannada",
        "et": "estonian", "mk": "macedonian", "br": "breton", "eu": "basque", "is": "icelandic", "hy": "armenian",
        "ne": "nepali", "mn": "mongolian", "bs": "bosnian", "kk": "kazakh", "sq": "albanian", "sw": "swahili",
        "gl": "galician", "mr": "marathi", "pa": "punjabi", "si": "sinhala", "km": "khmer", "sn": "shona",
        "yo": "yoruba", "so": "somali", "af": "afrikaans", "oc": "occitan", "ka": "georgian", "be": "belarusian",
        "tg": "tajik", "sd": "sindhi", "gu": "gujarati", "am": "amharic", "yi": "yiddish", "lo": "lao",
        "uz": "uzbek", "fo": "faroese", "ht": "haitian creole", "ps": "pashto", "tk": "turkmen", "nn": "nynorsk",
        "mt": "maltese", "sa": "sanskrit", "lb": "luxembourgish", "my": "myanmar", "bo": "tibetan",
        "tl": "tagalog", "mg": "malagasy", "as": "assamese", "tt": "tatar", "haw": "hawaiian", "ln": "lingala",
        "ha": "hausa", "ba": "bashkir", "jw": "javanese", "su": "sundanese", "yue": "cantonese",
    ]

    /// Lowercase name (and a few aliases) → code.
    public static let codes: [String: String] = {
        var map = Dictionary(uniqueKeysWithValues: names.map { ($0.value, $0.key) })
        let aliases = [
            "burmese": "my", "valencian": "ca", "flemish": "nl", "haitian": "ht", "letzeburgesch": "lb",
            "pushto": "ps", "panjabi": "pa", "moldavian": "ro", "moldovan": "ro", "sinhalese": "si",
            "castilian": "es", "mandarin": "zh",
        ]
        map.merge(aliases) { current, _ in current }
        return map
    }()

    /// The ISO code for a language name or code, case-insensitively; `nil` when unknown.
    ///
    /// - Parameter language: `english`, `English`, `en`, `EN` or `en-US`.
    /// - Returns: The code, such as `en`.
    public static func code(for language: String) -> String? {
        let lower = language.lowercased()
        if names[lower] != nil { return lower }
        if let code = codes[lower] { return code }
        if let dash = lower.firstIndex(where: { $0 == "-" || $0 == "_" }) {
            let prefix = String(lower[..<dash])
            if names[prefix] != nil { return prefix }
        }
        return nil
    }
}
