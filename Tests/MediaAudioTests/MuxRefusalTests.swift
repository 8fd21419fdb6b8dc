import Foundation
@testable import MediaAudio
import Testing
import TestSupport

/// What a container cannot carry, and bad arguments: one readable error naming the file, and no output.
@Suite struct MuxRefusalTests {
    static let cues = [TimedText(start: 0, end: 1000, lines: ["Hi."])]

    static func refused(
        _ source: String, _ additions: [TrackAddition], to destination: MuxDestination, in scratch: TemporaryDirectory
    ) throws -> MediaError? {
        let error = #expect(throws: MediaError.self) { try MediaMuxer.mux(source, adding: additions, to: destination) }
        #expect(try scratch.files().filter { $0.hasPrefix(".") }.isEmpty, "no temporary file left")
        return error
    }

    @Test func containersThatCannotTakeTextTracksAreRefusedByName() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let output = scratch.path("out.avi")
        let error = try Self.refused(
            try MuxFixture.matroska.get(), [.subtitles(Self.cues, language: "eng")], to: .file(output), in: scratch)
        #expect(error?.code == .invalidArgument)
        #expect(error?.path == output)
        #expect(error?.description.contains("MKV, WebM, MP4") == true)
        #expect(try scratch.files().isEmpty)
        #expect(MuxContainer(path: "/a/b.TS") == nil)
        #expect(MuxContainer(path: "film.MKV") == .matroska)
        #expect(MuxContainer(path: ".mkv") == nil)
    }

    @Test func existingSubRipCannotGoIntoMP4() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let output = scratch.path("out.mp4")
        let error = try Self.refused(
            try MuxFixture.matroska.get(), [.subtitles(Self.cues, language: "eng")], to: .file(output), in: scratch)
        #expect(error?.code == .invalidArgument)
        #expect(error?.description.contains("stream #2 (subtitle, subrip)") == true)
        #expect(try scratch.files().isEmpty)
    }

    @Test func audioAdditionsMustBeAudioTheContainerTakes() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let videoOnly = try Fixture.videoOnly.get()
        let noAudio = try Self.refused(
            try MuxFixture.matroska.get(), [.audio(file: videoOnly, language: "eng")], to: .file(scratch.path("a.mkv")),
            in: scratch)
        #expect(noAudio?.code == .noAudioStream)
        #expect(noAudio?.path == videoOnly)

        let aac = try MuxFixture.dub(.m4a)
        let wrongCodec = try Self.refused(
            try MuxFixture.webm.get(), [.audio(file: aac, language: "eng")], to: .file(scratch.path("b.webm")),
            in: scratch)
        #expect(wrongCodec?.code == .invalidArgument)
        #expect(wrongCodec?.description.contains("aac cannot be stored in webm") == true)
        #expect(try scratch.files().isEmpty)
    }

    @Test func badCuesAndLanguagesAreRefused() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = try MuxFixture.mp4.get()
        let backwards = try Self.refused(
            source, [.subtitles([TimedText(start: 900, end: 900, lines: ["x"])], language: "eng")],
            to: .file(scratch.path("a.mp4")), in: scratch)
        #expect(backwards?.code == .invalidArgument)
        #expect(backwards?.description.contains("cue 1") == true)
        let language = try Self.refused(
            source, [.subtitles(Self.cues, language: "klingon")], to: .file(scratch.path("b.mp4")), in: scratch)
        #expect(language?.description.contains("'klingon' is not an ISO 639 language code") == true)
        #expect(try scratch.files().isEmpty)
    }

    @Test func languageTagsFollowTheContainer() throws {
        #expect(try MuxContainer.matroska.languageTag("de", path: "x") == "ger")
        #expect(try MuxContainer.mp4.languageTag("ger", path: "x") == "deu")
        #expect(try MuxContainer.webm.languageTag("English", path: "x") == "eng")
        #expect(try MuxContainer.mov.languageTag(nil, path: "x") == "und")
        #expect(try MuxContainer.mov.languageTag("deu", path: "x") == "ger")
        #expect(try MuxContainer.matroska.languageTag("tlh", path: "x") == "tlh")
        #expect(MuxContainer.matroska.dubEncoding == .opus && MuxContainer.mp4.dubEncoding == .m4a)
        #expect(MuxContainer.allCases.map(\.subtitleCodecName) == ["subrip", "webvtt", "mov_text", "mov_text", "mov_text"])
    }
}
