import Foundation
import Testing
import Subtitles

/// Random transcripts with a known word sequence.
struct RandomTranscript {
    enum Layout: CaseIterable { case single, separateChunks, overlappingChunks }

    var words: [String] = []
    var chunks: [TranscriptChunk] = []
    var layout: Layout

    static let vocabulary = [
        "the", "a", "an", "and", "but", "because", "we", "you", "I", "went", "to", "market", "with", "Mary", "Jane",
        "Watson", "of", "in", "on", "really", "think", "that", "is", "was", "going", "home", "tomorrow", "don't",
        "it's", "very", "big", "house", "over", "there", "London", "said", "nothing", "at", "all", "okay", "so",
        "well", "extraordinarily", "uncharacteristically", "café", "naïve", "e.g.", "Mr.", "5", "$20", "—", "&",
        "<b>", "R&D",
    ]

    init(using generator: inout SeededGenerator) {
        layout = Layout.allCases.randomElement(using: &generator)!
        let count = Int.random(in: 1...200, using: &generator)
        var time: Milliseconds = Milliseconds.random(in: 0...3000, using: &generator)
        var speaker: String? = nil
        var timeline: [(word: TranscriptWord, segment: Int, speaker: String?)] = []
        var segment = 0
        var segmentLength = 0
        for _ in 0..<count {
            var word = Self.vocabulary.randomElement(using: &generator)!
            if Int.random(in: 0..<40, using: &generator) == 0 {
                word = String(repeating: "z", count: Int.random(in: 30...70, using: &generator))
            }
            switch Int.random(in: 0..<12, using: &generator) {
            case 0: word += ","
            case 1: word += "."
            case 2: word += "?"
            default: break
            }
            let length = Milliseconds.random(in: 80...700, using: &generator)
            var gap = Milliseconds.random(in: 0...250, using: &generator)
            if Int.random(in: 0..<15, using: &generator) == 0 { gap += Milliseconds.random(in: 500...4000, using: &generator) }
            time += gap
            var newSegment = segmentLength >= Int.random(in: 1...25, using: &generator) || gap > 1500
            if Int.random(in: 0..<25, using: &generator) == 0 {
                speaker = [nil, "Ann", "Bob"].randomElement(using: &generator)!
                newSegment = true
            }
            if newSegment, segmentLength > 0 {
                segment += 1
                segmentLength = 0
            }
            timeline.append((TranscriptWord(text: word, start: time, end: time + length), segment, speaker))
            segmentLength += 1
            time += length
        }
        words = timeline.map(\.word.text)
        let total = time + 1000

        func segments(of heard: ArraySlice<(word: TranscriptWord, segment: Int, speaker: String?)>, offset: Milliseconds,
                      jitter: Milliseconds, timed: Bool) -> [TranscriptSegment] {
            var result: [TranscriptSegment] = []
            var index = heard.startIndex
            while index < heard.endIndex {
                var last = index
                while last + 1 < heard.endIndex, heard[last + 1].segment == heard[index].segment { last += 1 }
                let group = heard[index...last]
                let relative = group.map {
                    TranscriptWord(text: $0.word.text.trimmingCharacters(in: .punctuationCharacters),
                                   start: $0.word.start - offset + jitter, end: $0.word.end - offset + jitter)
                }
                result.append(TranscriptSegment(
                    start: relative.first!.start, end: relative.last!.end,
                    text: " " + group.map(\.word.text).joined(separator: " "),
                    words: timed ? relative : [], speaker: group.first!.speaker
                ))
                index = last + 1
            }
            return result
        }

        switch layout {
        case .single:
            chunks = [TranscriptChunk(offset: 0, duration: total, segments: segments(of: timeline[...], offset: 0, jitter: 0, timed: Bool.random(using: &generator)))]
        case .separateChunks:
            // Cut between segments; offsets at the cut.
            var begin = 0
            while begin < timeline.count {
                var end = min(timeline.count, begin + Int.random(in: 1...80, using: &generator))
                while end < timeline.count, timeline[end].segment == timeline[end - 1].segment { end += 1 }
                let offset = begin == 0 ? 0 : timeline[begin - 1].word.end
                let limit = end < timeline.count ? timeline[end].word.start : total
                chunks.append(TranscriptChunk(offset: offset, duration: limit - offset,
                                              segments: segments(of: timeline[begin..<end], offset: offset, jitter: 0, timed: Bool.random(using: &generator))))
                begin = end
            }
            chunks.shuffle(using: &generator)
        case .overlappingChunks:
            let length = Milliseconds.random(in: 8000...30_000, using: &generator)
            let overlap = Milliseconds.random(in: 1000...5000, using: &generator)
            var offset: Milliseconds = 0
            var first = true
            while offset < total {
                let jitter = first ? 0 : Milliseconds.random(in: -40...40, using: &generator)
                let heard = timeline.filter { $0.word.start >= offset && $0.word.end <= offset + length }
                chunks.append(TranscriptChunk(offset: offset, duration: length,
                                              segments: segments(of: heard[...], offset: offset, jitter: jitter, timed: true)))
                offset += length - overlap
                first = false
            }
        }
    }
}

struct PropertyTests {
    static func randomStyle(using generator: inout SeededGenerator) -> StyleProfile {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return .netflix
        case 1: return .bbc
        case 2: return StyleProfile.netflix.overriding(frameRate: [23.976, 25, 29.97, 60].randomElement(using: &generator)!)
        default:
            var style = StyleProfile(name: "random")
            style.maxCharactersPerLine = Int.random(in: 16...60, using: &generator)
            style.maxLines = Int.random(in: 1...3, using: &generator)
            style.minDuration = Milliseconds.random(in: 300...1500, using: &generator)
            style.maxDuration = Milliseconds.random(in: 3000...10_000, using: &generator)
            style.maxCharactersPerSecond = Double.random(in: 10...30, using: &generator)
            style.lineBalance = Bool.random(using: &generator) ? .balanced : .bottomHeavy
            return style
        }
    }

    static func checkShape(_ cues: [Cue], style: StyleProfile) {
        for (index, cue) in cues.enumerated() {
            #expect(cue.end > cue.start, "cue \(index + 1) has no duration")
            #expect(cue.lines.count <= style.maxLines)
            for line in cue.lines {
                #expect(line.count <= style.maxCharactersPerLine || !line.contains(" "), "line too wide: \(line)")
            }
            if index > 0 {
                #expect(cue.start >= cues[index - 1].start, "start not monotonic at cue \(index + 1)")
                #expect(cue.start >= cues[index - 1].end, "overlap at cue \(index + 1)")
            }
        }
    }

    @Test func shapedCuesKeepEveryWordInOrderAndFitTheProfile() {
        var generator = SeededGenerator(seed: 2024)
        for round in 0..<300 {
            let transcript = RandomTranscript(using: &generator)
            let style = Self.randomStyle(using: &generator)
            let result = SubtitleBuilder(style: style, hallucinationGuard: .disabled).build(from: transcript.chunks)
            let output = Script.words(of: result.cues)
            #expect(output == transcript.words, "round \(round), layout \(transcript.layout)")
            if output != transcript.words { break }
            Self.checkShape(result.cues, style: style)
            // Whatever the shaper could not fix is reported, never hidden.
            #expect(Linter(style: style).lint(result.cues) == result.violations)
        }
    }

    @Test func guardOnlyRemovesWhatItReports() {
        var generator = SeededGenerator(seed: 99)
        for round in 0..<200 {
            var transcript = RandomTranscript(using: &generator)
            guard transcript.layout != .overlappingChunks else { continue }
            for c in transcript.chunks.indices {
                for s in transcript.chunks[c].segments.indices {
                    switch Int.random(in: 0..<10, using: &generator) {
                    case 0:
                        transcript.chunks[c].segments[s].noSpeechProbability = 0.9
                        transcript.chunks[c].segments[s].averageLogProbability = -1.5
                    case 1: transcript.chunks[c].segments[s].compressionRatio = 2.8
                    default: break
                    }
                }
            }
            let result = SubtitleBuilder().build(from: transcript.chunks)
            let output = Script.words(of: result.cues)
            let droppedCount = result.dropped.reduce(0) { $0 + $1.text.split(separator: " ").count }
            #expect(output.count + droppedCount == transcript.words.count, "round \(round)")
            // Output is a subsequence of the input.
            var iterator = transcript.words.makeIterator()
            let isSubsequence = output.allSatisfy { word in
                while let next = iterator.next() { if next == word { return true } }
                return false
            }
            #expect(isSubsequence, "round \(round)")
            Self.checkShape(result.cues, style: .netflix)
            #expect(result.dropped.allSatisfy { $0.end >= $0.start && !$0.text.isEmpty })
        }
    }

    @Test func writtenFilesParseBackToTheSameCues() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<100 {
            let transcript = RandomTranscript(using: &generator)
            let cues = SubtitleBuilder(hallucinationGuard: .disabled).build(from: transcript.chunks).cues
            let vtt = WebVTTWriter().render(cues)
            let parsed = try SubtitleParser(strict: true).parse(vtt, format: .vtt)
            #expect(parsed == cues)
            #expect(WebVTTWriter().render(parsed) == vtt)
            // SRT has no escaping: a literal "<b>" is a tag there, so leave it out of the SRT round trip.
            let srtCues = cues.map { cue in
                Cue(start: cue.start, end: cue.end, lines: cue.lines.map { $0.replacingOccurrences(of: "<b>", with: "b") }, speaker: cue.speaker)
            }
            let srt = SRTWriter(lineEnding: .crlf).render(srtCues)
            #expect(SRTWriter(lineEnding: .crlf).render(try SubtitleParser(strict: true).parse(srt, format: .srt)) == srt)
        }
    }
}
