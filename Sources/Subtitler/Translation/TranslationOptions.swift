import Foundation
import OpenAIAudio
import Subtitles
import SubtitlerSupport

/// How a translation addresses the viewer, where the target language has the distinction (du/Sie, tú/usted).
public enum Formality: String, Sendable, Hashable, Codable, CaseIterable {
    /// The polite form.
    case formal
    /// The familiar form.
    case informal
}

/// Fixed translations of names and terms, kept the same in every batch.
public struct Glossary: Sendable, Hashable, Codable {
    /// One term and how it is translated.
    public struct Entry: Sendable, Hashable, Codable {
        /// The term as the source says it.
        public var term: String
        /// Its translation.
        public var translation: String

        /// Creates an entry.
        public init(term: String, translation: String) {
            self.term = term
            self.translation = translation
        }
    }

    /// The entries, in the file's order.
    public var entries: [Entry]

    /// The most entries a glossary may hold: all of them go into every request's instructions.
    public static let maximumEntries = 500

    /// Creates a glossary.
    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// A glossary problem: the line and why it cannot be read.
    public struct ParseProblem: Error, Sendable, Hashable, CustomStringConvertible {
        /// The 1-based line.
        public var line: Int
        /// Why.
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Reads a TSV glossary: one `term<TAB>translation` per line; blank lines and lines starting with `#` are
    /// skipped.
    /// - Throws: ``ParseProblem`` naming the first line that is not two non-empty fields, or past the limit.
    public init(tsv text: String) throws(ParseProblem) {
        var entries: [Entry] = []
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = raw.split(separator: "\t", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw ParseProblem(line: index + 1, reason: "expected a term and its translation separated by one tab")
            }
            entries.append(Entry(term: fields[0], translation: fields[1]))
            guard entries.count <= Self.maximumEntries else {
                throw ParseProblem(line: index + 1, reason: "more than \(Self.maximumEntries) entries")
            }
        }
        self.entries = entries
    }
}

/// What a translation of cues through a chat model needs: the languages, the model, the context and the limits.
public struct TranslationOptions: Sendable, Hashable {
    /// The source language (ISO 639-1), or nil when unknown (the model is then told to detect it, and the check for
    /// answers left in the source language is off).
    public var sourceLanguage: String?
    /// The target language (ISO 639-1 or a language name the model knows).
    public var targetLanguage: String
    /// The chat model (default ``ChatModel/defaultName``).
    public var model: String
    /// The programme's context (title, genre, speakers), given to the model with the instructions.
    public var context: String?
    /// Names and terms with fixed translations.
    public var glossary: Glossary
    /// How to address the viewer; nil leaves it to the model.
    public var formality: Formality?
    /// The most cues in one request (1...100, default 12).
    public var maxBatchCues: Int
    /// A gap at least this long between two cues is a scene change: batches are cut there first (default 4 s).
    public var sceneGap: Milliseconds
    /// How many already translated cues before a batch are sent with it as context (0...50, default 6).
    public var contextCues: Int
    /// How many requests may be in flight at once (1...32, default 4): the programme is cut into that many
    /// stretches, each translated in order so that its batches see their translated neighbours.
    public var concurrency: Int
    /// Whether cues that still fail after every re-ask and split are left untranslated (reported) instead of
    /// failing the whole translation.
    public var allowsGaps: Bool
    /// The reading rules the translation is re-broken to and checked against.
    public var style: StyleProfile
    /// Whether answers are read from and stored in the resume cache.
    public var usesCache: Bool
    /// The sampling temperature; nil leaves the server's default.
    public var temperature: Double?

    /// Creates options for translating into `targetLanguage`.
    public init(
        targetLanguage: String, sourceLanguage: String? = nil, model: String = ChatModel.defaultName,
        context: String? = nil, glossary: Glossary = Glossary(), formality: Formality? = nil, maxBatchCues: Int = 12,
        sceneGap: Milliseconds = 4_000, contextCues: Int = 6, concurrency: Int = 4, allowsGaps: Bool = false,
        style: StyleProfile = .netflix, usesCache: Bool = true, temperature: Double? = 0
    ) {
        self.targetLanguage = targetLanguage
        self.sourceLanguage = sourceLanguage
        self.model = model
        self.context = context
        self.glossary = glossary
        self.formality = formality
        self.maxBatchCues = maxBatchCues
        self.sceneGap = sceneGap
        self.contextCues = contextCues
        self.concurrency = concurrency
        self.allowsGaps = allowsGaps
        self.style = style
        self.usesCache = usesCache
        self.temperature = temperature
    }

    /// The first setting out of range, or nil.
    public var problem: SettingProblem? {
        if targetLanguage.trimmingCharacters(in: .whitespaces).isEmpty {
            return SettingProblem("targetLanguage", "targetLanguage must not be empty")
        }
        if model.trimmingCharacters(in: .whitespaces).isEmpty { return SettingProblem("model", "model must not be empty") }
        if !(1...100).contains(maxBatchCues) {
            return SettingProblem("maxBatchCues", "maxBatchCues \(maxBatchCues) is out of range 1...100")
        }
        if !(0...50).contains(contextCues) {
            return SettingProblem("contextCues", "contextCues \(contextCues) is out of range 0...50")
        }
        if !(1...32).contains(concurrency) {
            return SettingProblem("concurrency", "concurrency \(concurrency) is out of range 1...32")
        }
        if sceneGap < 0 { return SettingProblem("sceneGap", "sceneGap \(sceneGap) must not be negative") }
        if let context, context.count > 2_000 {
            return SettingProblem("context", "context is \(context.count) characters, over the limit of 2000")
        }
        if let problem = style.problem { return problem.nested(in: "style") }
        return nil
    }
}
