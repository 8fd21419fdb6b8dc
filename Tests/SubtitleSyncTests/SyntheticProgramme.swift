import Foundation
import Subtitles
import SubtitleSync
import TestSupport

/// A programme with exact ground truth for the aligner: dialogue cues on the media timeline, the speech a detector
/// would hear in them (starts a little late, ends a little early, pauses inside some cues, background voices
/// between them), and stretches without dialogue (music, action).
struct SyntheticProgramme {
    /// The cues as they belong on this media.
    var cues: [SpeechSpan]
    /// What the detector hears.
    var speech: [SpeechSpan]
    /// The media's length.
    var duration: Milliseconds

    /// The speech map the aligner is given.
    var target: SyncTarget { SyncTarget(spans: speech, duration: duration) }

    /// Makes a programme of about `minutes` minutes from `seed`.
    static func make(seed: UInt64, minutes: Double) -> SyntheticProgramme {
        var random = SeededGenerator(seed: seed)
        let length = Milliseconds(minutes * 60_000)
        var cues: [SpeechSpan] = []
        var speech: [SpeechSpan] = []
        var time = Milliseconds.random(in: 1000...4000, using: &random)
        while time < length - 5000 {
            if Double.random(in: 0..<1, using: &random) < 0.05 {
                // A stretch without dialogue, sometimes with a background voice.
                let quiet = Milliseconds.random(in: 8000...40_000, using: &random)
                if Bool.random(using: &random) {
                    let at = time + Milliseconds.random(in: 1000...max(1001, quiet - 2000), using: &random)
                    speech.append(SpeechSpan(start: at, end: at + Milliseconds.random(in: 300...900, using: &random)))
                }
                time += quiet
                continue
            }
            let duration = Milliseconds.random(in: 1000...4500, using: &random)
            let cue = SpeechSpan(start: time, end: time + duration)
            cues.append(cue)
            let heardStart = cue.start + Milliseconds.random(in: 0...120, using: &random)
            let heardEnd = cue.end - Milliseconds.random(in: 0...250, using: &random)
            if duration > 2000, Double.random(in: 0..<1, using: &random) < 0.4 {
                let pause = heardStart + Milliseconds.random(in: 600...(duration - 1200), using: &random)
                speech.append(SpeechSpan(start: heardStart, end: pause))
                speech.append(SpeechSpan(start: pause + Milliseconds.random(in: 120...300, using: &random), end: heardEnd))
            } else {
                speech.append(SpeechSpan(start: heardStart, end: heardEnd))
            }
            let gap = Milliseconds.random(in: 150...2500, using: &random)
            if gap > 1200, Double.random(in: 0..<1, using: &random) < 0.1 {
                let at = cue.end + 300
                speech.append(SpeechSpan(start: at, end: at + Milliseconds.random(in: 200...600, using: &random)))
            }
            time = cue.end + gap
        }
        return SyntheticProgramme(cues: cues, speech: speech, duration: length)
    }
}

/// A subtitle file's cues for the programme: each with the time it belongs at on the media, when it has one.
struct DistortedCues {
    /// The cues' times in the file.
    var spans: [SpeechSpan]
    /// The start each cue belongs at on the media (nil for cues the media has no place for: extra scenes, signs,
    /// credits).
    var truth: [Milliseconds?]

    /// The cues exactly as they belong.
    init(_ programme: SyntheticProgramme) {
        spans = programme.cues
        truth = programme.cues.map(\.start)
    }

    /// Every time moved by `transform`.
    func moved(_ transform: (Milliseconds) -> Milliseconds) -> DistortedCues {
        var copy = self
        copy.spans = spans.map { span in
            let start = transform(span.start)
            return SpeechSpan(start: start, end: start + (transform(span.end) - transform(span.start)))
        }
        return copy
    }

    /// Late (positive) or early by `offset`.
    func offset(by offset: Milliseconds) -> DistortedCues { moved { $0 + offset } }

    /// Times multiplied by `ratio`, as subtitles made for another frame rate.
    func scaled(by ratio: Double) -> DistortedCues { moved { Milliseconds((Double($0) * ratio).rounded()) } }

    /// Cues starting at or after `time` (in the file's times) moved by `jump`: the subtitles' cut differs there.
    func jumped(at time: Milliseconds, by jump: Milliseconds) -> DistortedCues {
        var copy = self
        copy.spans = spans.map { $0.start >= time ? SpeechSpan(start: $0.start + jump, end: $0.end + jump) : $0 }
        return copy
    }

    /// A scene of `length` the media lacks, inserted at `time` in the file: later cues move by `length`, and the
    /// scene's own cues have no place on the media.
    func withExtraScene(at time: Milliseconds, length: Milliseconds, seed: UInt64) -> DistortedCues {
        var copy = jumped(at: time, by: length)
        var random = SeededGenerator(seed: seed)
        var at = time + 500
        while at < time + length - 3000 {
            let duration = Milliseconds.random(in: 1000...3000, using: &random)
            copy.spans.append(SpeechSpan(start: at, end: at + duration))
            copy.truth.append(nil)
            at += duration + Milliseconds.random(in: 300...2000, using: &random)
        }
        return copy
    }

    /// Cues in `range` of the file left out, later ones moved back by its length: a scene the subtitles' cut lacks.
    func withoutScene(_ range: Range<Milliseconds>) -> DistortedCues {
        var copy = DistortedCues(spans: [], truth: [])
        for (span, truth) in zip(spans, truth) {
            if range.contains(span.start) { continue }
            let shift = span.start >= range.upperBound ? -(range.upperBound - range.lowerBound) : 0
            copy.spans.append(SpeechSpan(start: span.start + shift, end: span.end + shift))
            copy.truth.append(truth)
        }
        return copy
    }

    /// `count` sign cues spread over the file and `credits` cues after the last one, none of them over speech.
    func withExtraCues(signs count: Int, credits: Int, seed: UInt64) -> DistortedCues {
        var copy = self
        var random = SeededGenerator(seed: seed)
        let end = spans.map(\.end).max() ?? 0
        for _ in 0..<count {
            let at = Milliseconds.random(in: 0...end, using: &random)
            copy.spans.append(SpeechSpan(start: at, end: at + 1500))
            copy.truth.append(nil)
        }
        for index in 0..<credits {
            let at = end + 3000 + Milliseconds(index) * 4000
            copy.spans.append(SpeechSpan(start: at, end: at + 3500))
            copy.truth.append(nil)
        }
        return copy
    }

    /// Every `n`th cue left out.
    func missing(every n: Int) -> DistortedCues {
        let kept = spans.indices.filter { $0 % n != 0 }
        return DistortedCues(spans: kept.map { spans[$0] }, truth: kept.map { truth[$0] })
    }

    /// Only the first `count` cues (in the file's order): a short file.
    func first(_ count: Int) -> DistortedCues {
        DistortedCues(spans: Array(spans.prefix(count)), truth: Array(truth.prefix(count)))
    }

    /// The first `count` cues (in the file's order) left out.
    func dropping(_ count: Int) -> DistortedCues {
        DistortedCues(spans: Array(spans.dropFirst(count)), truth: Array(truth.dropFirst(count)))
    }

    private init(spans: [SpeechSpan], truth: [Milliseconds?]) {
        self.spans = spans
        self.truth = truth
    }

    /// The share of cues with a place whose start, moved by `mapping`, lands within `tolerance` of it.
    func shareWithin(_ tolerance: Milliseconds, after mapping: SyncMapping) -> Double {
        let placed = zip(spans, truth).compactMap { span, truth in truth.map { (span, $0) } }
        let close = placed.filter { abs(mapping.map($0.0.start, cueStart: $0.0.start) - $0.1) <= tolerance }
        return Double(close.count) / Double(max(1, placed.count))
    }
}
