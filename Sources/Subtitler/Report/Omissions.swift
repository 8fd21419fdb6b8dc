import Foundation
import MediaAudio
import Subtitles

/// A stretch of the media whose words may be missing from the subtitles although no rule dropped any text there:
/// the report names every one, so nothing is lost silently.
public struct Omission: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Start on the media timeline.
    public var start: Milliseconds
    /// End on the media timeline.
    public var end: Milliseconds
    /// Why its words may be missing.
    public var kind: Kind

    /// Creates a report entry.
    public init(start: Milliseconds, end: Milliseconds, kind: Kind) {
        self.start = start
        self.end = max(start, end)
        self.kind = kind
    }

    /// Why words may be missing; the raw value is what reports carry.
    public enum Kind: String, Sendable, Codable, Hashable, CaseIterable, CustomStringConvertible {
        /// Left out of the upload, yet loud: energy the energy map reads as speech, where the speech detector was
        /// sure no one spoke (music, noise, or speech it missed). Send everything (`--send-all`) to hear it.
        case leftOutSound = "left-out-sound"
        /// Speech (or doubtful speech) beside a join in an upload, where a stretch without speech was left out,
        /// for which the model returned no words.
        case emptyJoin = "empty-join"
        /// Speech (or doubtful speech) in an upload of one piece for which the model returned no words at all.
        case emptyAnswer = "empty-answer"

        /// The name reports carry.
        public var description: String { rawValue }
    }

    /// One line: the kind and the times.
    public var description: String { "\(kind) \(Timecode.srt(start))–\(Timecode.srt(end))" }
}

/// Finds the omissions of a run from its upload maps, its answers and its speech and energy maps: pure arithmetic on
/// times.
enum OmissionFinder {
    /// The least sound or speech worth naming: 250 ms (Silero's shortest speech).
    static let minimumLength: Milliseconds = 250

    /// The stretches left out of every upload that held speech-like energy.
    /// - Parameters:
    ///   - sent: the stretches uploaded, in milliseconds on the media timeline, in any order.
    ///   - duration: the timeline's length.
    ///   - loud: per energy frame, whether it holds speech-like energy (``EnergySpeechDetector``, no hangover).
    ///   - frameDuration: the energy frames' length.
    /// - Returns: for each left-out stretch with at least ``minimumLength`` of loud frames, the span from its first
    ///   loud frame to its last.
    static func leftOutSound(sent: [SpeechSpan], duration: Milliseconds, loud: [Bool], frameDuration: Milliseconds)
        -> [Omission]
    {
        let frameDuration = max(1, frameDuration)
        let leftOut = SpeechSpan.subtracting(SpeechSpan.union(sent, []), from: [SpeechSpan(start: 0, end: duration)])
        return leftOut.compactMap { stretch -> Omission? in
            let first = Int(max(0, stretch.start) / frameDuration)
            let last = min(loud.count, Int((stretch.end + frameDuration - 1) / frameDuration))
            guard first < last else { return nil }
            var count = 0
            var firstLoud: Int?
            var lastLoud = first
            for frame in first..<last where loud[frame] {
                count += 1
                if firstLoud == nil { firstLoud = frame }
                lastLoud = frame
            }
            guard let firstLoud, Milliseconds(count) * frameDuration >= minimumLength else { return nil }
            return Omission(start: max(stretch.start, Milliseconds(firstLoud) * frameDuration),
                            end: min(stretch.end, Milliseconds(lastLoud + 1) * frameDuration), kind: .leftOutSound)
        }
    }

    /// One upload that was answered: where its pieces lie and what came back.
    struct Answer {
        /// The uploaded pieces, in milliseconds on the media timeline, in order.
        var pieces: [SpeechSpan]
        /// The segments that came back, on the media timeline (before any rule dropped one).
        var segments: [SpeechSpan]
    }

    /// The speech for which no words came back: for every piece of an upload of several pieces, the heard speech
    /// inside it (at least ``minimumLength``) when no segment overlaps it (`empty-join`); for an upload of one piece,
    /// its heard speech when the answer held no segment at all (`empty-answer`).
    static func emptyJoins(_ answers: [Answer], activity: SpeechActivity) -> [Omission] {
        var result: [Omission] = []
        for answer in answers {
            let kind: Omission.Kind = answer.pieces.count > 1 ? .emptyJoin : .emptyAnswer
            if kind == .emptyAnswer, !answer.segments.isEmpty { continue }
            for piece in answer.pieces {
                let heard = activity.heardRegions(overlapping: piece.start, piece.end).map {
                    SpeechSpan(start: max($0.start, piece.start), end: min($0.end, piece.end))
                }.filter { $0.duration > 0 }
                guard let first = heard.first, let last = heard.last,
                      heard.reduce(0, { $0 + $1.duration }) >= minimumLength else { continue }
                let answered = answer.segments.contains { $0.start < last.end && $0.end > first.start }
                if !answered { result.append(Omission(start: first.start, end: last.end, kind: kind)) }
            }
        }
        return result
    }
}

extension OmissionFinder {
    /// Every omission of a finished run, in time order.
    static func omissions(
        scheduled: ScheduledChunks, placed: SegmentPlacement.Placed, activity: SpeechActivity, energies: [Float],
        energyFrameDuration: Milliseconds, duration: Milliseconds
    ) -> [Omission] {
        var sent: [SpeechSpan] = []
        var answers: [Answer] = []
        let chunks = Dictionary(placed.chunks.map { ($0.offset, $0) }, uniquingKeysWith: { first, _ in first })
        for summary in scheduled.summaries {
            guard let map = scheduled.uploadMaps[summary.index] else {
                // Never encoded (a failed run): taken as sent; failures are reported as gaps.
                sent.append(SpeechSpan(start: summary.start, end: summary.start + summary.duration))
                continue
            }
            let rate = Int64(map.sampleRate)
            let pieces = map.pieces.map {
                SpeechSpan(start: $0.mediaStart * 1000 / rate, end: ($0.mediaStart + $0.length) * 1000 / rate)
            }
            sent += pieces
            guard scheduled.outcomes[summary.index] != nil, let chunk = chunks[summary.start] else { continue }
            let segments = chunk.segments
                .filter { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
                .map { SpeechSpan(start: chunk.offset + $0.start, end: chunk.offset + max($0.end, $0.start + 1)) }
            answers.append(Answer(pieces: pieces, segments: segments))
        }
        let loud = EnergySpeechDetector.speechFrames(from: energies, hangoverFrames: 0)
        let found = leftOutSound(sent: sent, duration: duration, loud: loud, frameDuration: energyFrameDuration)
            + emptyJoins(answers, activity: activity)
        return found.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }
}
