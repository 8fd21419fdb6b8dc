import Foundation
import Subtitles

/// Breaks a translated cue's text into lines by the target's reading rules: a dialogue cue one line per speaker's
/// turn, anything else one line when it fits, else two lines as even as the words allow (preferring a break after a
/// comma or a sentence's end). Text too long for the rules is still broken in two and left to the linter to report.
enum TranslatedLines {
    /// The lines for `text` under `style`.
    static func lines(for text: String, style: StyleProfile) -> [String] {
        let turns = speakerTurns(in: text)
        if turns.count >= 2 { return turns }
        let flat = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        let characters = Array(flat)
        // Visible characters before each position: markup (`<i>`, `{\an8}`) takes no room on screen.
        var visibleBefore = [0]
        var inMarkup: Character?
        for character in characters {
            var visible = inMarkup == nil
            if inMarkup == nil, character == "<" || character == "{" {
                inMarkup = character == "<" ? ">" : "}"
                visible = false
            } else if character == inMarkup {
                inMarkup = nil
                visible = false
            }
            visibleBefore.append(visibleBefore[visibleBefore.count - 1] + (visible ? 1 : 0))
        }
        let total = visibleBefore[characters.count]
        guard total > style.maxCharactersPerLine, style.maxLines >= 2 else { return flat.isEmpty ? [] : [flat] }
        var best: (index: Int, cost: Double)?
        for index in characters.indices where characters[index] == " " {
            let left = visibleBefore[index]
            let right = total - visibleBefore[index + 1]
            var cost = Double(max(left, right))
            if index > 0, ",;:.?!…".contains(characters[index - 1]) { cost -= 6 }
            if best == nil || cost < best!.cost { best = (index, cost) }
        }
        guard let best else { return [flat] }
        return [String(characters[..<best.index]), String(characters[(best.index + 1)...])]
    }

    /// The speaker turns of a text (each starting with its dash), or the whole text when it marks fewer than two.
    static func speakerTurns(in text: String) -> [String] {
        let characters = Array(text)
        let starts = turnStarts(in: characters)
        guard starts.count >= 2 else { return [text] }
        var turns: [String] = []
        if starts[0] > 0 {
            let lead = String(characters[..<starts[0]]).trimmingCharacters(in: .whitespacesAndNewlines)
            if !lead.isEmpty { turns.append(lead) }
        }
        for (number, start) in starts.enumerated() {
            let end = number + 1 < starts.count ? starts[number + 1] : characters.count
            let turn = String(characters[start..<end]).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            if !turn.isEmpty { turns.append(turn) }
        }
        return turns
    }

    /// Where speaker turns start: a dash (or en dash) followed by a space or a letter, at the text's start, after a
    /// line break, or after a sentence's end and a space.
    static func turnStarts(in characters: [Character]) -> [Int] {
        var starts: [Int] = []
        for index in characters.indices where characters[index] == "-" || characters[index] == "–" {
            let next = index + 1 < characters.count ? characters[index + 1] : " "
            guard next == " " || next.isLetter || next == "¿" || next == "¡" else { continue }
            var back = index - 1
            while back >= 0, characters[back] == " " { back -= 1 }
            if back < 0 || characters[back].isNewline
                || (back < index - 1 && next == " " && ".?!…\"»”".contains(characters[back])) {
                starts.append(index)
            }
        }
        return starts
    }
}
