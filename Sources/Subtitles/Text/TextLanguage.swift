import Foundation

/// A quick, offline check of which language a line of text is in, good enough to tell whether a translation came
/// back in English: function-word counts for English and the languages Whisper most often translates from, the
/// share of accented Latin letters, and the writing system.
///
/// ```swift
/// TextLanguage.englishVerdict(for: "Today we talk about the weather.")        // .english
/// TextLanguage.englishVerdict(for: "Heute sprechen wir über das Wetter.")     // .other("de")
/// TextLanguage.englishVerdict(for: "Berlin.")                                 // .undecided
/// ```
///
/// Short lines without function words (names, numbers, one-word answers) are `undecided`: a caller should treat
/// them as acceptable rather than reject them.
public enum TextLanguage {
    /// Whether text is English.
    public enum Verdict: Sendable, Hashable {
        /// English.
        case english
        /// Another language: an ISO 639-1 code when one is recognised, else `und`.
        case other(String)
        /// Too little to tell (names, numbers, a word or two).
        case undecided
    }

    /// Whether `text` is English.
    public static func englishVerdict(for text: String) -> Verdict {
        let profile = Profile(text)
        if profile.letters == 0 { return .undecided }
        if let script = profile.dominantScript { return .other(script) }
        let english = profile.hits["en", default: 0]
        let (other, otherHits) = profile.bestNonEnglish
        let accented = Double(profile.accentedLatin) / Double(profile.latinLetters == 0 ? 1 : profile.latinLetters)
        if english >= 2, english > otherHits { return .english }
        if otherHits >= 2, otherHits > english { return .other(other) }
        if accented >= 0.03, otherHits > 0 || profile.words >= 5, english <= otherHits || english < 2 {
            return .other(otherHits > 0 ? other : (profile.accentLanguage ?? "und"))
        }
        if english == 1, otherHits == 0 { return .english }
        if otherHits == 1, english == 0, profile.words >= 2 { return .other(other) }
        return .undecided
    }

    /// Counts of one text.
    struct Profile {
        var letters = 0
        var latinLetters = 0
        var accentedLatin = 0
        var words = 0
        var hits: [String: Int] = [:]
        var scripts: [String: Int] = [:]
        var accentVotes: [String: Int] = [:]

        init(_ text: String) {
            var word = ""
            func flush() {
                guard !word.isEmpty else { return }
                words += 1
                for (language, list) in TextLanguage.functionWords where list.contains(word) {
                    hits[language, default: 0] += 1
                }
                word = ""
            }
            for character in text.lowercased() {
                if character.isLetter {
                    letters += 1
                    if let script = TextLanguage.script(of: character) {
                        scripts[script, default: 0] += 1
                    } else {
                        latinLetters += 1
                        if !character.isASCII {
                            accentedLatin += 1
                            if let language = TextLanguage.accentHints[character] { accentVotes[language, default: 0] += 1 }
                        }
                    }
                    word.append(character)
                } else if character == "'" || character == "’", !word.isEmpty {
                    word.append("'")
                } else {
                    flush()
                }
            }
            flush()
        }

        /// A non-Latin writing system holding most of the letters, as a language code.
        var dominantScript: String? {
            guard let (script, count) = scripts.max(by: { $0.value < $1.value }), count * 2 > letters else { return nil }
            return script
        }

        /// The non-English language with the most function-word hits (ties by name), and its count.
        var bestNonEnglish: (String, Int) {
            let best = hits.filter { $0.key != "en" }.max { ($0.value, $1.key) < ($1.value, $0.key) }
            return best.map { ($0.key, $0.value) } ?? ("und", 0)
        }

        var accentLanguage: String? { accentVotes.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key }
    }

    /// The language (or script) code of a non-Latin letter, or nil for Latin letters.
    static func script(of character: Character) -> String? {
        guard let scalar = character.unicodeScalars.first else { return nil }
        switch scalar.value {
        case 0x0000...0x024F, 0x1E00...0x1EFF: return nil  // Latin
        case 0x0370...0x03FF: return "el"
        case 0x0400...0x052F: return "ru"
        case 0x0530...0x058F: return "hy"
        case 0x0590...0x05FF: return "he"
        case 0x0600...0x06FF, 0x0750...0x077F: return "ar"
        case 0x0900...0x097F: return "hi"
        case 0x0980...0x09FF: return "bn"
        case 0x0E00...0x0E7F: return "th"
        case 0x10A0...0x10FF: return "ka"
        case 0x3040...0x30FF: return "ja"
        case 0x1100...0x11FF, 0xAC00...0xD7AF: return "ko"
        case 0x4E00...0x9FFF, 0x3400...0x4DBF: return "zh"
        default: return "und"
        }
    }

    /// Accented letters that point to one language more than others.
    static let accentHints: [Character: String] = [
        "ß": "de", "ä": "de", "ö": "de", "ü": "de", "ñ": "es", "á": "es", "í": "es", "ó": "es", "ú": "es",
        "é": "fr", "è": "fr", "ê": "fr", "à": "fr", "ç": "fr", "ë": "fr", "î": "fr", "ô": "fr", "û": "fr",
        "ã": "pt", "õ": "pt", "â": "pt", "ò": "it", "ì": "it", "ù": "it", "å": "sv", "ø": "da", "æ": "da",
        "ł": "pl", "ś": "pl", "ż": "pl", "ź": "pl", "ę": "pl", "ą": "pl", "ń": "pl", "ř": "cs", "ů": "cs",
        "ě": "cs", "č": "cs", "š": "cs", "ž": "cs", "ğ": "tr", "ş": "tr", "ı": "tr", "ő": "hu", "ű": "hu",
        "ă": "ro", "ș": "ro", "ț": "ro", "ơ": "vi", "ư": "vi", "đ": "vi",
    ]

    /// Common function words (articles, pronouns, prepositions, conjunctions, auxiliaries) per language.
    static let functionWords: [String: Set<String>] = [
        "en": [
            "the", "and", "of", "to", "is", "are", "was", "were", "be", "been", "being", "that", "this", "these",
            "those", "it", "its", "it's", "with", "for", "on", "at", "by", "from", "as", "but", "or", "not", "have",
            "has", "had", "you", "he", "she", "we", "they", "them", "his", "her", "their", "our", "my", "your", "what",
            "which", "who", "when", "where", "why", "how", "there", "here", "would", "could", "should", "can",
            "will", "just", "about", "into", "than", "then", "some", "any", "all", "because", "if", "do", "does",
            "did", "don't", "i'm", "we're", "they're", "can't", "very", "more", "one", "out", "up", "an", "a",
            "in", "so", "also", "no", "i", "me", "us", "him", "thank", "thanks", "today", "tomorrow", "yes",
        ],
        "de": [
            "der", "die", "das", "und", "ist", "nicht", "ein", "eine", "einen", "einem", "einer", "ich", "du", "er",
            "sie", "wir", "ihr", "es", "mit", "auf", "für", "von", "zu", "dem", "den", "des", "im", "ins", "auch",
            "sich", "noch", "nach", "bei", "aus", "wie", "aber", "oder", "wenn", "dass", "sind", "war", "haben",
            "hat", "wird", "werden", "kann", "über", "unter", "heute", "morgen", "schon", "sehr", "nur", "mein",
            "dein", "kein", "keine", "mir", "mich", "dich", "uns", "euch", "ja", "nein", "danke", "bis", "am", "um",
            "so", "also", "in", "an", "was", "gibt",
        ],
        "fr": [
            "le", "la", "les", "un", "une", "des", "du", "de", "et", "est", "sont", "je", "tu", "il", "elle",
            "nous", "vous", "ils", "elles", "ne", "pas", "que", "qui", "dans", "pour", "sur", "avec", "ce", "cette",
            "ces", "mais", "ou", "où", "au", "aux", "son", "sa", "ses", "leur", "mon", "ma", "mes", "on", "été",
            "être", "avoir", "très", "aussi", "merci", "oui", "non", "c'est", "j'ai", "l'", "d'", "qu'", "y", "en",
        ],
        "es": [
            "el", "la", "los", "las", "un", "una", "unos", "unas", "y", "es", "son", "está", "están", "yo", "tú",
            "él", "ella", "nosotros", "ellos", "que", "de", "del", "en", "con", "por", "para", "pero", "como",
            "muy", "también", "no", "sí", "se", "lo", "le", "les", "su", "sus", "mi", "mis", "este", "esta",
            "eso", "gracias", "hoy", "mañana", "hay", "fue", "era", "al", "más", "cuando", "donde",
        ],
        "it": [
            "il", "lo", "la", "gli", "le", "un", "uno", "una", "e", "è", "sono", "io", "tu", "lui", "lei", "noi",
            "voi", "loro", "che", "di", "del", "della", "dei", "delle", "in", "con", "per", "ma", "come", "molto",
            "anche", "non", "sì", "si", "mi", "ti", "ci", "questo", "questa", "quello", "grazie", "oggi", "domani",
            "nel", "nella", "alla", "al", "sul", "più", "quando", "dove",
        ],
        "pt": [
            "o", "a", "os", "as", "um", "uma", "e", "é", "são", "está", "estão", "eu", "tu", "ele", "ela", "nós",
            "eles", "elas", "que", "de", "do", "da", "dos", "das", "em", "no", "na", "nos", "nas", "com", "por",
            "para", "mas", "como", "muito", "também", "não", "sim", "se", "seu", "sua", "meu", "minha", "este",
            "esta", "isso", "obrigado", "obrigada", "hoje", "amanhã", "foi", "mais", "quando", "onde",
        ],
        "nl": [
            "de", "het", "een", "en", "is", "zijn", "was", "waren", "ik", "jij", "je", "hij", "zij", "ze", "wij",
            "we", "jullie", "niet", "dat", "die", "dit", "met", "voor", "op", "van", "aan", "bij", "naar", "uit",
            "maar", "of", "ook", "nog", "heel", "hebben", "heeft", "wordt", "worden", "kan", "mijn", "jouw", "ons",
            "dank", "bedankt", "vandaag", "morgen", "er", "als", "wanneer", "waar", "in",
        ],
        "sv": [
            "och", "är", "att", "det", "den", "en", "ett", "jag", "du", "han", "hon", "vi", "ni", "de", "inte",
            "som", "med", "för", "på", "av", "till", "från", "men", "eller", "också", "har", "hade", "var", "kan",
            "ska", "min", "din", "vår", "tack", "idag", "i", "om", "när", "här", "där",
        ],
        "da": [
            "og", "er", "at", "det", "den", "en", "et", "jeg", "du", "han", "hun", "vi", "de", "ikke", "som", "med",
            "for", "på", "af", "til", "fra", "men", "eller", "også", "har", "havde", "var", "kan", "skal", "min",
            "din", "vores", "tak", "i", "dag", "når", "her", "der",
        ],
        "pl": [
            "i", "w", "na", "z", "że", "nie", "to", "jest", "są", "się", "jak", "ale", "co", "do", "od", "po",
            "dla", "ja", "ty", "on", "ona", "my", "wy", "oni", "ten", "ta", "te", "był", "była", "było", "być",
            "bardzo", "też", "tak", "dziękuję", "dzisiaj", "jutro", "gdzie", "kiedy",
        ],
        "cs": [
            "a", "v", "na", "se", "je", "jsou", "že", "to", "ne", "jak", "ale", "co", "do", "od", "po", "pro", "já",
            "ty", "on", "ona", "my", "vy", "oni", "ten", "ta", "byl", "byla", "bylo", "být", "velmi", "také", "tak",
            "děkuji", "dnes", "zítra", "kde", "kdy", "s", "z",
        ],
        "tr": [
            "ve", "bir", "bu", "da", "de", "için", "ile", "ben", "sen", "o", "biz", "siz", "onlar", "değil", "var",
            "yok", "çok", "ama", "gibi", "ne", "mi", "mı", "daha", "en", "şey", "teşekkürler", "bugün", "yarın",
        ],
        "fi": [
            "ja", "on", "ei", "se", "että", "olen", "olet", "ovat", "oli", "minä", "sinä", "hän", "me", "te", "he",
            "tämä", "tuo", "mutta", "tai", "myös", "kanssa", "kiitos", "tänään", "huomenna", "kun", "niin", "jos",
        ],
        "ro": [
            "și", "este", "sunt", "nu", "că", "în", "la", "cu", "pe", "de", "din", "pentru", "un", "o", "eu", "tu",
            "el", "ea", "noi", "voi", "ei", "dar", "sau", "foarte", "mulțumesc", "astăzi", "mâine", "ce", "care",
        ],
        "id": [
            "dan", "yang", "di", "ke", "dari", "ini", "itu", "dengan", "untuk", "tidak", "ada", "saya", "kamu",
            "dia", "kami", "kita", "mereka", "adalah", "akan", "sudah", "juga", "terima", "kasih", "hari",
        ],
    ]
}
