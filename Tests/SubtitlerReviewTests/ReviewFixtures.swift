import Foundation
import Subtitles
import TestSupport
@testable import Subtitler
@testable import SubtitlerReview

/// Review documents for the tests and the benchmark: hostile text, and a generated three-hour film.
enum ReviewFixtures {
    /// Markup that would run script if a page put it into innerHTML.
    static let imageInjection = #"<img src=x onerror="document.documentElement.dataset.pwned='img'">"#
    /// Text that would end the JSON's script element if the page embedded it raw.
    static let scriptBreakout = "</script><script>document.documentElement.dataset.pwned='script'</script><!--"
    /// JavaScript's line terminators inside text.
    static let separators = "line\u{2028}separator\u{2029}paragraph"

    /// The English sample on disk.
    static var sample: URL { Samples.url("talk-en.mp4") }

    /// A job over the English sample's 40.7 s with hostile text wherever a document carries text: cues, a
    /// speaker, dropped text, a gap's message, a warning, the model and the file name; and doubtful speech and an
    /// omission.
    static func hostileDocument() -> ReviewDocument {
        let cues = [
            Cue(start: 1_000, end: 3_500, lines: [imageInjection]),
            Cue(start: 4_000, end: 6_000, lines: [scriptBreakout, "&amp; <b>bold</b> 'single' \"double\""]),
            Cue(start: 6_050, end: 6_600, lines: [separators]),
            Cue(start: 9_000, end: 12_000, lines: ["Ünïcödé — “quotes” \\ backslash 🎬"], speaker: "<i>Ann</i>"),
        ]
        let violations = Linter(style: .netflix).lint(cues)
        var report = SubtitleReport(
            input: sample.path, language: "en", task: .transcribe, model: "<script>alert(1)</script>",
            timing: .segment, audioDuration: 40_700,
            chunks: [
                ChunkSummary(index: 0, start: 0, duration: 20_000, bytes: 1, requestBytes: 1, endsInSilence: false, cached: false),
                ChunkSummary(index: 1, start: 20_000, duration: 20_700, bytes: 1, requestBytes: 1, endsInSilence: true, cached: false),
            ],
            requests: 2, cachedChunks: 0, retries: 0, bytesSent: 2,
            dropped: [DroppedSegment(start: 13_000, end: 15_000, text: scriptBreakout + imageInjection,
                                     rule: DroppedSegment.Rule.phantomPhrase)],
            violations: violations,
            gaps: [ChunkFailure(index: 1, start: 30_000, end: 40_700, message: imageInjection)],
            warnings: [scriptBreakout + separators], wallTime: 1_000, estimatedCost: 0.0041
        )
        report.doubtfulSpeech = [SpeechSpan(start: 16_000, end: 19_000)]
        report.omissions = [Omission(start: 24_000, end: 27_000, kind: .leftOutSound)]
        var media = ReviewDocument.Media(path: sample.path, duration: 40_700)
        media.fileName = "<b>bold</b> & \"quoted\" " + scriptBreakout + ".mp4"
        return ReviewDocument(result: SubtitleResult(cues: cues, report: report), media: media)
    }

    /// A generated film: `cueCount` cues over `duration`, linted against Netflix (hundreds of violations),
    /// `droppedCount` dropped segments in the pauses, a chunk cut every 5 minutes (every seventh inside
    /// speech), and an activity map at 100 ms (108,000 values per series for three hours; at most 200,000).
    static func longFilm(duration: Milliseconds = 10_800_000, cueCount: Int = 2_500, droppedCount: Int = 120,
                         videoPath: String? = nil) -> ReviewDocument {
        var random = FixtureRandom(seed: 16)
        let vocabulary = ["the", "subtitle", "reads", "quickly", "before", "anyone", "notices", "a", "long", "line",
                          "of", "dialogue", "across", "river", "station", "tomorrow", "never", "again", "listen",
                          "careful", "moment", "winter", "letters", "from", "home", "we", "should", "go", "now",
                          "quiet", "please", "nobody", "said", "that", "train", "late", "night", "library"]
        let slot = duration / Milliseconds(cueCount)
        var cues: [Cue] = []
        for index in 0..<cueCount {
            let slotStart = Milliseconds(index) * slot
            let wordCount = 2 + random.next(upTo: 9)
            let words = (0..<wordCount).map { _ in vocabulary[random.next(upTo: vocabulary.count)] }
            let start = slotStart + 150 + Milliseconds(random.next(upTo: 400))
            let length = Milliseconds(wordCount) * 330 + Milliseconds(random.next(upTo: 900))
            let end = min(start + length, slotStart + slot - 150)
            var text = words.joined(separator: " ")
            text = text.prefix(1).uppercased() + text.dropFirst() + "."
            var lines = [text]
            if text.count > 32 {
                let middle = words.count / 2
                lines = [words[..<middle].joined(separator: " "), words[middle...].joined(separator: " ") + "."]
            }
            cues.append(Cue(start: start, end: end, lines: lines))
        }
        let violations = Linter(style: .netflix).lint(cues)
        var dropped: [DroppedSegment] = []
        let stride = max(1, cueCount / max(1, droppedCount))
        for index in Swift.stride(from: 0, to: cueCount - 1, by: stride) where dropped.count < droppedCount {
            let start = cues[index].end + 40
            let end = cues[index + 1].start - 40
            guard end > start + 50 else { continue }
            let rules = [DroppedSegment.Rule.phantomPhrase, DroppedSegment.Rule.noSpeech, DroppedSegment.Rule.loop]
            dropped.append(DroppedSegment(start: start, end: end, text: "Thanks for watching!",
                                          rule: rules[dropped.count % rules.count]))
        }
        let chunkLength: Milliseconds = 300_000
        let chunkCount = Int((duration + chunkLength - 1) / chunkLength)
        let chunks = (0..<chunkCount).map { index in
            ChunkSummary(index: index, start: Milliseconds(index) * chunkLength,
                         duration: min(chunkLength, duration - Milliseconds(index) * chunkLength),
                         bytes: 1, requestBytes: 1, endsInSilence: index % 7 != 3, cached: false)
        }
        // Activity: loud and likely speech under the cues, quiet elsewhere, with some texture; 100 ms steps, or
        // longer ones beyond the map's usual 200,000 values.
        let limit = Milliseconds(ReviewDocument.ActivityMap.defaultMaximumCount)
        let step = max(ReviewDocument.ActivityMap.defaultStep, (duration + limit - 1) / limit)
        let count = Int(duration / step)
        var energy = [Int](repeating: -62, count: count)
        var speech = [Int](repeating: 4, count: count)
        for cue in cues {
            for index in Int(cue.start / step)..<min(count, Int(cue.end / step)) {
                energy[index] = -30 + random.next(upTo: 16)
                speech[index] = 80 + random.next(upTo: 20)
            }
        }
        for index in 0..<count where speech[index] < 50 { energy[index] += random.next(upTo: 8) }
        let report = SubtitleReport(
            input: videoPath ?? "/films/long-film.mkv", language: "en", task: .transcribe, model: "whisper-1",
            timing: .word, audioDuration: duration, chunks: chunks, requests: chunkCount, cachedChunks: 0, retries: 0,
            bytesSent: chunkCount, dropped: dropped, violations: violations, gaps: [], warnings: [],
            wallTime: 600_000, estimatedCost: Double(duration) / 60_000 * 0.006
        )
        let media = videoPath.map { ReviewDocument.Media(path: $0, duration: duration) }
            ?? ReviewDocument.Media(fileName: "long-film.mkv", source: "long-film.mkv", duration: duration)
        return ReviewDocument(result: SubtitleResult(cues: cues, report: report), media: media,
                              activity: ReviewDocument.ActivityMap(step: step, energy: energy, speech: speech))
    }
}

/// A small deterministic random number generator (SplitMix64), so generated documents are the same every run.
struct FixtureRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func nextValue() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound`.
    mutating func next(upTo bound: Int) -> Int { Int(nextValue() % UInt64(max(1, bound))) }
}
