import Foundation
import OpenAIAudio
import Subtitles

/// Why an answer to a translation batch was rejected.
public struct AnswerProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The rule the answer broke.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The content is not the JSON object asked for.
        case invalidJSON = "invalid-json"
        /// The ids differ from the batch's: cues missing, merged, invented or out of order.
        case cueMismatch = "cue-mismatch"
        /// A cue's text is empty where the source had text.
        case emptyText = "empty-text"
        /// A cue was left in the source language.
        case untranslated
        /// A cue lost its markup (`<i>`, `{\an8}` …) or its speaker dashes.
        case markupLost = "markup-lost"
        /// The answer was cut off (`finish_reason: length`).
        case truncated
        /// The model refused, or the provider's filter withheld the answer.
        case refused
    }

    /// The rule broken.
    public var kind: Kind
    /// The cue at fault, when one is.
    public var cueID: Int?
    /// What was wrong, in a few words.
    public var detail: String

    /// Creates a problem.
    public init(_ kind: Kind, cueID: Int? = nil, detail: String) {
        self.kind = kind
        self.cueID = cueID
        self.detail = detail
    }

    /// One line, e.g. `cue 4: left in English`.
    public var description: String { (cueID.map { "cue \($0): " } ?? "") + detail }
}

/// The checks every answer goes through before it is accepted.
enum TranslationCheck {
    /// An answer checked: its texts, or the first rule it breaks.
    enum Verdict: Sendable, Hashable {
        case accepted([String])
        case rejected(AnswerProblem)
    }

    /// The answer's texts in the batch's order, or the first rule it breaks.
    static func accept(
        _ completion: ChatCompletion, for batch: [WireCue], options: TranslationOptions
    ) -> Verdict {
        if let refusal = completion.refusal, !refusal.isEmpty {
            return .rejected(AnswerProblem(.refused, detail: "the model refused: \(refusal.prefix(120))"))
        }
        if completion.finishReason == .contentFilter {
            return .rejected(AnswerProblem(.refused, detail: "the provider's content filter withheld the answer"))
        }
        if completion.finishReason == .length {
            return .rejected(AnswerProblem(.truncated, detail: "the answer was cut off at its token limit"))
        }
        guard let cues = TranslationContract.cues(inAnswer: completion.content) else {
            let start = completion.content.prefix(60).split(whereSeparator: \.isNewline).joined(separator: " ")
            return .rejected(AnswerProblem(.invalidJSON, detail: "the answer is not a JSON object {\"cues\": […]}"
                + (start.isEmpty ? " (it was empty)" : " (it began: \(start))")))
        }
        let expected = batch.map(\.id)
        let got = cues.map(\.id)
        if got != expected {
            return .rejected(AnswerProblem(.cueMismatch, detail: mismatch(expected: expected, got: got)))
        }
        var texts: [String] = []
        for (source, answer) in zip(batch, cues) {
            let text = answer.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let problem = problem(source: source, answer: text, options: options) { return .rejected(problem) }
            texts.append(text)
        }
        return .accepted(texts)
    }

    /// How the answer's ids differ from the batch's, in one phrase.
    static func mismatch(expected: [Int], got: [Int]) -> String {
        let missing = expected.filter { !got.contains($0) }
        let invented = got.filter { !expected.contains($0) }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("ids \(list(missing)) missing") }
        if !invented.isEmpty { parts.append("ids \(list(invented)) not in the batch") }
        if Set(got).count != got.count { parts.append("ids repeated") }
        if parts.isEmpty { parts.append("ids out of order") }
        return "expected \(expected.count) cues with ids \(list(expected)), got \(got.count): "
            + parts.joined(separator: ", ")
    }

    private static func list(_ ids: [Int]) -> String { ids.map(String.init).joined(separator: ",") }

    /// The first rule one cue's translation breaks, or nil.
    static func problem(source: WireCue, answer: String, options: TranslationOptions) -> AnswerProblem? {
        let sourceText = source.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if answer.isEmpty, !sourceText.isEmpty {
            return AnswerProblem(.emptyText, cueID: source.id, detail: "empty translation")
        }
        if let language = options.sourceLanguage?.lowercased(), language != options.targetLanguage.lowercased(),
           isIn(language, answer) {
            return AnswerProblem(.untranslated, cueID: source.id,
                                 detail: "left in \(TranslationContract.languageName(language))")
        }
        if markup(in: sourceText) != markup(in: answer) {
            return AnswerProblem(.markupLost, cueID: source.id, detail: "markup \(markup(in: sourceText)) not kept")
        }
        let dashes = speakerDashes(in: sourceText)
        if dashes > 0, speakerDashes(in: answer) != dashes {
            return AnswerProblem(.markupLost, cueID: source.id,
                                 detail: "\(dashes) speaker dash\(dashes == 1 ? "" : "es") not kept")
        }
        return nil
    }

    /// Whether the offline check says `text` is in `language`: decided only for texts of three words or more, in a
    /// language the check knows, so names, numbers and short answers identical by nature pass.
    static func isIn(_ language: String, _ text: String) -> Bool {
        let words = text.split(whereSeparator: { !$0.isLetter && $0 != "'" }).count
        guard words >= 3 else { return false }
        switch TextLanguage.englishVerdict(for: text) {
        case .english: return language == "en"
        case .other(let code): return code == language
        case .undecided: return false
        }
    }

    /// The markup tags of a text (`<i>`, `</i>`, `{\an8}` …), lower-cased and sorted.
    static func markup(in text: String) -> [String] {
        var tags: [String] = []
        var current: String?
        var closer: Character = ">"
        for character in text {
            if current == nil, character == "<" || character == "{" {
                current = String(character)
                closer = character == "<" ? ">" : "}"
            } else if var tag = current {
                tag.append(character)
                current = tag
                if character == closer {
                    if tag.count > 2 { tags.append(tag.lowercased()) }
                    current = nil
                } else if tag.count > 40 {
                    current = nil
                }
            }
        }
        return tags.sorted()
    }

    /// How many speaker turns a text marks with a leading dash (see ``TranslatedLines/turnStarts(in:)``).
    static func speakerDashes(in text: String) -> Int {
        TranslatedLines.turnStarts(in: Array(text)).count
    }
}
