import Foundation
@testable import MediaAudio
import Testing
import TestSupport

/// In-place replacement and failures: the original is replaced only by a complete, checked file; on any failure
/// it stays byte-identical and no temporary file is left.
@Suite struct MuxSafetyTests {
    static let cues = [TimedText(start: 100, end: 900, lines: ["One."]), TimedText(start: 1000, end: 2000, lines: ["Two."])]

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func inPlaceReplacesTheSourceAndKeepsItsPermissions() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = try MuxFixture.copy(MuxFixture.matroska, to: scratch.url, as: "film.mkv")
        #expect(chmod(path, 0o640) == 0)
        // As root (media servers in containers often are), the file keeps a foreign owner too.
        if geteuid() == 0 { #expect(chown(path, 4321, 4322) == 0) }
        let owner = try FileManager.default.attributesOfItem(atPath: path)
        let original = try MuxOracle.probe(path)
        let result = try MediaMuxer.mux(
            path, adding: [.subtitles(Self.cues, language: "eng", title: "English")], to: .replacingSource)
        #expect(result.path == path)
        #expect(result.media.path == path)
        #expect(try scratch.files() == ["film.mkv"])
        let replaced = try MuxOracle.probe(path)
        #expect(replaced.streams.count == original.streams.count + 1)
        #expect(try MuxOracle.extractedCues(path, stream: 3) == Self.cues)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o640)
        #expect(attributes[.ownerAccountID] as? Int == owner[.ownerAccountID] as? Int)
        #expect(attributes[.groupOwnerAccountID] as? Int == owner[.groupOwnerAccountID] as? Int)
    }

    @Test func inPlaceThroughASymbolicLinkReplacesTheTargetAndKeepsTheLink() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let target = try MuxFixture.copy(MuxFixture.mp4, to: scratch.url, as: "real.mp4")
        let link = scratch.path("link.mp4")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        _ = try MediaMuxer.mux(link, adding: [.subtitles(Self.cues, language: "eng")], to: .replacingSource)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try MuxOracle.probe(target).streams.contains { $0.codecName == "mov_text" })
        #expect(try scratch.files() == ["link.mp4", "real.mp4"])
    }

    @Test(arguments: [0, 1, 40, 150])
    func injectedFailureLeavesTheOriginalByteIdentical(afterPackets: Int) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = try MuxFixture.copy(MuxFixture.mp4, to: scratch.url, as: "film.mp4")
        let before = try Self.bytes(path)
        let error = #expect(throws: MediaError.self) {
            try MediaMuxer.mux(
                path, adding: [.subtitles(Self.cues, language: "eng")], to: .replacingSource,
                replacing: .matchingAdditions, failAfterPackets: Int64(afterPackets))
        }
        #expect(error?.code == .ioFailed)
        #expect(error?.path == path)
        #expect(error?.description.contains("injected failure after \(afterPackets) packets") == true)
        #expect(try Self.bytes(path) == before)
        #expect(try scratch.files() == ["film.mp4"])
    }

    @Test func failureWritingANewFileLeavesNothingBehind() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let source = try MuxFixture.matroska.get()
        let output = scratch.path("out.mkv")
        #expect(throws: MediaError.self) {
            try MediaMuxer.mux(
                source, adding: [.subtitles(Self.cues, language: "eng")], to: .file(output),
                replacing: .matchingAdditions, failAfterPackets: 60)
        }
        #expect(try scratch.files().isEmpty)

        // An existing destination is only replaced by a complete file.
        FileManager.default.createFile(atPath: output, contents: Data("keep me".utf8))
        #expect(throws: MediaError.self) {
            try MediaMuxer.mux(
                source, adding: [.subtitles(Self.cues, language: "eng")], to: .file(output),
                replacing: .matchingAdditions, failAfterPackets: 60)
        }
        #expect(try Self.bytes(output) == Data("keep me".utf8))
        #expect(try scratch.files() == ["out.mkv"])
    }

    @Test func missingDestinationDirectoryIsNamed() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let output = scratch.path("no such dir/out.mkv")
        let error = #expect(throws: MediaError.self) {
            try MediaMuxer.mux(
                try MuxFixture.matroska.get(), adding: [.subtitles(Self.cues, language: "eng")], to: .file(output))
        }
        #expect(error?.code == .fileNotFound)
        #expect(error?.path == output)
        #expect(try scratch.files().isEmpty)
    }

    @Test func notAMediaFileIsRefusedBeforeAnythingIsWritten() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = scratch.path("notes.mkv")
        FileManager.default.createFile(atPath: path, contents: Data("not a video".utf8))
        let error = #expect(throws: MediaError.self) {
            try MediaMuxer.mux(path, adding: [.subtitles(Self.cues, language: "eng")], to: .replacingSource)
        }
        #expect(error?.code == .notMediaFile)
        #expect(error?.path == path)
        #expect(try Self.bytes(path) == Data("not a video".utf8))
        #expect(try scratch.files() == ["notes.mkv"])
    }
}
