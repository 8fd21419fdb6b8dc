import Foundation
import MediaAudio
import Testing
import TestSupport

/// Muxing into each container: every original stream unchanged, the new tracks as asked, cues exact.
@Suite struct MuxContainerTests {
    static let english = [
        TimedText(start: 500, end: 1900, lines: ["Hello, world."]),
        TimedText(start: 2000, end: 3250, lines: ["Two lines, “quoted”,", "with Ümläuts & more."]),
        TimedText(start: 4100, end: 5999, lines: ["Last one!"]),
    ]
    static let german = [
        TimedText(start: 0, end: 800, lines: ["Gleich am Anfang."]),
        TimedText(start: 3000, end: 4000, lines: ["Straße"]),
    ]

    /// Checks that `output` stream `map[i].1` is `source` stream `map[i].0`, unchanged: codec, packet count,
    /// dispositions, tags, every packet (timestamps, size, MD5) and the duration. Matroska's muxer recomputes the
    /// `DURATION` tag from the last packet's duration, so that one is compared within 50 ms.
    static func expectUnchanged(_ source: String, _ output: String, map: [(Int, Int)]) throws {
        let before = try MuxOracle.probe(source)
        let after = try MuxOracle.probe(output)
        for (from, to) in map {
            var a = before.streams[from]
            var b = after.streams[to]
            #expect(b.index == to)
            #expect(abs(a.durationSeconds - b.durationSeconds) <= 0.05, "duration of stream #\(from)")
            b.index = a.index
            (a.duration, b.duration) = (nil, nil)
            a.tags?["DURATION"] = nil
            b.tags?["DURATION"] = nil
            #expect(a == b, "stream #\(from) -> #\(to)")
            if a.codecType != "attachment" {
                let packets = try MuxOracle.packets(source, stream: from)
                let copied = try MuxOracle.packets(output, stream: to)
                #expect(!packets.isEmpty)
                #expect(packets.count == copied.count, "packet count of stream #\(from)")
                let firstDifference = zip(packets, copied).first { $0 != $1 }
                #expect(firstDifference == nil, "stream #\(from): first differing packet \(String(describing: firstDifference))")
            }
        }
        #expect(after.chapters == before.chapters)
        #expect(after.format.tags?["title"] == before.format.tags?["title"])
        // The presentation start (what players show as 0:00) does not move, added streams included.
        #expect(after.format.startTime == before.format.startTime)
    }

    @Test func matroskaKeepsEverythingAndAddsSubRipAndOpusDub() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = try MuxFixture.matroska.get()
        let dub = try MuxFixture.dub(.opus)
        let output = scratch.path("out.mkv")
        let result = try MediaMuxer.mux(
            source,
            adding: [
                .subtitles(Self.english, language: "en", title: "English (SDH)", dispositions: [.hearingImpaired]),
                .subtitles(Self.german, language: "deu", title: "Deutsch (forced)", dispositions: [.forced]),
                .audio(file: dub, language: "eng", title: "English (dub)"),
            ],
            to: .file(output))
        #expect(result.path == output)
        // New tracks follow the source's tracks; Matroska keeps attachments after all tracks.
        #expect(result.addedStreams == [3, 4, 5])
        #expect(result.replacedStreams.isEmpty && result.skippedStreams.isEmpty)
        #expect(result.addedPacketCount > 5)
        #expect(try scratch.files() == ["out.mkv"])

        try Self.expectUnchanged(source, output, map: [(0, 0), (1, 1), (2, 2), (3, 6)])
        let dumped = try MuxOracle.attachment(output, stream: 6, into: scratch.url)
        #expect(dumped == (try Data(contentsOf: URL(fileURLWithPath: try MuxFixture.attachment.get()))))

        let probed = try MuxOracle.probe(output)
        #expect(probed.streams.count == 7)
        let sdh = probed.streams[3]
        #expect(sdh.codecName == "subrip")
        #expect(sdh.tag("language") == "eng")
        #expect(sdh.tag("title") == "English (SDH)")
        #expect(sdh.tag("SUBTITLER") == "1")
        #expect(sdh.flags == ["hearing_impaired"])
        #expect(probed.streams[4].tag("language") == "ger")  // Matroska stores ISO 639-2/B
        #expect(probed.streams[4].flags == ["forced"])
        let dubbed = probed.streams[5]
        #expect(dubbed.codecName == "opus")
        #expect(dubbed.flags == ["dub"])
        #expect(dubbed.tag("title") == "English (dub)")
        #expect(probed.streams[1].flags == ["default"])  // the original audio stays the default

        #expect(try MuxOracle.extractedCues(output, stream: 3) == Self.english)
        #expect(try MuxOracle.extractedCues(output, stream: 4) == Self.german)
        #expect(try MuxOracle.packetHashes(output, stream: 5) == (try MuxOracle.packetHashes(dub, stream: 0)))

        let info = try MediaProbe.probe(output)
        #expect(info.streams.map(\.kind) == [.video, .audio, .subtitle, .subtitle, .subtitle, .audio, .attachment])
        #expect(info.streams[2].title == "Deutsch" && !info.streams[2].isSubtitlerTrack)
        #expect(info.streams[3].title == "English (SDH)")
        #expect(info.streams[3].language == "eng")
        #expect(info.streams[3].dispositions == [.hearingImpaired])
        #expect(info.streams[3].isSubtitlerTrack)
        #expect(info.streams[5].dispositions == [.dub])
        #expect(info.streams[5].isSubtitlerTrack)
        #expect(result.media.streams == info.streams)
    }

    @Test func mp4GetsMovTextWithNoTrackEnabledByAccidentAndAnAACDub() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = try MuxFixture.mp4.get()
        let dub = try MuxFixture.dub(.m4a)
        let output = scratch.path("out.mp4")
        let result = try MediaMuxer.mux(
            source,
            adding: [
                .subtitles(Self.english, language: "eng", title: "English"),
                .subtitles(Self.german, language: "ger", title: "Deutsch (SDH)", dispositions: [.hearingImpaired]),
                .audio(file: dub, language: "en", title: "English (dub)"),
            ],
            to: .file(output))
        // The QuickTime chapter track is not copied: the muxer rebuilds it from the chapters.
        #expect(result.skippedStreams.map(\.stream.index) == [2])
        #expect(result.addedStreams == [2, 3, 4])

        try Self.expectUnchanged(source, output, map: [(0, 0), (1, 1)])
        let probed = try MuxOracle.probe(output)
        #expect(probed.streams.filter { $0.codecType == "data" }.count == 1, "exactly one chapter track")
        let english = probed.streams[2]
        #expect(english.codecName == "mov_text")
        #expect(english.tag("language") == "eng")
        #expect(english.tag("handler_name") == "English (subtitler)")
        // Not default, hence not enabled: FFmpeg alone would have enabled the first subtitle track.
        #expect(english.flags.isEmpty)
        let german = probed.streams[3]
        #expect(german.tag("language") == "deu")  // MP4 stores ISO 639-2/T
        #expect(german.flags == ["hearing_impaired", "captions"])
        let dubbed = probed.streams[4]
        #expect(dubbed.codecName == "aac")
        #expect(dubbed.flags == ["dub"])
        #expect(probed.streams[1].flags == ["default"])
        #expect(try MuxOracle.packetHashes(output, stream: 4) == (try MuxOracle.packetHashes(dub, stream: 0)))

        #expect(try MuxOracle.extractedCues(output, stream: 2) == Self.english)
        #expect(try MuxOracle.extractedCues(output, stream: 3) == Self.german)

        let info = try MediaProbe.probe(output)
        #expect(info.streams[2].title == "English")
        #expect(info.streams[2].isSubtitlerTrack)
        #expect(info.streams[3].dispositions == [.hearingImpaired, .captions])
        #expect(info.streams[4].title == "English (dub)")
        #expect(info.streams[1].title == nil && !info.streams[1].isSubtitlerTrack)
    }

    @Test func mp4DefaultSubtitleIsTheOnlyEnabledOne() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = try MuxFixture.copy(MuxFixture.mp4, to: scratch.url, as: "film.mp4")
        _ = try MediaMuxer.mux(
            path,
            adding: [
                .subtitles(Self.german, language: "ger", title: "Deutsch"),
                .subtitles(Self.english, language: "eng", title: "English", dispositions: [.default]),
            ],
            to: .replacingSource)
        var probed = try MuxOracle.probe(path)
        #expect(probed.streams[2].flags.isEmpty)
        #expect(probed.streams[3].flags == ["default"])

        // An existing enabled track stays enabled when a new one is not the default ...
        _ = try MediaMuxer.mux(
            path, adding: [.subtitles(Self.english, language: "fre", title: "Français")], to: .replacingSource)
        probed = try MuxOracle.probe(path)
        #expect(probed.streams.filter { $0.codecType == "subtitle" }.map(\.flags) == [[], ["default"], []])
        // ... and gives way to a new default.
        _ = try MediaMuxer.mux(
            path, adding: [.subtitles(Self.german, language: "spa", title: "Español", dispositions: [.default])],
            to: .replacingSource)
        probed = try MuxOracle.probe(path)
        #expect(probed.streams.filter { $0.codecType == "subtitle" }.map(\.flags) == [[], [], [], ["default"]])
    }

    @Test func webmGetsWebVTTAndCaptionsForHearingImpaired() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = try MuxFixture.webm.get()
        let output = scratch.path("out.webm")
        let cues = Self.english + [TimedText(start: 5999, end: 6000, lines: ["<angle> & brackets >"])]
        _ = try MediaMuxer.mux(
            source,
            adding: [.subtitles(cues, language: "eng", title: "English", dispositions: [.hearingImpaired, .default])],
            to: .file(output))
        try Self.expectUnchanged(source, output, map: [(0, 0), (1, 1)])
        let probed = try MuxOracle.probe(output)
        let added = probed.streams[2]
        #expect(added.codecName == "webvtt")
        #expect(added.flags == ["default", "captions"])
        #expect(added.tag("SUBTITLER") == "1")
        #expect(added.tag("title") == "English")
        // The cue text is escaped in the packets and comes back exactly.
        #expect(try MuxOracle.extractedCues(output, stream: 2) == cues)
    }
}
