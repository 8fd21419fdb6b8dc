import Foundation

/// One word of text on the media timeline, as the merger and shaper see it.
struct Token: Sendable, Hashable {
    /// The word as written in the segment text, punctuation included.
    var text: String
    var start: Milliseconds
    var end: Milliseconds
    var speaker: String?
    /// A number unique to the source segment across all chunks.
    var segment: Int
    /// Index of the source chunk in offset order.
    var chunk: Int
    /// Whether the time came from the model's word timestamp (rather than shared out over speech or characters).
    var isTimed: Bool
    /// The word's comparison key (letters and digits, folded).
    let key: String

    init(text: String, start: Milliseconds, end: Milliseconds, speaker: String?, segment: Int, chunk: Int, isTimed: Bool) {
        self.text = text
        self.start = start
        self.end = end
        self.speaker = speaker
        self.segment = segment
        self.chunk = chunk
        self.isTimed = isTimed
        self.key = TextNormalizer.key(text)
    }

    var midpoint: Milliseconds { start + (end - start) / 2 }
    /// The key, or the text itself for words without letters or digits ("&", "—").
    var matchKey: String { key.isEmpty ? text : key }
}

/// Turns segments into timed tokens.
enum Tokenizer {
    /// The segment's words with media-timeline times: word timestamps where they match the text, the
    /// segment's time shared by characters elsewhere. Times are clamped to `[lowerBound, upperBound]`.
    static func tokens(
        of segment: TranscriptSegment,
        offset: Milliseconds,
        lowerBound: Milliseconds,
        upperBound: Milliseconds,
        segmentID: Int,
        chunk: Int
    ) -> [Token] {
        let texts = segment.text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !texts.isEmpty else { return [] }
        func clamp(_ value: Milliseconds) -> Milliseconds {
            min(max(value &+ offset, lowerBound), max(lowerBound, upperBound))
        }
        let segmentStart = clamp(segment.start)
        let segmentEnd = max(segmentStart, clamp(segment.end))
        let words = segment.words.map { word -> TranscriptWord in
            let start = clamp(word.start)
            return TranscriptWord(text: word.text, start: start, end: max(start, clamp(word.end)))
        }
        var spans = align(texts, to: words)
        interpolate(&spans, texts: texts, start: segmentStart, end: segmentEnd)
        var result: [Token] = []
        result.reserveCapacity(texts.count)
        for (index, text) in texts.enumerated() {
            let span = spans[index]!
            result.append(
                Token(
                    text: text, start: span.start, end: span.end, speaker: segment.speaker,
                    segment: segmentID, chunk: chunk, isTimed: span.timed && !segment.hasEstimatedWords
                )
            )
        }
        makeMonotonic(&result)
        return result
    }

    struct Span { var start: Milliseconds; var end: Milliseconds; var timed: Bool }

    /// Matches text words to timed words by their letters and digits. Handles a text word made of several
    /// timed words ("don't" / "don", "'t"), a timed word spread over several text words, and skips over
    /// words that differ ("$5" / "five dollars").
    static func align(_ texts: [String], to words: [TranscriptWord]) -> [Span?] {
        var result = [Span?](repeating: nil, count: texts.count)
        guard !words.isEmpty else { return result }
        let tk = texts.map(TextNormalizer.key)
        let wk = words.map { TextNormalizer.key($0.text) }
        var i = 0
        var j = 0
        while i < texts.count, j < words.count {
            if tk[i].isEmpty { i += 1; continue }
            if wk[j].isEmpty { j += 1; continue }
            if tk[i] == wk[j] {
                result[i] = Span(start: words[j].start, end: words[j].end, timed: true)
                i += 1; j += 1
                continue
            }
            if tk[i].hasPrefix(wk[j]) {
                var joined = wk[j]
                var m = j
                while joined.count < tk[i].count, m + 1 < words.count, tk[i].hasPrefix(joined + wk[m + 1]) {
                    m += 1
                    joined += wk[m]
                }
                if joined == tk[i] {
                    result[i] = Span(start: words[j].start, end: words[m].end, timed: true)
                    i += 1; j = m + 1
                    continue
                }
            }
            if wk[j].hasPrefix(tk[i]) {
                var joined = tk[i]
                var n = i
                while joined.count < wk[j].count, n + 1 < texts.count, wk[j].hasPrefix(joined + tk[n + 1]) {
                    n += 1
                    joined += tk[n]
                }
                if joined == wk[j] {
                    let shares = share(words[j].start, words[j].end, lengths: texts[i...n].map(\.count))
                    for (k, span) in shares.enumerated() {
                        result[i + k] = Span(start: span.0, end: span.1, timed: true)
                    }
                    i = n + 1; j += 1
                    continue
                }
            }
            // Resynchronise on the nearest pair of equal words.
            var found: (Int, Int)?
            search: for distance in 1...12 {
                for a in 0...distance {
                    let b = distance - a
                    if i + a < texts.count, j + b < words.count, !tk[i + a].isEmpty, tk[i + a] == wk[j + b] {
                        found = (a, b)
                        break search
                    }
                }
            }
            if let (a, b) = found {
                i += a; j += b
            } else {
                i += 1; j += 1
            }
        }
        return result
    }

    /// Fills the gaps between timed words by sharing the free time by characters.
    static func interpolate(_ spans: inout [Span?], texts: [String], start: Milliseconds, end: Milliseconds) {
        var index = 0
        while index < spans.count {
            if spans[index] != nil { index += 1; continue }
            var last = index
            while last + 1 < spans.count, spans[last + 1] == nil { last += 1 }
            let lower = index > 0 ? spans[index - 1]!.end : start
            let upper = last + 1 < spans.count ? spans[last + 1]!.start : max(end, lower)
            let shares = share(lower, max(lower, upper), lengths: texts[index...last].map(\.count))
            for (k, span) in shares.enumerated() {
                spans[index + k] = Span(start: span.0, end: span.1, timed: false)
            }
            index = last + 1
        }
    }

    /// Splits `[start, end]` among words by their lengths (plus one for the space between words).
    static func share(_ start: Milliseconds, _ end: Milliseconds, lengths: [Int]) -> [(Milliseconds, Milliseconds)] {
        let total = Int64(lengths.reduce(0) { $0 + $1 + 1 } - 1)
        let span = max(0, end - start)
        guard total > 0 else { return lengths.map { _ in (start, end) } }
        var result: [(Milliseconds, Milliseconds)] = []
        var position: Int64 = 0
        for length in lengths {
            let wordStart = start + span * position / total
            position += Int64(length)
            let wordEnd = start + span * position / total
            result.append((wordStart, max(wordStart, wordEnd)))
            position += 1
        }
        return result
    }

    /// Starts never go back; a word ends no later than the next one starts, and never before it starts.
    static func makeMonotonic(_ tokens: inout [Token]) {
        guard !tokens.isEmpty else { return }
        for index in tokens.indices {
            if index > 0, tokens[index].start < tokens[index - 1].start {
                tokens[index].start = tokens[index - 1].start
            }
            if tokens[index].end < tokens[index].start { tokens[index].end = tokens[index].start }
        }
        for index in tokens.indices.dropLast() where tokens[index].end > tokens[index + 1].start {
            tokens[index].end = max(tokens[index].start, tokens[index + 1].start)
        }
    }
}
