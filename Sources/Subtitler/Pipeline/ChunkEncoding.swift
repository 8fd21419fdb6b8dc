import MediaAudio
import OpenAIAudio
import Subtitles

extension Subtitler {
    /// Encodes a chunk's upload (its speech, when long stretches without it are left out); while its request body
    /// is over the limit, splits it where no one speaks in its middle third (or in its quietest stretch there).
    func encodeToFit(_ raw: RawChunk, producer: ChunkProducer, options: SubtitleOptions, firstIndex: Int) throws -> [EncodedChunk] {
        let rate = Int64(producer.reader.sampleRate)
        let map = UploadMap(kept: raw.kept, sampleRate: Int(rate))
        let index = firstIndex
        var summary = ChunkSummary(
            index: index, start: raw.startSample * 1000 / rate, duration: Int64(raw.samples.count) * 1000 / rate,
            bytes: 0, requestBytes: 0, endsInSilence: raw.endsInSilence, cached: false)
        guard map.uploadLength > 0 else {
            return [EncodedChunk(summary: summary, audio: [], map: map, samples: nil)]
        }
        let upload = map.isContiguous && map.uploadLength == Int64(raw.samples.count)
            ? raw.samples : map.uploadSamples(from: raw.samples, startingAt: raw.startSample)
        let encoded = try AudioEncoder.encode(upload, sampleRate: Int(rate), as: options.uploadEncoding)
        // Later requests may carry the detected language: measure with one so the size is an upper bound.
        let request = makeRequest(audio: encoded.data, index: index, language: options.language ?? "xx", options: options)
        let requestBytes = multipartBodySize(for: request)
        let frameLength = producer.meter.frameLength
        if requestBytes <= options.maxRequestBytes || raw.samples.count < 2 * frameLength * 50 {
            if requestBytes > options.maxRequestBytes {
                throw SubtitlerError.chunkTooLarge(path: producer.name, bytes: requestBytes, limit: options.maxRequestBytes)
            }
            summary.bytes = encoded.data.count
            summary.requestBytes = requestBytes
            summary.audioSent = map.uploadDuration
            return [EncodedChunk(summary: summary, audio: encoded.data, map: map,
                                 samples: options.task == .translate ? upload : nil)]
        }
        // Split where no one speaks in the middle third, or in its quietest stretch, on a frame boundary.
        let firstFrame = Int(raw.startSample / Int64(frameLength))
        let frameCount = raw.samples.count / frameLength
        let split: Int64
        let inSilence: Bool
        if let cut = producer.speechCut(lowFrame: firstFrame + frameCount / 3, highFrame: firstFrame + 2 * frameCount / 3,
                                        targetFrame: firstFrame + frameCount / 2) {
            split = cut
            inSilence = true
        } else {
            let planner = ChunkBoundaryPlanner(targetFrames: max(1, frameCount / 2), searchFrames: max(1, frameCount / 6))
            let cut = planner.quietestCut(in: producer.energies, between: firstFrame + frameCount / 3,
                                          and: firstFrame + 2 * frameCount / 3, chunkStart: firstFrame)
            split = Int64(cut.frame) * Int64(frameLength)
            inSilence = cut.isInSilence
        }
        let left = raw.slice(raw.startSample..<split, endsInSilence: inSilence)
        let right = raw.slice(split..<raw.range.upperBound, endsInSilence: raw.endsInSilence)
        let leftChunks = try encodeToFit(left, producer: producer, options: options, firstIndex: firstIndex)
        let rightChunks = try encodeToFit(right, producer: producer, options: options,
                                          firstIndex: firstIndex + leftChunks.count)
        return leftChunks + rightChunks
    }

}
