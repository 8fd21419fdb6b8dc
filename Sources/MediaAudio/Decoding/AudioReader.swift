import CFFmpeg

/// A run of mono 16-bit samples at a known place on the media timeline.
public struct PCMBlock: Sendable, Hashable {
    /// Position of `samples[0]` on the media timeline, in samples at the reader's output rate; sample 0 is the
    /// media's presentation start (what a player shows as 00:00:00).
    public var startSample: Int64
    /// Mono samples.
    public var samples: [Int16]

    /// Creates a block.
    public init(startSample: Int64, samples: [Int16]) {
        self.startSample = startSample
        self.samples = samples
    }

    /// One past the last sample's position.
    public var endSample: Int64 { startSample + Int64(samples.count) }
}

/// Decodes one audio track of a media file to mono 16-bit PCM at a chosen rate, in fixed-size blocks laid out on
/// the media timeline.
///
/// - Sample 0 is the presentation start. If the track starts later, the reader first delivers silence
///   (`startOffsetSamples`); gaps in the track's timestamps become silence; overlaps are trimmed. Blocks are
///   contiguous: each starts where the previous one ended; every block but the last has `blockSize` samples.
/// - Memory stays bounded whatever the file's length: one packet, one frame and one block at a time.
/// - Other streams are discarded by the demuxer (`AVDISCARD_ALL`) and never decoded.
/// - Damaged packets are skipped and counted (`damagedPacketCount`, `warnings`); the reader fails only when
///   nothing at all decodes.
///
/// Not `Sendable`: confine an instance to one task.
public final class AudioReader {
    /// The probed file.
    public let info: MediaInfo
    /// The chosen audio stream.
    public let stream: StreamInfo
    /// Output sample rate in Hz.
    public let sampleRate: Int
    /// Samples per block.
    public let blockSize: Int
    /// Where the chosen stream's first sample lands relative to the presentation start, in output samples (the
    /// amount of leading silence the reader inserts); 0 when the stream starts with, or before, the presentation.
    public let startOffsetSamples: Int64
    /// The total number of samples the reader should deliver, from the stream's (else the container's) end time,
    /// if known. The actual count matches it within about one codec frame where the container records durations
    /// exactly (MP4, Matroska, WAV, FLAC); MPEG-TS and some MP3 durations are FFmpeg's estimates.
    public private(set) var expectedSampleCount: Int64?

    private let decoder: AudioDecoder

    /// Number of packets the decoder rejected (or the demuxer flagged corrupt) and that were skipped.
    public var damagedPacketCount: Int { decoder.damagedPacketCount }
    /// Human-readable warnings: damaged packets, gaps filled, a short (truncated) stream. Complete after `nextBlock()`
    /// has returned nil.
    public var warnings: [String] { decoder.warnings }
    /// Samples delivered so far; also the `startSample` of the next block.
    public var position: Int64 { decoder.delivered }
    /// Packets of other streams the demuxer handed over and that were dropped unread.
    var otherStreamPacketCount: Int { decoder.otherStreamPackets }

    /// Opens `path`, selects a track and primes the decoder (the first audio frame is decoded here, so
    /// `startOffsetSamples` is exact).
    ///
    /// - Parameters:
    ///   - sampleRate: Output rate in Hz (default 16 kHz).
    ///   - blockSize: Samples per block (default one second at 16 kHz).
    /// - Throws: `MediaError`: `.fileNotFound`, `.permissionDenied`, `.notMediaFile`, `.noAudioStream`,
    ///   `.trackNotFound`, `.decoderNotFound`, `.decodeFailed` (nothing decodes), `.invalidArgument`.
    public convenience init(
        path: String, track: TrackSelection = .automatic, sampleRate: Int = 16_000, blockSize: Int = 16_000
    ) throws(MediaError) {
        try self.init(source: .file(path), track: track, sampleRate: sampleRate, blockSize: blockSize)
    }

    /// Opens a source (a file, or bytes in memory, optionally headerless PCM), selects a track and primes the
    /// decoder; see ``init(path:track:sampleRate:blockSize:)``.
    public init(
        source: MediaSource, track: TrackSelection = .automatic, sampleRate: Int = 16_000, blockSize: Int = 16_000
    ) throws(MediaError) {
        let path = source.name
        guard (1000...384_000).contains(sampleRate) else {
            throw MediaError(
                .invalidArgument, path: path, operation: "open audio reader",
                message: "sample rate \(sampleRate) Hz is out of range 1000...384000")
        }
        guard blockSize > 0 else {
            throw MediaError(
                .invalidArgument, path: path, operation: "open audio reader", message: "block size must be positive")
        }
        let input = try InputFile(source: source)
        let chosen = try track.resolve(in: input.info)
        let decoder = try AudioDecoder(input: input, streamIndex: chosen.index, outputRate: sampleRate)
        try decoder.prime()
        self.info = input.info
        self.stream = chosen
        self.sampleRate = sampleRate
        self.blockSize = blockSize
        self.decoder = decoder
        self.startOffsetSamples = decoder.startOffset
        self.expectedSampleCount = decoder.expectedEnd
    }

    /// The next block, or nil at the end of the stream. Blocks are contiguous; the last one may be shorter.
    ///
    /// - Throws: `MediaError` only for failures that make going on pointless (a resampler failure); damaged data
    ///   is skipped and reported through `warnings`.
    public func nextBlock() throws(MediaError) -> PCMBlock? {
        try decoder.nextBlock(size: blockSize)
    }

    /// Reads every remaining block into one array. Convenience for short files and tests: memory grows with the
    /// file's length.
    public func readAll() throws(MediaError) -> [Int16] {
        var all: [Int16] = []
        while let block = try nextBlock() { all.append(contentsOf: block.samples) }
        return all
    }
}
