import Foundation
import TestSupport
import MediaAudio
import Testing

@Suite struct EncoderTests {
    static let input = Signal.chirp(seconds: 3, sampleRate: 16_000)

    static func codecName(_ encoding: AudioEncoding) -> String {
        switch encoding {
        case .flac: "flac"
        case .wav: "pcm_s16le"
        case .mp3: "mp3"
        case .opus: "opus"
        case .m4a: "aac"
        }
    }

    /// Writes encoded audio to a file with the right extension and checks that ffprobe and ffmpeg accept it.
    static func checkWithFFmpeg(_ encoded: EncodedAudio, name: String) throws -> String {
        let path = try Fixture.write(name + "." + encoded.encoding.fileExtension, encoded.data)
        #expect(try Tool.ffprobe(path, entries: "stream=codec_name") == codecName(encoded.encoding))
        let decode = try Tool.run("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "null", "-"])
        #expect(decode.status == 0)
        #expect(decode.stderr.isEmpty, "\(decode.stderr)")
        return path
    }

    @Test(arguments: AudioEncoding.allCases)
    func roundTrip(_ encoding: AudioEncoding) throws {
        let encoded = try AudioEncoder.encode(Self.input, sampleRate: 16_000, as: encoding)
        #expect(encoded.encoding == encoding)
        #expect(encoded.sampleCount == Self.input.count)
        #expect(encoded.sampleRate == 16_000)
        #expect(encoded.byteCount == encoded.data.count)
        #expect(encoded.durationMilliseconds == 3000)
        if encoding == .wav { #expect(encoded.byteCount >= Self.input.count * 2 + 44) }
        if encoding.isLossy { #expect(encoded.byteCount < Self.input.count * 2 / 3) }

        let path = try Self.checkWithFFmpeg(encoded, name: "roundtrip-\(encoding.rawValue)")
        let reader = try AudioReader(path: path)
        #expect(reader.stream.codec == Self.codecName(encoding))
        let decoded = try reader.readAll()
        if encoding.isLossy {
            // Within one codec frame (MP3 576, AAC 1024, Opus 960 at 48 kHz) of the input length ...
            #expect(abs(decoded.count - Self.input.count) <= 1152, "\(decoded.count)")
            // ... and aligned: the best match is at lag 0 and close to the input.
            let lags = (-40...40).map { ($0, Signal.correlation(Self.input, decoded, lag: $0)) }
            let best = lags.max { $0.1 < $1.1 }!
            #expect(abs(best.0) <= 2, "best lag \(best.0)")
            #expect(best.1 > 0.9, "correlation \(best.1)")
        } else {
            #expect(decoded == Self.input)
        }
    }

    @Test func opusFromRateLibopusLacksIsResampled() throws {
        let input = Signal.chirp(seconds: 2, sampleRate: 44_100)
        let encoded = try AudioEncoder.encode(input, sampleRate: 44_100, as: .opus)
        #expect(encoded.encodedSampleRate == 48_000)
        #expect(encoded.sampleRate == 44_100)
        let path = try Self.checkWithFFmpeg(encoded, name: "opus-44k")
        let decoded = try AudioReader(path: path, sampleRate: 44_100).readAll()
        #expect(abs(decoded.count - input.count) <= 2048)
        #expect(Signal.correlation(input, decoded) > 0.9)
    }

    @Test func sliceAndEmptyInput() throws {
        let slice = Self.input[16_000..<32_000]
        let encoded = try AudioEncoder.encode(slice, sampleRate: 16_000, as: .flac)
        #expect(encoded.sampleCount == 16_000)
        let path = try Fixture.write("slice.flac", encoded.data)
        #expect(try AudioReader(path: path).readAll() == Array(slice))

        let empty = try AudioEncoder.encode([], sampleRate: 16_000, as: .wav)
        #expect(empty.sampleCount == 0)
        #expect(empty.byteCount >= 44)
    }

    @Test func invalidRate() {
        let error = #expect(throws: MediaError.self) { try AudioEncoder.encode([1, 2, 3], sampleRate: 0, as: .flac) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func encodingMetadata() {
        #expect(AudioEncoding.allCases.map(\.contentType) == ["audio/flac", "audio/wav", "audio/mpeg", "audio/ogg", "audio/mp4"])
        for encoding in AudioEncoding.allCases {
            #expect(AudioEncoding(fileExtension: encoding.fileExtension) == encoding)
            #expect(AudioEncoding(fileExtension: "." + encoding.fileExtension.uppercased()) == encoding)
        }
        #expect(AudioEncoding(fileExtension: "opus") == .opus)
        #expect(AudioEncoding(fileExtension: "mp4") == .m4a)
        #expect(AudioEncoding(fileExtension: "txt") == nil)
    }
}

@Suite struct AudioFileWriterTests {
    @Test(arguments: [AudioEncoding.flac, .mp3, .opus, .m4a, .wav])
    func streamsReaderBlocksToFile(_ encoding: AudioEncoding) throws {
        let source = try Fixture.stereoMP4.get()
        let reference = try AudioReader(path: source).readAll()
        let output = Fixture.path("written-\(encoding.rawValue).\(encoding.fileExtension)")
        let reader = try AudioReader(path: source, blockSize: 3000)
        let writer = try AudioFileWriter(path: output, encoding: encoding, sampleRate: 16_000)
        while let block = try reader.nextBlock() { try writer.append(block) }
        try writer.finish()
        #expect(writer.sampleCount == Int64(reference.count))
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int
        #expect(writer.byteCount > 0)
        #expect(Int64(size ?? -1) == writer.byteCount)
        let decoded = try AudioReader(path: output).readAll()
        if encoding.isLossy {
            #expect(abs(decoded.count - reference.count) <= 1152)
            #expect(Signal.correlation(reference, decoded) > 0.9)
        } else {
            #expect(decoded == reference)
        }
        #expect(throws: MediaError.self) { try writer.append([1, 2, 3]) }
    }

    @Test func sameBytesAsInMemoryEncoder() throws {
        let input = Signal.chirp(seconds: 1, sampleRate: 16_000)
        let output = Fixture.path("same.flac")
        let writer = try AudioFileWriter(path: output, encoding: .flac, sampleRate: 16_000)
        try writer.append(Array(input[..<5000]))
        try writer.append(Array(input[5000...]))
        try writer.finish()
        let onDisk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
        let inMemory = try AudioEncoder.encode(input, sampleRate: 16_000, as: .flac)
        #expect(onDisk == inMemory.data)
    }

    @Test func missingDirectory() {
        let output = Fixture.path("no such dir/out.flac")
        let error = #expect(throws: MediaError.self) {
            try AudioFileWriter(path: output, encoding: .flac, sampleRate: 16_000)
        }
        #expect(error?.code == .fileNotFound)
        #expect(error?.path == output)
    }
}
