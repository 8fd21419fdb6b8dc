import Foundation
import TestSupport
import MediaAudio
import Testing

@Suite struct ProbeTests {
    @Test func stereoMP4() throws {
        let info = try MediaProbe.probe(try Fixture.stereoMP4.get())
        #expect(info.formatName.contains("mp4"))
        #expect(info.formatDescription != nil)
        #expect(abs((info.duration ?? 0) - 4000) <= 50)
        #expect(info.startTime == 0)
        #expect(info.videoFrameRate == 10)
        #expect(info.streams.count == 2)
        #expect(info.streams.map(\.index) == [0, 1])
        #expect(info.streams[0].kind == .video)
        #expect(info.streams[0].frameRate == 10)
        let audio = try #require(info.audioStreams.first)
        #expect(info.audioStreams.count == 1)
        #expect(audio.index == 1)
        #expect(audio.codec == "aac")
        #expect(audio.channels == 2)
        #expect(audio.channelLayout == "stereo")
        #expect(audio.sampleRate == 48_000)
        #expect(audio.dispositions.contains(.default))
        #expect(audio.language == nil)  // ffmpeg writes "und"
        #expect(abs((audio.duration ?? 0) - 4000) <= 50)
    }

    @Test func multiTrackMKV() throws {
        let info = try MediaProbe.probe(try Fixture.multiTrackMKV.get())
        #expect(info.formatName.contains("matroska"))
        #expect(info.streams.count == 4)
        #expect(info.audioStreams.map(\.index) == [1, 2, 3])
        let surround = info.streams[1]
        #expect(surround.channels == 6)
        #expect(surround.channelLayout?.hasPrefix("5.1") == true)
        #expect(surround.codec == "ac3")
        #expect(surround.language == "eng")
        #expect(surround.dispositions.isEmpty)
        let german = info.streams[2]
        #expect(german.language == "ger")
        #expect(german.title == "Deutsch")
        #expect(german.dispositions == [.default])
        let french = info.streams[3]
        #expect(french.language == "fre")
        #expect(french.title == "Commentaire")
        #expect(french.dispositions.contains(.comment))
        #expect(french.sampleRate == 44_100)
        #expect(french.codec == "vorbis")
        // Matroska keeps stream durations in tags; they are parsed and capped by the container.
        #expect(abs((german.duration ?? 0) - 3000) <= 100)
    }

    @Test func infoIsCodable() throws {
        let info = try MediaProbe.probe(try Fixture.multiTrackMKV.get())
        let data = try JSONEncoder().encode(info)
        let decoded = try JSONDecoder().decode(MediaInfo.self, from: data)
        #expect(decoded == info)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"comment\""))
    }

    @Test func tsPresentationStartIsContainerStart() throws {
        let info = try MediaProbe.probe(try Fixture.lateTS.get())
        #expect(info.formatName == "mpegts")
        #expect(info.startTime > 0)  // MPEG-TS starts at 1.4 s by default
        let audio = try #require(info.audioStreams.first)
        let offset = try #require(audio.startTime) - info.startTime
        #expect(abs(offset - 2500) <= 30)
    }
}

/// One small file per container users have.
struct ContainerCase: Sendable, CustomTestStringConvertible {
    var ext: String
    var arguments: [String]
    var formatFragment: String
    var hasVideo: Bool
    var testDescription: String { ext }
}

@Suite struct ContainerTests {
    static let video = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=2"]
    static let tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2"]
    static let cases: [ContainerCase] = [
        ContainerCase(ext: "mp4", arguments: video + tone + ["-c:v", "mpeg4", "-c:a", "aac"], formatFragment: "mp4", hasVideo: true),
        ContainerCase(ext: "mkv", arguments: video + tone + ["-c:v", "mpeg4", "-c:a", "libopus"], formatFragment: "matroska", hasVideo: true),
        ContainerCase(ext: "mov", arguments: video + tone + ["-c:v", "mpeg4", "-c:a", "aac"], formatFragment: "mov", hasVideo: true),
        ContainerCase(ext: "webm", arguments: video + tone + ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libvorbis"], formatFragment: "webm", hasVideo: true),
        ContainerCase(ext: "ts", arguments: video + tone + ["-c:v", "mpeg2video", "-c:a", "mp2"], formatFragment: "mpegts", hasVideo: true),
        ContainerCase(ext: "avi", arguments: video + tone + ["-c:v", "mpeg4", "-c:a", "libmp3lame"], formatFragment: "avi", hasVideo: true),
        ContainerCase(ext: "m4a", arguments: tone + ["-c:a", "aac"], formatFragment: "m4a", hasVideo: false),
        ContainerCase(ext: "mp3", arguments: tone + ["-c:a", "libmp3lame"], formatFragment: "mp3", hasVideo: false),
        ContainerCase(ext: "wav", arguments: tone + ["-c:a", "pcm_s16le"], formatFragment: "wav", hasVideo: false),
        ContainerCase(ext: "flac", arguments: tone + ["-c:a", "flac"], formatFragment: "flac", hasVideo: false),
        ContainerCase(ext: "ogg", arguments: tone + ["-c:a", "libvorbis"], formatFragment: "ogg", hasVideo: false),
    ]

    @Test(arguments: cases)
    func readsContainer(_ container: ContainerCase) throws {
        let path = try Fixture.make("container." + container.ext, container.arguments).get()
        let reader = try AudioReader(path: path)
        #expect(reader.info.formatName.contains(container.formatFragment))
        #expect((reader.info.videoFrameRate != nil) == container.hasVideo)
        #expect(reader.stream.kind == .audio)
        let samples = try reader.readAll()
        // 2 s at 16 kHz, within one codec frame (MP3 1152, AAC 1024, Vorbis 2048 samples at 48 kHz).
        #expect(abs(samples.count - 32_000) <= 700, "got \(samples.count) samples")
        #expect(abs(Signal.frequency(samples[4000..<28000], sampleRate: 16_000) - 440) < 10)
        #expect(reader.damagedPacketCount == 0)
        #expect(reader.warnings.isEmpty, "\(reader.warnings)")
        if let expected = reader.expectedSampleCount {
            #expect(abs(Int64(samples.count) - expected) <= 700)
        }
    }
}
