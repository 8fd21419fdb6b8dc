import Foundation
import Subtitles

/// What cues are moved onto: the speech of the media (or a reference subtitle's cues) as sorted, disjoint spans on
/// a timeline that ends at ``duration``.
public struct SyncTarget: Sendable, Hashable {
    /// The spans, sorted and disjoint (touching or overlapping input spans are joined).
    public let spans: [SpeechSpan]
    /// Where the timeline ends: the media's length (cues past it are clamped).
    public let duration: Milliseconds
    /// `prefix[i]`: the total length of the spans before span `i`.
    private let prefix: [Milliseconds]

    /// Creates a target from spans in any order.
    /// - Parameters:
    ///   - spans: speech (or reference cues); empty spans are dropped, overlapping ones joined.
    ///   - duration: the timeline's length; at least the end of the last span.
    public init(spans: [SpeechSpan], duration: Milliseconds) {
        var joined: [SpeechSpan] = []
        for span in spans.filter({ $0.end > $0.start }).sorted(by: { $0.start < $1.start }) {
            if let last = joined.last, span.start <= last.end {
                joined[joined.count - 1].end = max(last.end, span.end)
            } else {
                joined.append(SpeechSpan(start: max(0, span.start), end: span.end))
            }
        }
        self.spans = joined.filter { $0.end > $0.start }
        var sums: [Milliseconds] = [0]
        sums.reserveCapacity(self.spans.count + 1)
        for span in self.spans { sums.append(sums[sums.count - 1] + span.duration) }
        prefix = sums
        self.duration = max(duration, self.spans.last?.end ?? 0)
    }

    /// The total length of the spans.
    public var totalDuration: Milliseconds { prefix[prefix.count - 1] }

    /// The share of the timeline the spans cover, 0...1.
    public var density: Double { duration > 0 ? Double(totalDuration) / Double(duration) : 0 }

    /// The length of the spans before `time`. O(log n).
    func covered(before time: Milliseconds) -> Milliseconds {
        // The first span that starts at or after `time`.
        var low = 0
        var high = spans.count
        while low < high {
            let middle = (low + high) / 2
            if spans[middle].start < time { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return 0 }
        let span = spans[low - 1]
        return prefix[low - 1] + min(time, span.end) - span.start
    }

    /// The length of the spans inside `start..<end`. O(log n).
    func covered(from start: Milliseconds, to end: Milliseconds) -> Milliseconds {
        end > start ? covered(before: end) - covered(before: start) : 0
    }
}
