import Foundation
import OpenAIAudio
import Subtitles

/// Puts chunk answers on the media timeline: pure arithmetic on times, unit-tested on numbers.
enum SegmentPlacement {
    /// The chunks the builder takes, and what the placement found on the way.
    struct Placed {
        /// One transcript chunk per answered chunk, its segments relative to the chunk's start on the media timeline.
        var chunks: [TranscriptChunk] = []
        /// Whether any segment carries word times.
        var hasWords = false
        /// Segments a translation left in another language, placed on the media timeline.
        var rejected: [DroppedSegment] = []
        /// Audio sent again for translation re-requests, milliseconds.
        var rerequested: Milliseconds = 0
        /// The part of ``rerequested`` not answered from the cache.
        var uncachedRerequests: Milliseconds = 0
    }

    /// Places every answered chunk of `scheduled`: segments clamped to their upload and mapped through its upload map
    /// (text-only answers spread over the chunk's speech regions).
    static func place(_ scheduled: ScheduledChunks, strategy: AudioModel.Timing, activity: SpeechActivity) -> Placed {
        var placed = Placed()
        for summary in scheduled.summaries {
            guard let map = scheduled.uploadMaps[summary.index],
                  let transcript = scheduled.outcomes[summary.index]?.sanitized(audioDuration: map.uploadDuration)
            else { continue }
            placed.hasWords = placed.hasWords || transcript.segments.contains { !$0.words.isEmpty }
            placed.rerequested += transcript.rerequestedAudio ?? 0
            if !summary.cached { placed.uncachedRerequests += transcript.rerequestedAudio ?? 0 }
            let segments: [TranscriptSegment]
            if strategy == .textOnly {
                segments = regionSegments(text: transcript.text, chunk: summary, activity: activity)
            } else {
                segments = transcript.segments.map {
                    mapped(clamped($0, toDuration: map.uploadDuration), through: map, chunkStart: summary.start)
                }
            }
            for segment in transcript.rejected ?? [] {
                let moved = mapped(clamped(segment, toDuration: map.uploadDuration), through: map,
                                   chunkStart: summary.start)
                placed.rejected.append(DroppedSegment(start: summary.start + moved.start, end: summary.start + moved.end,
                                                      text: segment.text, rule: DroppedSegment.Rule.notEnglish))
            }
            placed.chunks.append(TranscriptChunk(offset: summary.start, duration: summary.duration, segments: segments))
        }
        return placed
    }

    /// One segment per text-only chunk, from the first to the last detected speech inside it (times relative to
    /// the chunk); the builder shares its words out over the speech regions between.
    static func regionSegments(text: String, chunk: ChunkSummary, activity: SpeechActivity) -> [TranscriptSegment] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        let regions = activity.heardRegions(overlapping: chunk.start, chunk.start + chunk.duration)
        var start: Int64 = 0
        var end = chunk.duration
        if let first = regions.first, let last = regions.last {
            start = max(0, first.start - chunk.start)
            end = min(chunk.duration, last.end - chunk.start)
        }
        return [TranscriptSegment(start: start, end: max(end, start + 1), text: trimmed)]
    }

    /// A segment with its times (and its words' times) inside its chunk: servers can send times past the audio,
    /// negative or absurd values, which must not shift cues off the timeline or overflow later arithmetic.
    static func clamped(_ segment: TranscriptSegment, toDuration duration: Milliseconds) -> TranscriptSegment {
        func clamp(_ value: Milliseconds) -> Milliseconds { min(max(value, 0), duration) }
        var result = segment
        result.start = clamp(segment.start)
        result.end = max(result.start, clamp(segment.end))
        result.words = segment.words.map {
            TranscriptWord(text: $0.text, start: clamp($0.start), end: max(clamp($0.start), clamp($0.end)))
        }
        return result
    }

    /// A segment with times in the upload moved to times relative to its chunk on the media timeline, through the
    /// upload's exact map (stretches left out of the upload are put back).
    static func mapped(
        _ segment: TranscriptSegment, through map: UploadMap, chunkStart: Milliseconds
    ) -> TranscriptSegment {
        guard !map.isContiguous || map.pieces.first?.mediaStart != chunkStart * Int64(map.sampleRate) / 1000 else {
            return segment
        }
        func place(_ value: Milliseconds, _ edge: UploadMap.Edge) -> Milliseconds {
            map.mediaMilliseconds(forUpload: value, edge: edge) - chunkStart
        }
        var result = segment
        result.start = place(segment.start, .start)
        result.end = max(result.start, place(segment.end, .end))
        result.words = segment.words.map {
            let start = place($0.start, .start)
            return TranscriptWord(text: $0.text, start: start, end: max(start, place($0.end, .end)))
        }
        return result
    }

}
