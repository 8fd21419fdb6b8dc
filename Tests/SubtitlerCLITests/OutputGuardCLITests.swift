import Foundation
import Testing
import TestSupport

/// One output guard for every command: an output that is one of the command's inputs, through any spelling or link,
/// is refused before anything is written, and the inputs stay as they were.
@Suite struct OutputGuardCLITests {
    func fixture(_ scratch: TemporaryDirectory) throws -> (video: String, subtitles: String) {
        let video = scratch.path("v.mp4")
        try FileManager.default.copyItem(atPath: Samples.url("talk-en.mp4").path, toPath: video)
        let subtitles = scratch.path("v.en.srt")
        try "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n".write(toFile: subtitles, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: scratch.path("link.mp4"), withDestinationPath: video)
        return (video, subtitles)
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test(arguments: [
        ["review", "v.mp4", "-o", "v.mp4"],
        ["review", "v.mp4", "v.en.srt", "-o", "./v.en.srt"],
        ["review", "v.mp4", "--output", "link.mp4"],
        ["mux", "v.mp4", "v.en.srt", "-o", "v.mp4"],
        ["mux", "v.mp4", "v.en.srt", "-o", "sub/../link.mp4"],
        ["mux", "v.mp4", "v.en.srt", "--output", "v.en.srt"],
    ])
    func anOutputThatIsAnInputIsRefused(arguments: [String]) async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let (video, subtitles) = try fixture(scratch)
        try FileManager.default.createDirectory(atPath: scratch.path("sub"), withIntermediateDirectories: true)
        let before = (try bytes(video), try bytes(subtitles))
        let paths = arguments.enumerated().map { index, argument in index == 0 || argument.hasPrefix("-") ? argument : scratch.path(argument) }
        let run = try await CommandRunner.run(paths, environment: CommandRunner.environment([:], cache: scratch.cache))
        #expect(run.status == 1, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains("is the input"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
        #expect(try bytes(video) == before.0)
        #expect(try bytes(subtitles) == before.1)
        #expect(try scratch.files() == ["link.mp4", "sub", "v.en.srt", "v.mp4"])
    }
}
