@testable import MediaAudio
import Testing
import TestSupport

/// The packet bytes of each text subtitle codec, and the marker conventions.
@Suite struct SubtitlePayloadTests {
    @Test func subRipAndWebVTTPackets() throws {
        let cues = [TimedText(start: 0, end: 10, lines: ["a <b> & c", "{\\i1} stays \\N"])]
        let srt = try SubtitlePayload(container: .matroska).events(cues, path: "x").events
        #expect(srt.map(\.bytes) == [Array("a <b> & c\n{\\i1} stays \\N".utf8)])
        let vtt = try SubtitlePayload(container: .webm).events(cues, path: "x").events
        #expect(vtt.map(\.bytes) == [Array("a &lt;b&gt; &amp; c\n{\\i1} stays \\N".utf8)])
    }

    @Test func movTextPacketsCarryABigEndianLength() throws {
        let text = String(repeating: "ü", count: 200)  // 400 bytes
        let events = try SubtitlePayload(container: .mp4).events(
            [TimedText(start: 5, end: 6, lines: [text])], path: "x"
        ).events
        let bytes = try #require(events.first?.bytes)
        #expect(bytes.count == 402)
        #expect(bytes[0] == 1 && bytes[1] == 144)
        #expect(Array(bytes[2...]) == Array(text.utf8))

        let tooLong = [TimedText(start: 0, end: 1, lines: [String(repeating: "x", count: 70_000)])]
        #expect(throws: MediaError.self) { try SubtitlePayload(container: .mov).events(tooLong, path: "x") }
    }

    @Test func eventsAreSortedEmptyOnesDroppedAndMovTextNeverOverlaps() throws {
        let cues = [
            TimedText(start: 3000, end: 4000, lines: ["late"]),
            TimedText(start: 1000, end: 2500, lines: ["early"]),
            TimedText(start: 1000, end: 1800, lines: ["together"]),
            TimedText(start: 2000, end: 2200, lines: ["  ", ""]),
            TimedText(start: 2400, end: 3500, lines: ["overlaps"]),
        ]
        let srt = try SubtitlePayload(container: .matroska).events(cues, path: "x")
        #expect(srt.emptyCount == 1)
        #expect(srt.events.map(\.start) == [1000, 1000, 2400, 3000])
        #expect(srt.events.map(\.end) == [2500, 1800, 3500, 4000])

        let mov = try SubtitlePayload(container: .mp4).events(cues, path: "x").events
        #expect(mov.map(\.start) == [1000, 2400, 3000])
        #expect(mov.map(\.end) == [2400, 3000, 4000])
        #expect(Array(mov[0].bytes.dropFirst(2)) == Array("early\ntogether".utf8))
    }

    @Test func handlerNamesCarryTitleAndMarker() {
        #expect(SubtitlerMarker.handlerName(title: "English") == "English (subtitler)")
        #expect(SubtitlerMarker.handlerName(title: nil) == "subtitler")
        #expect(SubtitlerMarker.title(fromHandlerName: "English (subtitler)") == "English")
        #expect(SubtitlerMarker.title(fromHandlerName: "subtitler") == nil)
        #expect(SubtitlerMarker.title(fromHandlerName: "Stereo") == "Stereo")  // HandBrake puts titles there
        for generic in ["SoundHandler", "GPAC ISO Video Handler", "Core Media Audio", "ISO Media file produced by Google"] {
            #expect(SubtitlerMarker.title(fromHandlerName: generic) == nil)
        }
        #expect(SubtitlerMarker.isMarked(tag: "1", handlerName: nil))
        #expect(SubtitlerMarker.isMarked(tag: nil, handlerName: "Deutsch (SUBTITLER)"))
        #expect(!SubtitlerMarker.isMarked(tag: nil, handlerName: "SubtitleHandler"))
    }
}
