import Foundation

extension SubtitleBuilder {
    /// Cues cut, laid out and timed again to ``style``, from cues made elsewhere (another tool's file, another
    /// profile): each cue's words keep their times when it has them (``Cue/words``), else the cue's time is shared
    /// out over its words by characters; then the words are shaped as a transcript's are (pauses and speaker
    /// changes end cues, lines balanced, reading speed and gaps kept). No word is added, dropped or changed.
    /// With ``keepsWordTimes``, the new cues carry their words' times.
    public func reshape(_ cues: [Cue]) -> [Cue] {
        var tokens: [Token] = []
        for (index, cue) in cues.sorted(by: { $0.start < $1.start }).enumerated() {
            let start = max(0, cue.start)
            let end = max(start + 1, cue.end)
            // A dialogue cue becomes one segment per line, its time shared by characters.
            let turns = cue.isDialogue
                ? zip(cue.lines, cue.speakerOfEachLine).map { ($0.0.hasPrefix("-") ? String($0.0.dropFirst()) : $0.0, $0.1) }
                : [(cue.lines.joined(separator: " "), cue.speaker)]
            let total = max(1, turns.reduce(0) { $0 + $1.0.count })
            var offset = start
            for (text, speaker) in turns {
                let share = (end - start) * Milliseconds(text.count) / Milliseconds(total)
                let words = cue.isDialogue ? [] : cue.words.map { TranscriptWord(text: $0.text, start: $0.start, end: $0.end) }
                let segment = TranscriptSegment(start: offset, end: offset + max(1, share), text: text, words: words,
                                                speaker: speaker)
                tokens += Tokenizer.tokens(of: segment, offset: 0, lowerBound: start, upperBound: end,
                                           segmentID: index, chunk: 0)
                offset += share
            }
        }
        Tokenizer.makeMonotonic(&tokens)
        return CueShaper(style: style, keepsWords: keepsWordTimes).shape(tokens)
    }
}
