/// Silero VAD v6 as a stream: 16 kHz mono samples in (any block sizes), one speech probability per 512-sample
/// (32 ms) frame out, computed exactly as faster-whisper computes them (`faster_whisper.vad`), so the two agree
/// to float rounding.
///
/// - Frame `i` covers samples `512 i ..< 512 (i + 1)`; the network also sees the 64 samples before it (zeros for
///   frame 0) and carries its LSTM state from frame to frame.
/// - Frames are computed in groups of ``batchFrames`` (aligned to frame 0), so `append(_:)` returns
///   probabilities in steps of ``batchFrames`` and the output never depends on how the input was cut into blocks.
/// - ``finish()`` closes the stream like faster-whisper's `get_speech_timestamps`: the last partial frame is
///   padded with zeros (a whole zero frame when the length is a multiple of 512, so there are always
///   `sampleCount / 512 + 1` frames), and the last 64 samples of that final frame are zeroed as faster-whisper's
///   batching does.
/// - Memory is constant: one batch of input and a fixed workspace (about 0.4 MB), whatever the stream's length.
/// - The input must be 16 kHz: the model knows no other rate here.
/// - The matrix products run on OpenBLAS, on the calling thread: if the installed OpenBLAS is a threaded build,
///   it is set to one thread for the process. Calls into OpenBLAS are serialised process-wide (the single-threaded
///   build is not safe for concurrent callers); the rest of the work runs in parallel across streams.
///
/// Not `Sendable`: confine an instance to one task. The ``SileroVADModel`` it reads is shared and immutable.
public final class SileroVAD {
    /// The only sample rate the model accepts, in Hz.
    public static let sampleRate = 16_000
    /// Samples per frame: one probability per 512 samples (32 ms).
    public static let frameLength = 512
    /// Frames computed together; probabilities come out in steps of this many frames (0.512 s of audio).
    public static let batchFrames = 16

    /// The weights.
    public let model: SileroVADModel
    /// Samples appended since the start (or the last ``reset()``).
    public private(set) var sampleCount: Int64 = 0
    /// Probabilities delivered since the start (or the last ``reset()``).
    public private(set) var frameCount: Int64 = 0

    private let network: SileroVADNetwork
    /// Frames waiting for their batch, each 576 samples (64 of context, then the frame).
    private var batch: [Float]
    /// Complete frames in `batch`.
    private var batchCount = 0
    /// Samples of the frame being filled (it sits at slot `batchCount` of `batch`).
    private var filled = 0
    private var probabilities: [Float]

    /// Creates a stream over `model`.
    public init(model: SileroVADModel) {
        self.model = model
        network = SileroVADNetwork(model: model, maximumBatch: Self.batchFrames)
        batch = [Float](repeating: 0, count: Self.batchFrames * SileroVADNetwork.inputLength)
        probabilities = [Float](repeating: 0, count: Self.batchFrames)
    }

    /// Creates a stream over the bundled model (``SileroVADModel/bundled()``).
    ///
    /// - Throws: ``SpeechModelError`` when the bundled weights cannot be loaded.
    public convenience init() throws(SpeechModelError) {
        self.init(model: try SileroVADModel.bundled())
    }

    /// Bytes of input buffer and workspace the stream holds; constant for its whole life.
    var footprint: Int {
        network.footprint + (batch.capacity + probabilities.capacity) * MemoryLayout<Float>.stride
    }

    /// Adds 16-bit samples and returns the probabilities of the frames this completes (in steps of
    /// ``batchFrames``; possibly none).
    public func append(_ samples: some Collection<Int16>) -> [Float] {
        var output: [Float] = []
        let scale: Float = 1.0 / 32768
        let handled: Void? = samples.withContiguousStorageIfAvailable { buffer in
            feed(count: buffer.count, output: &output) { destination, offset, count in
                for i in 0..<count { destination[i] = Float(buffer[offset + i]) * scale }
            }
        }
        if handled == nil { return append(samples.map { Float($0) * scale }) }
        return output
    }

    /// Adds samples scaled to -1...1 (a 16-bit sample `s` is `Float(s) / 32768`) and returns the probabilities of
    /// the frames this completes (in steps of ``batchFrames``; possibly none).
    public func append(_ samples: some Collection<Float>) -> [Float] {
        var output: [Float] = []
        let handled: Void? = samples.withContiguousStorageIfAvailable { buffer in
            feed(count: buffer.count, output: &output) { destination, offset, count in
                destination.update(from: buffer.baseAddress! + offset, count: count)
            }
        }
        if handled == nil { return append(Array(samples)) }
        return output
    }

    /// Ends the stream: pads the last frame as faster-whisper does and returns the remaining probabilities. The
    /// stream is then reset, ready for new audio.
    public func finish() -> [Float] {
        var output: [Float] = []
        batch.withUnsafeMutableBufferPointer { buffer in
            let frame = buffer.baseAddress! + batchCount * SileroVADNetwork.inputLength
            if filled == 0 { startFrame(frame) }
            let end = frame + SileroVADNetwork.inputLength
            (frame + SileroVADNetwork.contextLength + filled).update(
                repeating: 0, count: Self.frameLength - filled)
            // faster-whisper zeroes the last 64 samples of the final frame (its context buffer aliases the audio).
            (end - SileroVADNetwork.contextLength).update(repeating: 0, count: SileroVADNetwork.contextLength)
        }
        batchCount += 1
        runBatch(into: &output)
        reset()
        return output
    }

    /// Forgets the stream: the next sample is sample 0 of a new stream.
    public func reset() {
        network.reset()
        sampleCount = 0
        frameCount = 0
        batchCount = 0
        filled = 0
    }

    // MARK: Framing

    /// Copies `count` samples into frames through `copy(destination, sourceOffset, count)`, running each full batch.
    private func feed(
        count: Int, output: inout [Float],
        copy: (UnsafeMutablePointer<Float>, Int, Int) -> Void
    ) {
        var offset = 0
        while offset < count {
            let n = min(Self.frameLength - filled, count - offset)
            batch.withUnsafeMutableBufferPointer { buffer in
                let frame = buffer.baseAddress! + batchCount * SileroVADNetwork.inputLength
                if filled == 0 { startFrame(frame) }
                copy(frame + SileroVADNetwork.contextLength + filled, offset, n)
            }
            filled += n
            offset += n
            sampleCount += Int64(n)
            if filled == Self.frameLength {
                filled = 0
                batchCount += 1
                if batchCount == Self.batchFrames { runBatch(into: &output) }
            }
        }
    }

    /// Writes a new frame's context: the last 64 samples of the previous frame (zeros for frame 0).
    private func startFrame(_ frame: UnsafeMutablePointer<Float>) {
        let context = SileroVADNetwork.contextLength
        if sampleCount == 0 {
            frame.update(repeating: 0, count: context)
        } else if batchCount > 0 {
            frame.update(from: frame - context, count: context)
        } else {
            // The previous frame was the last of the batch just run; it is still in the last slot.
            let last = frame + (Self.batchFrames - 1) * SileroVADNetwork.inputLength
            frame.update(from: last + SileroVADNetwork.inputLength - context, count: context)
        }
    }

    private func runBatch(into output: inout [Float]) {
        guard batchCount > 0 else { return }
        batch.withUnsafeBufferPointer { input in
            probabilities.withUnsafeMutableBufferPointer { probabilities in
                network.run(input.baseAddress!, count: batchCount, into: probabilities.baseAddress!)
            }
        }
        output.append(contentsOf: probabilities[0..<batchCount])
        frameCount += Int64(batchCount)
        batchCount = 0
    }
}
