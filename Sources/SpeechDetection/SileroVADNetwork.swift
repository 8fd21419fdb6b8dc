import COpenBLAS
import Foundation

/// The Silero VAD v6 network (16 kHz) on batches of frames, with its LSTM state: the arithmetic behind
/// ``SileroVAD``.
///
/// Per frame (576 samples: 64 of context, then 512 new), as in the ONNX graph:
/// 1. STFT: reflect-pad 128 each side, 256-sample windows at hop 128, keep windows 1...4; magnitude of 129 bins.
/// 2. Four 1-D convolutions with ReLU: 129 -> 128 (4 steps), -> 64 (stride 2: 2 steps), -> 64 (stride 2: 1 step),
///    -> 128 (1 step). The encoder sees each frame on its own, so a batch of frames is one set of matrix products.
/// 3. One LSTM step (hidden 128) per frame, in order: the recurrence runs over the frames of the stream.
/// 4. ReLU, a 128 -> 1 projection and a sigmoid: the speech probability.
///
/// Matrices are column-major activation blocks (a column is one time step of one frame) multiplied by row-major
/// weights; all products go through ``Linear``.
final class SileroVADNetwork {
    static let frameLength = 512
    static let contextLength = 64
    static let inputLength = frameLength + contextLength
    static let hidden = 128

    let model: SileroVADModel
    let maximumBatch: Int

    private var h: [Float]
    private var c: [Float]
    // Workspace, sized for `maximumBatch` frames.
    private var stftColumns: [Float]  // 256 x 4B
    private var spectrum: [Float]  // 258 x 4B
    private var conv0Columns: [Float]  // 387 x 4B
    private var conv0Output: [Float]  // 128 x 4B
    private var conv1Columns: [Float]  // 384 x 2B
    private var conv1Output: [Float]  // 64 x 2B (read as 128 x B by conv 2)
    private var conv2Output: [Float]  // 64 x B
    private var conv3Output: [Float]  // 128 x B
    private var gateInputs: [Float]  // 512 x B
    private var gates: [Float]  // 512

    init(model: SileroVADModel, maximumBatch: Int) {
        Linear.configured
        self.model = model
        self.maximumBatch = maximumBatch
        let b = maximumBatch
        h = [Float](repeating: 0, count: Self.hidden)
        c = [Float](repeating: 0, count: Self.hidden)
        stftColumns = [Float](repeating: 0, count: 256 * 4 * b)
        spectrum = [Float](repeating: 0, count: 258 * 4 * b)
        conv0Columns = [Float](repeating: 0, count: 387 * 4 * b)
        conv0Output = [Float](repeating: 0, count: 128 * 4 * b)
        conv1Columns = [Float](repeating: 0, count: 384 * 2 * b)
        conv1Output = [Float](repeating: 0, count: 64 * 2 * b)
        conv2Output = [Float](repeating: 0, count: 64 * b)
        conv3Output = [Float](repeating: 0, count: 128 * b)
        gateInputs = [Float](repeating: 0, count: 512 * b)
        gates = [Float](repeating: 0, count: 512)
    }

    /// Bytes held by the state and the workspace (constant for the life of the network).
    var footprint: Int {
        [
            h, c, stftColumns, spectrum, conv0Columns, conv0Output, conv1Columns, conv1Output, conv2Output,
            conv3Output, gateInputs, gates,
        ].reduce(0) { $0 + $1.capacity * MemoryLayout<Float>.stride }
    }

    /// Clears the LSTM state (a new stream).
    func reset() {
        for i in 0..<Self.hidden {
            h[i] = 0
            c[i] = 0
        }
    }

    /// Runs `count` frames laid out back to back in `input` (each `inputLength` samples, context first) and
    /// writes one probability per frame into `probabilities`.
    func run(_ input: UnsafePointer<Float>, count: Int, into probabilities: UnsafeMutablePointer<Float>) {
        precondition(count > 0 && count <= maximumBatch)
        encode(input, count: count)
        recur(count: count, into: probabilities)
    }

    // MARK: Encoder

    private func encode(_ input: UnsafePointer<Float>, count b: Int) {
        let m = model
        // 1. STFT windows as columns: window t of a frame starts at 128 t; past the end it reflects (j -> 1150 - j).
        stftColumns.withUnsafeMutableBufferPointer { columns in
            for frame in 0..<b {
                let x = input + frame * Self.inputLength
                for t in 0..<4 {
                    let column = columns.baseAddress! + (frame * 4 + t) * 256
                    let start = 128 * t
                    let inside = min(256, Self.inputLength - start)
                    column.update(from: x + start, count: inside)
                    for j in inside..<256 { column[j] = x[2 * (Self.inputLength - 1) - (start + j)] }
                }
            }
        }
        Linear.multiply(m.stftBasis, rows: 258, depth: 256, stftColumns, columns: 4 * b, into: &spectrum, bias: nil)
        // Magnitudes straight into the middle block of conv 0's columns: block (tap 1) of step p is |X(p)|.
        conv0Columns.withUnsafeMutableBufferPointer { columns in
            spectrum.withUnsafeBufferPointer { spec in
                for step in 0..<(4 * b) {
                    let s = spec.baseAddress! + step * 258
                    let column = columns.baseAddress! + step * 387
                    for f in 0..<129 {
                        let re = s[f]
                        let im = s[129 + f]
                        column[129 + f] = (re * re + im * im).squareRoot()
                    }
                }
                // Taps 0 and 2: the neighbouring steps of the same frame, zero at the frame's edges.
                for frame in 0..<b {
                    for p in 0..<4 {
                        let column = columns.baseAddress! + (frame * 4 + p) * 387
                        if p > 0 {
                            column.update(from: column - 387 + 129, count: 129)
                        } else {
                            column.update(repeating: 0, count: 129)
                        }
                        if p < 3 {
                            (column + 258).update(from: column + 387 + 129, count: 129)
                        } else {
                            (column + 258).update(repeating: 0, count: 129)
                        }
                    }
                }
            }
        }
        Linear.multiply(
            m.conv0Weight, rows: 128, depth: 387, conv0Columns, columns: 4 * b, into: &conv0Output,
            bias: m.conv0Bias, relu: true)
        // Conv 1, stride 2: output step j reads steps 2j-1, 2j, 2j+1 (step -1 is padding).
        conv1Columns.withUnsafeMutableBufferPointer { columns in
            conv0Output.withUnsafeBufferPointer { x in
                for frame in 0..<b {
                    let steps = x.baseAddress! + frame * 4 * 128
                    let j0 = columns.baseAddress! + frame * 2 * 384
                    j0.update(repeating: 0, count: 128)
                    (j0 + 128).update(from: steps, count: 256)
                    (j0 + 384).update(from: steps + 128, count: 384)
                }
            }
        }
        Linear.multiply(
            m.conv1Weight, rows: 64, depth: 384, conv1Columns, columns: 2 * b, into: &conv1Output,
            bias: m.conv1Bias, relu: true)
        // Conv 2 reads a frame's two steps, already adjacent: 128 values per frame.
        Linear.multiply(
            m.conv2Weight, rows: 64, depth: 128, conv1Output, columns: b, into: &conv2Output, bias: m.conv2Bias,
            relu: true)
        Linear.multiply(
            m.conv3Weight, rows: 128, depth: 64, conv2Output, columns: b, into: &conv3Output, bias: m.conv3Bias,
            relu: true)
        Linear.multiply(
            m.lstmInputWeight, rows: 512, depth: 128, conv3Output, columns: b, into: &gateInputs, bias: m.lstmBias)
    }

    // MARK: Recurrence and decoder

    private func recur(count b: Int, into probabilities: UnsafeMutablePointer<Float>) {
        let m = model
        for frame in 0..<b {
            gateInputs.withUnsafeBufferPointer { x in
                gates.withUnsafeMutableBufferPointer { g in
                    g.baseAddress!.update(from: x.baseAddress! + frame * 512, count: 512)
                }
            }
            Linear.accumulate(m.lstmRecurrentWeight, rows: 512, depth: 128, h, into: &gates)
            var logit = m.decoderBias
            gates.withUnsafeBufferPointer { g in
                h.withUnsafeMutableBufferPointer { h in
                    c.withUnsafeMutableBufferPointer { c in
                        m.decoderWeight.withUnsafeBufferPointer { w in
                            for k in 0..<Self.hidden {
                                let input = Self.sigmoid(g[k])
                                let output = Self.sigmoid(g[128 + k])
                                let forget = Self.sigmoid(g[256 + k])
                                let cell = Self.tanh(g[384 + k])
                                let state = forget * c[k] + input * cell
                                c[k] = state
                                let hidden = output * Self.tanh(state)
                                h[k] = hidden
                                logit += w[k] * max(hidden, 0)
                            }
                        }
                    }
                }
            }
            probabilities[frame] = Self.sigmoid(logit)
        }
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// `tanh` through `exp` (2 sigmoid(2x) - 1): glibc's `tanhf` (via `expm1f`) took a fifth of the time in the
    /// profile; this is within 1e-7 of it, far below the 1e-3 the model is held to.
    @inline(__always)
    static func tanh(_ x: Float) -> Float { 2 / (1 + exp(-2 * x)) - 1 }
}

/// The matrix products of the network: row-major weights times column-major activations, through OpenBLAS.
///
/// Every call holds one process-wide lock: Debian's single-threaded OpenBLAS (`libopenblas0-serial`) shares its
/// work buffers between callers and gives wrong results when two threads multiply at once (the concurrency test
/// caught it). The lock is cheap (a few calls per 16 frames) and makes any OpenBLAS variant safe; the rest of the
/// network runs in parallel. A threaded OpenBLAS is set to one thread: the detector computes on its caller's thread.
enum Linear {
    // A plain lock, not a NIOLockedValueBox: it guards the C library's buffers, no Swift state (and keeps NIO out).
    private static let lock = NSLock()

    /// Sets a threaded OpenBLAS (if that is the one installed) to compute on the calling thread only.
    static let configured: Void = {
        if openblas_get_parallel() != 0 { openblas_set_num_threads(1) }
    }()

    /// `output[:, n] = weights (rows x depth) * input[:, n] + bias` for `columns` columns, optionally through ReLU.
    static func multiply(
        _ weights: [Float], rows: Int, depth: Int, _ input: [Float], columns: Int, into output: inout [Float],
        bias: [Float]?, relu: Bool = false
    ) {
        output.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress!
            if let bias {
                for n in 0..<columns { (y + n * rows).update(from: bias, count: rows) }
            }
            lock.lock()
            cblas_sgemm(
                CblasColMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(depth), 1, weights,
                Int32(depth), input, Int32(depth), bias == nil ? 0 : 1, y, Int32(rows))
            lock.unlock()
            if relu {
                for i in 0..<(rows * columns) where y[i] < 0 { y[i] = 0 }
            }
        }
    }

    /// `output += weights (rows x depth) * vector`.
    static func accumulate(_ weights: [Float], rows: Int, depth: Int, _ vector: [Float], into output: inout [Float]) {
        output.withUnsafeMutableBufferPointer { y in
            lock.lock()
            cblas_sgemv(
                CblasRowMajor, CblasNoTrans, Int32(rows), Int32(depth), 1, weights, Int32(depth), vector, 1, 1,
                y.baseAddress!, 1)
            lock.unlock()
        }
    }
}
