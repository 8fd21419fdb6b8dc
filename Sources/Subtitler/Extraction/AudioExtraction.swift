import Foundation
import MediaAudio
import Subtitles
import SubtitlerSupport

/// Writes the chosen track as the pipeline hears it (mono, on the media's timeline) to an audio file.
public enum AudioExtraction {
    /// What an extraction wrote.
    public struct Summary: Sendable, Codable {
        /// The output file.
        public var output: String
        /// Samples written.
        public var sampleCount: Int64
        /// The sample rate of the output.
        public var sampleRate: Int
        /// Where the chosen stream starts on the media timeline, milliseconds.
        public var streamOffset: Milliseconds
        /// Warnings from decoding (damaged packets and the like).
        public var warnings: [String]
    }

    /// Decodes `path` and streams it into `output` in bounded memory. The file appears only when complete.
    /// - Parameters:
    ///   - path: the media file.
    ///   - output: the audio file to write; its extension picks the encoding unless `encoding` is given.
    ///   - encoding: the encoding; nil derives it from the extension.
    ///   - sampleRate: the output rate (16 kHz by default).
    ///   - track: which audio track.
    /// - Throws: ``SubtitlerError`` naming the file and the cause.
    public static func extract(
        from path: String, to output: URL, encoding: AudioEncoding? = nil, sampleRate: Int = 16_000,
        track: TrackSelection = .automatic
    ) throws(SubtitlerError) -> Summary {
        guard let encoding = encoding ?? AudioEncoding(fileExtension: output.pathExtension) else {
            throw .output(OutputError(path: output.path, reason: "unknown audio format '.\(output.pathExtension)' (use .flac, .wav, .mp3, .opus or .m4a)"))
        }
        let destination: TemporaryOutput
        do {
            destination = try TemporaryOutput(output, input: path, extraExtension: encoding.fileExtension)
        } catch {
            throw .output(error)
        }
        let reader: AudioReader
        do {
            reader = try AudioReader(path: path, track: track, sampleRate: sampleRate, blockSize: sampleRate)
        } catch {
            throw .media(error)
        }
        let temporary = destination.temporary
        /// Errors name the output, never the temporary file the user has never heard of.
        func outputError(_ error: MediaError) -> SubtitlerError {
            guard error.path == temporary.path else { return .media(error) }
            var renamed = error
            renamed.path = output.path
            return .media(renamed)
        }
        var written: Int64 = 0
        do {
            let writer = try AudioFileWriter(path: temporary.path, encoding: encoding, sampleRate: sampleRate)
            while let block = try reader.nextBlock() {
                if Task.isCancelled { throw SubtitlerError.interrupted(path: path) }
                if block.startSample > written {
                    try writer.append([Int16](repeating: 0, count: Int(block.startSample - written)))
                    written = block.startSample
                }
                let skip = Int(max(0, written - block.startSample))
                guard skip < block.samples.count else { continue }
                let samples = skip == 0 ? block.samples : Array(block.samples[skip...])
                try writer.append(samples)
                written += Int64(samples.count)
            }
            try writer.finish()
        } catch let error as SubtitlerError {
            destination.discard()
            throw error
        } catch let error as MediaError {
            destination.discard()
            throw outputError(error)
        } catch {
            destination.discard()
            throw .output(OutputError(path: output.path, reason: "\(error)"))
        }
        do {
            try destination.commit()
        } catch {
            throw .output(error)
        }
        return Summary(output: output.path, sampleCount: written, sampleRate: sampleRate,
                       streamOffset: reader.startOffsetSamples * 1000 / Int64(sampleRate), warnings: reader.warnings)
    }
}
