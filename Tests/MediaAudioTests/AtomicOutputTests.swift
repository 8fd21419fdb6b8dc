import Foundation
import Testing
import TestSupport
@testable import MediaAudio

/// The muxer's atomic output uses the house's one temporary-name scheme, so a leftover of a killed mux is found
/// and removed by the next write of the same file.
struct AtomicOutputTests {
    @Test func temporaryNamesFollowTheOneSchemeAndLeftoversOfKilledRunsGo() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let final = scratch.path("film.mkv")
        // A leftover of a run that was killed: process 2^22+1 is above Linux's largest pid, so it never runs.
        let leftover = scratch.path(".film.mkv.4194305.deadbeef.tmp")
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data(count: 1024)))

        let output = try AtomicOutput(finalPath: final)
        let name = (output.temporaryPath as NSString).lastPathComponent
        #expect(name.hasPrefix(".film.mkv.\(getpid())."))
        #expect(name.hasSuffix(".tmp"))
        #expect(!FileManager.default.fileExists(atPath: leftover))

        try Data("mkv".utf8).write(to: URL(fileURLWithPath: output.temporaryPath))
        try output.commit()
        #expect(try scratch.files() == ["film.mkv"])
    }
}
