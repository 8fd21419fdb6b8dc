import Foundation
import SubtitlerSupport

/// The weights of Silero VAD v6 (the 16 kHz model, as faster-whisper ships it), loaded from the package's
/// resource `silero-vad-v6.bin` (converted from the ONNX file by `scripts/generate/convert-silero-vad.py`; MIT licence in
/// `silero-vad-v6.LICENSE` beside it).
///
/// An immutable value: load it once (``bundled()`` caches it for the process) and share it between any number of
/// ``SileroVAD`` streams and tasks. The weights are kept in the layout the inference uses (about 1.2 MB).
public struct SileroVADModel: Sendable {
    /// The SHA-256 (hex) of the ONNX file the weights were converted from.
    public let sourceSHA256: String

    // Layouts below are row-major matrices (rows = output channels), re-ordered at load for the inference.
    /// STFT basis (Hann-windowed DFT), 258 x 256: rows 0..<129 real parts, 129..<258 imaginary parts.
    let stftBasis: [Float]
    /// Encoder conv 0 (129 -> 128 channels, kernel 3), 128 x 387, columns ordered (tap, input channel).
    let conv0Weight: [Float]
    let conv0Bias: [Float]
    /// Encoder conv 1 (128 -> 64, kernel 3, stride 2), 64 x 384, columns ordered (tap, input channel).
    let conv1Weight: [Float]
    let conv1Bias: [Float]
    /// Encoder conv 2 (64 -> 64, kernel 3, stride 2) on a 2-step input: only taps 1 and 2 ever meet data;
    /// 64 x 128, columns ordered (tap 1 channels, tap 2 channels).
    let conv2Weight: [Float]
    let conv2Bias: [Float]
    /// Encoder conv 3 (64 -> 128, kernel 3) on a 1-step input: only the centre tap meets data; 128 x 64.
    let conv3Weight: [Float]
    let conv3Bias: [Float]
    /// LSTM input weights, 512 x 128, gate blocks in ONNX order: input, output, forget, cell.
    let lstmInputWeight: [Float]
    /// LSTM recurrent weights, 512 x 128, same gate order.
    let lstmRecurrentWeight: [Float]
    /// LSTM input bias plus recurrent bias, 512.
    let lstmBias: [Float]
    /// Decoder (1x1 conv 128 -> 1).
    let decoderWeight: [Float]
    let decoderBias: Float

    /// The model bundled with the package, loaded on first use and then shared (the load is done once per
    /// process; a failure is remembered too).
    ///
    /// - Throws: ``SpeechModelError`` when the resource bundle is missing or the file is damaged.
    public static func bundled() throws(SpeechModelError) -> SileroVADModel {
        try bundledResult.get()
    }

    /// Loads a weight file written by `scripts/generate/convert-silero-vad.py`.
    ///
    /// - Throws: ``SpeechModelError`` (`.unreadable`, `.malformed`).
    public init(contentsOf url: URL) throws(SpeechModelError) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
        } catch {
            throw SpeechModelError(.unreadable, path: url.path, message: "\(error.localizedDescription)")
        }
        try self.init(bytes: bytes, path: url.path)
    }

    private static let bundledResult: Result<SileroVADModel, SpeechModelError> = {
        guard let url = resourceURL() else {
            return .failure(
                SpeechModelError(
                    .resourceMissing, path: resourceName,
                    message: "the SpeechDetection resource bundle (subtitler_SpeechDetection.resources) was not found next "
                        + "to the program; install it beside the binary"))
        }
        return Result { () throws(SpeechModelError) in try SileroVADModel(contentsOf: url) }
    }()

    static let resourceName = "silero-vad-v6.bin"

    /// The weight file in this module's resource bundle, or nil.
    static func resourceURL() -> URL? {
        BundledResource.url(module: "SpeechDetection", path: "Resources/" + resourceName)
    }

    // MARK: Parsing

    /// The tensors the converter writes, with their ONNX shapes.
    private static let expectedShapes: [String: [Int]] = [
        "stft.basis": [258, 1, 256],
        "conv0.weight": [128, 129, 3], "conv0.bias": [128],
        "conv1.weight": [64, 128, 3], "conv1.bias": [64],
        "conv2.weight": [64, 64, 3], "conv2.bias": [64],
        "conv3.weight": [128, 64, 3], "conv3.bias": [128],
        "lstm.W": [1, 512, 128], "lstm.R": [1, 512, 128], "lstm.B": [1, 1024],
        "decoder.weight": [1, 128, 1], "decoder.bias": [1],
    ]

    init(bytes: [UInt8], path: String) throws(SpeechModelError) {
        let tensors = try WeightFile.parse(bytes, path: path, expected: Self.expectedShapes)
        func t(_ name: String) -> [Float] { tensors.values[name]! }
        sourceSHA256 = tensors.sourceSHA256
        stftBasis = t("stft.basis")
        conv0Weight = Self.tapMajor(t("conv0.weight"), outputs: 128, inputs: 129, taps: [0, 1, 2])
        conv0Bias = t("conv0.bias")
        conv1Weight = Self.tapMajor(t("conv1.weight"), outputs: 64, inputs: 128, taps: [0, 1, 2])
        conv1Bias = t("conv1.bias")
        conv2Weight = Self.tapMajor(t("conv2.weight"), outputs: 64, inputs: 64, taps: [1, 2])
        conv2Bias = t("conv2.bias")
        conv3Weight = Self.tapMajor(t("conv3.weight"), outputs: 128, inputs: 64, taps: [1])
        conv3Bias = t("conv3.bias")
        lstmInputWeight = t("lstm.W")
        lstmRecurrentWeight = t("lstm.R")
        let bias = t("lstm.B")
        lstmBias = (0..<512).map { bias[$0] + bias[512 + $0] }
        decoderWeight = t("decoder.weight")
        decoderBias = t("decoder.bias")[0]
    }

    /// Re-orders a `[out][in][tap]` convolution kernel into `[out][tap][in]`, keeping only `taps`.
    private static func tapMajor(_ kernel: [Float], outputs: Int, inputs: Int, taps: [Int]) -> [Float] {
        var result = [Float](repeating: 0, count: outputs * taps.count * inputs)
        for o in 0..<outputs {
            for (slot, tap) in taps.enumerated() {
                for i in 0..<inputs {
                    result[(o * taps.count + slot) * inputs + i] = kernel[(o * inputs + i) * 3 + tap]
                }
            }
        }
        return result
    }
}

/// The resource layout `scripts/generate/convert-silero-vad.py` writes (documented there): magic, tensor table, float32 data.
enum WeightFile {
    static let magic: [UInt8] = Array("SLVADW01".utf8)

    struct Contents {
        var sourceSHA256: String
        var values: [String: [Float]]
    }

    static func parse(_ bytes: [UInt8], path: String, expected: [String: [Int]]) throws(SpeechModelError)
        -> Contents
    {
        func malformed(_ message: String) -> SpeechModelError {
            SpeechModelError(.malformed, path: path, message: message)
        }
        var cursor = 0
        func read<T: FixedWidthInteger>(_: T.Type) throws(SpeechModelError) -> T {
            let size = MemoryLayout<T>.size
            guard cursor + size <= bytes.count else { throw malformed("truncated header") }
            var value: T = 0
            for i in 0..<size { value |= T(bytes[cursor + i]) << (8 * i) }
            cursor += size
            return value
        }
        guard bytes.count >= 80, Array(bytes[0..<8]) == magic else {
            throw malformed("not a Silero VAD weight file (bad magic)")
        }
        cursor = 8
        let count = Int(try read(UInt32.self))
        _ = try read(UInt32.self)  // header size: where the data begins
        let sha = String(decoding: bytes[cursor..<cursor + 64], as: UTF8.self)
        cursor += 64
        var values: [String: [Float]] = [:]
        for _ in 0..<count {
            let nameLength = Int(try read(UInt8.self))
            guard cursor + nameLength <= bytes.count else { throw malformed("truncated header") }
            let name = String(decoding: bytes[cursor..<cursor + nameLength], as: UTF8.self)
            cursor += nameLength
            let rank = Int(try read(UInt8.self))
            var dims: [Int] = []
            for _ in 0..<rank { dims.append(Int(try read(UInt32.self))) }
            let offset = Int(try read(UInt32.self))
            let elements = Int(try read(UInt32.self))
            guard dims.reduce(1, *) == elements else {
                throw malformed("tensor \(name): dims \(dims) but \(elements) values")
            }
            guard offset % 4 == 0, offset + elements * 4 <= bytes.count else {
                throw malformed("tensor \(name) lies outside the file (\(bytes.count) bytes)")
            }
            values[name] = bytes.withUnsafeBytes { raw in
                (0..<elements).map {
                    Float(
                        bitPattern: UInt32(
                            littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self)))
                }
            }
            if let shape = expected[name], shape != dims {
                throw malformed("tensor \(name) has shape \(dims), expected \(shape)")
            }
        }
        for name in expected.keys.sorted() where values[name] == nil {
            throw malformed("tensor \(name) is missing")
        }
        return Contents(sourceSHA256: sha, values: values)
    }
}
