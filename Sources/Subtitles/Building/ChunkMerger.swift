import Foundation

/// Puts the chunks on the media timeline as one word stream: applies offsets, moves times onto detected speech
/// (``SpeechAligner``), runs the hallucination guard, keeps each word of an overlap from the chunk where it lies
/// farthest from an edge, removes words doubled at a seam, and makes times monotonic.
struct ChunkMerger {
    var hallucinationGuard: HallucinationGuard
    /// The built-in phantom phrases (dropped only where no speech is detected).
    var phrases: PhantomPhraseMatcher
    /// The user's own phantom phrases (dropped wherever they come back).
    var ownPhrases: PhantomPhraseMatcher?
    var speechActivity: SpeechActivity?
    /// The track's language, for the `other-language` rule over doubtful speech.
    var language: String? = nil

    struct Output {
        var tokens: [Token]
        var dropped: [DroppedSegment]
    }

    private struct Placed {
        var lower: Milliseconds
        var upper: Milliseconds
        var tokens: [Token]
    }

    func merge(_ chunks: [TranscriptChunk]) -> Output {
        let ordered = chunks.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }
            .map(\.element)
        let aligner = speechActivity.map(SpeechAligner.init(activity:))
        var dropped: [DroppedSegment] = []
        var placed: [Placed] = []
        var segmentID = 0
        for (chunkIndex, chunk) in ordered.enumerated() {
            let lower = max(0, chunk.offset)
            var upper: Milliseconds
            if chunk.duration > 0 {
                upper = chunk.offset &+ chunk.duration
            } else {
                let latest = chunk.segments.flatMap { [$0.end] + $0.words.map(\.end) }.max() ?? 0
                upper = chunk.offset &+ max(0, latest)
            }
            upper = max(lower, upper)
            var tokens: [Token] = []
            var previousEnd = lower
            for original in chunk.segments {
                segmentID += 1
                let trimmed = original.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { continue }
                var segment = original
                if let aligner {
                    switch aligner.align(original, offset: chunk.offset, notBefore: previousEnd) {
                    case .aligned(let aligned):
                        segment = aligned
                    case .outsideSpeech where hallucinationGuard.dropsTextWithoutSpeech:
                        let mediaStart = min(max(original.start &+ chunk.offset, lower), upper)
                        let mediaEnd = max(mediaStart, min(max(original.end &+ chunk.offset, lower), upper))
                        dropped.append(DroppedSegment(start: mediaStart, end: mediaEnd, text: trimmed,
                                                      rule: DroppedSegment.Rule.outsideSpeech))
                        continue
                    case .outsideSpeech:
                        break
                    }
                }
                let mediaStart = min(max(segment.start &+ chunk.offset, lower), upper)
                let mediaEnd = max(mediaStart, min(max(segment.end &+ chunk.offset, lower), upper))
                if let rule = hallucinationGuard.rule(
                    for: segment, offset: chunk.offset, phrases: phrases, ownPhrases: ownPhrases,
                    speechActivity: speechActivity, language: language
                ) {
                    dropped.append(DroppedSegment(start: mediaStart, end: mediaEnd, text: trimmed, rule: rule))
                    continue
                }
                tokens += Tokenizer.tokens(
                    of: segment, offset: chunk.offset, lowerBound: lower, upperBound: upper,
                    segmentID: segmentID, chunk: chunkIndex
                )
                previousEnd = max(previousEnd, mediaEnd)
            }
            placed.append(Placed(lower: lower, upper: upper, tokens: tokens))
        }
        resolveOverlaps(&placed)
        var stream = placed.flatMap(\.tokens)
        Tokenizer.makeMonotonic(&stream)
        if hallucinationGuard.dropsLoops {
            stream = removeRepeatedSentences(stream, dropped: &dropped)
        }
        dropped.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        return Output(tokens: stream, dropped: dropped)
    }

    /// Resolves each overlap between neighbouring chunks. Words both chunks heard (matched by text, in order,
    /// at nearby times) are kept once, from the chunk where the word lies farther from an edge; words only one
    /// chunk heard are kept when they lie on that chunk's side of the overlap's middle. A run of words doubled
    /// across the seam is then removed.
    private func resolveOverlaps(_ placed: inout [Placed]) {
        guard placed.count > 1 else { return }
        for index in 1..<placed.count where placed[index].lower < placed[index - 1].upper {
            var earlier = placed[index - 1]
            var later = placed[index]
            resolve(&earlier, &later)
            removeSeamDuplicates(&earlier, &later)
            placed[index - 1] = earlier
            placed[index] = later
        }
    }

    private func resolve(_ a: inout Placed, _ b: inout Placed) {
        let lower = b.lower
        let upper = min(a.upper, max(b.upper, b.lower))
        guard upper > lower else { return }
        // Distance from the edge of the own chunk: for a word at t, a's is a.upper - t, b's is t - b.lower.
        let aIndices = a.tokens.indices.filter { a.tokens[$0].midpoint >= lower }
        let bIndices = b.tokens.indices.filter { b.tokens[$0].midpoint <= a.upper }
        let matches = Self.match(aIndices.map { a.tokens[$0] }, bIndices.map { b.tokens[$0] })
        var dropA = Set<Int>()
        var dropB = Set<Int>()
        var matchedA = Set<Int>()
        var matchedB = Set<Int>()
        for (x, y) in matches {
            let ai = aIndices[x]
            let bi = bIndices[y]
            matchedA.insert(ai)
            matchedB.insert(bi)
            let t = (a.tokens[ai].midpoint + b.tokens[bi].midpoint) / 2
            if a.upper - t >= t - b.lower { dropB.insert(bi) } else { dropA.insert(ai) }
        }
        for ai in aIndices where !matchedA.contains(ai) {
            let t = a.tokens[ai].midpoint
            if t >= b.lower, t <= b.upper, t - b.lower > a.upper - t { dropA.insert(ai) }
        }
        for bi in bIndices where !matchedB.contains(bi) {
            let t = b.tokens[bi].midpoint
            if t <= a.upper, a.upper - t >= t - b.lower { dropB.insert(bi) }
        }
        a.tokens = a.tokens.indices.filter { !dropA.contains($0) }.map { a.tokens[$0] }
        b.tokens = b.tokens.indices.filter { !dropB.contains($0) }.map { b.tokens[$0] }
    }

    /// The longest common subsequence of two word runs, pairing words with the same letters and digits whose
    /// midpoints lie within 1.5 s of each other.
    static func match(_ a: [Token], _ b: [Token]) -> [(Int, Int)] {
        guard !a.isEmpty, !b.isEmpty else { return [] }
        // Words without letters or digits ("&", "—") match by their text.
        let aKeys = a.map(\.matchKey)
        let bKeys = b.map(\.matchKey)
        func same(_ i: Int, _ j: Int) -> Bool {
            !aKeys[i].isEmpty && aKeys[i] == bKeys[j] && abs(a[i].midpoint - b[j].midpoint) <= 1500
        }
        let n = a.count
        let m = b.count
        var table = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = same(i, j) ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var result: [(Int, Int)] = []
        var i = 0
        var j = 0
        while i < n, j < m {
            if same(i, j), table[i][j] == table[i + 1][j + 1] + 1 {
                result.append((i, j))
                i += 1
                j += 1
            } else if table[i + 1][j] >= table[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return result
    }

    /// When the last k words of `a` equal the first k of `b` and the two runs overlap in time, they are the
    /// same speech heard twice; keep the copy farther from its chunk's edge.
    private func removeSeamDuplicates(_ a: inout Placed, _ b: inout Placed) {
        let limit = min(8, a.tokens.count, b.tokens.count)
        guard limit > 0 else { return }
        for k in stride(from: limit, through: 1, by: -1) {
            let tail = Array(a.tokens.suffix(k))
            let head = Array(b.tokens.prefix(k))
            guard tail.map(\.matchKey) == head.map(\.matchKey), tail.contains(where: { !$0.key.isEmpty }) else { continue }
            guard head[0].start < tail[k - 1].end else { continue }
            let tailDistance = tail.reduce(Int64(0)) { $0 + max(0, a.upper - $1.midpoint) }
            let headDistance = head.reduce(Int64(0)) { $0 + max(0, $1.midpoint - b.lower) }
            if headDistance > tailDistance {
                a.tokens.removeLast(k)
            } else {
                b.tokens.removeFirst(k)
            }
            return
        }
    }

    /// Drops sentences of three or more words that repeat the sentence just before them.
    private func removeRepeatedSentences(_ tokens: [Token], dropped: inout [DroppedSegment]) -> [Token] {
        var sentences: [Range<Int>] = []
        var begin = 0
        for index in tokens.indices {
            let isLast = index + 1 == tokens.count
            if isLast || TextRules.endsSentence(tokens[index].text) || tokens[index + 1].segment != tokens[index].segment {
                sentences.append(begin..<(index + 1))
                begin = index + 1
            }
        }
        var kept: [Token] = []
        var previousKeys: [String] = []
        for range in sentences {
            let keys = tokens[range].map(\.key).filter { !$0.isEmpty }
            if keys.count >= 3, keys == previousKeys {
                let slice = tokens[range]
                dropped.append(
                    DroppedSegment(
                        start: slice.first!.start, end: slice.last!.end,
                        text: slice.map(\.text).joined(separator: " "), rule: DroppedSegment.Rule.loop
                    )
                )
                continue
            }
            if !keys.isEmpty { previousKeys = keys }
            kept += tokens[range]
        }
        return kept
    }
}
