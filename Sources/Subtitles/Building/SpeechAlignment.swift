import Foundation

/// Moves segment and word times onto the detected speech they belong to.
///
/// Speech models place segment edges loosely: servers that return only segments (faster-whisper-server and other
/// "OpenAI-compatible" servers) glue each segment's start to the previous one's end, so starts fall in the pause
/// before the words and ends in the pause after them, sometimes a little into the next sentence. Given the speech
/// regions of a detector (unpadded, on the media timeline; doubtful speech counts as speech here, see
/// ``SpeechActivity/heardRegions``):
///
/// - A segment that overlaps no region is outside speech (the caller drops and reports it).
/// - A region the segment touches only at an edge, by less than ``sliver``, less than half the region, and less
///   than it overlaps another region, belongs to the neighbouring segment and is ignored, unless the text says
///   otherwise: text that starts in lower case begins with the tail of a sentence (keep the region at its start),
///   text that ends without punctuation runs on into the next segment (keep the region at its end), unless the
///   overlap is too short to hold a word (``wordless``).
/// - The start moves forward to the onset of the first region it overlaps, or, for text that starts like a
///   sentence, back to it when the onset lies at most ``startReach`` before the start (never before the previous
///   segment's end); the end moves back to the offset of the last region, or forward to it when it lies at most
///   ``endReach`` after the end.
/// - Word times (whisper-1) that begin or end in a pause move to the nearest onset or offset inside the word.
/// - A segment without word times that spans several regions gets word times shared out over the regions: each
///   pause between regions falls on the word boundary nearest its place in the text, preferring sentence and
///   clause ends, so a cue that starts after a pause starts when its words do.
struct SpeechAligner {
    let activity: SpeechActivity

    /// The most a region may overlap a segment's edge and still belong to the neighbour.
    static let sliver: Milliseconds = 1_000
    /// How far a start may move back to the onset of the region it lies in (never past the previous segment's
    /// end): a start glued to the previous segment's end often lies a little inside its own sentence.
    static let startReach: Milliseconds = 1_000
    /// How far an end may move forward to the offset of the region it lies in.
    static let endReach: Milliseconds = 400
    /// Less speech than this holds no word: an edge region overlapped by less belongs to the neighbour, and a start
    /// less than this after an onset moves to it, whatever the text.
    static let wordless: Milliseconds = 150

    enum Outcome {
        case aligned(TranscriptSegment)
        case outsideSpeech
    }

    /// Aligns a segment whose times are relative to `offset`.
    /// - Parameters:
    ///   - segment: the segment, times relative to `offset`.
    ///   - offset: where its chunk starts on the media timeline.
    ///   - notBefore: the previous segment's end on the media timeline; a start never moves back past it.
    func align(_ segment: TranscriptSegment, offset: Milliseconds, notBefore: Milliseconds) -> Outcome {
        let start = offset &+ segment.start
        let end = max(start, offset &+ segment.end)
        let text = segment.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let opensSentence = text.first(where: \.isLetter).map { !$0.isLowercase } ?? true
        let closesClause = text.isEmpty || TextRules.endsSentence(text) || TextRules.endsClause(text)
        guard let span = alignedSpan(start: start, end: end, notBefore: notBefore,
                                     opensSentence: opensSentence, closesClause: closesClause) else {
            return .outsideSpeech
        }
        var result = segment
        result.start = span.start - offset
        result.end = span.end - offset
        if !segment.words.isEmpty {
            result.words = segment.words.map { word in
                var aligned = alignedWord(start: offset &+ word.start, end: max(offset &+ word.start, offset &+ word.end))
                aligned.start = min(max(aligned.start, span.start), span.end)
                aligned.end = min(max(aligned.end, aligned.start), span.end)
                return TranscriptWord(text: word.text, start: aligned.start - offset, end: aligned.end - offset)
            }
        } else {
            result.words = distributedWords(text: segment.text, start: span.start, end: span.end)
                .map { TranscriptWord(text: $0.text, start: $0.start - offset, end: $0.end - offset) }
            result.hasEstimatedWords = true
        }
        return .aligned(result)
    }

    /// The span moved onto speech, or nil when `[start, end)` overlaps no speech region.
    /// - Parameters:
    ///   - notBefore: the previous segment's end; a start never moves back past it.
    ///   - opensSentence: whether the text starts like a sentence (not in lower case): only then may a region at
    ///     the start belong to the previous segment, and the start move back to a region's onset.
    ///   - closesClause: whether the text ends with punctuation: only then may a region at the end belong to the
    ///     next segment (text that stops mid-clause runs on into it).
    func alignedSpan(
        start: Milliseconds, end: Milliseconds, notBefore: Milliseconds, opensSentence: Bool = true,
        closesClause: Bool = true
    ) -> SpeechSpan? {
        var candidates = Array(activity.heardRegions(overlapping: start, max(end, start + 1)))
        guard !candidates.isEmpty else { return nil }
        func overlap(_ region: SpeechSpan) -> Milliseconds { min(region.end, end) - max(region.start, start) }
        /// Whether an edge region belongs to the neighbouring segment: the segment holds only a little of it, and
        /// less than it holds of the rest.
        func belongsToNeighbour(_ region: SpeechSpan, others: ArraySlice<SpeechSpan>) -> Bool {
            let held = overlap(region)
            return held < Self.sliver && held * 2 < region.duration && held < (others.map(overlap).max() ?? 0)
        }
        while candidates.count > 1, let first = candidates.first, first.start < start,
            opensSentence || overlap(first) < Self.wordless, belongsToNeighbour(first, others: candidates.dropFirst())
        {
            candidates.removeFirst()
        }
        while candidates.count > 1, let last = candidates.last, last.end > end,
            closesClause || overlap(last) < Self.wordless, belongsToNeighbour(last, others: candidates.dropLast())
        {
            candidates.removeLast()
        }
        let first = candidates.first!
        let last = candidates.last!
        var newStart = start
        if first.start >= start {
            newStart = first.start
        } else if start - first.start < Self.wordless || (opensSentence && start - first.start <= Self.startReach) {
            // Never back past the previous segment's end: a start inside a region the previous segment also
            // holds stays where it is.
            newStart = max(first.start, min(start, notBefore))
        }
        var newEnd = end
        if last.end <= end || last.end - end <= Self.endReach { newEnd = last.end }
        if newEnd <= newStart {
            newStart = max(start, first.start)
            newEnd = min(max(end, newStart + 1), max(last.end, newStart + 1))
        }
        return SpeechSpan(start: newStart, end: max(newEnd, newStart + 1))
    }

    /// A word's span with an edge in a pause moved onto the speech inside the word.
    func alignedWord(start: Milliseconds, end: Milliseconds) -> SpeechSpan {
        let regions = activity.heardRegions(overlapping: start, max(end, start + 1))
        guard let first = regions.first, let last = regions.last else { return SpeechSpan(start: start, end: end) }
        let newStart = max(start, first.start)
        let newEnd = min(end, last.end)
        return newEnd > newStart ? SpeechSpan(start: newStart, end: newEnd) : SpeechSpan(start: start, end: end)
    }

    /// Word times for `text` spoken over the speech regions inside `[start, end)` (media time); empty when the
    /// span holds at most one region (sharing by characters over the span is then as good).
    func distributedWords(text: String, start: Milliseconds, end: Milliseconds) -> [TranscriptWord] {
        let pieces = activity.heardRegions(overlapping: start, end).compactMap { region -> SpeechSpan? in
            let clipped = SpeechSpan(start: max(region.start, start), end: min(region.end, end))
            return clipped.duration > 0 ? clipped : nil
        }
        let texts = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard pieces.count > 1, texts.count > 1 else { return [] }
        let boundaries = Self.assignBoundaries(
            characters: texts.map(\.count), pieces: pieces.map(\.duration),
            bonus: texts.map { TextRules.endsSentence($0) ? 0.2 : (TextRules.endsClause($0) ? 0.1 : 0) })
        var words: [TranscriptWord] = []
        words.reserveCapacity(texts.count)
        var lower = 0
        for (index, piece) in pieces.enumerated() {
            let upper = index < boundaries.count ? boundaries[index] : texts.count
            if upper > lower {
                let shares = Tokenizer.share(piece.start, piece.end, lengths: texts[lower..<upper].map(\.count))
                for (offset, share) in shares.enumerated() {
                    words.append(TranscriptWord(text: texts[lower + offset], start: share.0, end: share.1))
                }
            }
            lower = max(lower, upper)
        }
        return words
    }

    /// For each pause between consecutive speech pieces, the index of the first word after it (non-decreasing):
    /// the word boundaries whose places in the text (by characters) are nearest the pauses' places in the speech
    /// (by time), preferring boundaries after sentence and clause ends, and leaving a piece without words only
    /// at a cost in proportion to its length.
    /// - Parameters:
    ///   - characters: each word's length.
    ///   - durations: each piece's speech duration (one more piece than pauses).
    ///   - bonus: how much a boundary after each word is preferred (0.2 after a sentence end: a fifth of the text).
    static func assignBoundaries(characters: [Int], pieces durations: [Milliseconds], bonus: [Double]) -> [Int] {
        let wordCount = characters.count
        let gapCount = durations.count - 1
        guard gapCount > 0, wordCount > 0 else { return [] }
        var position = [Double](repeating: 0, count: wordCount + 1)
        for index in 0..<wordCount { position[index + 1] = position[index] + Double(characters[index] + 1) }
        let totalCharacters = max(1, position[wordCount])
        let totalTime = Double(max(1, durations.reduce(0, +)))
        /// The cost of leaving piece `index` without words.
        func empty(_ index: Int) -> Double { 2 * Double(durations[index]) / totalTime }
        var elapsed = 0.0
        var rows: [[Double]] = []
        var choices: [[Int]] = []
        for gap in 0..<gapCount {
            elapsed += Double(durations[gap])
            let place = elapsed / totalTime
            var row = [Double](repeating: .infinity, count: wordCount + 1)
            var choice = [Int](repeating: 0, count: wordCount + 1)
            var bestBefore = Double.infinity   // the best previous boundary strictly before this one
            var bestIndex = 0
            for boundary in 0...wordCount {
                let preference = boundary > 0 && boundary < wordCount ? bonus[boundary - 1] : 0
                let here = abs(position[boundary] / totalCharacters - place) - preference
                var previous: Double
                var from: Int
                if gap == 0 {
                    previous = boundary == 0 ? empty(0) : 0
                    from = boundary
                } else {
                    // The same boundary as the previous pause leaves the piece between them empty.
                    previous = rows[gap - 1][boundary] + empty(gap)
                    from = boundary
                    if bestBefore < previous {
                        previous = bestBefore
                        from = bestIndex
                    }
                    if rows[gap - 1][boundary] < bestBefore {
                        bestBefore = rows[gap - 1][boundary]
                        bestIndex = boundary
                    }
                }
                row[boundary] = previous + here
                choice[boundary] = from
            }
            rows.append(row)
            choices.append(choice)
        }
        var last = rows[gapCount - 1]
        last[wordCount] += empty(gapCount)
        var boundary = last.indices.min { last[$0] < last[$1] } ?? wordCount
        var result = [Int](repeating: 0, count: gapCount)
        for gap in stride(from: gapCount - 1, through: 0, by: -1) {
            result[gap] = boundary
            boundary = choices[gap][boundary]
        }
        return result
    }
}
