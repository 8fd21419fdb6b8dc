import Foundation
import Subtitles

/// How cue times move: `t · ratio + offset`, the offset taken from the segment a cue starts in.
public struct SyncMapping: Sendable, Hashable, Codable {
    /// One stretch of the subtitles that moves by one offset.
    public struct Segment: Sendable, Hashable, Codable {
        /// Where the segment starts, on the subtitles' own timeline (the start of its first cue); the first
        /// segment applies from the very beginning.
        public var start: Milliseconds
        /// The offset added after the ratio, milliseconds.
        public var offset: Milliseconds

        /// Creates a segment.
        public init(start: Milliseconds, offset: Milliseconds) {
            self.start = start
            self.offset = offset
        }
    }

    /// The factor applied to every time before the offset (1: none; 25/23.976 for a 25 fps master played at
    /// 23.976).
    public var ratio: Double
    /// The segments in time order; at least one. More than one means the cuts differ (jumps).
    public var segments: [Segment]

    /// Creates a mapping.
    /// - Precondition: `segments` is not empty.
    public init(ratio: Double = 1, segments: [Segment]) {
        precondition(!segments.isEmpty, "a mapping has at least one segment")
        self.ratio = ratio
        self.segments = segments.sorted { $0.start < $1.start }
    }

    /// A constant offset.
    public static func offset(_ offset: Milliseconds, ratio: Double = 1) -> SyncMapping {
        SyncMapping(ratio: ratio, segments: [Segment(start: 0, offset: offset)])
    }

    /// No change at all.
    public static let identity = SyncMapping.offset(0)

    /// Whether the mapping changes nothing.
    public var isIdentity: Bool { ratio == 1 && segments.allSatisfy { $0.offset == 0 } }

    /// The number of splits (jumps) between segments.
    public var splitCount: Int { segments.count - 1 }

    /// The segment a cue starting at `start` belongs to.
    public func segment(forCueStartingAt start: Milliseconds) -> Segment {
        var chosen = segments[0]
        for segment in segments.dropFirst() where segment.start <= start { chosen = segment }
        return chosen
    }

    /// `time` moved as a cue starting at `cueStart` moves (both ends of a cue move together).
    public func map(_ time: Milliseconds, cueStart: Milliseconds) -> Milliseconds {
        let offset = segment(forCueStartingAt: cueStart).offset
        return Milliseconds((Double(time) * ratio).rounded()) + offset
    }

    /// A span moved as a whole.
    public func map(_ span: SpeechSpan) -> SpeechSpan {
        SpeechSpan(start: map(span.start, cueStart: span.start), end: map(span.end, cueStart: span.start))
    }
}
