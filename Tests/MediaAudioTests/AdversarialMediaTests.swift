import Foundation
import Testing
import TestSupport
@testable import MediaAudio

/// Crafted media from issue 12: numbers read from a file never crash the reader, never size anything without a
/// bound, and never make it wait forever.
@Suite struct AdversarialMediaTests {
    // MARK: Matroska DURATION tags

    @Test func clockDurationTagsAreParsedStrictly() {
        #expect(InputFile.parseClockDuration("00:00:15.246000000") == 15_246)
        #expect(InputFile.parseClockDuration("01:02:03") == 3_723_000)
        #expect(InputFile.parseClockDuration("00:00:01.5") == 1_500)
        for crafted in [
            ".", "00:00:.", "::", ":::", "00:00:", "-1:00:00", "1:-5:00", "99999999999999999:00:00",
            "2562047788015:00:00", "9999999999:00:00", "00:60:00", "00:00:61", "00:00:01.", "00:00:01.x",
            "+1:00:00", "0x10:00:00", "１:00:00", "", "00:00:00:00",
        ] {
            #expect(InputFile.parseClockDuration(crafted) == nil, "\(crafted)")
        }
        // The largest accepted tag is within the timeline limit.
        let largest = InputFile.parseClockDuration("100000:00:00.000")
        #expect(largest == MediaLimits.maxTimeline)
        #expect(InputFile.parseClockDuration("100000:00:00.001") == nil)
    }

    @Test(.timeLimit(.minutes(1)), arguments: [
        "99999999999999999:", "00:00:.", "-9999999999999999:", "2562047788015:00:00", "00:00:00.99999999",
        "::::::::::::::::::", "9:59:59.999\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}",
    ])
    func craftedDurationTagsNeitherCrashNorClaimAbsurdLengths(tag: String) throws {
        let source = try Self.taggedMKV.get()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let replaced = Self.replaceDurationTags(in: &bytes, with: tag)
        #expect(replaced >= 1)
        let path = try Fixture.write("crafted-duration-\(abs(tag.hashValue)).mkv", bytes)
        let info = try MediaProbe.probe(path)
        for stream in info.streams {
            if let duration = stream.duration { #expect((0...MediaLimits.maxTimeline).contains(duration)) }
        }
        let reader = try AudioReader(path: path)
        let samples = try reader.readAll()
        #expect(samples.count > 8_000 && samples.count < 3 * 16_000)
        if let expected = reader.expectedSampleCount { #expect(expected <= MediaLimits.maxTimeline * 16) }
    }

    // MARK: Timestamps

    @Test func timestampJumpsCannotStretchATinyFileIntoHours() throws {
        // 0.6 s of audio whose timestamps jump 3500 s twice: FFmpeg calls it a file of 1:56:40.
        let path = try Fixture.make(
            "jumps.mkv",
            Fixture.lavfi(Fixture.tone(440, rate: 8_000, seconds: 0.6))
                + ["-af", "asetpts='N/SR/TB+if(gte(N,1600),3500/TB,0)+if(gte(N,3200),3500/TB,0)'", "-c:a", "pcm_s16le"]
        ).get()
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0) < 16_384)
        #expect((try MediaProbe.probe(path).duration ?? 0) > 6_000_000)
        let reader = try AudioReader(path: path)
        var samples = 0
        while let block = try reader.nextBlock() { samples += block.samples.count }
        // The timeline is the decoded audio (plus at most the silence allowance), not the declared two hours.
        #expect(samples < 16_000 * 2)
        #expect(samples >= 9_000)
        #expect(reader.warnings.contains { $0.contains("capped by the decoded audio") }, "\(reader.warnings)")
    }

    @Test func aLeadInThatNoDecodedAudioBacksIsCapped() throws {
        // One frame of video at 0, half a second of audio that claims to start 50 minutes later.
        let path = try Fixture.make(
            "late-lead-in.mkv",
            Fixture.lavfi("testsrc=size=32x32:rate=1:duration=1") + ["-itsoffset", "3000"]
                + Fixture.lavfi(Fixture.tone(440, rate: 16_000, seconds: 0.5)) + ["-c:v", "mpeg4", "-c:a", "flac"]
        ).get()
        let reader = try AudioReader(path: path)
        let allowance = MediaLimits.silenceAllowance * 16
        #expect(reader.startOffsetSamples <= allowance)
        let samples = try reader.readAll()
        #expect(samples.count <= Int(allowance) + 16_000)
        #expect(reader.warnings.contains { $0.contains("capped by the decoded audio") }, "\(reader.warnings)")
        // A genuine lead-in within the allowance is kept exactly (2.5 s, see AudioReaderTests).
        let late = try AudioReader(path: try Fixture.lateMKV.get())
        #expect(abs(late.startOffsetSamples - 40_000) < 400)
    }

    @Test func hugeDeclaredDurationsAreUnknownNotOverflows() throws {
        let source = try Self.taggedMKV.get()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        // The segment's Duration element (0x4489, 8-byte float) set to 1e300 ms.
        let id: [UInt8] = [0x44, 0x89, 0x88]
        let at = try #require(Self.find(id, in: bytes))
        withUnsafeBytes(of: (1e300 as Double).bitPattern.bigEndian) { raw in
            for k in 0..<8 { bytes[at + 3 + k] = raw[k] }
        }
        let path = try Fixture.write("huge-duration.mkv", bytes)
        let info = try MediaProbe.probe(path)
        #expect(info.duration == nil || info.duration! <= MediaLimits.maxTimeline)
        let reader = try AudioReader(path: path)
        #expect(reader.expectedSampleCount == nil || reader.expectedSampleCount! <= MediaLimits.maxTimeline * 16)
        #expect(try reader.readAll().count < 3 * 16_000)
    }

    // MARK: What is not a regular file

    @Test(.timeLimit(.minutes(1))) func fifosDevicesAndDirectoriesAreRefusedWithoutBlocking() throws {
        let fifo = Fixture.path("pipe-\(UUID().uuidString.prefix(6)).mp4")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let cases: [(String, String)] = [
            (fifo, "a FIFO"), ("/dev/zero", "a character device"), (Fixture.directory, "directory"),
        ]
        for (path, expected) in cases {
            let probeError = try #require(throws: MediaError.self) { try MediaProbe.probe(path) }
            #expect(probeError.description.contains(expected), "\(probeError)")
            #expect(!probeError.description.lowercased().contains("permission"))
            let readError = try #require(throws: MediaError.self) { try AudioReader(path: path) }
            #expect(readError.description.contains(expected), "\(readError)")
        }
    }

    // MARK: Sample rates

    /// Each rate with how it is refused: by a range check (nil), or by FFmpeg not opening the header at all.
    @Test(arguments: [(UInt32(1), nil), (999, nil), (800_000, nil), (0x7FFF_FFFF, nil),
                      (0xFFFF_FFFF, .notMediaFile)] as [(UInt32, MediaError.Code?)])
    func wavHeadersWithAbsurdSampleRatesAreRefused(rate: UInt32, refusal: MediaError.Code?) throws {
        // At 1 Hz each sample would become a second of audio: a 1 MB answer would resample to 25 GB. A small file
        // keeps a regression to a failed expectation (about 100 MB) rather than an exhausted machine.
        let wav = Self.wav(sampleRate: rate, samples: [Int16](repeating: 1000, count: 2_000))
        let error = try #require(throws: MediaError.self) {
            let reader = try AudioReader(source: .memory(wav, name: "answer.wav"), sampleRate: 24_000)
            _ = try reader.readAll()
        }
        #expect(error.path == "answer.wav")
        if let refusal {
            #expect(error.code == refusal, "\(error)")
        } else {
            #expect(error.description.contains("out of range"), "\(error)")
        }
    }

    @Test func ordinaryWAVRatesStillDecode() throws {
        for rate in [UInt32(8_000), 44_100, 96_000] {
            let wav = Self.wav(sampleRate: rate, samples: Signal.chirp(seconds: 0.5, sampleRate: Int(rate)))
            let reader = try AudioReader(source: .memory(wav, name: "ok.wav"), sampleRate: 16_000)
            #expect(abs(try reader.readAll().count - 8_000) < 100)
        }
    }

    // MARK: Helpers

    /// 2 s of tone (AAC) and video in Matroska: FFmpeg's muxer writes a DURATION tag per stream.
    static let taggedMKV = Fixture.make(
        "tagged.mkv",
        Fixture.lavfi("testsrc=size=32x32:rate=5:duration=2") + Fixture.lavfi(Fixture.tone(440, seconds: 2))
            + ["-c:v", "mpeg4", "-c:a", "aac"])

    /// Overwrites the value of every `DURATION` tag with `tag` (cut or NUL-padded to the stored length).
    static func replaceDurationTags(in bytes: inout [UInt8], with tag: String) -> Int {
        let name = Array("DURATION".utf8)
        var count = 0
        var from = 0
        while let at = find(name, in: bytes, from: from) {
            // TagName string, then TagString: ID 0x4487, a one-byte size (0x80 | length), the text.
            let idAt = at + name.count
            guard idAt + 3 < bytes.count, bytes[idAt] == 0x44, bytes[idAt + 1] == 0x87, bytes[idAt + 2] & 0x80 != 0
            else { from = at + 1; continue }
            let length = Int(bytes[idAt + 2] & 0x7F)
            let value = Array(tag.utf8.prefix(length))
            for k in 0..<length where idAt + 3 + k < bytes.count {
                bytes[idAt + 3 + k] = k < value.count ? value[k] : 0
            }
            count += 1
            from = idAt + 3 + length
        }
        return count
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int = 0) -> Int? {
        guard needle.count <= bytes.count, from <= bytes.count - needle.count else { return nil }
        for i in from...(bytes.count - needle.count) where bytes[i] == needle[0] {
            if Array(bytes[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }

    /// A mono 16-bit WAV file with whatever sample rate its header should claim.
    static func wav(sampleRate: UInt32, samples: [Int16]) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        let data = samples.flatMap { le16(UInt16(bitPattern: $0)) }
        var out = Array("RIFF".utf8) + le32(UInt32(36 + data.count)) + Array("WAVEfmt ".utf8)
        out += le32(16) + le16(1) + le16(1) + le32(sampleRate) + le32(sampleRate &* 2) + le16(2) + le16(16)
        out += Array("data".utf8) + le32(UInt32(data.count)) + data
        return out
    }
}
