import Foundation
import MediaAudio
import Testing
import TestSupport

/// Muxing again replaces the tracks subtitler wrote (found by their marker) instead of adding duplicates.
@Suite struct MuxReplacementTests {
    static let first = [TimedText(start: 200, end: 1200, lines: ["First run."])]
    static let second = [TimedText(start: 300, end: 1500, lines: ["Second run."])]
    static let german = [TimedText(start: 400, end: 1400, lines: ["Erster Lauf."])]

    static func subtitles(_ info: MediaInfo) -> [StreamInfo] { info.streams.filter { $0.kind == .subtitle } }

    @Test(arguments: ["mkv", "mp4"])
    func muxingTwiceLeavesOneTrackPerLanguageAndKind(_ ext: String) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fixture = ext == "mkv" ? MuxFixture.matroska : MuxFixture.mp4
        let path = try MuxFixture.copy(fixture, to: scratch.url, as: "film." + ext)
        let original = try MediaProbe.probe(path)
        let originalSubtitles = Self.subtitles(original).count
        let dub = try MuxFixture.dub(ext == "mkv" ? .opus : .m4a)

        _ = try MediaMuxer.mux(
            path,
            adding: [
                .subtitles(Self.first, language: "eng", title: "English"),
                .subtitles(Self.first, language: "eng", title: "English (forced)", dispositions: [.forced]),
                .subtitles(Self.german, language: "ger", title: "Deutsch"),
                .audio(file: dub, language: "eng", title: "English (dub)"),
            ],
            to: .replacingSource)
        let second = try MediaMuxer.mux(
            path,
            adding: [
                .subtitles(Self.second, language: "en", title: "English"),
                .audio(file: dub, language: "eng", title: "English (dub)"),
            ],
            to: .replacingSource)
        // The regular English track and the dub were replaced; forced English and German are kept.
        #expect(second.replacedStreams.count == 2)
        #expect(Set(second.replacedStreams.map(\.kind)) == [.subtitle, .audio])

        let info = try MediaProbe.probe(path)
        let subtitles = Self.subtitles(info)
        #expect(subtitles.count == originalSubtitles + 3)
        let english = subtitles.filter { $0.language == "eng" && !$0.dispositions.contains(.forced) }
        #expect(english.count == 1)
        #expect(subtitles.filter { $0.language == "eng" && $0.dispositions.contains(.forced) }.count == 1)
        // Matroska keeps ISO 639-2/B codes; MP4 stores the terminology code, which FFmpeg reads back as "deu".
        let germanCode = ext == "mp4" ? "deu" : "ger"
        #expect(subtitles.filter { $0.language == germanCode }.count == originalSubtitles + 1)
        #expect(info.audioStreams.count == original.audioStreams.count + 1)
        let newEnglish = try #require(english.first)
        #expect(try MuxOracle.extractedCues(path, stream: newEnglish.index) == Self.second)
        // The original streams are still the first ones, untouched by the two passes.
        for stream in original.streams where stream.kind != .attachment && stream.kind != .data {
            #expect(info.streams[stream.index].codec == stream.codec)
            #expect(!info.streams[stream.index].isSubtitlerTrack)
        }

        // `.all` with nothing to add removes every marked track: back to the original streams.
        let cleaned = try MediaMuxer.mux(path, adding: [], to: .replacingSource, replacing: .all)
        #expect(cleaned.replacedStreams.count == 4)
        #expect(try MediaProbe.probe(path).streams.map(\.codec) == original.streams.map(\.codec))
    }

    @Test func replacingNoneKeepsEarlierTracks() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = try MuxFixture.copy(MuxFixture.webm, to: scratch.url, as: "clip.webm")
        for cues in [Self.first, Self.second] {
            _ = try MediaMuxer.mux(
                path, adding: [.subtitles(cues, language: "eng", title: "English")], to: .replacingSource,
                replacing: .none)
        }
        let subtitles = Self.subtitles(try MediaProbe.probe(path))
        #expect(subtitles.count == 2)
        #expect(subtitles.allSatisfy { $0.isSubtitlerTrack })
    }

    @Test func unmarkedTracksAreNeverReplaced() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        // The fixture's own German SubRip track has no marker.
        let path = try MuxFixture.copy(MuxFixture.matroska, to: scratch.url, as: "film.mkv")
        let result = try MediaMuxer.mux(
            path, adding: [.subtitles(Self.german, language: "ger", title: "Deutsch")], to: .replacingSource)
        #expect(result.replacedStreams.isEmpty)
        let german = Self.subtitles(try MediaProbe.probe(path)).filter { $0.language == "ger" }
        #expect(german.map(\.isSubtitlerTrack) == [false, true])
    }
}
