import Foundation
import TestSupport
@testable import MediaAudio
import Testing

@Suite struct AudioReaderTests {
    /// One AAC frame (1024 samples at 48 kHz) at 16 kHz.
    static let aacFrame: Int64 = 342

    @Test func stereoMP4BlocksAreContiguousAndFixedSize() throws {
        let reader = try AudioReader(path: try Fixture.stereoMP4.get(), blockSize: 5000)
        #expect(reader.sampleRate == 16_000)
        #expect(reader.startOffsetSamples == 0)
        var blocks: [PCMBlock] = []
        while let block = try reader.nextBlock() { blocks.append(block) }
        #expect(try reader.nextBlock() == nil)
        var position: Int64 = 0
        for (i, block) in blocks.enumerated() {
            #expect(block.startSample == position)
            if i < blocks.count - 1 { #expect(block.samples.count == 5000) }
            position = block.endSample
        }
        #expect(reader.position == position)
        #expect(abs(position - 64_000) <= Self.aacFrame)
        let expected = try #require(reader.expectedSampleCount)
        #expect(abs(position - expected) <= Self.aacFrame)
        let all = blocks.flatMap(\.samples)
        #expect(abs(Signal.frequency(all[8000..<56000], sampleRate: 16_000) - 440) < 5)
        #expect(Signal.rms(all[8000..<56000]) > 1000)
        #expect(reader.warnings.isEmpty)
    }

    @Test(arguments: [8000, 22_050, 48_000])
    func outputRateIsConfigurable(_ rate: Int) throws {
        let reader = try AudioReader(path: try Fixture.stereoMP4.get(), sampleRate: rate, blockSize: 1000)
        let samples = try reader.readAll()
        let frame = 1024 * rate / 48_000 + 1
        #expect(abs(samples.count - 4 * rate) <= frame)
        #expect(abs(Signal.frequency(samples[(rate / 2)..<(rate * 3)], sampleRate: rate) - 440) < 5)
    }

    @Test func surroundTrackIsDownmixed() throws {
        let reader = try AudioReader(path: try Fixture.multiTrackMKV.get(), track: .index(1))
        #expect(reader.stream.channels == 6)
        let samples = try reader.readAll()
        #expect(abs(samples.count - 48_000) <= 600)
        #expect(Signal.rms(samples[4000..<40000]) > 1000)
        #expect(abs(Signal.frequency(samples[4000..<40000], sampleRate: 16_000) - 300) < 5)
    }

    /// The tone starts at 2.5 s on the video timeline: sample 40,000 at 16 kHz, within one codec frame.
    @Test(arguments: ["mp4", "mkv", "ts"])
    func audioStartingAfterVideo(_ ext: String) throws {
        let path = try Fixture.lateAudio(ext).get()
        // ffprobe agrees the audio stream starts 2.5 s after the presentation start (AAC priming: one frame).
        let streamStart = try #require(Double(try Tool.ffprobe(path, entries: "stream=start_time", select: "a:0")))
        let formatStart = try #require(Double(try Tool.ffprobe(path, entries: "format=start_time")))
        #expect(abs(streamStart - formatStart - 2.5) <= 0.025)

        let reader = try AudioReader(path: path)
        // The stream's first packet is the encoder's priming frame, which ends just before the tone.
        #expect(abs(reader.startOffsetSamples - 40_000) <= Self.aacFrame + 32)
        let samples = try reader.readAll()
        let onset = try #require(Signal.onset(samples))
        #expect(abs(Int64(onset) - 40_000) <= Self.aacFrame, "tone found at \(onset)")
        #expect(samples[0..<Int(reader.startOffsetSamples)].allSatisfy { $0 == 0 })
        // 2.5 s of silence + 3 s of tone.
        #expect(abs(Int64(samples.count) - 88_000) <= Self.aacFrame)
        // MPEG-TS durations are estimates (the last PES start, not its end); the others are exact.
        if let expected = reader.expectedSampleCount {
            #expect(abs(Int64(samples.count) - expected) <= (ext == "ts" ? 3200 : Self.aacFrame))
        }
    }

    @Test func gapInTimestampsBecomesSilence() throws {
        let reader = try AudioReader(path: try Fixture.gapMKV.get())
        let samples = try reader.readAll()
        // FLAC frames are 96 ms: the tone runs to 1.056 s, the hole to 2.056 s, then 1.944 s of tone.
        #expect(samples.count == 64_000)
        #expect(Signal.rms(samples[1000..<16800]) > 1000)
        #expect(samples[16_900..<32_890].allSatisfy { $0 == 0 })
        #expect(Signal.rms(samples[33_000..<63_000]) > 1000)
        let resume = try #require(Signal.onset(Array(samples[16_900...]))) + 16_900
        #expect(abs(resume - 32_896) <= 20, "tone resumes at \(resume)")
        #expect(reader.warnings.contains { $0.contains("gap") })
        #expect(reader.damagedPacketCount == 0)
    }

    @Test func aacPrimingIsRemovedInMP4() throws {
        let path = try Fixture.make(
            "primed.m4a", Fixture.lavfi(Fixture.tone(440, seconds: 2)) + ["-c:a", "aac"]
        ).get()
        let reader = try AudioReader(path: path)
        let samples = try reader.readAll()
        #expect(reader.startOffsetSamples == 0)
        // The encoder delay is trimmed (edit list + skip samples): the tone starts at once.
        #expect((Signal.onset(samples) ?? 999) < 20)
        #expect(abs(samples.count - 32_000) <= 342)
    }

    @Test func damagedMiddleKeepsTimeline() throws {
        let clean = try Fixture.longTS.get()
        let reference = try AudioReader(path: clean).readAll()
        let damaged = try Fixture.damaged(clean, name: "damaged.ts", from: 0.4, to: 0.5)
        let reader = try AudioReader(path: damaged)
        let samples = try reader.readAll()
        #expect(reader.damagedPacketCount > 0)
        #expect(reader.warnings.contains { $0.contains("damaged") })
        #expect(abs(samples.count - reference.count) <= 342)
        // Good audio on both sides of the damage, at the same place as in the clean file.
        #expect(Signal.correlation(Array(reference[16_000..<48_000]), Array(samples[16_000..<48_000])) > 0.99)
        #expect(Signal.correlation(Array(reference[128_000..<156_000]), Array(samples[128_000..<156_000])) > 0.99)
    }

    @Test func truncatedMatroskaDecodesWhatIsThereAndWarns() throws {
        let cut = try Fixture.truncated(try Fixture.longMKV.get(), name: "cut.mkv", fraction: 0.5)
        let reader = try AudioReader(path: cut)
        let samples = try reader.readAll()
        #expect(samples.count > 48_000 && samples.count < 120_000)
        #expect(reader.warnings.contains { $0.contains("truncated") }, "\(reader.warnings)")
    }

    @Test func pathWithSpacesAndNonASCII() throws {
        let path = try Fixture.unicodePath.get()
        #expect(path.contains("日本語"))
        let info = try MediaProbe.probe(path)
        #expect(info.path == path)
        #expect(info.formatName == "mp3")
        let samples = try AudioReader(path: path).readAll()
        #expect(abs(samples.count - 32_000) <= 600)
    }

    @Test func otherStreamsAreNotDecoded() throws {
        // Reading audio from a file whose video has no decoder-relevant effect: only audio packets are used, and the
        // result equals reading an audio-only copy.
        let reader = try AudioReader(path: try Fixture.stereoMP4.get())
        let withVideo = try reader.readAll()
        let audioOnly = try Fixture.make(
            "stereo-audio-only.m4a", ["-i", try Fixture.stereoMP4.get(), "-map", "0:a", "-c", "copy"]
        ).get()
        let plain = try AudioReader(path: audioOnly).readAll()
        #expect(withVideo == plain)
        // The demuxer itself drops the video: at most the one packet FFmpeg buffered while probing reaches the reader
        // (without the discard flag, all 40 would).
        #expect(reader.otherStreamPacketCount <= 1)
        #expect(try MediaProbe.probe(try Fixture.stereoMP4.get()).videoStream != nil)
    }
}
