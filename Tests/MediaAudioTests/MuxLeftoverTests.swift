import Foundation
import MediaAudio
import Testing
import TestSupport

/// `mux --in-place` cleans its folder first: temporaries of killed runs (of any file there) go, a running
/// writer's stay.
@Suite struct MuxLeftoverTests {
    @Test func muxingInPlaceRemovesDeadWritersTemporariesFromTheFolderAndKeepsLiveOnes() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = try MuxFixture.copy(MuxFixture.matroska, to: scratch.url, as: "film.mkv")
        let planted = try scratch.plantTemporaries(deadProcess: try TemporaryDirectory.deadProcessID())

        _ = try MediaMuxer.mux(
            path, adding: [.subtitles([TimedText(start: 200, end: 1_200, lines: ["Hi."])], language: "eng", title: "English")],
            to: .replacingSource)

        let left = try scratch.files()
        #expect(left == ["film.mkv", planted.live].sorted())
    }
}
