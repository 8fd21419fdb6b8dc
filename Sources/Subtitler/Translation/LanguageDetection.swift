import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import SubtitlerSupport

/// The spoken language of a media file, found from a few short windows past the opening rather than from the whole
/// file (or from its first seconds, which often hold music or a logo).
public struct DetectedLanguage: Sendable, Codable, Hashable {
    /// The ISO 639-1 code (or Whisper's code), e.g. `en`.
    public var code: String
    /// Whisper's lowercase English name, e.g. `english`.
    public var name: String
    /// How many windows voted for it, out of ``windows``.
    public var votes: Int
    /// How many windows were asked.
    public var windows: Int
}

extension Subtitler {
    /// Detects the spoken language of `path` from `windowCount` windows of `windowDuration` each, placed past the
    /// opening (at 25 %, 50 % and 75 % of the audio for three windows), each moved to the loudest stretch near its
    /// place. One request per window; the majority wins (the earliest window breaks ties).
    /// - Parameters:
    ///   - path: the media file (or headerless PCM, with `options.rawPCMInput`).
    ///   - options: track, model and input format; the language is ignored.
    ///   - windowCount: how many windows to ask about (1...9).
    ///   - windowDuration: the length of each window (5 s...60 s).
    /// - Throws: ``SubtitlerError`` for unreadable media or when no window got an answer.
    public func detectLanguage(
        of path: String, options: SubtitleOptions = SubtitleOptions(), windowCount: Int = 3,
        windowDuration: Milliseconds = 20_000
    ) async throws(SubtitlerError) -> DetectedLanguage {
        let count = min(max(windowCount, 1), 9)
        let window = min(max(windowDuration, 5_000), 60_000)
        let windows: [[Int16]]
        do {
            windows = try await BlockingWork.run(on: mediaPool, "decode windows") {
                try Self.speechWindows(path: path, options: options, count: count, duration: window)
            }
        } catch let error as SubtitlerError {
            throw error
        } catch {
            throw .cancelled(path: path)
        }
        var votes: [String: (count: Int, first: Int)] = [:]
        var lastError: OpenAIAudioError?
        for (index, samples) in windows.enumerated() {
            if Task.isCancelled { throw .cancelled(path: path) }
            do {
                let audio = try await BlockingWork.run(on: mediaPool, "encode") {
                    try AudioEncoder.encode(samples, sampleRate: options.sampleRate, as: .flac).data
                }
                var request = TranscriptionRequest(
                    file: AudioUpload(data: audio, filename: "window-\(index + 1).flac", contentType: "audio/flac"),
                    model: options.model)
                request.responseFormat = .verboseJSON
                let result = try await backend.transcribeVerbose(
                    request, timeout: options.requestTimeout.timeout(forAudio: window), onRetry: nil)
                guard let language = result.language, let code = WhisperLanguages.code(for: language) else { continue }
                let current = votes[code] ?? (0, index)
                votes[code] = (current.count + 1, current.first)
            } catch let error as OpenAIAudioError {
                if error.isFatalForAllChunks || error.kind == .cancelled { throw .api(path: path, error) }
                lastError = error
            } catch {
                continue
            }
        }
        guard let best = votes.max(by: { ($0.value.count, -$0.value.first) < ($1.value.count, -$1.value.first) }) else {
            if let lastError { throw .api(path: path, lastError) }
            throw .chunksFailed(path: path, [ChunkFailure(index: 0, start: 0, end: 0, message: "no window gave a language")])
        }
        return DetectedLanguage(code: best.key, name: WhisperLanguages.names[best.key] ?? best.key,
                                votes: best.value.count, windows: windows.count)
    }

    /// Decodes the file once and keeps, near each of `count` evenly spaced places past the opening, the
    /// `duration`-long stretch with the most energy above the file's quiet level. Memory: `count` search spans.
    static func speechWindows(path: String, options: SubtitleOptions, count: Int, duration: Milliseconds) throws -> [[Int16]] {
        let reader: AudioReader
        do {
            reader = try AudioReader(source: .file(path, rawPCM: options.rawPCMInput), track: options.track,
                                     sampleRate: options.sampleRate, blockSize: options.sampleRate)
        } catch {
            throw SubtitlerError.media(error)
        }
        let rate = Int64(reader.sampleRate)
        let windowSamples = Int(duration * rate / 1000)
        let total = reader.expectedSampleCount ?? 0
        // Search spans of three windows' length centred on each place (whole file when it is short).
        var spans: [(start: Int64, end: Int64)] = []
        if total > Int64(windowSamples * 3 * count) {
            for k in 1...count {
                let centre = total * Int64(k) / Int64(count + 1)
                let start = max(0, centre - Int64(windowSamples * 3 / 2))
                spans.append((start, min(total, start + Int64(windowSamples * 3))))
            }
        } else {
            spans = [(0, max(total, Int64(windowSamples)))]
        }
        var collected = [[Int16]](repeating: [], count: spans.count)
        do {
            while let block = try reader.nextBlock() {
                if Task.isCancelled { throw SubtitlerError.cancelled(path: path) }
                for (i, span) in spans.enumerated() where block.endSample > span.start && block.startSample < span.end {
                    let from = Int(max(0, span.start - block.startSample))
                    let to = Int(min(Int64(block.samples.count), span.end - block.startSample))
                    if from < to { collected[i].append(contentsOf: block.samples[from..<to]) }
                }
                if let last = spans.last, block.endSample >= last.end, total > 0 { break }
            }
        } catch let error as MediaError {
            throw SubtitlerError.media(error)
        }
        return collected.compactMap { span -> [Int16]? in
            guard !span.isEmpty else { return nil }
            guard span.count > windowSamples else { return span }
            var meter = EnergyMeter(sampleRate: Int(rate))
            meter.append(span)
            meter.finish()
            let framesPerWindow = max(1, windowSamples / meter.frameLength)
            let floor = EnergyMeter.noiseFloor(of: meter.energies[...])
            let loud = meter.energies.map { $0 > floor + 12 ? 1 : 0 }
            var best = 0
            var bestScore = -1
            var score = loud.prefix(framesPerWindow).reduce(0, +)
            for start in 0...max(0, loud.count - framesPerWindow) {
                if start > 0 { score += loud[start + framesPerWindow - 1] - loud[start - 1] }
                if score > bestScore { bestScore = score; best = start }
            }
            let from = best * meter.frameLength
            return Array(span[from..<min(span.count, from + windowSamples)])
        }
    }
}
