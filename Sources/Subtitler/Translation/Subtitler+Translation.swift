import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import SubtitlerSupport

extension Subtitler {
    /// The longest stretch of failing segments re-requested together.
    static let rerequestSpan: Milliseconds = 10_000
    /// Audio kept on each side of the failing segments in a re-request.
    static let rerequestMargin: Milliseconds = 300

    /// Translations that stay in English: Whisper slips back into the spoken language over long requests. Every
    /// segment of a translated chunk is checked with ``TextLanguage``; runs of segments in another language (up to
    /// ``rerequestSpan``) are translated again from a window of the chunk's own audio around them, with the English
    /// before them as the prompt. Segments still not in English are moved to ``ChunkTranscript/rejected`` (the
    /// pipeline reports them under the `not-english` rule) rather than written to an English track.
    ///
    /// Each re-request's attempt gets `attemptTimeout`, as the chunk's own request did.
    ///
    /// - Throws: the re-request's API error (the chunk then fails like any other and is not cached).
    func keepingEnglish(
        _ transcript: ChunkTranscript, chunk: EncodedChunk, options: SubtitleOptions, attemptTimeout: Duration,
        counters: RequestCounters
    ) async throws(OpenAIAudioError) -> ChunkTranscript {
        let segments = transcript.segments
        let failing = segments.indices.filter {
            if case .other = TextLanguage.englishVerdict(for: segments[$0].text) { return true }
            return false
        }
        guard !failing.isEmpty, let samples = chunk.samples, !samples.isEmpty else { return transcript }
        // Runs of neighbouring failing segments, each at most `rerequestSpan` long.
        var groups: [ClosedRange<Int>] = []
        for index in failing {
            if let last = groups.last, last.upperBound == index - 1,
               segments[index].end - segments[last.lowerBound].start <= Self.rerequestSpan {
                groups[groups.count - 1] = last.lowerBound...index
            } else {
                groups.append(index...index)
            }
        }
        let rate = Int64(chunk.map.sampleRate)
        let uploadDuration = Int64(samples.count) * 1000 / rate
        var replacements: [Int: [TranscriptSegment]] = [:]
        var rejected: [TranscriptSegment] = transcript.rejected ?? []
        var resent: Milliseconds = transcript.rerequestedAudio ?? 0
        for (number, group) in groups.enumerated() {
            // Times come from the server: a segment may claim to start after the upload's end (or end before it
            // starts). Only a window inside the upload can be re-requested; anything else is rejected as it is.
            let lower = min(max(0, segments[group.lowerBound].start - Self.rerequestMargin), uploadDuration)
            let upper = min(uploadDuration, max(segments[group.upperBound].end + Self.rerequestMargin, lower + 1_000))
            let first = Int(lower * rate / 1000)
            let last = Int(min(Int64(samples.count), upper * rate / 1000))
            guard first < last else {
                rejected += segments[group]
                continue
            }
            let window = Array(samples[first..<last])
            let english = segments[..<group.lowerBound].filter { TextLanguage.englishVerdict(for: $0.text) == .english }
            let prompt = options.prompt ?? english.suffix(2).map(\.text).joined(separator: " ")
            let encoded: [UInt8]
            do {
                encoded = try await BlockingWork.run(on: mediaPool, "encode") {
                    try AudioEncoder.encode(window, sampleRate: Int(rate), as: options.uploadEncoding).data
                }
            } catch {
                rejected += segments[group]
                continue
            }
            let file = AudioUpload(
                data: encoded,
                filename: String(format: "chunk-%04d-retry-%d.", chunk.summary.index + 1, number + 1)
                    + options.uploadEncoding.fileExtension,
                contentType: options.uploadEncoding.contentType)
            let request = TranslationRequest(file: file, model: options.model, prompt: prompt.isEmpty ? nil : prompt,
                                             responseFormat: .verboseJSON, temperature: options.temperature)
            var sizing = TranscriptionRequest(file: file, model: options.model)
            sizing.prompt = request.prompt
            let bytes = multipartBodySize(for: sizing)
            counters.addRequest(bytes: bytes)
            // The re-request holds the chunk's place in flight: the pipeline's watch on the server covers it.
            let answer = try await backend.translateVerbose(request, timeout: attemptTimeout) { _ in
                counters.addRetry(bytes: bytes)
            }
            resent += upper - lower
            let again = ChunkTranscript(answer).segments.compactMap { segment -> TranscriptSegment? in
                var shifted = SegmentPlacement.clamped(segment, toDuration: upper - lower)
                guard !shifted.text.isEmpty else { return nil }
                shifted.start += lower
                shifted.end += lower
                shifted.words = shifted.words.map {
                    TranscriptWord(text: $0.text, start: $0.start + lower, end: $0.end + lower)
                }
                return shifted
            }
            let stillForeign = again.contains {
                if case .other = TextLanguage.englishVerdict(for: $0.text) { return true }
                return false
            }
            if again.isEmpty || stillForeign {
                rejected += segments[group]
            } else {
                replacements[group.lowerBound] = again
            }
        }
        var kept: [TranscriptSegment] = []
        var index = 0
        let failingSet = Set(failing)
        while index < segments.count {
            if let replacement = replacements[index], let group = groups.first(where: { $0.lowerBound == index }) {
                kept += replacement
                index = group.upperBound + 1
                continue
            }
            if !failingSet.contains(index) { kept.append(segments[index]) }
            index += 1
        }
        var result = transcript
        result.segments = kept
        result.rejected = rejected
        result.rerequestedAudio = resent
        return result
    }
}
