import Foundation

/// Where text may be broken, for cues and for lines. English word lists; other languages rely on punctuation.
enum TextRules {
    static let sentenceEnders: Set<Character> = [".", "!", "?", "…", "。", "！", "？", "‼", "⁉"]
    static let clauseEnders: Set<Character> = [",", ";", ":", "—", "–", "，", "、", "；", "：", ")"]
    static let closers: Set<Character> = ["\"", "'", "”", "’", ")", "]", "»", "」", "』", "*"]

    static let abbreviations: Set<String> = [
        "mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "prof.", "vs.", "etc.", "e.g.", "i.e.", "no.", "mt.",
        "capt.", "col.", "gen.", "lt.", "sgt.", "u.s.", "a.m.", "p.m.",
    ]

    static let conjunctions: Set<String> = [
        "and", "but", "or", "nor", "so", "yet", "because", "although", "though", "while", "if", "unless", "until",
        "when", "whenever", "where", "wherever", "whereas", "since", "that", "which", "who", "whom", "whose", "as",
        "than", "then", "once", "whether", "however", "therefore",
    ]

    static let prepositions: Set<String> = [
        "about", "above", "across", "after", "against", "along", "among", "around", "at", "before", "behind",
        "below", "beneath", "beside", "besides", "between", "beyond", "by", "despite", "down", "during", "except",
        "for", "from", "in", "inside", "into", "like", "near", "of", "off", "on", "onto", "out", "outside", "over",
        "past", "through", "throughout", "to", "toward", "towards", "under", "underneath", "up", "upon", "with",
        "within", "without",
    ]

    /// Words that must stay with the word after them (article/determiner + noun).
    static let determiners: Set<String> = [
        "a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their",
        "some", "any", "no", "every", "each", "either", "neither", "another", "such", "mr.", "mrs.", "ms.", "dr.",
        "st.", "prof.", "very", "too", "more", "most", "much", "many", "few", "several",
    ]

    /// Words that should stay with the verb after them (subject pronoun, auxiliary, negation, infinitive `to`).
    static let verbBinders: Set<String> = [
        "i", "you", "he", "she", "it", "we", "they", "not", "will", "would", "can", "could", "shall", "should",
        "may", "might", "must", "do", "does", "did", "don't", "doesn't", "didn't", "won't", "can't", "cannot",
        "wouldn't", "couldn't", "shouldn't", "isn't", "aren't", "wasn't", "weren't", "am", "is", "are", "was",
        "were", "be", "been", "have", "has", "had", "i'm", "you're", "we're", "they're", "he's", "she's", "it's",
        "i've", "you've", "we've", "they've", "i'll", "you'll", "we'll", "they'll", "i'd", "you'd", "we'd",
        "they'd", "let's", "to",
    ]

    static func stripClosers(_ word: String) -> Substring {
        var result = Substring(word)
        while let last = result.last, closers.contains(last), result.count > 1 { result.removeLast() }
        return result
    }

    /// Whether the word ends a sentence (`.`, `!`, `?`, `…`), not counting abbreviations and initials.
    static func endsSentence(_ word: String) -> Bool {
        let core = stripClosers(word)
        guard let last = core.last, sentenceEnders.contains(last) else { return false }
        if last == "." {
            let lower = core.lowercased()
            if abbreviations.contains(lower) { return false }
            // An initial such as "J." (one letter and a dot).
            if core.count == 2, core.first?.isLetter == true, core.first?.isUppercase == true { return false }
        }
        return true
    }

    /// Whether the word ends a clause (`,` `;` `:` dash).
    static func endsClause(_ word: String) -> Bool {
        if word == "-" || word == "—" || word == "–" { return true }
        guard let last = stripClosers(word).last else { return false }
        return clauseEnders.contains(last) || last == "\u{2026}"
    }

    static func bare(_ word: String) -> String {
        String(word.lowercased().trimmingCharacters(in: CharacterSetLite.edgePunctuation))
    }

    static func startsUppercase(_ word: String) -> Bool {
        word.first(where: { $0.isLetter })?.isUppercase ?? false
    }

    /// The cost of breaking between `before` and `after` (lower is better): 0 after a sentence end, 1.5 after
    /// clause punctuation, 3 before a conjunction or preposition, 6 elsewhere, 30 after an article or inside a
    /// capitalised name. A pause between the words makes any break cheaper.
    static func breakCost(
        before: String, after: String, beforeStartsSentence: Bool, pause: Milliseconds, segmentBoundary: Bool
    ) -> Double {
        var cost: Double
        if endsSentence(before) {
            cost = 0
        } else if endsClause(before) {
            cost = 1.5
        } else {
            let next = bare(after)
            let previous = bare(before)
            cost = 6
            if conjunctions.contains(next) { cost = 3 } else if prepositions.contains(next) { cost = 3.5 }
            if verbBinders.contains(previous) { cost = max(cost, 10) }
            if determiners.contains(previous) || determiners.contains(before.lowercased()) { cost = 30 }
            if startsUppercase(before), startsUppercase(after), !beforeStartsSentence, previous != "i" {
                cost = 30
            }
            if TextNormalizer.key(after).isEmpty { cost = max(cost, 20) }
        }
        if segmentBoundary { cost -= 1 }
        cost -= Double(min(max(pause, 0), 1500)) / 500
        return max(0, cost)
    }
}

/// Small character sets without bridging to NSCharacterSet for each call.
enum CharacterSetLite {
    static let edgePunctuation: CharacterSet = {
        var set = CharacterSet.punctuationCharacters
        set.formUnion(.symbols)
        set.remove(charactersIn: "'’")
        return set
    }()
}
