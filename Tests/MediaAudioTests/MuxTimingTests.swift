import Foundation
import MediaAudio
import Testing
import TestSupport

/// Files whose streams do not start at zero: the cues land on the video's timeline, copied packets keep their
/// timestamps, the added audio starts at the presentation start.
@Suite struct MuxTimingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var ext: String
        var dub: AudioEncoding
        var testDescription: String { ext }
    }

    @Test(arguments: [Case(ext: "mkv", dub: .opus), Case(ext: "mp4", dub: .m4a)])
    func delayedStartKeepsCuesOnTheVideoTimeline(_ format: Case) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = try (format.ext == "mkv" ? MuxFixture.delayedMKV : MuxFixture.delayedMP4).get()
        let before = try MediaProbe.probe(source)
        // The fixture really is delayed: presentation start 1.4 s, audio 2.5 s after the video.
        #expect(abs(before.startTime - 1400) <= 1)
        let audioStart = try #require(before.audioStreams.first?.startTime)
        #expect(abs(audioStart - before.startTime - 2500) <= 50)

        let output = scratch.path("out." + format.ext)
        let dub = try MuxFixture.dub(format.dub)
        let result = try MediaMuxer.mux(
            source,
            adding: [
                .subtitles(MuxContainerTests.english, language: "eng", title: "English"),
                .audio(file: dub, language: "eng", title: "English (dub)"),
            ],
            to: .file(output))
        #expect(result.addedStreams == [2, 3])
        try MuxContainerTests.expectUnchanged(source, output, map: [(0, 0), (1, 1)])

        // On the container clock, each cue sits at presentation start + cue start, as the video does.
        let probed = try MuxOracle.probe(output)
        let videoStart = try #require(try MuxOracle.packetTimes(output, stream: 0).first)
        #expect(abs(videoStart - 1.4) < 0.0005)
        let cueTimes = try MuxOracle.packetTimes(output, stream: 2)
        #expect(cueTimes.count == MuxContainerTests.english.count)
        for (time, cue) in zip(cueTimes, MuxContainerTests.english) {
            #expect(abs(time - videoStart - Double(cue.start) / 1000) < 0.0005, "cue at \(cue.start) ms")
        }
        // ffmpeg measures from the presentation start, as players do.
        #expect(try MuxOracle.extractedCues(output, stream: 2) == MuxContainerTests.english)
        #expect(probed.startMilliseconds == 1400)

        // The dub starts at the presentation start, not at zero (its priming, if any, comes after that).
        let info = try MediaProbe.probe(output)
        let dubStart = try #require(info.streams[3].startTime)
        #expect(abs(dubStart - 1400) <= 1, "dub starts at \(dubStart) ms")
        #expect(try MuxOracle.packetHashes(output, stream: 3) == (try MuxOracle.packetHashes(dub, stream: 0)))
    }
}
