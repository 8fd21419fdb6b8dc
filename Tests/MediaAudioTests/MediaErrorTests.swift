import CFFmpeg
import Foundation
import TestSupport
import MediaAudio
import Testing

@Suite struct MediaErrorTests {
    @Test func missingFile() {
        let path = Fixture.path("does not exist.mp4")
        let error = #expect(throws: MediaError.self) { try MediaProbe.probe(path) }
        #expect(error?.code == .fileNotFound)
        #expect(error?.path == path)
        #expect(error?.operation == "open")
        #expect(error?.ffmpegMessage == "No such file or directory")
        #expect(error?.description == "\(path): open failed: No such file or directory")
    }

    @Test func zeroByteFile() throws {
        let path = try Fixture.write("empty.mp4", [])
        let error = #expect(throws: MediaError.self) { try AudioReader(path: path) }
        #expect(error?.code == .notMediaFile)
        #expect(error?.ffmpegMessage?.isEmpty == false)
    }

    @Test func textFileIsNotMedia() throws {
        let path = try Fixture.write("notes.mkv", Array("just some text, not a video\n".utf8))
        let error = #expect(throws: MediaError.self) { try MediaProbe.probe(path) }
        #expect(error?.code == .notMediaFile)
        #expect(error?.description.hasPrefix(path + ": ") == true)
    }

    @Test func videoOnlyFile() throws {
        let path = try Fixture.videoOnly.get()
        #expect(try MediaProbe.probe(path).audioStreams.isEmpty)
        let error = #expect(throws: MediaError.self) { try AudioReader(path: path) }
        #expect(error?.code == .noAudioStream)
        #expect(error?.availableTracks.isEmpty == true)
        #expect(error?.description.contains("no audio stream") == true)
        #expect(error?.description.contains("#0 video") == true)
    }

    @Test func mp4CutInHalfIsNotReadable() throws {
        // ffmpeg writes the moov index at the end: half a file has no index.
        let cut = try Fixture.truncated(try Fixture.stereoMP4.get(), name: "cut.mp4", fraction: 0.5)
        let error = #expect(throws: MediaError.self) { try AudioReader(path: cut) }
        #expect(error?.code == .notMediaFile)
        #expect(error?.ffmpegMessage != nil)
    }

    @Test func nothingDecodes() throws {
        // Keep the TS packet headers and the PAT/PMT, garble every payload after them: the stream is found, but no
        // audio frame ever decodes.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Fixture.longTS.get())))
        var state: UInt64 = 42
        for packet in 3..<(bytes.count / 188) {
            for i in (packet * 188 + 4)..<(packet * 188 + 188) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes[i] = UInt8(truncatingIfNeeded: state >> 33)
            }
        }
        let path = try Fixture.write("garbled.ts", bytes)
        let error = #expect(throws: MediaError.self) { try AudioReader(path: path) }
        #expect(error?.code == .decodeFailed)
        #expect(error?.description.contains("no audio could be decoded") == true)
    }

    // Root reads everything; as root the CLI test runs the binary as nobody to cover this case.
    @Test(.enabled(if: geteuid() != 0, "root reads every file")) func permissionDenied() throws {
        let path = try Fixture.write("locked.mp3", [0, 1, 2])
        chmod(path, 0)
        let error = #expect(throws: MediaError.self) { try MediaProbe.probe(path) }
        #expect(error?.code == .permissionDenied)
    }

    @Test func directoryIsNotMedia() throws {
        let error = #expect(throws: MediaError.self) { try MediaProbe.probe(Fixture.directory) }
        #expect(error != nil)
        #expect(error?.code != .fileNotFound)
    }

    @Test func unknownCodecHasNoDecoder() throws {
        // A WAV whose format tag (0x7A7A) no decoder knows.
        var bytes: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        let payload = [UInt8](repeating: 0x55, count: 16_000)
        bytes += Array("RIFF".utf8); u32(UInt32(36 + payload.count)); bytes += Array("WAVE".utf8)
        bytes += Array("fmt ".utf8); u32(16); u16(0x7A7A); u16(1); u32(16_000); u32(32_000); u16(2); u16(16)
        bytes += Array("data".utf8); u32(UInt32(payload.count)); bytes += payload
        let path = try Fixture.write("unknown-codec.wav", bytes)
        let error = #expect(throws: MediaError.self) { try AudioReader(path: path) }
        #expect(error?.code == .decoderNotFound)
    }

    @Test func invalidArguments() throws {
        let path = try Fixture.stereoMP4.get()
        #expect(throws: MediaError.self) { try AudioReader(path: path, sampleRate: 0) }
        #expect(throws: MediaError.self) { try AudioReader(path: path, blockSize: 0) }
        let error = #expect(throws: MediaError.self) { try AudioReader(path: "") }
        #expect(error?.code == .invalidArgument)
    }

    @Test func verboseLoggingCanBeToggled() throws {
        _ = try MediaProbe.probe(try Fixture.stereoMP4.get())
        #expect(av_log_get_level() == AV_LOG_QUIET)   // quiet by default once the media layer is used
        MediaLogging.setVerbose(true)
        #expect(av_log_get_level() == AV_LOG_WARNING)
        MediaLogging.setVerbose(false)
        #expect(av_log_get_level() == AV_LOG_QUIET)
    }
}
