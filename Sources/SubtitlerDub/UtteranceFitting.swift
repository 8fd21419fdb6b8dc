import Foundation
import MediaAudio
import Subtitles

/// The decisions that fit an utterance to its cue, as pure functions: where its speech is, which `speed` to ask
/// for, which tempo to apply, and where it is placed so that no two utterances overlap.
enum UtteranceFitting {
    /// Energy frames kept before the first and after the last loud frame (20 ms each).
    static let leadingMarginFrames = 1
    static let trailingMarginFrames = 2
    /// A frame is speech when it is within this many dB of the utterance's loudest frame...
    static let rangeBelowPeak: Float = 40
    /// ...and above this absolute level (dBFS).
    static let absoluteFloor: Float = -60

    /// The part of `samples` that holds speech: from one 20 ms frame before the first frame within 40 dB of the
    /// loudest (and above -60 dBFS) to two frames after the last one. Nil when nothing is that loud (silence).
    static func speechRange(of samples: [Int16], sampleRate: Int) -> Range<Int>? {
        var meter = EnergyMeter(sampleRate: sampleRate)
        meter.append(samples)
        meter.finish()
        let energies = meter.energies
        guard let peak = energies.max(), peak > absoluteFloor else { return nil }
        let threshold = max(peak - rangeBelowPeak, absoluteFloor)
        guard let first = energies.firstIndex(where: { $0 > threshold }),
              let last = energies.lastIndex(where: { $0 > threshold }) else { return nil }
        let frame = meter.frameLength
        let start = max(0, (first - leadingMarginFrames) * frame)
        let end = min(samples.count, (last + 1 + trailingMarginFrames) * frame)
        return start < end ? start..<end : nil
    }

    /// `samples` without leading and trailing silence (see ``speechRange(of:sampleRate:)``), or nil for silence.
    static func trimmed(_ samples: [Int16], sampleRate: Int) -> [Int16]? {
        guard let range = speechRange(of: samples, sampleRate: sampleRate) else { return nil }
        return range == samples.indices ? samples : Array(samples[range])
    }

    /// The `speed` to ask the speech API for when speech of `length` samples must fit into `slot` samples: the
    /// ratio plus 3 %, rounded up to a multiple of 0.05, at most `maxSpeed`. Nil when it fits already or re-requests
    /// are disabled (`maxSpeed` of 1).
    static func speed(forLength length: Int, slot: Int, maxSpeed: Double) -> Double? {
        guard length > slot, maxSpeed > 1 else { return nil }
        let ratio = slot > 0 ? Double(length) / Double(slot) : .infinity
        let wanted = (ratio * 1.03 * 20).rounded(.up) / 20
        let speed = min(maxSpeed, wanted)
        return speed > 1 ? speed : nil
    }

    /// Whether an answer requested at `speed` is really faster: it must be at least half as much shorter than
    /// `natural` as the speed promises (a server that ignores `speed` gives about the same length again).
    static func honoursSpeed(_ speed: Double, natural: Int, faster: Int) -> Bool {
        let promised = Double(natural) / speed
        return Double(faster) <= (Double(natural) + promised) / 2
    }

    /// The tempo change (pitch kept) that makes `length` samples fit into `available`, at most `maxTempo`. Nil
    /// when it fits already or tempo changes are disabled (`maxTempo` of 1).
    static func tempo(forLength length: Int, available: Int, maxTempo: Double) -> Double? {
        guard length > available, maxTempo > 1 else { return nil }
        let ratio = available > 0 ? Double(length) / Double(available) : .infinity
        return min(maxTempo, ratio)
    }
}

/// A cue as the dub plans it: its text, its slot, and whether it is spoken at all.
struct PlannedCue: Sendable, Hashable {
    /// The cue's number, from 1, in time order.
    var number: Int
    /// The text to speak: the lines joined by spaces, dialogue dashes removed.
    var text: String
    /// The cue's start and end on the media timeline, milliseconds.
    var start: Milliseconds
    var end: Milliseconds
    /// Where the speech should end at the latest (see ``DubFitTarget``), milliseconds.
    var slotEnd: Milliseconds
    /// Whether the text has anything to say (a letter or a digit).
    var isSpeakable: Bool
    /// Whether the cue starts before the end of the media.
    var isInsideMedia: Bool

    /// Whether the cue gets speech.
    var isSpoken: Bool { isSpeakable && isInsideMedia }

    /// The cues in time order with their slots. With `.untilNextCue`, a slot ends where the next spoken cue starts;
    /// with `.cue`, at the cue's own end; both at most at `mediaDuration`.
    static func plan(_ cues: [Cue], mediaDuration: Milliseconds, fitTarget: DubFitTarget) -> [PlannedCue] {
        let sorted = cues.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }
            .map(\.element)
        var planned = sorted.enumerated().map { index, cue -> PlannedCue in
            let text = speechText(of: cue)
            return PlannedCue(
                number: index + 1, text: text, start: cue.start, end: max(cue.start, cue.end),
                slotEnd: max(cue.start, cue.end), isSpeakable: text.contains { $0.isLetter || $0.isNumber },
                isInsideMedia: cue.start < mediaDuration)
        }
        var nextStart = mediaDuration
        for index in planned.indices.reversed() {
            let cue = planned[index]
            let end = fitTarget == .untilNextCue ? nextStart : cue.end
            planned[index].slotEnd = max(cue.start, min(end, mediaDuration))
            if cue.isSpoken { nextStart = cue.start }
        }
        return planned
    }

    /// A cue's lines as one line of speech: dialogue dashes at line starts dropped, whitespace collapsed.
    static func speechText(of cue: Cue) -> String {
        cue.lines.map { line -> Substring in
            var text = Substring(line).drop { $0 == " " }
            if text.hasPrefix("-") || text.hasPrefix("–") || text.hasPrefix("—") { text = text.dropFirst() }
            return text
        }
        .joined(separator: " ")
        .split(whereSeparator: \.isWhitespace)
        .joined(separator: " ")
    }
}

/// Where utterances go on the dub track: at their cue's start, or right after the utterance before them when that
/// one overran (plus a short gap), so that no two overlap. Positions are samples at the track's rate.
struct UtteranceTimeline: Sendable {
    /// Silence kept after an utterance that delays the next one, in samples.
    let minimumGap: Int64
    /// Where the last placed utterance ends.
    private(set) var previousEnd: Int64 = 0

    init(minimumGap: Int64) {
        self.minimumGap = minimumGap
    }

    /// Where an utterance planned at `planned` starts.
    func start(forPlanned planned: Int64) -> Int64 {
        previousEnd > planned ? previousEnd + minimumGap : planned
    }

    /// Records an utterance that ends at `end`.
    mutating func commit(end: Int64) {
        previousEnd = max(previousEnd, end)
    }
}
