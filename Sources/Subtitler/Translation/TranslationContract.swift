import Foundation
import OpenAIAudio
import Subtitles

/// One cue as the translation wire carries it: `{"id": 1, "text": "…"}`.
public struct WireCue: Sendable, Hashable, Codable {
    /// The cue's number in the programme, from 1.
    public var id: Int
    /// The text; lines are separated by `\n`, a speaker's turn starts with `- `.
    public var text: String

    /// Creates a wire cue.
    public init(id: Int, text: String) {
        self.id = id
        self.text = text
    }
}

/// The fixed wire contract of a translation request, which other tools and the tests rely on.
///
/// Each request sends one batch. The system message holds the instructions (source and target language, the
/// programme's context, the glossary, the reading rules); earlier user/assistant messages may hold already
/// translated neighbours as context; the **last user message is exactly** `{"cues": [{"id": 1, "text": "…"}, …]}`.
/// The answer's content must be an object of the same shape, which ``schema`` describes.
public enum TranslationContract {
    /// The batch object on the wire.
    struct Batch: Codable {
        var cues: [WireCue]
    }

    /// The JSON schema the answer must match: `{"cues": [{"id": integer, "text": string}]}`, nothing else.
    public static let schema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object([
            "cues": .object([
                "type": .string("array"),
                "items": .object([
                    "type": .string("object"),
                    "properties": .object([
                        "id": .object(["type": .string("integer")]),
                        "text": .object(["type": .string("string")]),
                    ]),
                    "required": .array([.string("id"), .string("text")]),
                    "additionalProperties": .bool(false),
                ]),
            ])
        ]),
        "required": .array([.string("cues")]),
        "additionalProperties": .bool(false),
    ])

    /// The schema's name in `json_schema` requests.
    public static let schemaName = "subtitle_cues"

    /// The JSON text of a batch: `{"cues":[{"id":1,"text":"…"}]}` (compact, keys in the order `id`, `text`).
    public static func json(_ cues: [WireCue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(Batch(cues: cues)) else { return #"{"cues":[]}"# }
        return String(decoding: data, as: UTF8.self)
    }

    /// The cues of an answer's content, or nil when it holds no such object. A Markdown code fence around the object
    /// and text before or after it are tolerated (small models add them); anything else is not.
    public static func cues(inAnswer content: String) -> [WireCue]? {
        guard let open = content.firstIndex(of: "{"), let close = content.lastIndex(of: "}"), open < close else {
            return nil
        }
        let object = content[open...close]
        return try? JSONDecoder().decode(Batch.self, from: Data(object.utf8)).cues
    }

    /// A language's English name for the instructions (`es` → `Spanish`), or the code as given.
    public static func languageName(_ code: String) -> String {
        guard let name = WhisperLanguages.names[code.lowercased()] else { return code }
        return name.prefix(1).uppercased() + name.dropFirst()
    }

    /// The system message: what to translate into what, the rules the answer is checked against, the programme's
    /// context and glossary, and (on a re-ask) why the previous answer was rejected.
    static func instructions(options: TranslationOptions, rejection: AnswerProblem?) -> String {
        let target = languageName(options.targetLanguage)
        let source = options.sourceLanguage.map(languageName)
        var text = "You translate subtitles " + (source.map { "from \($0) " } ?? "") + "into \(target).\n"
        text += """
            The last user message is a JSON object {"cues": [{"id": …, "text": "…"}, …]}. Answer with only a JSON \
            object of the same shape, {"cues": [{"id": …, "text": "…"}, …]}, holding exactly the same ids in the same \
            order and, for each id, the \(target) translation of that cue's text. Never merge, split, drop or add \
            cues; never leave a cue empty\(source.map { " or in \($0)" } ?? "").
            Keep markup such as <i>…</i> or {\\an8} around the words it marks, and keep the "- " that starts a \
            speaker's turn. Names, numbers and words that are the same in both languages may stay as they are.
            Reading rules: subtitles are read while they are spoken; keep each cue short and natural, at most \
            \(options.style.maxCharactersPerLine * options.style.maxLines) characters where the meaning allows.
            """
        switch options.formality {
        case .formal?: text += "\nAddress people with the formal form of address where \(target) has one."
        case .informal?: text += "\nAddress people with the familiar form of address where \(target) has one."
        case nil: break
        }
        if let context = options.context?.trimmingCharacters(in: .whitespacesAndNewlines), !context.isEmpty {
            text += "\nAbout the programme: \(context.split(whereSeparator: \.isNewline).joined(separator: " "))"
        }
        if !options.glossary.entries.isEmpty {
            text += "\nAlways translate these terms this way:"
            for entry in options.glossary.entries { text += "\n\(entry.term) = \(entry.translation)" }
        }
        text += "\nEarlier messages, if any, show cues already translated, for context only: do not translate them again."
        if let rejection {
            text += "\nYour previous answer to this batch was rejected: \(rejection.description). Answer again, "
                + "following every rule."
        }
        return text
    }

    /// The messages of one request: the instructions, the translated neighbours (as one user/assistant pair), and
    /// the batch as the last user message.
    static func messages(
        batch: [WireCue], context: [(source: WireCue, target: WireCue)], options: TranslationOptions,
        rejection: AnswerProblem?
    ) -> [ChatMessage] {
        var messages = [ChatMessage(role: .system, content: instructions(options: options, rejection: rejection))]
        if !context.isEmpty {
            messages.append(ChatMessage(role: .user, content: json(context.map(\.source))))
            messages.append(ChatMessage(role: .assistant, content: json(context.map(\.target))))
        }
        messages.append(ChatMessage(role: .user, content: json(batch)))
        return messages
    }

    /// The answer's token budget for a batch: about twice what its translation should take (three characters a token
    /// for the text, 14 tokens a cue for the JSON around it), at least 64 and at most 4096, so a model that loops is
    /// cut off early.
    static func maxTokens(for batch: [WireCue]) -> Int {
        let estimate = batch.reduce(16) { $0 + 14 + $1.text.utf8.count / 3 }
        return min(4_096, max(64, estimate * 2))
    }
}
