import Foundation

extension CueShaper {
    /// Where a cue may end: the end of speech, pushed later for the minimum duration and (up to the reading
    /// extension, or into the pause after a sentence up to ``sentenceReadingExtension``) for reading speed, never
    /// past the maximum duration because of an extension, and never closer to the next cue than the minimum gap.
    func displayEnd(
        start: Milliseconds, speechEnd: Milliseconds, characters: Int, nextStart: Milliseconds, endsSentence: Bool = false
    ) -> Milliseconds {
        let readingTime = Milliseconds((Double(characters) * 1000 / max(1, style.maxCharactersPerSecond)).rounded(.up))
        let extensionLimit = endsSentence
            ? max(style.maxReadingExtension, Self.sentenceReadingExtension) : style.maxReadingExtension
        var wanted = max(speechEnd, start + style.minDuration)
        wanted = max(wanted, min(start + readingTime, speechEnd + extensionLimit))
        wanted = min(wanted, max(speechEnd, start + style.maxDuration))
        if nextStart != .max {
            // Speech that runs into the next cue is cut back to leave the minimum gap.
            wanted = min(wanted, nextStart - style.effectiveMinGap)
        }
        return max(wanted, start + 1)
    }

    /// Times the drafts: speech times, extended for duration and reading speed, gaps of at least the minimum,
    /// flicker gaps closed, no overlaps; a cue still too short to be read gets time within the in-time tolerance
    /// (``lendReadingTime(to:in:speech:endsSentence:)``).
    func time(_ drafts: [Draft], tokens: [Token]) -> [Cue] {
        let gap = style.effectiveMinGap
        var cues = drafts.map { draft in
            let start = tokens[draft.range.lowerBound].start
            let end = tokens[draft.range.upperBound - 1].end
            var cue = draft.lineSpeakers.count == draft.lines.count
                ? Cue(start: start, end: end, lines: draft.lines, lineSpeakers: draft.lineSpeakers)
                : Cue(start: start, end: end, lines: draft.lines, speaker: draft.speaker)
            if keepsWords {
                cue.words = tokens[draft.range].map { CueWord(text: $0.text, start: $0.start, end: $0.end, isTimed: $0.isTimed) }
            }
            return cue
        }
        let speech = cues.map { SpeechSpan(start: $0.start, end: $0.end) }
        let endsSentence = drafts.map { TextRules.endsSentence(tokens[$0.range.upperBound - 1].text) }
        for index in cues.indices {
            if index > 0 {
                // The previous cue may have been pushed; keep the order and the gap.
                let earliest = cues[index - 1].end + gap
                if cues[index].start < earliest { cues[index].start = earliest }
            }
            let nextStart: Milliseconds = index + 1 < cues.count ? cues[index + 1].start : .max
            let speechEnd = max(cues[index].end, cues[index].start)
            var end = displayEnd(
                start: cues[index].start, speechEnd: speechEnd, characters: cues[index].text.count, nextStart: nextStart,
                endsSentence: endsSentence[index]
            )
            if nextStart != .max {
                // Close flicker gaps; open gaps narrower than the minimum.
                let room = nextStart - gap
                if nextStart - end < style.flickerGapThreshold, room > end,
                    room - cues[index].start <= max(style.maxDuration, speechEnd - cues[index].start)
                {
                    end = room
                }
                if end > room { end = room }
            }
            cues[index].end = max(end, cues[index].start + 1)
            lendReadingTime(to: index, in: &cues, speech: speech, endsSentence: endsSentence)
        }
        return cues
    }

    /// When a cue's words were spoken.
    struct SpeechSpan {
        var start: Milliseconds
        var end: Milliseconds
    }

    /// The time a cue needs on screen to be read at the profile's reading speed.
    func readingTime(_ cue: Cue) -> Milliseconds {
        Milliseconds((Double(cue.text.count) * 1000 / max(1, style.maxCharactersPerSecond)).rounded(.up))
    }

    /// Gives a cue that reads too fast the time its speech lacks, within ``StyleProfile/inTimeTolerance`` of its
    /// words: first an earlier start, in the pause before (never over the previous cue's words, never below the
    /// previous cue's own reading time), then, when the next cue's start is what ends it, that start a little later
    /// (only as far as the next cue can spare and still be read). Fast speech cut into cues that follow each other
    /// with the minimum gap has no other time to give: the out-time cannot pass the next cue and a cue start is
    /// the start of its words.
    func lendReadingTime(to index: Int, in cues: inout [Cue], speech: [SpeechSpan], endsSentence: [Bool]) {
        let tolerance = style.inTimeTolerance
        var missing = readingTime(cues[index]) - cues[index].duration
        guard tolerance > 0, missing > 0 else { return }
        let gap = style.effectiveMinGap
        var earliest = max(0, speech[index].start - tolerance, cues[index].end - style.maxDuration)
        if index > 0 {
            let previous = cues[index - 1]
            let previousNeeds = max(speech[index - 1].end, previous.start + max(readingTime(previous), style.minDuration))
            earliest = max(earliest, previousNeeds + gap)
        }
        if earliest < cues[index].start {
            let earlier = min(missing, cues[index].start - earliest)
            cues[index].start -= earlier
            missing -= earlier
            if index > 0 { cues[index - 1].end = min(cues[index - 1].end, cues[index].start - gap) }
        }
        let next = index + 1
        guard missing > 0, next < cues.count, cues[index].end >= cues[next].start - gap else { return }
        let nextRoom = next + 1 < cues.count ? cues[next + 1].start - gap : Milliseconds.max
        let nextExtension = endsSentence[next]
            ? max(style.maxReadingExtension, Self.sentenceReadingExtension) : style.maxReadingExtension
        let nextLatestEnd = min(nextRoom, speech[next].end + nextExtension)
        let later = min(
            missing,
            speech[next].start + tolerance - cues[next].start,
            nextLatestEnd - max(readingTime(cues[next]), style.minDuration) - cues[next].start,
            cues[index].start + style.maxDuration - cues[index].end
        )
        guard later > 0 else { return }
        cues[next].start += later
        cues[index].end += later
    }
}
