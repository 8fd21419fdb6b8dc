import Foundation

/// Cuts the word stream into cues that fit a style profile, lays out their lines and times them.
struct CueShaper {
    var style: StyleProfile
    /// Whether each cue keeps its words' times (``Cue/words``).
    var keepsWords = false

    /// A pause this long always ends a cue.
    static let hardPause: Milliseconds = 2000
    /// Pauses longer than this inside a cue cost extra.
    static let softPause: Milliseconds = 1000
    /// How long a cue that ends a sentence may stay up into the pause after it, for reading time (the BBC's limit on
    /// lingering after speech).
    static let sentenceReadingExtension: Milliseconds = 1500

    /// A cue before timing: the range of tokens and the lines.
    struct Draft {
        var range: Range<Int>
        var lines: [String]
        var speaker: String?
        /// One speaker per line for a two-speaker dialogue cue; empty otherwise.
        var lineSpeakers: [String?] = []
    }

    func shape(_ tokens: [Token]) -> [Cue] {
        guard !tokens.isEmpty else { return [] }
        let context = Context(tokens: tokens, style: style)
        var drafts: [Draft] = []
        for block in blocks(tokens) {
            drafts += shapeBlock(block, context: context)
        }
        drafts = mergeDialogue(drafts, context: context)
        return time(drafts, tokens: tokens)
    }

    /// Joins two one-line cues of different speakers into one dialogue cue (one line each, shown with dashes)
    /// when either is too short to read alone and together they fit the profile.
    func mergeDialogue(_ drafts: [Draft], context: Context) -> [Draft] {
        guard style.maxLines >= 2, drafts.count > 1 else { return drafts }
        let tokens = context.tokens
        var result: [Draft] = []
        var index = 0
        while index < drafts.count {
            guard index + 1 < drafts.count else {
                result.append(drafts[index])
                break
            }
            let a = drafts[index]
            let b = drafts[index + 1]
            let aStart = tokens[a.range.lowerBound].start
            let aEnd = tokens[a.range.upperBound - 1].end
            let bStart = tokens[b.range.lowerBound].start
            let bEnd = tokens[b.range.upperBound - 1].end
            let nextStart: Milliseconds = index + 2 < drafts.count ? tokens[drafts[index + 2].range.lowerBound].start : .max
            let charactersA = context.characters(a.range)
            let charactersB = context.characters(b.range)
            let aAloneEnd = displayEnd(start: aStart, speechEnd: aEnd, characters: charactersA, nextStart: bStart)
            let bAloneEnd = displayEnd(start: bStart, speechEnd: bEnd, characters: charactersB, nextStart: nextStart)
            let tooShort = aAloneEnd - aStart < style.minDuration || bAloneEnd - bStart < style.minDuration
            let mergedEnd = displayEnd(start: aStart, speechEnd: bEnd, characters: charactersA + charactersB + 1, nextStart: nextStart)
            let mergedCPS = Double(charactersA + charactersB + 2) * 1000 / Double(max(1, mergedEnd - aStart))
            if a.speaker != b.speaker, a.lineSpeakers.isEmpty, b.lineSpeakers.isEmpty, a.lines.count == 1, b.lines.count == 1,
                charactersA + 1 <= style.maxCharactersPerLine, charactersB + 1 <= style.maxCharactersPerLine,
                tooShort, bStart - aEnd <= Self.softPause, mergedEnd - aStart <= style.maxDuration,
                mergedCPS <= style.maxCharactersPerSecond
            {
                result.append(Draft(
                    range: a.range.lowerBound..<b.range.upperBound, lines: a.lines + b.lines, speaker: a.speaker,
                    lineSpeakers: [a.speaker, b.speaker]
                ))
                index += 2
            } else {
                result.append(a)
                index += 1
            }
        }
        return result
    }

    /// Runs of tokens between hard boundaries: speaker changes and long pauses.
    func blocks(_ tokens: [Token]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var begin = 0
        for index in 1..<max(1, tokens.count) where index < tokens.count {
            let previous = tokens[index - 1]
            let current = tokens[index]
            if current.speaker != previous.speaker || current.start - previous.end >= Self.hardPause {
                result.append(begin..<index)
                begin = index
            }
        }
        result.append(begin..<tokens.count)
        return result
    }

    /// Per-stream facts computed once.
    struct Context {
        let tokens: [Token]
        let lengths: [Int]
        /// prefix[i]: total length of tokens[0..<i].
        let prefix: [Int]
        /// breakCosts[i]: cost of breaking between token i-1 and token i.
        let breakCosts: [Double]
        /// Whether token i ends a sentence.
        let endsSentence: [Bool]
        /// sentenceEnds[i]: how many of tokens[0..<i] end a sentence.
        let sentenceEnds: [Int]

        init(tokens: [Token], style: StyleProfile) {
            self.tokens = tokens
            lengths = tokens.map(\.text.count)
            var prefix = [0]
            prefix.reserveCapacity(tokens.count + 1)
            for length in lengths { prefix.append(prefix[prefix.count - 1] + length) }
            self.prefix = prefix
            let endsSentence = tokens.map { TextRules.endsSentence($0.text) }
            self.endsSentence = endsSentence
            var sentenceEnds = [0]
            sentenceEnds.reserveCapacity(tokens.count + 1)
            for ends in endsSentence { sentenceEnds.append(sentenceEnds[sentenceEnds.count - 1] + (ends ? 1 : 0)) }
            self.sentenceEnds = sentenceEnds
            var costs = [Double](repeating: 0, count: tokens.count)
            for index in tokens.indices.dropFirst() {
                let before = tokens[index - 1]
                let after = tokens[index]
                let startsSentence = index < 2 || endsSentence[index - 2]
                costs[index] = TextRules.breakCost(
                    before: before.text, after: after.text, beforeStartsSentence: startsSentence,
                    pause: after.start - before.end, segmentBoundary: before.segment != after.segment
                )
            }
            breakCosts = costs
        }

        /// Characters of tokens[range] joined by spaces.
        func characters(_ range: Range<Int>) -> Int {
            prefix[range.upperBound] - prefix[range.lowerBound] + max(0, range.count - 1)
        }

        /// Whether a cue may hold tokens[range]: no sentence ends inside it, or only whole sentences (it starts
        /// where a sentence starts and ends where one ends). A cue never holds the end of one sentence and the
        /// start of the next.
        func keepsSentencesWhole(_ range: Range<Int>) -> Bool {
            guard range.count > 1 else { return true }
            let inside = sentenceEnds[range.upperBound - 1] - sentenceEnds[range.lowerBound]
            if inside == 0 { return true }
            let startsSentence = range.lowerBound == 0 || endsSentence[range.lowerBound - 1]
            return startsSentence && endsSentence[range.upperBound - 1]
        }
    }

    /// Chooses cue boundaries inside one block by dynamic programming over token positions.
    func shapeBlock(_ block: Range<Int>, context: Context) -> [Draft] {
        let tokens = context.tokens
        let base = block.lowerBound
        let count = block.count
        let capacity = style.maxCharactersPerLine * max(1, style.maxLines)
        var best = [Double](repeating: .infinity, count: count + 1)
        var choice = [Int](repeating: 0, count: count + 1)
        var layouts = [Layout?](repeating: nil, count: count + 1)
        best[0] = 0
        let nextBlockStart: Milliseconds = block.upperBound < tokens.count ? tokens[block.upperBound].start : .max
        for j in 1...count {
            var i = j - 1
            var characters = context.lengths[base + i]
            while i >= 0 {
                let range = (base + i)..<(base + j)
                if i < j - 1 {
                    characters += context.lengths[base + i] + 1
                    if characters > capacity { break }
                    if tokens[base + j - 1].end - tokens[base + i].start > 3 * style.maxDuration { break }
                }
                if best[i].isFinite, context.keepsSentencesWhole(range), let layout = layout(range, context: context) {
                    let next = j < count ? tokens[base + j].start : nextBlockStart
                    let cost = best[i] + cueCost(range, characters: characters, layout: layout, next: next, context: context)
                        + (j < count ? context.breakCosts[base + j] : 0)
                    if cost < best[j] {
                        best[j] = cost
                        choice[j] = i
                        layouts[j] = layout
                    }
                }
                i -= 1
            }
        }
        var drafts: [Draft] = []
        var j = count
        while j > 0 {
            let i = choice[j]
            let range = (base + i)..<(base + j)
            // Without a layout (a profile no cue can meet), keep the words on one line rather than lose them.
            let text = layouts[j].map { self.lines(range, breaks: $0.breaks, context: context) }
                ?? [range.map { tokens[$0].text }.joined(separator: " ")]
            drafts.append(Draft(range: range, lines: text, speaker: tokens[base + i].speaker))
            j = i
        }
        return drafts.reversed()
    }

    /// The cost of one cue: a constant (fewer cues are better), reading speed, duration, pauses inside, layout.
    func cueCost(_ range: Range<Int>, characters: Int, layout: Layout, next: Milliseconds, context: Context) -> Double {
        let tokens = context.tokens
        let start = tokens[range.lowerBound].start
        let speechEnd = tokens[range.upperBound - 1].end
        let end = displayEnd(start: start, speechEnd: speechEnd, characters: characters, nextStart: next,
                             endsSentence: context.endsSentence[range.upperBound - 1])
        let duration = max(1, end - start)
        var cost = 1.0 + layout.cost * 0.5
        let cps = Double(characters) * 1000 / Double(duration)
        if cps > style.maxCharactersPerSecond {
            cost += 3 + 8 * (cps / style.maxCharactersPerSecond - 1)
        }
        if duration < style.minDuration {
            cost += 3 + 10 * Double(style.minDuration - duration) / Double(max(1, style.minDuration))
        }
        let speech = speechEnd - start
        if speech > style.maxDuration {
            cost += 20 + 20 * Double(speech - style.maxDuration) / 1000
        }
        for index in range.dropFirst() {
            let pause = tokens[index].start - tokens[index - 1].end
            if pause > Self.softPause { cost += Double(pause - Self.softPause) / 250 }
            // One sentence per cue where possible; a pause inside a cue makes it worse.
            if context.endsSentence[index - 1] {
                cost += 1.5 + Double(min(max(pause, 0), Self.softPause)) / 400
            }
        }
        return cost
    }

    /// A cue's lines and how good the line breaks are.
    struct Layout {
        /// Token indices where a new line starts.
        var breaks: [Int]
        var cost: Double
    }

    /// The text of each line.
    func lines(_ range: Range<Int>, breaks: [Int], context: Context) -> [String] {
        let bounds = [range.lowerBound] + breaks + [range.upperBound]
        return (1..<bounds.count).map { k in
            (bounds[k - 1]..<bounds[k]).map { context.tokens[$0].text }.joined(separator: " ")
        }
    }

    /// Lays tokens out in as few lines as the width allows (at most `maxLines`), choosing the breaks with the
    /// best break cost and balance. A word longer than a line gets a line of its own. Nil when it cannot fit.
    func layout(_ range: Range<Int>, context: Context) -> Layout? {
        let width = style.maxCharactersPerLine
        let total = context.characters(range)
        if total <= width || range.count == 1 {
            return Layout(breaks: [], cost: 0)
        }
        // Fewest lines, by greedy filling.
        var lineCount = 1
        var current = 0
        for index in range {
            let length = context.lengths[index]
            if current == 0 {
                current = length
            } else if current + 1 + length <= width {
                current += 1 + length
            } else {
                lineCount += 1
                current = length
            }
        }
        guard lineCount <= style.maxLines else { return nil }
        if lineCount > 3 {
            // Searching every break for many lines grows too fast; fill lines greedily instead.
            var breaks: [Int] = []
            var length = 0
            for index in range {
                let add = length == 0 ? context.lengths[index] : length + 1 + context.lengths[index]
                if length > 0, add > width {
                    breaks.append(index)
                    length = context.lengths[index]
                } else {
                    length = add
                }
            }
            return Layout(breaks: breaks, cost: breaks.reduce(0) { $0 + context.breakCosts[$1] })
        }
        var bestBreaks: [Int] = []
        var bestCost = Double.infinity
        var breaks: [Int] = []
        func lineLength(_ lower: Int, _ upper: Int) -> Int { context.characters(lower..<upper) }
        func fits(_ lower: Int, _ upper: Int) -> Bool { upper - lower == 1 || lineLength(lower, upper) <= width }
        func search(from lower: Int, remaining: Int) {
            if remaining == 1 {
                guard fits(lower, range.upperBound) else { return }
                let bounds = [range.lowerBound] + breaks + [range.upperBound]
                var cost = 0.0
                for b in breaks { cost += context.breakCosts[b] }
                for k in 1..<(bounds.count - 1) {
                    let upperLength = Double(lineLength(bounds[k - 1], bounds[k]))
                    let lowerLength = Double(lineLength(bounds[k], bounds[k + 1]))
                    let difference = (upperLength - lowerLength) / Double(width)
                    switch style.lineBalance {
                    case .balanced: cost += abs(difference) * 6
                    case .bottomHeavy: cost += difference > 0 ? difference * 10 : -difference * 3
                    }
                }
                if cost < bestCost {
                    bestCost = cost
                    bestBreaks = breaks
                }
                return
            }
            var upper = lower + 1
            while upper < range.upperBound, fits(lower, upper) {
                breaks.append(upper)
                search(from: upper, remaining: remaining - 1)
                breaks.removeLast()
                upper += 1
            }
        }
        search(from: range.lowerBound, remaining: lineCount)
        guard bestCost.isFinite else { return nil }
        return Layout(breaks: bestBreaks, cost: bestCost)
    }
}
