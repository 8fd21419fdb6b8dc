import Foundation
import MediaAudio
import Testing
import TestSupport

/// The project's samples (H.264 with B-frames, as most real files are), QuickTime, and a change of container.
@Suite struct MuxRealFileTests {
    @Test(arguments: ["talk-en.mp4", "clip-de.mkv"])
    func samplesKeepEveryPacketAndGainTheTracks(_ name: String) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = Samples.url(name).path
        let ext = (name as NSString).pathExtension
        let path = scratch.path("copy." + ext)
        try FileManager.default.copyItem(atPath: source, toPath: path)
        let container = try MuxContainer.required(for: path)
        let encoded = try AudioEncoder.encode(Signal.chirp(seconds: 10, sampleRate: 22_050), sampleRate: 22_050, as: container.dubEncoding)
        let dub = try Fixture.write("sample-dub-\(ext).\(container.dubEncoding.fileExtension)", encoded.data)
        let result = try MediaMuxer.mux(
            path,
            adding: [
                .subtitles(MuxContainerTests.english, language: "eng", title: "English"),
                .audio(file: dub, language: "eng", title: "English (dub)"),
            ],
            to: .replacingSource)
        #expect(result.addedStreams == [2, 3])
        try MuxContainerTests.expectUnchanged(source, path, map: [(0, 0), (1, 1)])
        #expect(try MuxOracle.extractedCues(path, stream: 2) == MuxContainerTests.english)
        #expect(try MuxOracle.probe(path).streams[2].flags.isEmpty)
    }

    @Test(arguments: ["mov", "m4v"])
    func quickTimeAndITunesGetMovTextDisabledAndMarked(_ ext: String) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = try (ext == "mov" ? MuxFixture.mov : MuxFixture.m4v).get()
        let output = scratch.path("out." + ext)
        _ = try MediaMuxer.mux(
            source, adding: [.subtitles(MuxContainerTests.german, language: "de", title: "Deutsch")], to: .file(output))
        try MuxContainerTests.expectUnchanged(source, output, map: [(0, 0), (1, 1)])
        let added = try MuxOracle.probe(output).streams[2]
        #expect(added.codecName == "mov_text")
        #expect(added.flags.isEmpty)
        // QuickTime language codes are found by the ISO 639-2/B code; MP4-style files store 639-2/T.
        #expect(added.tag("language") == (ext == "mov" ? "ger" : "deu"))
        #expect(added.tag("handler_name") == "Deutsch (subtitler)")
        #expect(try MuxOracle.extractedCues(output, stream: 2) == MuxContainerTests.german)
        #expect(try MediaProbe.probe(output).streams[2].isSubtitlerTrack)
    }

    @Test func quickTimeTimecodeTrackIsRebuiltFromTheVideosTag() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = try MuxFixture.movTimecode.get()
        let output = scratch.path("out.mov")
        let result = try MediaMuxer.mux(
            source, adding: [.subtitles(MuxContainerTests.german, language: "ger")], to: .file(output))
        #expect(result.skippedStreams.map(\.stream.index) == [2])
        try MuxContainerTests.expectUnchanged(source, output, map: [(0, 0), (1, 1)])
        let probed = try MuxOracle.probe(output)
        #expect(probed.streams.map(\.codecType) == ["video", "audio", "subtitle", "data"])
        let timecode = try MuxOracle.probe(source).streams[2].tag("timecode")
        #expect(timecode?.hasPrefix("01:00:00:") == true)
        #expect(probed.streams[3].tag("timecode") == timecode)
    }

    @Test func changingContainerKeepsMarkersAndChapters() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let mp4 = scratch.path("step1.mp4")
        let dub = try MuxFixture.dub(.m4a)
        _ = try MediaMuxer.mux(
            try MuxFixture.mp4.get(), adding: [.audio(file: dub, language: "eng", title: "English (dub)")], to: .file(mp4))
        let mkv = scratch.path("step2.mkv")
        let result = try MediaMuxer.mux(
            mp4, adding: [.subtitles(MuxContainerTests.english, language: "eng", title: "English")], to: .file(mkv))
        // The QuickTime chapter track is reported, not copied; the chapters themselves are.
        #expect(result.skippedStreams.map(\.stream.codec) == ["bin_data"])
        let probed = try MuxOracle.probe(mkv)
        #expect(probed.chapters.count == 2)
        #expect(probed.streams.map(\.codecName) == ["mpeg4", "aac", "aac", "subrip"])
        // The dub written into the MP4 is still recognised, now by the Matroska tag.
        #expect(probed.streams[2].tag("SUBTITLER") == "1")
        #expect(probed.streams[2].tag("title") == "English (dub)")
        let info = try MediaProbe.probe(mkv)
        #expect(info.streams[2].isSubtitlerTrack && info.streams[2].title == "English (dub)")
        #expect(info.streams[2].dispositions == [.dub])
        // Matroska cannot hold the MP4's negative priming timestamps, so everything moved together: the cues are
        // still exactly where they were against the video.
        let videoStart = try #require(try MuxOracle.packetTimes(mkv, stream: 0).first)
        let cueTimes = try MuxOracle.packetTimes(mkv, stream: 3)
        #expect(cueTimes.count == MuxContainerTests.english.count)
        for (time, cue) in zip(cueTimes, MuxContainerTests.english) {
            #expect(abs(time - videoStart - Double(cue.start) / 1000) < 0.0015, "cue at \(cue.start) ms")
        }
    }
}
