import Foundation
import SubtitlerSupport

/// Phrases speech models write over silence, music or credits although nobody says them.
///
/// The built-in lists live in `Resources/phantom-phrases/<language>.json` (ISO 639-1 code) plus
/// `common.json` for all languages. Each file holds:
/// - `phrases`: dropped when a segment consists only of them ("Thanks for watching!");
/// - `weakPhrases`: also common in real speech ("Thank you."), dropped only when the segment also looks
///   like non-speech (`no_speech_prob` ≥ 0.3, `avg_logprob` < -0.7, or under half speech in the speech map);
/// - `patterns`: text that marks a credit line nobody speaks ("amara.org"); a sentence containing one counts
///   as phantom.
/// Matching ignores case, diacritics, punctuation and spacing. Add a language by adding a file.
public struct PhantomPhraseList: Sendable, Hashable, Codable {
    /// The ISO 639-1 code, or nil for a language-independent list.
    public var language: String?
    /// Whole-sentence phrases that are always dropped.
    public var phrases: [String]
    /// Whole-sentence phrases dropped only with other evidence of non-speech.
    public var weakPhrases: [String]
    /// Substrings that mark an unspoken credit line.
    public var patterns: [String]

    /// Creates a list.
    public init(language: String? = nil, phrases: [String] = [], weakPhrases: [String] = [], patterns: [String] = []) {
        self.language = language
        self.phrases = phrases
        self.weakPhrases = weakPhrases
        self.patterns = patterns
    }

    /// Reads a list from a JSON file of the same shape as the built-in ones.
    public init(contentsOf url: URL) throws {
        self = try JSONDecoder().decode(PhantomPhraseList.self, from: Data(contentsOf: url))
    }

    private enum CodingKeys: String, CodingKey { case language, phrases, weakPhrases, patterns }

    /// Decodes a list; every key is optional.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        language = try c.decodeIfPresent(String.self, forKey: .language)
        phrases = try c.decodeIfPresent([String].self, forKey: .phrases) ?? []
        weakPhrases = try c.decodeIfPresent([String].self, forKey: .weakPhrases) ?? []
        patterns = try c.decodeIfPresent([String].self, forKey: .patterns) ?? []
    }

    /// The union of two lists (keeps this list's language).
    public func merging(_ other: PhantomPhraseList) -> PhantomPhraseList {
        PhantomPhraseList(
            language: language ?? other.language,
            phrases: phrases + other.phrases,
            weakPhrases: weakPhrases + other.weakPhrases,
            patterns: patterns + other.patterns
        )
    }

    /// The built-in list for `language` (an ISO 639-1 code, or a tag such as `en-US`) merged with the
    /// language-independent list. With no language, every built-in list is merged.
    public static func builtIn(language: String?) -> PhantomPhraseList {
        let catalog = PhantomPhraseCatalog.shared
        var result = catalog.lists["common"] ?? PhantomPhraseList()
        result.language = nil
        if let code = language.map(PhantomPhraseList.languageCode) {
            result.language = code
            if let list = catalog.lists[code] { result = result.merging(list) }
        } else {
            for (key, list) in catalog.lists.sorted(by: { $0.key < $1.key }) where key != "common" {
                result = result.merging(list)
            }
        }
        return result
    }

    /// The languages with a built-in list.
    public static var builtInLanguages: [String] {
        PhantomPhraseCatalog.shared.lists.keys.filter { $0 != "common" }.sorted()
    }

    /// `en-US`, `EN_us`, `en` → `en`.
    static func languageCode(_ tag: String) -> String {
        String(tag.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? "")
    }
}

/// A phantom-phrase list prepared for matching (phrases normalized once).
struct PhantomPhraseMatcher: Sendable {
    private var strong: Set<String>
    private var weak: Set<String>
    private var patterns: [String]

    init(_ list: PhantomPhraseList) {
        strong = Set(list.phrases.map(TextNormalizer.normalize).filter { !$0.isEmpty })
        weak = Set(list.weakPhrases.map(TextNormalizer.normalize).filter { !$0.isEmpty })
        patterns = list.patterns.map(TextNormalizer.normalize).filter { !$0.isEmpty }
    }

    /// Whether `text` has nothing to read at all ("...", "-"): no letters or digits, and no music notes (which
    /// some viewers want).
    static func hasNothingToRead(_ text: String) -> Bool {
        TextNormalizer.normalize(text).isEmpty && !text.contains(where: { "♪♫♬".contains($0) })
    }

    /// Whether `text` consists only of phantom phrases (every sentence matches), or has no letters or digits.
    func matchesWholly(_ text: String, allowingWeakPhrases: Bool) -> Bool {
        let whole = TextNormalizer.normalize(text)
        if whole.isEmpty { return Self.hasNothingToRead(text) }
        if matches(whole, weak: allowingWeakPhrases) { return true }
        let sentences = TextNormalizer.sentences(text).map(TextNormalizer.normalize).filter { !$0.isEmpty }
        guard sentences.count > 1 else { return false }
        return sentences.allSatisfy { matches($0, weak: allowingWeakPhrases) }
    }

    private func matches(_ normalized: String, weak allowWeak: Bool) -> Bool {
        if strong.contains(normalized) { return true }
        if allowWeak, weak.contains(normalized) { return true }
        let padded = " " + normalized + " "
        return patterns.contains { pattern in
            padded.contains(" " + pattern + " ")
                || (pattern.unicodeScalars.contains { $0.value > 0x2E7F } && normalized.contains(pattern))
        }
    }
}

/// Loads the built-in lists once.
struct PhantomPhraseCatalog: Sendable {
    let lists: [String: PhantomPhraseList]

    static let shared = PhantomPhraseCatalog()

    init() {
        var lists: [String: PhantomPhraseList] = [:]
        if let directory = Self.resourceDirectory(),
            let files = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        {
            for file in files where file.pathExtension == "json" {
                guard let list = try? PhantomPhraseList(contentsOf: file) else { continue }
                let key = file.deletingPathExtension().lastPathComponent.lowercased()
                lists[key] = list
            }
        }
        if lists.isEmpty { lists = Self.fallback }
        self.lists = lists
    }

    /// `Resources/phantom-phrases` in this module's resource bundle, or nil.
    static func resourceDirectory() -> URL? {
        BundledResource.url(module: "Subtitles", path: "Resources/phantom-phrases")
    }

    /// A minimal list used only when the resource bundle cannot be found.
    static let fallback: [String: PhantomPhraseList] = [
        "common": PhantomPhraseList(patterns: ["amara.org", "opensubtitles.org"]),
        "en": PhantomPhraseList(
            language: "en",
            phrases: ["Thanks for watching!", "Thank you for watching!", "Please subscribe to my channel."],
            weakPhrases: ["Thank you.", "Bye."]
        ),
    ]
}

/// Text comparison helpers shared by the guard and the merger.
enum TextNormalizer {
    /// Lowercased, diacritics folded, everything but letters and digits turned into single spaces.
    static func normalize(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        var result = ""
        var pendingSpace = false
        for character in folded {
            if character.isLetter || character.isNumber {
                if pendingSpace, !result.isEmpty { result.append(" ") }
                pendingSpace = false
                result.append(character)
            } else {
                pendingSpace = true
            }
        }
        return result
    }

    /// A word's comparison key: letters and digits only, lowercased, diacritics folded.
    static func key(_ word: String) -> String {
        normalize(word).replacingOccurrences(of: " ", with: "")
    }

    /// Splits text after sentence-ending punctuation.
    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            current.append(character)
            let atBoundary = index + 1 == characters.count || characters[index + 1].isWhitespace
            if "。！？".contains(character) || (".!?…".contains(character) && atBoundary) {
                result.append(current)
                current = ""
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { result.append(current) }
        return result
    }
}
