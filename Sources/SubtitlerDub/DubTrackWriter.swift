import MediaAudio

/// Writes the dub track in time order into a streaming encoder: silence (or the original track, lowered) up to each
/// utterance, then the utterance mixed over it, then the rest up to the media's length. Memory stays bounded: one
/// block of the original and one utterance at a time, whatever the film's length.
///
/// Blocking and not `Sendable`: confine an instance to one task and call it through the blocking-work pool.
final class DubTrackWriter {
    /// The track's length in samples (the media's length).
    let totalSamples: Int64
    /// Samples written so far.
    private(set) var position: Int64 = 0
    private let writer: AudioFileWriter
    private let original: AudioReader?
    private let gain: Float
    /// The original's current block and how much of it was used.
    private var block: [Int16] = []
    private var blockOffset = 0
    private var originalEnded = false
    private static let piece = 16_384

    /// Creates the encoder's file at `path`.
    /// - Parameters:
    ///   - original: the original track at the track's rate, mixed under the dub at `gain`; nil for silence.
    init(
        path: String, encoding: AudioEncoding, sampleRate: Int, bitRate: Int?, totalSamples: Int64,
        original: AudioReader?, gain: Float
    ) throws(MediaError) {
        writer = try AudioFileWriter(path: path, encoding: encoding, sampleRate: sampleRate, bitRate: bitRate)
        self.totalSamples = totalSamples
        self.original = gain > 0 ? original : nil
        self.gain = gain
    }

    /// Writes the background up to `start`, then `speech` mixed over it. Speech past the end of the track is left
    /// out. `start` must not be before what is already written.
    /// - Returns: how many of the speech samples were written.
    @discardableResult
    func place(_ speech: [Int16], at start: Int64) throws(MediaError) -> Int {
        precondition(start >= position, "utterances are placed in time order")
        try writeBackground(upTo: min(start, totalSamples))
        let count = Int(max(0, min(Int64(speech.count), totalSamples - position)))
        var done = 0
        while done < count {
            let n = min(Self.piece, count - done)
            var mixed = try background(n)
            for i in 0..<n {
                mixed[i] = Self.clamp(Int32(mixed[i]) + Int32(speech[done + i]))
            }
            try writer.append(mixed)
            position += Int64(n)
            done += n
        }
        return count
    }

    /// Writes the background to the end of the track and closes the file.
    /// - Returns: the samples written (the track's length).
    func finish() throws(MediaError) -> Int64 {
        try writeBackground(upTo: totalSamples)
        try writer.finish()
        return position
    }

    private func writeBackground(upTo end: Int64) throws(MediaError) {
        while position < end {
            let n = Int(min(Int64(Self.piece), end - position))
            try writer.append(try background(n))
            position += Int64(n)
        }
    }

    /// The next `count` samples of the lowered original (silence once it ends, or without one).
    private func background(_ count: Int) throws(MediaError) -> [Int16] {
        var result = [Int16](repeating: 0, count: count)
        guard let original else { return result }
        var filled = 0
        while filled < count && !originalEnded {
            if blockOffset >= block.count {
                guard let next = try original.nextBlock() else {
                    originalEnded = true
                    break
                }
                block = next.samples
                blockOffset = 0
                continue
            }
            let n = min(count - filled, block.count - blockOffset)
            for i in 0..<n {
                result[filled + i] = Self.clamp(Int32((Float(block[blockOffset + i]) * gain).rounded()))
            }
            filled += n
            blockOffset += n
        }
        return result
    }

    private static func clamp(_ value: Int32) -> Int16 {
        Int16(max(Int32(Int16.min), min(Int32(Int16.max), value)))
    }
}
