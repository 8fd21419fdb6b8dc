#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The extraction path the benchmark times (and `subtitler extract` performs): decode + downmix + resample a
/// track and stream it into an encoded file, in bounded memory.
public enum MediaBenchmark {
    /// What an extraction produced.
    public struct Result: Sendable, Hashable {
        /// Bytes in the output file.
        public var bytes: Int64
        /// Samples written (at the output rate).
        public var samples: Int64
        /// Damaged packets skipped while decoding.
        public var damagedPackets: Int
        /// The reader's warnings.
        public var warnings: [String]
    }

    /// Extracts `track` of `inputPath` as mono `sampleRate` Hz `encoding` into `outputPath` (written directly).
    public static func extract(
        inputPath: String, outputPath: String, encoding: AudioEncoding = .flac, sampleRate: Int = 16_000,
        track: TrackSelection = .automatic
    ) throws(MediaError) -> Result {
        let reader = try AudioReader(path: inputPath, track: track, sampleRate: sampleRate, blockSize: 32_768)
        let writer = try AudioFileWriter(path: outputPath, encoding: encoding, sampleRate: sampleRate)
        while let block = try reader.nextBlock() { try writer.append(block.samples) }
        try writer.finish()
        return Result(
            bytes: writer.byteCount, samples: writer.sampleCount, damagedPackets: reader.damagedPacketCount,
            warnings: reader.warnings)
    }

    /// Extracts the default track of `path` to 16 kHz mono FLAC in a temporary file (deleted afterwards) and
    /// returns the FLAC size and the sample count.
    public static func extractFLAC(path: String) throws(MediaError) -> (bytes: Int64, samples: Int64) {
        let temporary = "/tmp/subtitler-bench-\(getpid()).flac"
        defer { unlink(temporary) }
        let result = try extract(inputPath: path, outputPath: temporary)
        return (result.bytes, result.samples)
    }
}
