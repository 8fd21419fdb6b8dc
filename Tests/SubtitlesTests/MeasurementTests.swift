import Testing
import Subtitles

/// Whisper-like transcripts: segments of one to three sentences (sometimes cut mid-sentence), glued end to
/// start as Whisper often returns them, at speaking rates from slow to fast, half with word timestamps.
enum WhisperLikeCorpus {
    static let words = [
        "we", "they", "really", "think", "that", "the", "project", "is", "going", "to", "work", "out", "because",
        "everyone", "has", "been", "working", "very", "hard", "on", "it", "for", "months", "and", "now", "finally",
        "see", "results", "in", "data", "but", "there", "are", "still", "some", "problems", "with", "how", "users",
        "understand", "new", "interface", "so", "next", "week", "will", "meet", "again", "discuss", "what", "changes",
        "make", "before", "release", "of", "a", "an", "our", "customers", "told", "us", "about", "their", "experience",
        "which", "was", "mostly", "positive", "although", "not", "always", "if", "you", "look", "at", "numbers",
        "closely", "notice", "something", "interesting", "happening", "here",
    ]
    static let names = ["Mary Jane", "New York", "Doctor Smith", "London", "Apple", "John"]

    static func sentence(using generator: inout SeededGenerator) -> String {
        let count = Int.random(in: 3...20, using: &generator)
        var parts: [String] = []
        for index in 0..<count {
            var word = Int.random(in: 0..<15, using: &generator) == 0
                ? names.randomElement(using: &generator)! : words.randomElement(using: &generator)!
            if index == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
            if index < count - 1, Int.random(in: 0..<9, using: &generator) == 0 { word += "," }
            parts.append(word)
        }
        return parts.joined(separator: " ") + [".", ".", ".", "?", "!"].randomElement(using: &generator)!
    }

    static func chunks(seed: UInt64, chunkCount: Int = 8) -> [TranscriptChunk] {
        var generator = SeededGenerator(seed: seed)
        var chunks: [TranscriptChunk] = []
        for chunkIndex in 0..<chunkCount {
            var segments: [TranscriptSegment] = []
            var time: Milliseconds = Milliseconds.random(in: 0...1500, using: &generator)
            let charactersPerSecond = [11.0, 13.0, 14.0, 15.0, 16.0, 18.0, 21.0].randomElement(using: &generator)!
            while time < 55_000 {
                var text = (0..<Int.random(in: 1...3, using: &generator)).map { _ in sentence(using: &generator) }.joined(separator: " ")
                if Int.random(in: 0..<4, using: &generator) == 0 {
                    // Whisper cuts inside a sentence now and then.
                    let cut = text.split(separator: " ")
                    text = cut.prefix(max(1, cut.count * 2 / 3)).joined(separator: " ")
                }
                let tokens = text.split(separator: " ").map(String.init)
                var wordTime = time
                var timed: [TranscriptWord] = []
                for token in tokens {
                    let length = Milliseconds(Double(token.count + 1) * 1000 / charactersPerSecond)
                    timed.append(TranscriptWord(text: token.trimmingPunctuation, start: wordTime, end: wordTime + length - 30))
                    wordTime += length
                    if token.hasSuffix(".") || token.hasSuffix(",") { wordTime += Milliseconds.random(in: 100...600, using: &generator) }
                }
                let pause = Int.random(in: 0..<5, using: &generator) == 0 ? Milliseconds.random(in: 800...3000, using: &generator) : 0
                let end = timed.last!.end + pause  // glued to the next segment, as Whisper often does
                segments.append(TranscriptSegment(
                    start: time, end: end, text: " " + text,
                    words: Bool.random(using: &generator) ? timed : [],
                    averageLogProbability: -0.3, compressionRatio: 1.5, noSpeechProbability: 0.05
                ))
                time = end
            }
            chunks.append(TranscriptChunk(offset: Milliseconds(chunkIndex) * 60_000, duration: 60_000, segments: segments))
        }
        return chunks
    }
}

extension String {
    var trimmingPunctuation: String { String(filter { $0.isLetter || $0.isNumber || $0 == "'" }) }
}

struct MeasurementTests {
    /// Share of cues with no Netflix violation: our shaper vs one cue per segment (Whisper CLI output).
    @Test func shaperBeatsOneCuePerSegment() {
        let linter = Linter(style: .netflix)
        var ours: [Double] = []
        var baseline: [Double] = []
        var ourCues = 0
        var baselineCues = 0
        for seed: UInt64 in 1...5 {
            let chunks = WhisperLikeCorpus.chunks(seed: seed)
            let shaped = SubtitleBuilder(style: .netflix, language: "en").build(from: chunks).cues
            let plain = SubtitleBuilder.oneCuePerSegment(from: chunks)
            ours.append(linter.compliantShare(of: shaped))
            baseline.append(linter.compliantShare(of: plain))
            ourCues += shaped.count
            baselineCues += plain.count
        }
        let ourMean = ours.reduce(0, +) / Double(ours.count)
        let baselineMean = baseline.reduce(0, +) / Double(baseline.count)
        print("netflix compliance, shaper: \(Int((ourMean * 1000).rounded()) / 10)% of \(ourCues) cues;"
            + " one cue per segment: \(Int((baselineMean * 1000).rounded()) / 10)% of \(baselineCues) cues")
        let shaped = SubtitleBuilder(style: .netflix).build(from: WhisperLikeCorpus.chunks(seed: 1)).violations
        print("remaining violations by rule (seed 1):", Dictionary(grouping: shaped, by: \.rule.rawValue).mapValues(\.count).sorted { $0.key < $1.key })
        let plain = linter.lint(SubtitleBuilder.oneCuePerSegment(from: WhisperLikeCorpus.chunks(seed: 1)))
        print("one cue per segment, cues failing each rule (seed 1):",
              Dictionary(grouping: plain, by: \.rule.rawValue).mapValues { Set($0.map(\.cueNumber)).count }.sorted { $0.key < $1.key })
        #expect(ourMean > baselineMean + 0.3)
    }
}
